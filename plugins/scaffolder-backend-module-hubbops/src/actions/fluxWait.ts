import { CustomErrorBase, isError } from '@backstage/errors';
import { FluxClusterService } from '@hubbops/plugin-flux-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { z as zod } from 'zod/v3';
import { FluxObject } from '../flux/FluxClusterClient';
import { connectToKustomization } from '../flux/connectToKustomization';
import {
  clusterInput,
  kustomizationInput,
  objectOf,
  parseActionInput,
} from '../flux/fluxActionInputs';
import {
  conditionOf,
  describeCondition,
  handledRequest,
  KUSTOMIZE_GROUP,
  observedCurrentGeneration,
  SOURCE_GROUP,
  sourceRefOf,
} from '../flux/FluxStatus';

export const FLUX_WAIT_ACTION_ID = 'hubbops:flux:wait';

/**
 * Ready=False reasons Flux recovers from by itself: the source has no
 * artifact yet, a dependency is not ready, or work is under way. An
 * ArtifactFailed at the awaited revision (e.g. "kustomization path not
 * found") is final for that revision, though.
 */
const TRANSIENT_REASONS = new Set([
  'ArtifactFailed',
  'DependencyNotReady',
  'Progressing',
  'ProgressingWithRetry',
]);

/** Flux said no: the Kustomization failed, stalled or is suspended. */
export class FluxReconciliationError extends CustomErrorBase {
  name = 'FluxReconciliationError' as const;
}

/** The Kustomization did not get there in `timeoutSeconds`. */
export class FluxWaitTimeoutError extends CustomErrorBase {
  name = 'FluxWaitTimeoutError' as const;
}

const inputSchema = {
  cluster: clusterInput,
  kustomization: kustomizationInput,
  revision: (z: typeof zod) =>
    z
      .string({
        description:
          'The revision the Kustomization must have applied: a commit SHA ' +
          '(e.g. `${{ steps.push.output.commitSha }}`) or a Flux revision ' +
          'such as `main@sha1:<sha>`; `status.lastAppliedRevision` must ' +
          'contain it. Default: any revision.',
      })
      .min(1)
      .optional(),
  requestedAt: (z: typeof zod) =>
    z
      .string({
        description:
          'The token `hubbops:flux:reconcile` wrote ' +
          '(`${{ steps.reconcile.output.requestedAt }}`): wait until Flux ' +
          'has handled that request (status.lastHandledReconcileAt).',
      })
      .min(1)
      .optional(),
  timeoutSeconds: (z: typeof zod) =>
    z
      .number({
        description:
          'How long to wait before failing with what was last seen, in ' +
          'seconds, e.g. `600`. Default `300`.',
      })
      .int()
      .min(1)
      .max(86_400)
      .default(300),
};

const outputSchema = {
  revision: (z: typeof zod) =>
    z.string({
      description:
        'The revision the Kustomization applied (status.lastAppliedRevision), e.g. `main@sha1:…`.',
    }),
  ready: (z: typeof zod) =>
    z.boolean({
      description:
        'Whether it is Ready (always true unless in a dry run, where the current state is reported).',
    }),
  message: (z: typeof zod) =>
    z.string({
      description:
        "Flux's Ready message, e.g. `Applied revision: main@sha1:…`.",
    }),
};

const inputParser = objectOf(inputSchema);
type WaitInput = zod.output<typeof inputParser>;

type Verdict =
  | { state: 'ready'; revision: string; message: string }
  | { state: 'failed'; message: string }
  | { state: 'waiting'; why: string };

/** Where a Kustomization stands against what the task waits for. */
function judge(
  ks: FluxObject | undefined,
  input: WaitInput,
  label: string,
  cluster: string,
): Verdict {
  if (!ks) return { state: 'waiting', why: `${label} does not exist yet` };
  const status = ks.status ?? {};
  const ready = conditionOf(ks, 'Ready');
  const stalled = conditionOf(ks, 'Stalled');
  const current = observedCurrentGeneration(ks);
  const handled =
    input.requestedAt === undefined || handledRequest(ks, input.requestedAt);
  const contains = (value: unknown) =>
    input.revision === undefined ||
    (typeof value === 'string' && value.includes(input.revision));
  if (ks.spec?.suspend === true) {
    return {
      state: 'failed',
      message: `${label} is suspended in cluster "${cluster}", so Flux will not apply anything; resume it and run the task again`,
    };
  }
  if (stalled?.status === 'True' && current) {
    return {
      state: 'failed',
      message: `${label} stalled in cluster "${cluster}": ${
        stalled.message ?? stalled.reason ?? 'no message'
      }`,
    };
  }
  if (!handled) {
    return {
      state: 'waiting',
      why: `Flux has not handled the reconcile request ${input.requestedAt} yet`,
    };
  }
  if (!current) {
    return {
      state: 'waiting',
      why: `Flux has not reconciled generation ${ks.metadata.generation} yet`,
    };
  }
  if (ready?.status === 'True' && contains(status.lastAppliedRevision)) {
    return {
      state: 'ready',
      revision: String(status.lastAppliedRevision ?? ''),
      message: ready.message ?? '',
    };
  }
  const final =
    !TRANSIENT_REASONS.has(ready?.reason ?? '') ||
    (ready?.reason === 'ArtifactFailed' && input.revision !== undefined);
  if (
    ready?.status === 'False' &&
    final &&
    contains(status.lastAttemptedRevision)
  ) {
    return {
      state: 'failed',
      message: `${label} failed in cluster "${cluster}" (${ready.reason}): ${
        ready.message ?? 'no message'
      }`,
    };
  }
  if (input.revision !== undefined && !contains(status.lastAttemptedRevision)) {
    return {
      state: 'waiting',
      why: `waiting for revision ${input.revision}; last attempted ${
        status.lastAttemptedRevision ?? 'none'
      }`,
    };
  }
  return { state: 'waiting', why: 'waiting for Ready' };
}

/** `Kustomization flux-system/shop: Ready=Unknown Progressing: … [applied main@sha1:…]` */
function describeKustomization(label: string, ks: FluxObject | undefined) {
  if (!ks) return `${label}: not found`;
  const applied = ks.status?.lastAppliedRevision;
  return `${label}: ${describeCondition(conditionOf(ks, 'Ready'))}${
    applied ? ` [applied ${applied}]` : ''
  }`;
}

function describeSource(label: string, source: FluxObject | undefined) {
  if (!source) return `${label}: not found`;
  const revision = source.status?.artifact?.revision;
  return `${label}: ${describeCondition(conditionOf(source, 'Ready'))}${
    revision ? ` [artifact ${revision}]` : ''
  }`;
}

/**
 * Creates the `hubbops:flux:wait` action: waits until a Kustomization is
 * Ready at a revision, logging each change of its state (and of its source
 * while it waits on it); fails with Flux's own message, or at the timeout
 * with what it last saw.
 */
export function createFluxWaitAction(options: {
  clusters: FluxClusterService;
  /** How often to read the Kustomization (default 2 s). */
  pollIntervalMs?: number;
  /** How often to log that it is still waiting (default 30 s). */
  heartbeatMs?: number;
}) {
  const pollMs = options.pollIntervalMs ?? 2000;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  return createTemplateAction({
    id: FLUX_WAIT_ACTION_ID,
    description:
      'Waits until a Flux Kustomization is Ready at a revision, or fails with Flux’s message',
    supportsDryRun: true,
    examples: [
      {
        description: 'Wait for the commit just pushed to be deployed',
        example: [
          'steps:',
          '  - id: wait',
          '    action: hubbops:flux:wait',
          '    input:',
          '      cluster: ${{ parameters.cluster }}',
          '      kustomization:',
          '        name: ${{ parameters.name }}',
          '      revision: ${{ steps.push.output.commitSha }}',
          '      requestedAt: ${{ steps.reconcile.output.requestedAt }}',
          '      timeoutSeconds: 600',
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
          FLUX_WAIT_ACTION_ID,
          inputParser,
          ctx.input,
        );
        const { namespace, name, label, client } = await connectToKustomization(
          options.clusters,
          input,
          signal,
        );
        const ksKind = await client.requireKind(
          KUSTOMIZE_GROUP,
          'Kustomization',
        );
        const target = input.revision ? ` at revision ${input.revision}` : '';

        if (ctx.isDryRun) {
          const ks = await client.get(ksKind, namespace, name);
          log(`dry run: ${describeKustomization(label, ks)}`);
          log(
            `dry run: would wait up to ${input.timeoutSeconds}s for ${label} to be Ready${target}`,
          );
          const ready = conditionOf(ks, 'Ready');
          ctx.output('revision', String(ks?.status?.lastAppliedRevision ?? ''));
          ctx.output('ready', ready?.status === 'True');
          ctx.output('message', ready?.message ?? '');
          return;
        }

        log(
          `waiting up to ${input.timeoutSeconds}s for ${label} in cluster ${input.cluster} to be Ready${target}`,
        );
        const started = Date.now();
        const deadline = started + input.timeoutSeconds * 1000;
        let lastLine = '';
        let lastSourceLine = '';
        let lastWhy = '';
        let nextHeartbeat = started + heartbeatMs;
        for (;;) {
          signal?.throwIfAborted();
          const ks = await client.get(ksKind, namespace, name);
          const line = describeKustomization(label, ks);
          if (line !== lastLine) log(line);
          lastLine = line;
          const verdict = judge(ks, input, label, input.cluster);
          if (verdict.state === 'ready') {
            log(
              `${label} is Ready at ${verdict.revision} after ${Math.round(
                (Date.now() - started) / 1000,
              )}s`,
            );
            ctx.output('revision', verdict.revision);
            ctx.output('ready', true);
            ctx.output('message', verdict.message);
            return;
          }
          if (verdict.state === 'failed') {
            throw new FluxReconciliationError(verdict.message);
          }
          lastWhy = verdict.why;

          // Say why the Kustomization waits when its source is the reason.
          const sourceRef = ks ? sourceRefOf(ks) : undefined;
          if (sourceRef) {
            const sourceKind = await client.servedKind(
              SOURCE_GROUP,
              sourceRef.kind,
            );
            if (sourceKind) {
              const source = await client.get(
                sourceKind,
                sourceRef.namespace,
                sourceRef.name,
              );
              const sourceLabel = `${sourceRef.kind} ${sourceRef.namespace}/${sourceRef.name}`;
              const sourceLine = describeSource(sourceLabel, source);
              const sourceReady = conditionOf(source, 'Ready');
              const sourceRevision = source?.status?.artifact?.revision;
              const lagging =
                input.revision !== undefined &&
                !(
                  typeof sourceRevision === 'string' &&
                  sourceRevision.includes(input.revision)
                );
              if (
                sourceLine !== lastSourceLine &&
                (sourceReady?.status !== 'True' || lagging)
              ) {
                log(`waiting on its source: ${sourceLine}`);
              }
              lastSourceLine = sourceLine;
              const sourceStalled = conditionOf(source, 'Stalled');
              if (sourceStalled?.status === 'True') {
                throw new FluxReconciliationError(
                  `${sourceLabel}, the source of ${label}, stalled in cluster "${
                    input.cluster
                  }": ${sourceStalled.message ?? sourceStalled.reason}`,
                );
              }
            }
          }

          const now = Date.now();
          if (now >= deadline) {
            throw new FluxWaitTimeoutError(
              `${label} in cluster "${
                input.cluster
              }" was not Ready${target} after ${
                input.timeoutSeconds
              }s (${lastWhy}). Last seen: ${lastLine}${
                lastSourceLine ? `; ${lastSourceLine}` : ''
              }`,
            );
          }
          if (now >= nextHeartbeat) {
            log(
              `still waiting for ${label} (${lastWhy}); ${Math.round(
                (deadline - now) / 1000,
              )}s left`,
            );
            nextHeartbeat = now + heartbeatMs;
          }
          await sleep(Math.min(pollMs, deadline - now), undefined, { signal });
        }
      } catch (error) {
        if (signal?.aborted) {
          throw isError(signal.reason)
            ? signal.reason
            : new Error(`${FLUX_WAIT_ACTION_ID} was cancelled`);
        }
        throw error;
      }
    },
  });
}
