import {
  FluxConditionStatus,
  FluxInventoryEntry,
  FluxObjectReference,
  FluxObjectStatus,
  FluxObjectSummary,
  FluxRawObject,
} from './FluxObjectSummary';
import { readFluxConditions } from './readFluxConditions';

type UnknownRecord = Record<string, unknown>;

function record(value: unknown): UnknownRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as UnknownRecord)
    : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** Annotation prefixes that mean something to Flux, Backstage or us. */
const KEPT_ANNOTATION_PREFIXES = [
  'reconcile.fluxcd.io/',
  'kustomize.toolkit.fluxcd.io/',
  'helm.toolkit.fluxcd.io/',
  'fluxcd.io/',
  'backstage.io/',
  'hubbops.dev/',
];

function reference(
  value: unknown,
  defaults: { namespace: string; kind?: string },
): FluxObjectReference | undefined {
  const ref = record(value);
  const name = str(ref.name);
  if (!name) {
    return undefined;
  }
  const result: FluxObjectReference = {
    name,
    namespace: str(ref.namespace) ?? defaults.namespace,
  };
  const kind = str(ref.kind) ?? defaults.kind;
  if (kind) result.kind = kind;
  const apiVersion = str(ref.apiVersion);
  if (apiVersion) result.apiVersion = apiVersion;
  return result;
}

/**
 * Parses a kstatus inventory id, `<namespace>_<name>_<group>_<kind>`, the way
 * cli-utils does: namespace up to the first `_`, kind and group from the end,
 * and a `:` in the name written as `__`.
 */
function inventoryEntry(value: unknown): FluxInventoryEntry | undefined {
  const entry = record(value);
  const id = str(entry.id);
  if (!id) {
    return undefined;
  }
  const first = id.indexOf('_');
  const last = id.lastIndexOf('_');
  const middle = id.slice(first + 1, last);
  const groupAt = middle.lastIndexOf('_');
  if (first < 0 || groupAt < 0) {
    return undefined;
  }
  return {
    id,
    namespace: id.slice(0, first),
    name: middle.slice(0, groupAt).replace(/__/g, ':'),
    group: middle.slice(groupAt + 1),
    kind: id.slice(last + 1),
    version: str(entry.v) ?? '',
  };
}

function latest(times: Array<string | undefined>): string | undefined {
  let best: string | undefined;
  let bestMillis = -Infinity;
  for (const time of times) {
    const millis = time ? Date.parse(time) : NaN;
    if (!Number.isNaN(millis) && millis > bestMillis) {
      best = time;
      bestMillis = millis;
    }
  }
  return best;
}

/** The revision an object last applied, wherever its kind keeps it. */
function appliedRevision(status: UnknownRecord): string | undefined {
  const history = Array.isArray(status.history) ? status.history : [];
  const lastRelease = record(history[0]);
  return (
    str(status.lastAppliedRevision) ??
    (lastRelease.status === 'deployed'
      ? str(lastRelease.chartVersion)
      : undefined) ??
    str(record(status.artifact).revision) ??
    str(status.latestImage) ??
    str(record(status.latestRef).tag)
  );
}

/**
 * The single status word of an object; see {@link FluxObjectStatus}.
 *
 * @public
 */
export function fluxObjectStatus(summary: {
  ready: FluxConditionStatus;
  suspended: boolean;
  reconciling: boolean;
  stalled: boolean;
}): FluxObjectStatus {
  if (summary.suspended) return 'suspended';
  // A failure Flux keeps retrying is Reconciling too; the failure matters more.
  if (summary.stalled || summary.ready === 'False') return 'notReady';
  if (summary.reconciling) return 'reconciling';
  if (summary.ready === 'True') return 'ready';
  return 'unknown';
}

/**
 * What to list about a Flux object, derived from the object alone.
 *
 * @public
 */
export function summarizeFluxObject(
  cluster: string,
  raw: FluxRawObject,
): FluxObjectSummary {
  const metadata = record(raw.metadata);
  const spec = record(raw.spec);
  const status = record(raw.status);
  const namespace = str(metadata.namespace) ?? '';
  const kind = str(raw.kind) ?? '';
  const conditions = readFluxConditions(raw);
  const condition = (type: string) => conditions.find(c => c.type === type);

  const readyCondition = condition('Ready');
  const ready = readyCondition?.status ?? 'Unknown';
  const suspended = spec.suspend === true;
  const generation = num(metadata.generation);
  const observedGeneration = num(status.observedGeneration);
  // A spec change the controller has not looked at yet is work in progress,
  // even before it sets Reconciling (kstatus reads it the same way).
  const reconciling =
    condition('Reconciling')?.status === 'True' ||
    (generation !== undefined &&
      observedGeneration !== undefined &&
      observedGeneration >= 0 &&
      generation > observedGeneration);
  const stalled = condition('Stalled')?.status === 'True';

  const chartSpec = record(record(spec.chart).spec);
  const sourceRef =
    reference(spec.sourceRef, { namespace }) ??
    reference(chartSpec.sourceRef, { namespace }) ??
    reference(spec.chartRef, { namespace }) ??
    reference(spec.imageRepositoryRef, {
      namespace,
      kind: 'ImageRepository',
    });

  const dependsOn = (Array.isArray(spec.dependsOn) ? spec.dependsOn : [])
    .map(d => reference(d, { namespace, kind }))
    .filter((d): d is FluxObjectReference => d !== undefined);

  const entries = record(status.inventory).entries;
  const inventory = (Array.isArray(entries) ? entries : [])
    .map(inventoryEntry)
    .filter((e): e is FluxInventoryEntry => e !== undefined);

  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(record(metadata.labels))) {
    if (typeof value === 'string') labels[key] = value;
  }
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(record(metadata.annotations))) {
    if (
      typeof value === 'string' &&
      KEPT_ANNOTATION_PREFIXES.some(prefix => key.startsWith(prefix))
    ) {
      annotations[key] = value;
    }
  }

  const summary: FluxObjectSummary = {
    cluster,
    kind,
    apiVersion: str(raw.apiVersion) ?? '',
    namespace,
    name: str(metadata.name) ?? '',
    uid: str(metadata.uid) ?? '',
    resourceVersion: str(metadata.resourceVersion) ?? '',
    ready,
    status: fluxObjectStatus({ ready, suspended, reconciling, stalled }),
    suspended,
    reconciling,
    stalled,
    dependsOn,
    inventory,
    labels,
    annotations,
  };
  const optional: Partial<FluxObjectSummary> = {
    generation,
    observedGeneration,
    reason: readyCondition?.reason,
    message: readyCondition?.message,
    lastAppliedRevision: appliedRevision(status),
    lastAttemptedRevision: str(status.lastAttemptedRevision),
    lastHandledReconcileAt: str(status.lastHandledReconcileAt),
    lastReconcileTime: latest(conditions.map(c => c.lastTransitionTime)),
    sourceRef,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) {
      (summary as unknown as UnknownRecord)[key] = value;
    }
  }
  return summary;
}
