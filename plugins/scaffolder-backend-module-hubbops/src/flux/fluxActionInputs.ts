import { InputError } from '@backstage/errors';
import { z as zod } from 'zod/v3';

/** Input fields both Flux actions take, in the form `createTemplateAction` takes. */
export const clusterInput = (z: typeof zod) =>
  z
    .string({
      description:
        'The cluster, by the name the Flux backend knows it, e.g. ' +
        '`demo-eu-west` (the cluster picker of the Flux plugin offers them).',
    })
    .min(1);

const dnsName = (z: typeof zod, what: string) =>
  z
    .string({ description: what })
    .regex(
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
      'a Kubernetes name is lower-case letters, digits, "-" and "."',
    )
    .max(253);

export const kustomizationInput = (z: typeof zod) =>
  z.object(
    {
      name: dnsName(z, 'The Flux Kustomization, e.g. `shop`.'),
      namespace: dnsName(
        z,
        'Its namespace. Default `flux-system`, where Flux keeps its objects.',
      ).optional(),
    },
    {
      description:
        'The Flux Kustomization that deploys the service, e.g. ' +
        '`{ name: shop }` (namespace `flux-system`).',
    },
  );

/** Turns a zod error into an InputError naming the action and the fields. */
export function parseActionInput<T extends zod.ZodTypeAny>(
  actionId: string,
  parser: T,
  raw: unknown,
): zod.output<T> {
  const result = parser.safeParse(raw ?? {});
  if (!result.success) {
    throw new InputError(
      `invalid input to ${actionId}: ${result.error.issues
        .map(issue => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  return result.data;
}

/** A zod object of the fields, to parse the whole input at once. */
export function objectOf<
  S extends Record<string, (z: typeof zod) => zod.ZodTypeAny>,
>(schema: S) {
  return zod.object(
    Object.fromEntries(
      Object.entries(schema).map(([key, field]) => [key, field(zod)]),
    ) as { [K in keyof S]: ReturnType<S[K]> },
  );
}
