import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  FluxEvent,
  FluxKind,
  FluxObjectSummary,
  FluxReconcileRequest,
  FluxReconcileResponse,
  FluxReconcileResult,
  FluxRawObject,
  FluxSuspendResponse,
  findFluxKind,
  summarizeFluxObject,
} from '@hubbops/plugin-flux-common';
import { CoreV1Event } from '@kubernetes/client-node';
import { ClusterSync } from './ClusterSync';
import { FluxSyncEngine } from './FluxSyncEngine';
import { ServedKind } from './KubernetesClient';
import {
  kubernetesErrorMessage,
  kubernetesErrorStatus,
} from './kubernetesError';
import { reconcileToken } from './reconcileToken';

export const REQUESTED_AT_ANNOTATION = 'reconcile.fluxcd.io/requestedAt';
export const FORCE_AT_ANNOTATION = 'reconcile.fluxcd.io/forceAt';
export const RESET_AT_ANNOTATION = 'reconcile.fluxcd.io/resetAt';
export const SUSPENDED_BY_ANNOTATION = 'hubbops.dev/suspended-by';
export const SUSPENDED_AT_ANNOTATION = 'hubbops.dev/suspended-at';

/** Addresses one Flux object. */
export interface FluxObjectRef {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
}

interface Target {
  sync: ClusterSync;
  kind: FluxKind;
  served: ServedKind;
  ref: FluxObjectRef;
}

function timestamp(value: Date | string | undefined): string | undefined {
  if (!value) return undefined;
  return value instanceof Date ? value.toISOString() : value;
}

function toFluxEvent(event: CoreV1Event): FluxEvent & { at: number } {
  const last =
    timestamp(event.lastTimestamp) ??
    timestamp(event.eventTime as Date | string | undefined) ??
    timestamp(event.metadata?.creationTimestamp);
  return {
    type: event.type,
    reason: event.reason,
    message: event.message,
    count: event.count,
    firstTimestamp: timestamp(event.firstTimestamp),
    lastTimestamp: last,
    reportingController:
      event.reportingComponent || event.source?.component || undefined,
    at: Date.parse(last ?? '') || 0,
  };
}

/**
 * The source `flux reconcile --with-source` reconciles first: a HelmRelease
 * built from `spec.chart` gets its generated HelmChart (`status.helmChart`,
 * else `<namespace>-<name>` next to the chart's source), everything else
 * its `sourceRef` (or `chartRef`).
 */
function sourceToReconcile(
  ref: FluxObjectRef,
  object: FluxRawObject,
): FluxObjectRef | undefined {
  const spec = (object.spec ?? {}) as {
    chart?: { spec?: { sourceRef?: { namespace?: string } } };
    chartRef?: unknown;
  };
  if (ref.kind === 'HelmRelease' && spec.chart && !spec.chartRef) {
    const status = (object.status ?? {}) as { helmChart?: string };
    const [namespace, name] = status.helmChart?.includes('/')
      ? status.helmChart.split('/')
      : [
          spec.chart.spec?.sourceRef?.namespace ?? ref.namespace,
          `${ref.namespace}-${ref.name}`,
        ];
    return { cluster: ref.cluster, kind: 'HelmChart', namespace, name };
  }
  const sourceRef = summarizeFluxObject(ref.cluster, object).sourceRef;
  if (!sourceRef?.kind) return undefined;
  return {
    cluster: ref.cluster,
    kind: sourceRef.kind,
    namespace: sourceRef.namespace ?? ref.namespace,
    name: sourceRef.name,
  };
}

/**
 * What users ask of Flux objects: reconcile now, suspend, resume, and the
 * events about them. Writes go straight to the cluster; the watch brings
 * the outcome back into the index.
 */
export class FluxActionService {
  readonly #engine: FluxSyncEngine;
  readonly #timeoutMs: number;
  readonly #pollMs: number;

  constructor(options: {
    engine: FluxSyncEngine;
    reconcileTimeoutMs: number;
    pollIntervalMs?: number;
  }) {
    this.#engine = options.engine;
    this.#timeoutMs = options.reconcileTimeoutMs;
    this.#pollMs = options.pollIntervalMs ?? 250;
  }

  async reconcile(
    ref: FluxObjectRef,
    request: FluxReconcileRequest,
  ): Promise<FluxReconcileResponse> {
    const target = this.#target(ref);
    if (!target.kind.reconcilable) {
      throw new InputError(
        `${target.kind.kind} objects are not reconciled by Flux on request; ` +
          'reconcile the object that uses it instead',
      );
    }
    if (
      (request.force || request.reset) &&
      target.kind.kind !== 'HelmRelease'
    ) {
      throw new InputError(
        'force and reset apply to HelmRelease objects only; leave them out ' +
          `for a ${target.kind.kind}`,
      );
    }
    const current = await this.#read(target);
    if (current.spec?.suspend === true) {
      throw new ConflictError(
        `${ref.kind} ${ref.namespace}/${ref.name} is suspended; resume it ` +
          'instead, which also reconciles it',
      );
    }

    let source: FluxReconcileResult | undefined;
    if (request.withSource) {
      const sourceRef = sourceToReconcile(ref, current);
      if (!sourceRef) {
        throw new InputError(
          `${ref.kind} ${ref.namespace}/${ref.name} has no sourceRef; ` +
            'reconcile it without withSource',
        );
      }
      const sourceTarget = this.#target(sourceRef);
      source = await this.#requestAndWait(sourceTarget, {});
      if (source.outcome !== 'succeeded') {
        // As the flux CLI: a failed source is not worth applying.
        return { ...source, source };
      }
    }
    const result = await this.#requestAndWait(target, {
      force: request.force,
      reset: request.reset,
    });
    return source ? { ...result, source } : result;
  }

  async suspend(
    ref: FluxObjectRef,
    suspendedBy: string,
  ): Promise<FluxSuspendResponse> {
    const target = this.#suspendable(ref);
    const suspendedAt = new Date().toISOString();
    const object = await this.#patch(target, {
      spec: { suspend: true },
      metadata: {
        annotations: {
          [SUSPENDED_BY_ANNOTATION]: suspendedBy,
          [SUSPENDED_AT_ANNOTATION]: suspendedAt,
        },
      },
    });
    return { object, suspendedBy, suspendedAt };
  }

  /** Unsuspends, forgets who suspended, and reconciles, as `flux resume`. */
  async resume(ref: FluxObjectRef): Promise<FluxReconcileResponse> {
    const target = this.#suspendable(ref);
    const token = reconcileToken();
    await this.#patch(target, {
      spec: { suspend: false },
      metadata: {
        annotations: {
          [SUSPENDED_BY_ANNOTATION]: null,
          [SUSPENDED_AT_ANNOTATION]: null,
          ...(target.kind.reconcilable && { [REQUESTED_AT_ANNOTATION]: token }),
        },
      },
    });
    if (!target.kind.reconcilable) {
      const object = summarizeFluxObject(ref.cluster, await this.#read(target));
      return { outcome: 'succeeded', requestedAt: token, object };
    }
    return this.#wait(target, token);
  }

  /** core/v1 Events about the object, newest first. */
  async events(ref: FluxObjectRef): Promise<FluxEvent[]> {
    const target = this.#target(ref);
    const fieldSelector = [
      `involvedObject.kind=${target.kind.kind}`,
      `involvedObject.name=${ref.name}`,
    ].join(',');
    let events: CoreV1Event[];
    try {
      events = await target.sync.client.listEvents(
        ref.namespace,
        fieldSelector,
      );
    } catch (error) {
      throw this.#clusterError(target, error);
    }
    return events
      .filter(
        e => (e.involvedObject?.namespace ?? ref.namespace) === ref.namespace,
      )
      .map(toFluxEvent)
      .sort((a, b) => b.at - a.at)
      .map(({ at, ...event }) => event);
  }

  #target(ref: FluxObjectRef): Target {
    const sync = this.#engine.cluster(ref.cluster);
    if (!sync) {
      throw new NotFoundError(
        `No cluster is named "${ref.cluster}"; GET /clusters lists them`,
      );
    }
    const kind = findFluxKind(ref.kind);
    if (!kind) {
      throw new NotFoundError(
        `"${ref.kind}" is not a Flux kind; use one of Kustomization, ` +
          'HelmRelease, GitRepository, OCIRepository, HelmRepository, ...',
      );
    }
    const served = sync.servedKind(kind.kind);
    if (!served) {
      throw new NotFoundError(
        `Cluster "${ref.cluster}" does not serve ${kind.kind} (or has not ` +
          'been reached yet); check its health in GET /clusters',
      );
    }
    return { sync, kind, served, ref: { ...ref, kind: kind.kind } };
  }

  #suspendable(ref: FluxObjectRef): Target {
    const target = this.#target(ref);
    if (!target.kind.suspendable) {
      throw new InputError(`${target.kind.kind} objects cannot be suspended`);
    }
    return target;
  }

  async #requestAndWait(
    target: Target,
    options: { force?: boolean; reset?: boolean },
  ): Promise<FluxReconcileResult> {
    const token = reconcileToken();
    const annotations: Record<string, string> = {
      [REQUESTED_AT_ANNOTATION]: token,
    };
    if (options.force) annotations[FORCE_AT_ANNOTATION] = token;
    if (options.reset) annotations[RESET_AT_ANNOTATION] = token;
    await this.#patch(target, { metadata: { annotations } });
    return this.#wait(target, token);
  }

  /**
   * Waits until Flux reports it handled `token` and Ready has settled,
   * reading the object from the cluster so a lagging watch cannot make us
   * miss it.
   */
  async #wait(target: Target, token: string): Promise<FluxReconcileResult> {
    const deadline = Date.now() + this.#timeoutMs;
    let last: FluxObjectSummary | undefined;
    for (;;) {
      const fromIndex = this.#engine.index.get(
        target.ref.cluster,
        target.kind.kind,
        target.ref.namespace,
        target.ref.name,
      )?.summary;
      const summary =
        fromIndex?.lastHandledReconcileAt === token
          ? fromIndex
          : summarizeFluxObject(target.ref.cluster, await this.#read(target));
      last = summary;
      // Like `flux reconcile`: once handled, Ready decides; a failure Flux
      // retries is still a failed request.
      if (summary.lastHandledReconcileAt === token) {
        if (summary.ready === 'True') {
          return {
            outcome: 'succeeded',
            requestedAt: token,
            lastHandledReconcileAt: token,
            message: summary.message,
            object: summary,
          };
        }
        if (summary.ready === 'False' || summary.stalled) {
          return {
            outcome: 'failed',
            requestedAt: token,
            lastHandledReconcileAt: token,
            message: summary.message,
            object: summary,
          };
        }
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await new Promise(resolve =>
        setTimeout(resolve, Math.min(this.#pollMs, remaining)),
      );
    }
    const handled = last.lastHandledReconcileAt === token;
    return {
      outcome: 'timedOut',
      requestedAt: token,
      ...(last.lastHandledReconcileAt && {
        lastHandledReconcileAt: last.lastHandledReconcileAt,
      }),
      message: handled
        ? `Flux handled the request but ${
            target.kind.kind
          } is not Ready yet after ${this.#timeoutMs} ms`
        : `Flux did not handle the request within ${
            this.#timeoutMs
          } ms; is its controller running?`,
      object: last,
    };
  }

  async #read(target: Target): Promise<FluxRawObject> {
    try {
      return await target.sync.client.getObject(
        target.served,
        target.ref.namespace,
        target.ref.name,
      );
    } catch (error) {
      throw this.#clusterError(target, error);
    }
  }

  async #patch(
    target: Target,
    patch: Record<string, unknown>,
  ): Promise<FluxObjectSummary> {
    try {
      const object = await target.sync.client.mergePatchObject(
        target.served,
        target.ref.namespace,
        target.ref.name,
        patch,
      );
      // Read-your-writes: the list shows the change before the watch does.
      return this.#engine.index.upsert(target.ref.cluster, object).summary;
    } catch (error) {
      throw this.#clusterError(target, error);
    }
  }

  #clusterError(target: Target, error: unknown): Error {
    const { ref } = target;
    const what = `${ref.kind} ${ref.namespace}/${ref.name} in cluster ${ref.cluster}`;
    const status = kubernetesErrorStatus(error);
    if (status === 404) {
      return new NotFoundError(`${what} does not exist`);
    }
    if (status === 409) {
      return new ConflictError(`${what} changed meanwhile; try again`);
    }
    return new ServiceUnavailableError(
      `Could not reach ${what}: ${kubernetesErrorMessage(error)}; check the ` +
        'cluster health in GET /clusters',
    );
  }
}
