import {
  ConflictError,
  ForwardedError,
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { FluxClusterService } from '@hubbops/plugin-flux-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createHash } from 'node:crypto';
import { z as zod } from 'zod/v3';
import {
  FluxClusterClient,
  FluxObject,
  messageOf,
  statusOf,
} from '../flux/FluxClusterClient';
import {
  connectToKustomization,
  FLUX_NAMESPACE,
} from '../flux/connectToKustomization';
import {
  clusterInput,
  kustomizationInput,
  objectOf,
  parseActionInput,
} from '../flux/fluxActionInputs';
import {
  describeObject,
  FluxObjectFile,
  readFluxObjectFiles,
} from '../flux/FluxObjectFiles';
import {
  KUSTOMIZE_GROUP,
  REQUESTED_AT_ANNOTATION,
  SOURCE_GROUP,
  sourceRefOf,
} from '../flux/FluxStatus';
import { reconcileToken } from '../flux/reconcileToken';

export const FLUX_RECONCILE_ACTION_ID = 'hubbops:flux:reconcile';

const inputSchema = {
  cluster: clusterInput,
  kustomization: kustomizationInput,
  applyPath: (z: typeof zod) =>
    z
      .string({
        description:
          'A workspace directory (or file) of Flux object YAMLs to apply ' +
          'first with server-side apply, e.g. `manifests/flux`: the ' +
          'GitRepository/OCIRepository and Kustomization of the service, ' +
          'for clusters whose own GitOps sync does not create them. Only ' +
          'Flux sources and Kustomizations are accepted; objects without a ' +
          'namespace go to `flux-system`.',
      })
      .min(1)
      .optional(),
  reconcileSource: (z: typeof zod) =>
    z
      .boolean({
        description:
          "Also ask Flux to fetch the Kustomization's source now (before " +
          'the Kustomization), so a commit just pushed is picked up at ' +
          'once. Default `true`.',
      })
      .default(true),
};

const outputSchema = {
  requestedAt: (z: typeof zod) =>
    z.string({
      description:
        'The `reconcile.fluxcd.io/requestedAt` token written to the source ' +
        'and the Kustomization; give it to `hubbops:flux:wait`.',
    }),
  source: (z: typeof zod) =>
    z.object(
      { kind: z.string(), name: z.string(), namespace: z.string() },
      { description: "The Kustomization's source." },
    ),
  applied: (z: typeof zod) =>
    z
      .array(z.string(), {
        description:
          'The objects of `applyPath`, e.g. `GitRepository flux-system/shop (created)`.',
      })
      .optional(),
};

const inputParser = objectOf(inputSchema);

interface ReconcileResult {
  requestedAt: string;
  source: { kind: string; name: string; namespace: string };
  [key: string]: string | { kind: string; name: string; namespace: string };
}

/**
 * Creates the `hubbops:flux:reconcile` action: optionally applies the
 * service's Flux objects, then asks Flux to reconcile its source and its
 * Kustomization at once, as `flux reconcile kustomization --with-source`
 * does, without waiting.
 */
export function createFluxReconcileAction(options: {
  clusters: FluxClusterService;
}) {
  return createTemplateAction({
    id: FLUX_RECONCILE_ACTION_ID,
    description:
      'Asks Flux to reconcile a Kustomization and its source now (optionally applying them first)',
    supportsDryRun: true,
    examples: [
      {
        description: 'Reconcile the service after pushing its manifests',
        example: [
          'steps:',
          '  - id: reconcile',
          '    action: hubbops:flux:reconcile',
          '    input:',
          '      cluster: ${{ parameters.cluster }}',
          '      kustomization:',
          '        name: ${{ parameters.name }}',
        ].join('\n'),
      },
      {
        description:
          'Create the GitRepository and Kustomization first, then reconcile',
        example: [
          'steps:',
          '  - id: reconcile',
          '    action: hubbops:flux:reconcile',
          '    input:',
          '      cluster: demo-eu-west',
          '      kustomization: { name: shop }',
          '      applyPath: manifests/flux',
        ].join('\n'),
      },
    ],
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const signal = ctx.signal;
      const log = (message: string) => ctx.logger.info(message);
      try {
        signal?.throwIfAborted();
        const input = parseActionInput(
          FLUX_RECONCILE_ACTION_ID,
          inputParser,
          ctx.input,
        );
        const {
          namespace,
          name,
          label: ksName,
          client,
        } = await connectToKustomization(options.clusters, input, signal);
        const dryRun = ctx.isDryRun === true;
        const verb = dryRun ? 'dry run: would' : 'will';

        let applied: string[] | undefined;
        let toApply: FluxObjectFile[] = [];
        if (input.applyPath !== undefined) {
          const files = await readFluxObjectFiles(
            ctx.workspacePath,
            input.applyPath,
            FLUX_NAMESPACE,
          );
          toApply = files.objects;
          for (const skipped of files.skipped) log(`skipping ${skipped}`);
          log(
            `${verb} apply ${toApply.length} Flux object(s) from ${
              input.applyPath
            } to cluster ${input.cluster}: ${toApply
              .map(o => describeObject(o.object))
              .join(', ')}`,
          );
          if (dryRun) {
            applied = await describePlannedApply(client, toApply, log);
          } else {
            const key = `flux-apply-${createHash('sha256')
              .update(
                JSON.stringify([input.cluster, toApply.map(o => o.object)]),
              )
              .digest('hex')}`;
            let ran = false;
            applied = await ctx.checkpoint<string[]>({
              key,
              fn: async () => {
                ran = true;
                return applyObjects(client, toApply, log);
              },
            });
            if (!ran) {
              log(
                `the Flux objects were already applied by an earlier attempt of this task: ${applied.join(
                  ', ',
                )}`,
              );
            }
          }
        }

        const ksKind = await client.requireKind(
          KUSTOMIZE_GROUP,
          'Kustomization',
        );
        let kustomization = await client.get(ksKind, namespace, name);
        if (!kustomization) {
          const planned = toApply.find(
            o =>
              o.object.kind === 'Kustomization' &&
              o.object.metadata.namespace === namespace &&
              o.object.metadata.name === name,
          );
          if (!dryRun || !planned) {
            throw new NotFoundError(
              `${ksName} does not exist in cluster "${input.cluster}"; ` +
                'give applyPath with its YAML (e.g. manifests/flux) or let the ' +
                "cluster's own GitOps sync create it first",
            );
          }
          kustomization = planned.object as unknown as FluxObject;
        }
        if (kustomization.spec?.suspend === true) {
          throw new ConflictError(
            `${ksName} is suspended in cluster "${input.cluster}", so Flux ` +
              'would ignore the request; resume it (flux resume kustomization, ' +
              'or the Flux tab) and run the task again',
          );
        }
        const source = sourceRefOf(kustomization);
        if (!source) {
          throw new InputError(
            `${ksName} has no spec.sourceRef; Flux cannot reconcile it`,
          );
        }
        const sourceName = `${source.kind} ${source.namespace}/${source.name}`;

        const targets: Array<{
          label: string;
          group: string;
          kind: string;
          namespace: string;
          name: string;
        }> = [];
        if (input.reconcileSource) {
          const sourceKind = await client.requireKind(
            SOURCE_GROUP,
            source.kind,
          );
          const current = await client.get(
            sourceKind,
            source.namespace,
            source.name,
          );
          const planned = toApply.some(
            o =>
              o.object.kind === source.kind &&
              o.object.metadata.namespace === source.namespace &&
              o.object.metadata.name === source.name,
          );
          if (!current && !(dryRun && planned)) {
            throw new NotFoundError(
              `${sourceName}, the source of ${ksName}, does not exist in cluster ` +
                `"${input.cluster}"; give applyPath with its YAML or create it`,
            );
          }
          if (current?.spec?.suspend === true) {
            throw new ConflictError(
              `${sourceName} is suspended in cluster "${input.cluster}", so Flux ` +
                'would not fetch the new revision; resume it and run the task again',
            );
          }
          targets.push({
            label: sourceName,
            group: SOURCE_GROUP,
            ...source,
          });
        }
        targets.push({
          label: ksName,
          group: KUSTOMIZE_GROUP,
          kind: 'Kustomization',
          namespace,
          name,
        });

        if (dryRun) {
          log(
            `dry run: would request a reconcile of ${targets
              .map(t => t.label)
              .join(', then ')} in cluster ${input.cluster}`,
          );
          log('dry run: nothing was changed in the cluster');
          ctx.output('requestedAt', reconcileToken());
          ctx.output('source', source);
          if (applied) ctx.output('applied', applied);
          return;
        }

        let ran = false;
        const result = await ctx.checkpoint<ReconcileResult>({
          key: `flux-reconcile-${input.cluster}-${namespace}-${name}-${input.reconcileSource}`,
          fn: async () => {
            ran = true;
            const token = reconcileToken();
            // Source first, so the Kustomization finds the new artifact.
            for (const target of targets) {
              signal?.throwIfAborted();
              const kind = await client.requireKind(target.group, target.kind);
              await client.annotate(kind, target.namespace, target.name, {
                [REQUESTED_AT_ANNOTATION]: token,
              });
              log(
                `requested a reconcile of ${target.label} in cluster ${input.cluster} (requestedAt ${token})`,
              );
            }
            return { requestedAt: token, source };
          },
        });
        if (!ran) {
          log(
            `Flux was already asked to reconcile ${ksName} by an earlier attempt of this task (requestedAt ${result.requestedAt}); not asking again`,
          );
        }
        ctx.output('requestedAt', result.requestedAt);
        ctx.output('source', result.source);
        if (applied) ctx.output('applied', applied);
      } catch (error) {
        if (signal?.aborted) throw signal.reason ?? error;
        throw clusterError(error);
      }
    },
  });
}

/** Applies sources, then Kustomizations; says what changed. */
async function applyObjects(
  client: FluxClusterClient,
  objects: FluxObjectFile[],
  log: (message: string) => void,
): Promise<string[]> {
  const results: string[] = [];
  for (const entry of objects) {
    const { object, current: before } = await inCluster(client, entry, log);
    let after: FluxObject;
    try {
      after = await client.apply(object);
    } catch (error) {
      const status = statusOf(error);
      if (status !== undefined && status >= 400 && status < 500) {
        throw new InputError(
          `cluster "${client.cluster}" refused ${describeObject(object)} from ${
            entry.file
          }: ${messageOf(error)}`,
        );
      }
      throw error;
    }
    let outcome = 'configured';
    if (!before) outcome = 'created';
    else if (before.metadata.resourceVersion === after.metadata.resourceVersion)
      outcome = 'unchanged';
    const line = `${describeObject(object)} (${outcome})`;
    log(`applied ${line} to cluster ${client.cluster}`);
    results.push(line);
  }
  return results;
}

/** What applying would do, read from the cluster without changing it. */
async function describePlannedApply(
  client: FluxClusterClient,
  objects: FluxObjectFile[],
  log: (message: string) => void,
): Promise<string[]> {
  const results: string[] = [];
  for (const entry of objects) {
    const { object, current } = await inCluster(client, entry, log);
    const line = `${describeObject(object)} (${
      current ? 'would be configured' : 'would be created'
    })`;
    log(`dry run: ${line}`);
    results.push(line);
  }
  return results;
}

/** An object of `applyPath` as the cluster serves it, and what it holds now. */
async function inCluster(
  client: FluxClusterClient,
  entry: FluxObjectFile,
  log: (message: string) => void,
): Promise<{
  object: FluxObjectFile['object'];
  current: FluxObject | undefined;
}> {
  const object = await servedObject(client, entry, log);
  const kind = await client.requireKind(entry.group, object.kind);
  const current = await client.get(
    kind,
    object.metadata.namespace,
    object.metadata.name,
  );
  return { object, current };
}

/**
 * The object at the version the cluster serves: Flux sources and
 * Kustomizations keep their fields across v1beta2 and v1, so a manifest
 * written for current Flux also applies to an older release.
 */
async function servedObject(
  client: FluxClusterClient,
  entry: FluxObjectFile,
  log: (message: string) => void,
): Promise<FluxObjectFile['object']> {
  const kind = await client.requireKind(entry.group, entry.object.kind);
  if (kind.version === entry.version) return entry.object;
  const apiVersion = `${kind.group}/${kind.version}`;
  log(
    `cluster ${client.cluster} serves ${
      entry.object.kind
    } as ${apiVersion}, not ${
      entry.object.apiVersion
    }; applying ${describeObject(entry.object)} as ${apiVersion}`,
  );
  return { ...entry.object, apiVersion };
}

/** Errors of the API server, in words that say what to do. */
function clusterError(error: unknown): unknown {
  if (!isError(error)) return error;
  if (
    [
      'InputError',
      'NotFoundError',
      'ConflictError',
      'NotAllowedError',
    ].includes(error.name)
  ) {
    return error;
  }
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    return new NotAllowedError(
      `the cluster refused the request (${status}): ${messageOf(
        error,
      )}; give the Flux backend's credentials for it the right to patch Flux objects`,
    );
  }
  if (status !== undefined) {
    return new ForwardedError(
      `the cluster answered ${status}: ${messageOf(error)}`,
      error,
    );
  }
  return error;
}
