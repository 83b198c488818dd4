import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createHash } from 'node:crypto';
import { z as zod } from 'zod/v3';
import { dnsLabel, isDnsLabel } from '../codegen/dnsLabel';
import { GeneratedFileWriter } from '../codegen/GeneratedFileWriter';
import { writeGeneratedFiles } from '../codegen/writeGeneratedFiles';
import { parseActionInput } from '../codegen/parseActionInput';
import { GeneratedFile } from '../codegen/ServiceTypeHandler';
import {
  fluxKustomizations,
  renderServiceManifests,
  ServiceManifestsSpec,
} from '../codegen/ServiceManifests';

export const CODEGEN_MANIFESTS_ACTION_ID = 'hubbops:codegen:manifests';

/** A Kubernetes resource quantity, e.g. `100m`, `0.5`, `128Mi`, `1G`. */
const QUANTITY =
  /^([0-9]+(\.[0-9]+)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** RFC 1123 host name, optionally with a leading wildcard label. */
const HOST =
  /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function quantity(z: typeof zod, input: string, example: string) {
  return z
    .string({ description: `${input}, e.g. \`${example}\`` })
    .superRefine((value, ctx) => {
      if (!QUANTITY.test(value)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `${input} '${value}' must be a Kubernetes quantity such as '${example}'`,
        });
      }
    });
}

const inputSchema = {
  name: (z: typeof zod) =>
    dnsLabel(
      z,
      'name',
      'The service name, a DNS label; names every object, e.g. `shop-api`.',
    ),
  namespace: (z: typeof zod) =>
    dnsLabel(
      z,
      'namespace',
      'The namespace to deploy to, a DNS label. Default: `name`. With several environments each gets `<namespace>-<environment>`.',
    ).optional(),
  image: (z: typeof zod) =>
    z
      .string({
        description:
          'The image to run, preferably with its digest, e.g. `${{ steps.image.output.imageRef }}`.',
      })
      .min(
        1,
        'image must name an image, e.g. registry.example.com/team/shop:1.0.0',
      )
      .refine(value => !/\s/.test(value), 'image must not contain spaces'),
  port: (z: typeof zod) =>
    z
      .number({ description: 'The container port. Default `8080`.' })
      .int('port must be a whole number')
      .min(1, 'port must be between 1 and 65535')
      .max(65535, 'port must be between 1 and 65535')
      .default(8080),
  healthPath: (z: typeof zod) =>
    z
      .string({
        description:
          'HTTP path of the readiness, liveness and startup probes. Default `/healthz`.',
      })
      .regex(/^\/\S*$/, "healthPath must start with '/', e.g. '/healthz'")
      .default('/healthz'),
  replicas: (z: typeof zod) =>
    z
      .number({
        description:
          'Pod replicas (ignored with `autoscaling`, which owns the count). Default `2`.',
      })
      .int()
      .min(0, 'replicas must be 0 or more')
      .max(100, 'replicas must be at most 100')
      .default(2),
  resources: (z: typeof zod) =>
    z
      .object(
        {
          requests: z
            .object({
              cpu: quantity(z, 'resources.requests.cpu', '100m').default(
                '100m',
              ),
              memory: quantity(z, 'resources.requests.memory', '128Mi').default(
                '128Mi',
              ),
            })
            .strict()
            .default({}),
          limits: z
            .object({
              cpu: quantity(z, 'resources.limits.cpu', '500m').optional(),
              memory: quantity(z, 'resources.limits.memory', '256Mi').default(
                '256Mi',
              ),
            })
            .strict()
            .default({}),
        },
        {
          description:
            'Container resources. Default: requests `{ cpu: 100m, memory: 128Mi }`, limits `{ memory: 256Mi }` (no CPU limit, to avoid throttling).',
        },
      )
      .strict()
      .default({}),
  environments: (z: typeof zod) =>
    z
      .array(dnsLabel(z, 'environment', 'An environment name'), {
        description:
          'Environments, one kustomize overlay and Flux Kustomization each, e.g. `[staging, production]`. Default `[production]`.',
      })
      .min(1, 'environments needs at least one environment')
      .refine(
        values => new Set(values).size === values.length,
        'environments must not repeat a name',
      )
      .default(['production']),
  ingress: (z: typeof zod) =>
    z
      .object(
        {
          host: z.string().superRefine((value, ctx) => {
            if (!HOST.test(value) || value.length > 253) {
              ctx.addIssue({
                code: z.ZodIssueCode.custom,
                message: `ingress.host '${value}' must be a DNS name such as 'shop.example.com'`,
              });
            }
          }),
          path: z
            .string()
            .regex(/^\/\S*$/, "ingress.path must start with '/'")
            .default('/'),
          className: z.string().min(1).optional(),
        },
        {
          description:
            'Expose the service through an Ingress, e.g. `{ host: shop.example.com, path: / }`; `className` picks the ingress class.',
        },
      )
      .strict()
      .optional(),
  autoscaling: (z: typeof zod) =>
    z
      .object(
        {
          minReplicas: z.number().int().min(1).default(2),
          maxReplicas: z.number().int().min(1).max(1000).default(10),
          targetCPUUtilization: z.number().int().min(1).max(100).default(80),
        },
        {
          description:
            'Add a HorizontalPodAutoscaler, e.g. `{ minReplicas: 2, maxReplicas: 10, targetCPUUtilization: 80 }`.',
        },
      )
      .strict()
      .refine(
        value => value.minReplicas <= value.maxReplicas,
        'autoscaling.minReplicas must not exceed autoscaling.maxReplicas',
      )
      .optional(),
  networkPolicy: (z: typeof zod) =>
    z
      .boolean({
        description:
          'Add a NetworkPolicy that admits traffic to the service port only. Default `true`.',
      })
      .default(true),
  createNamespace: (z: typeof zod) =>
    z
      .boolean({
        description:
          'Put the Namespace (Pod Security `restricted`) in each overlay, so Flux creates it. Default `true`.',
      })
      .default(true),
  source: (z: typeof zod) =>
    z
      .object(
        {
          kind: z
            .enum(['GitRepository', 'OCIRepository'])
            .default('GitRepository'),
          url: z
            .string()
            .regex(
              /^(https?|ssh|oci):\/\/\S+$/,
              'source.url must be an http(s)://, ssh:// or oci:// URL of the GitOps repository',
            ),
          branch: z.string().min(1).default('main'),
          tag: z.string().min(1).optional(),
          name: z.string().optional(),
          secretRef: z.string().optional(),
        },
        {
          description:
            'The Flux source of the GitOps repository, e.g. `{ kind: GitRepository, url: https://github.com/acme/gitops, branch: main }`. `name` defaults to `name`; `secretRef` names a Secret in flux-system with its credentials; `tag` is for OCIRepository (default `latest`).',
        },
      )
      .strict(),
  gitopsPath: (z: typeof zod) =>
    z
      .string({
        description:
          'Where these files will live in the GitOps repository, e.g. `clusters/demo-eu-west/apps/shop`; the Flux Kustomizations point at its overlays.',
      })
      .min(1, 'gitopsPath must be a path in the GitOps repository')
      .refine(
        value => !value.split('/').includes('..') && !/\s/.test(value),
        "gitopsPath must not contain '..' or spaces",
      ),
  targetPath: (z: typeof zod) =>
    z
      .string({
        description:
          'The workspace directory to write into. Default `manifests`.',
      })
      .min(1)
      .default('manifests'),
};

const outputSchema = {
  path: (z: typeof zod) =>
    z.string({
      description: 'The written directory, relative to the workspace.',
    }),
  files: (z: typeof zod) =>
    z.array(z.string(), {
      description: 'Every written file, relative to `path`.',
    }),
  kustomization: (z: typeof zod) =>
    z.object(
      { name: z.string(), namespace: z.string() },
      {
        description:
          'The Flux Kustomization of the first environment (for hubbops:flux:reconcile and hubbops:flux:wait).',
      },
    ),
  kustomizations: (z: typeof zod) =>
    z.array(
      z.object({
        environment: z.string(),
        name: z.string(),
        namespace: z.string(),
        targetNamespace: z.string(),
        path: z.string(),
      }),
      { description: 'The Flux Kustomization of every environment.' },
    ),
  source: (z: typeof zod) =>
    z.object(
      { kind: z.string(), name: z.string(), namespace: z.string() },
      { description: 'The Flux source the Kustomizations use.' },
    ),
  environments: (z: typeof zod) =>
    z.array(z.string(), { description: 'The environments rendered.' }),
  changed: (z: typeof zod) =>
    z.array(z.string(), {
      description:
        'The files this run wrote because their content differed; empty when re-run with the same inputs.',
    }),
};

const inputParser = zod.object(
  Object.fromEntries(
    Object.entries(inputSchema).map(([key, field]) => [key, field(zod)]),
  ) as { [K in keyof typeof inputSchema]: ReturnType<(typeof inputSchema)[K]> },
);

/**
 * Creates the `hubbops:codegen:manifests` action: writes a service's
 * Kubernetes manifests as a kustomize base with overlays per environment, and
 * the Flux objects that deploy them.
 */
export function createCodegenManifestsAction() {
  return createTemplateAction({
    id: CODEGEN_MANIFESTS_ACTION_ID,
    description:
      'Generates Kubernetes manifests for a service (kustomize base, overlays per environment) and the Flux source and Kustomizations that deploy them',
    supportsDryRun: true,
    examples: [
      {
        description:
          'Manifests for one environment, deployed from a GitOps repository',
        example: [
          'steps:',
          '  - id: manifests',
          '    action: hubbops:codegen:manifests',
          '    input:',
          '      name: ${{ parameters.name }}',
          '      image: ${{ steps.image.output.imageRef }}',
          '      port: 8080',
          '      source:',
          '        url: http://localhost:7007/api/hubbops-git/gitops.git',
          '      gitopsPath: clusters/${{ parameters.cluster }}/apps/${{ parameters.name }}',
        ].join('\n'),
      },
      {
        description: 'Two environments with an Ingress and autoscaling',
        example: [
          'steps:',
          '  - id: manifests',
          '    action: hubbops:codegen:manifests',
          '    input:',
          '      name: shop',
          '      image: registry.example.com/team/shop:1.0.0',
          '      environments: [staging, production]',
          '      ingress: { host: shop.example.com }',
          '      autoscaling: { minReplicas: 2, maxReplicas: 6, targetCPUUtilization: 75 }',
          '      source: { kind: GitRepository, url: https://github.com/acme/gitops, branch: main }',
          '      gitopsPath: clusters/demo-eu-west/apps/shop',
        ].join('\n'),
      },
    ],
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      ctx.signal?.throwIfAborted();
      const input = parseActionInput(
        inputParser,
        ctx.input,
        `input of ${CODEGEN_MANIFESTS_ACTION_ID}`,
      );
      const sourceName = input.source.name ?? input.name;
      if (!isDnsLabel(sourceName)) {
        throw new InputError(
          `source.name '${sourceName}' must be a DNS label: lowercase letters, digits and '-', at most 63 characters`,
        );
      }
      if (
        input.source.kind === 'OCIRepository' &&
        !input.source.url.startsWith('oci://')
      ) {
        throw new InputError(
          `source.url '${input.source.url}' must start with oci:// for an OCIRepository`,
        );
      }
      if (
        input.source.kind === 'GitRepository' &&
        input.source.url.startsWith('oci://')
      ) {
        throw new InputError(
          `source.url '${input.source.url}' is an OCI URL; set source.kind to OCIRepository or give the Git URL`,
        );
      }
      const spec: ServiceManifestsSpec = {
        name: input.name,
        namespace: input.namespace ?? input.name,
        image: input.image,
        port: input.port,
        healthPath: input.healthPath,
        replicas: input.replicas,
        resources: input.resources,
        environments: input.environments,
        ingress: input.ingress,
        autoscaling: input.autoscaling,
        networkPolicy: input.networkPolicy,
        createNamespace: input.createNamespace,
        source: { ...input.source, name: sourceName },
        gitopsPath: input.gitopsPath,
      };
      for (const environment of spec.environments) {
        const namespace =
          spec.environments.length === 1
            ? spec.namespace
            : `${spec.namespace}-${environment}`;
        if (!isDnsLabel(namespace)) {
          throw new InputError(
            `the namespace of environment '${environment}', '${namespace}', is longer than 63 characters; shorten namespace or the environment name`,
          );
        }
      }

      const writer = await GeneratedFileWriter.open({
        workspacePath: ctx.workspacePath,
        targetPath: input.targetPath,
        signal: ctx.signal,
      });
      ctx.logger.info(
        `rendering manifests for ${spec.name} (${spec.image}) in ${
          writer.relative
        }: environments ${spec.environments.join(', ')}, Flux ${
          spec.source.kind
        } ${spec.source.url}, path ${spec.gitopsPath}`,
      );
      // A retried task writes what its first attempt rendered.
      const render = async () => renderServiceManifests(spec);
      const files = ctx.isDryRun
        ? await render()
        : await ctx.checkpoint<GeneratedFile[]>({
            key: `codegen-manifests-${createHash('sha256')
              .update(JSON.stringify({ spec, target: writer.relative }))
              .digest('hex')}`,
            fn: render,
          });
      files.forEach(file => writer.resolve(file));

      const kustomizations = fluxKustomizations(spec);
      ctx.output('path', writer.relative);
      ctx.output(
        'files',
        files.map(file => file.path),
      );
      ctx.output('kustomization', {
        name: kustomizations[0].name,
        namespace: kustomizations[0].namespace,
      });
      ctx.output('kustomizations', kustomizations);
      ctx.output('source', {
        kind: spec.source.kind,
        name: spec.source.name,
        namespace: 'flux-system',
      });
      ctx.output('environments', spec.environments);
      ctx.output(
        'changed',
        await writeGeneratedFiles({
          writer,
          files,
          dryRun: ctx.isDryRun === true,
          logger: ctx.logger,
          made: 'rendered',
        }),
      );
    },
  });
}
