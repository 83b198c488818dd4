import { isJsonObject, KubernetesObject } from '../kubernetes';
import {
  Condition,
  ConditionInput,
  removeCondition,
  setCondition,
} from './FluxConditions';
import { FluxEvent } from './FluxEventRecorder';
import { FluxKind } from './FluxResources';
import { formatGoDuration, parseGoDuration } from './GoDuration';
import { fieldOf, sha256Hex, stringField } from './FluxRevisions';

/**
 * The status Flux controllers write at the end of a reconciliation, per
 * kind: conditions with Flux's reasons and messages, observed generation,
 * artifacts, revisions, inventories and Helm release history, plus the
 * events they emit. Pure functions of the object and what the controller
 * resolved, so they are easy to read against the controllers' code.
 */

export interface Failure {
  reason: string;
  message: string;
  /** Stalled failures are terminal: `Stalled=True`, no retry. */
  stalled: boolean;
  /** Flux only logs some failures (a missing source) without an event. */
  silent?: boolean;
}

export interface InventoryEntry {
  /** `<namespace>_<name>_<group>_<Kind>` */
  id: string;
  /** The applied version, e.g. `v1`. */
  v: string;
}

export interface StatusResult {
  status: Record<string, unknown>;
  events: FluxEvent[];
}

export interface BuildContext {
  object: KubernetesObject;
  kind: FluxKind;
  /** Pre-GA API versions (Flux 0.x) use other formats and fields. */
  legacy: boolean;
  now: string;
  durationMs: number;
  failure?: Failure;
  /** `namespace` of the Flux installation, for artifact URLs. */
  fluxNamespace: string;
}

type Status = Record<string, unknown>;

export function currentStatus(object: KubernetesObject): Status {
  return isJsonObject(object.status) ? structuredClone(object.status) : {};
}

function conditionsOf(status: Status): Condition[] {
  return Array.isArray(status.conditions)
    ? (status.conditions as Condition[])
    : [];
}

function generationOf(object: KubernetesObject): number {
  return object.metadata.generation ?? 1;
}

function set(
  status: Status,
  object: KubernetesObject,
  condition: ConditionInput,
) {
  status.conditions = setCondition(
    conditionsOf(status),
    condition,
    generationOf(object),
  );
}

function remove(status: Status, ...types: string[]) {
  let conditions = conditionsOf(status);
  for (const type of types) conditions = removeCondition(conditions, type);
  status.conditions = conditions;
}

/** `reconcile.fluxcd.io/requestedAt` is acknowledged on every reconcile. */
function acknowledgeRequest(status: Status, object: KubernetesObject) {
  const requested =
    object.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
  if (requested !== undefined) {
    status.lastHandledReconcileAt = requested;
  }
}

/** The "in progress" status written when a reconciliation starts. */
export function progressingStatus(
  object: KubernetesObject,
  message: string,
): Status {
  const status = currentStatus(object);
  set(status, object, {
    type: 'Reconciling',
    status: 'True',
    reason: 'Progressing',
    message,
  });
  set(status, object, {
    type: 'Ready',
    status: 'Unknown',
    reason: 'Progressing',
    message: 'Reconciliation in progress',
  });
  return status;
}

/**
 * Finishes a status: on success drops Reconciling/Stalled and records the
 * generation; on failure marks Ready=False and either keeps retrying
 * (Reconciling, reason ProgressingWithRetry) or stalls.
 */
function finish(
  status: Status,
  context: BuildContext,
  success: ConditionInput,
  extraFailureConditions: string[] = [],
) {
  const { object, failure } = context;
  acknowledgeRequest(status, object);
  if (!failure) {
    set(status, object, success);
    remove(status, 'Reconciling', 'Stalled', ...extraFailureConditions);
    status.observedGeneration = generationOf(object);
    return;
  }
  set(status, object, {
    type: 'Ready',
    status: 'False',
    reason: failure.reason,
    message: failure.message,
  });
  for (const type of extraFailureConditions) {
    set(status, object, {
      type,
      status: 'True',
      reason: failure.reason,
      message: failure.message,
    });
  }
  if (failure.stalled) {
    set(status, object, {
      type: 'Stalled',
      status: 'True',
      reason: failure.reason,
      message: failure.message,
    });
    remove(status, 'Reconciling');
    status.observedGeneration = generationOf(object);
  } else {
    const reconciling = conditionsOf(status).find(
      c => c.type === 'Reconciling',
    );
    set(status, object, {
      type: 'Reconciling',
      status: 'True',
      reason: 'ProgressingWithRetry',
      message: reconciling?.message ?? 'Reconciliation in progress',
    });
    remove(status, 'Stalled');
  }
}

function intervalText(object: KubernetesObject): string {
  const interval =
    parseGoDuration(stringField(object, 'spec', 'interval')) ?? 600_000;
  return formatGoDuration(interval);
}

function finishedEvent(
  context: BuildContext,
  reason: string,
  annotations?: Record<string, string>,
): FluxEvent {
  return {
    type: 'Normal',
    reason,
    message: `Reconciliation finished in ${formatGoDuration(
      context.durationMs,
    )}, next run in ${intervalText(context.object)}`,
    annotations,
  };
}

function failureEvents(
  context: BuildContext,
  annotations?: Record<string, string>,
): FluxEvent[] {
  if (context.failure!.silent) return [];
  return [
    {
      type: 'Warning',
      reason: context.failure!.reason,
      message: context.failure!.message,
      annotations,
    },
  ];
}

const SOURCE_MESSAGES: Partial<Record<FluxKind, (revision: string) => string>> =
  {
    GitRepository: revision => `stored artifact for revision '${revision}'`,
    OCIRepository: revision => `stored artifact for digest '${revision}'`,
    HelmRepository: revision => `stored artifact: revision '${revision}'`,
    Bucket: revision => `stored artifact for revision '${revision}'`,
    ExternalArtifact: revision => `stored artifact for revision '${revision}'`,
  };

/** GitRepository, OCIRepository, HelmRepository, HelmChart, Bucket, ExternalArtifact. */
export function sourceStatus(
  context: BuildContext,
  revision: string,
): StatusResult {
  const { object, kind, legacy, now, fluxNamespace } = context;
  const status = currentStatus(object);
  const events: FluxEvent[] = [];
  const previous = stringField(status, 'artifact', 'revision');
  const annotations = { [`source.toolkit.fluxcd.io/revision`]: revision };
  if (!context.failure) {
    const kindPath = kind.toLowerCase();
    const { namespace, name } = object.metadata;
    const file =
      kind === 'HelmChart'
        ? `${stringField(object, 'spec', 'chart') ?? name}-${revision}.tgz`
        : `${sha256Hex(revision).slice(0, 40)}.tar.gz`;
    const path = `${kindPath}/${namespace}/${name}/${file}`;
    const host = `http://source-controller.${fluxNamespace}.svc.cluster.local.`;
    const digest = sha256Hex(`${path}:${revision}`);
    status.artifact = {
      ...(legacy && { checksum: digest }),
      digest: `sha256:${digest}`,
      lastUpdateTime:
        previous === revision
          ? (fieldOf(status, 'artifact', 'lastUpdateTime') as
              | string
              | undefined) ?? now
          : now,
      path,
      revision,
      size: 1024 + (parseInt(digest.slice(0, 4), 16) % 65536),
      url: `${host}/${path}`,
    };
    status.url = `${host}/${kindPath}/${namespace}/${name}/latest.tar.gz`;
  }
  let success: ConditionInput;
  if (kind === 'HelmChart') {
    const chart = stringField(object, 'spec', 'chart') ?? object.metadata.name!;
    status.observedChartName = chart;
    success = {
      type: 'Ready',
      status: 'True',
      reason: 'ChartPullSucceeded',
      message: `pulled '${chart}' chart with version '${revision}'`,
    };
  } else {
    success = {
      type: 'Ready',
      status: 'True',
      reason: 'Succeeded',
      message: SOURCE_MESSAGES[kind]!(revision),
    };
  }
  if (!context.failure) {
    set(status, object, {
      ...success,
      type: 'ArtifactInStorage',
      reason:
        success.reason === 'ChartPullSucceeded' ? 'Succeeded' : success.reason,
    });
    if (previous !== revision) {
      events.push({
        type: 'Normal',
        reason: kind === 'HelmChart' ? 'ChartPullSucceeded' : 'NewArtifact',
        message: success.message,
        annotations,
      });
    }
  } else {
    events.push(...failureEvents(context, annotations));
  }
  finish(status, context, success, ['FetchFailed']);
  return { status, events };
}

/** A source a Kustomization or HelmRelease points at, as resolved. */
export interface ResolvedSource {
  kind: string;
  namespace: string;
  name: string;
  object?: KubernetesObject;
  revision?: string;
}

/** Fails a dependent whose source is missing or has no artifact yet. */
export function sourceFailure(
  source: ResolvedSource,
  plural: string,
  group: string,
): Failure | undefined {
  if (!source.object) {
    return {
      reason: 'ArtifactFailed',
      message: `unable to get source '${source.namespace}/${source.name}': ${plural}.${group} "${source.name}" not found`,
      stalled: false,
      silent: true,
    };
  }
  if (!source.revision) {
    return {
      reason: 'ArtifactFailed',
      message: 'Source artifact not found, retrying in 30s',
      stalled: false,
      silent: true,
    };
  }
  return undefined;
}

export function kustomizationStatus(
  context: BuildContext,
  revision: string | undefined,
  inventory: InventoryEntry[] | undefined,
  historyEnabled: boolean,
): StatusResult {
  const { object, now, durationMs } = context;
  const status = currentStatus(object);
  const annotations = revision
    ? { 'kustomize.toolkit.fluxcd.io/revision': revision }
    : undefined;
  const events: FluxEvent[] = [];
  if (revision) status.lastAttemptedRevision = revision;
  const wait =
    fieldOf(object, 'spec', 'wait') === true ||
    Array.isArray(fieldOf(object, 'spec', 'healthChecks'));
  if (!context.failure && revision) {
    const newRevision = status.lastAppliedRevision !== revision;
    status.lastAppliedRevision = revision;
    const entries =
      inventory ??
      (fieldOf(status, 'inventory', 'entries') as
        | InventoryEntry[]
        | undefined) ??
      [];
    status.inventory = { entries };
    if (newRevision && entries.length > 0) {
      events.push({
        type: 'Normal',
        reason: 'Progressing',
        message: entries
          .map(entry => `${describeInventoryEntry(entry)} configured`)
          .join('\n'),
        annotations,
      });
    }
    if (wait) {
      set(status, object, {
        type: 'Healthy',
        status: 'True',
        reason: 'Succeeded',
        message: `Health check passed in ${formatGoDuration(durationMs)}`,
      });
    }
    events.push(finishedEvent(context, 'ReconciliationSucceeded', annotations));
  } else if (context.failure) {
    if (wait && context.failure.reason === 'HealthCheckFailed') {
      set(status, object, {
        type: 'Healthy',
        status: 'False',
        reason: 'HealthCheckFailed',
        message: context.failure.message,
      });
    }
    events.push(...failureEvents(context, annotations));
  }
  if (historyEnabled && revision) {
    const outcome = context.failure
      ? context.failure.reason
      : 'ReconciliationSucceeded';
    const digest = `sha256:${sha256Hex(
      `${revision}:${JSON.stringify(object.spec ?? {})}`,
    )}`;
    const history = (
      Array.isArray(status.history) ? status.history : []
    ) as Array<Record<string, unknown>>;
    const existing = history.find(entry => entry.digest === digest);
    const entry = {
      digest,
      firstReconciled: existing?.firstReconciled ?? now,
      lastReconciled: now,
      lastReconciledDuration: formatGoDuration(durationMs),
      lastReconciledStatus: outcome,
      totalReconciliations:
        ((existing?.totalReconciliations as number | undefined) ?? 0) + 1,
      metadata: { revision },
    };
    status.history = [entry, ...history.filter(e => e.digest !== digest)].slice(
      0,
      5,
    );
  }
  finish(status, context, {
    type: 'Ready',
    status: 'True',
    reason: 'ReconciliationSucceeded',
    message: `Applied revision: ${revision}`,
  });
  return { status, events };
}

/** `Deployment/default/podinfo` from an inventory id `default_podinfo_apps_Deployment`. */
function describeInventoryEntry(entry: InventoryEntry): string {
  const [namespace, name, , kind] = entry.id.split('_');
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

export interface HelmChartInfo {
  name: string;
  version: string;
  /** OCI artifact digest when the chart comes from an OCIRepository. */
  ociDigest?: string;
  /** `namespace/name` of the HelmChart object, for `status.helmChart`. */
  helmChart?: string;
}

export interface HelmReleaseDecision {
  action: 'install' | 'upgrade' | 'none';
  force: boolean;
  reset: boolean;
}

/** What helm-controller would do now: install, upgrade or nothing. */
export function decideHelmAction(
  object: KubernetesObject,
  chart: HelmChartInfo,
  sourceChanged: boolean,
  legacy: boolean,
): HelmReleaseDecision {
  const status = currentStatus(object);
  const annotations = object.metadata.annotations ?? {};
  const requested = annotations['reconcile.fluxcd.io/requestedAt'];
  const forceAt = annotations['reconcile.fluxcd.io/forceAt'];
  const resetAt = annotations['reconcile.fluxcd.io/resetAt'];
  // Flux only honours force/reset tokens that equal the reconcile request.
  const force =
    forceAt !== undefined &&
    forceAt === requested &&
    forceAt !== status.lastHandledForceAt;
  const reset =
    resetAt !== undefined &&
    resetAt === requested &&
    resetAt !== status.lastHandledResetAt;
  const history = Array.isArray(status.history)
    ? (status.history as Array<Record<string, unknown>>)
    : [];
  const deployed = history[0];
  const released =
    deployed !== undefined || status.lastReleaseRevision !== undefined;
  if (!released) return { action: 'install', force, reset };
  const changed =
    force ||
    sourceChanged ||
    status.lastAttemptedGeneration !== generationOf(object) ||
    status.lastAttemptedRevision !== chart.version ||
    (legacy
      ? status.lastAttemptedValuesChecksum !== valuesChecksum(object)
      : status.lastAttemptedConfigDigest !== configDigest(object));
  return { action: changed ? 'upgrade' : 'none', force, reset };
}

/** v2beta1 recorded a SHA-1 of the values instead of a config digest. */
function valuesChecksum(object: KubernetesObject): string {
  return sha256Hex(configDigest(object)).slice(0, 40);
}

function configDigest(object: KubernetesObject): string {
  return `sha256:${sha256Hex(
    JSON.stringify(fieldOf(object, 'spec', 'values') ?? {}),
  )}`;
}

export function helmReleaseStatus(
  context: BuildContext,
  chart: HelmChartInfo | undefined,
  decision: HelmReleaseDecision,
): StatusResult {
  const { object, now, legacy } = context;
  const status = currentStatus(object);
  const events: FluxEvent[] = [];
  const { namespace = 'default', name = '' } = object.metadata;
  const annotations = object.metadata.annotations ?? {};
  if (decision.force)
    status.lastHandledForceAt = annotations['reconcile.fluxcd.io/forceAt'];
  if (decision.reset) {
    status.lastHandledResetAt = annotations['reconcile.fluxcd.io/resetAt'];
    delete status.failures;
    delete status.installFailures;
    delete status.upgradeFailures;
  }
  const releaseName = stringField(object, 'spec', 'releaseName') ?? name;
  const targetNamespace =
    stringField(object, 'spec', 'targetNamespace') ?? namespace;
  const digest = configDigest(object);
  if (chart) {
    status.lastAttemptedRevision = chart.version;
    status.lastAttemptedGeneration = generationOf(object);
    if (chart.helmChart) status.helmChart = chart.helmChart;
    if (chart.ociDigest) status.lastAttemptedRevisionDigest = chart.ociDigest;
    if (!legacy) {
      status.lastAttemptedConfigDigest = digest;
      status.storageNamespace =
        stringField(object, 'spec', 'storageNamespace') ?? targetNamespace;
    } else {
      status.lastAttemptedValuesChecksum = valuesChecksum(object);
    }
  }
  const eventAnnotations: Record<string, string> | undefined = chart
    ? {
        'helm.toolkit.fluxcd.io/revision': chart.version,
        'helm.toolkit.fluxcd.io/token': digest,
      }
    : undefined;

  const history = (
    Array.isArray(status.history) ? status.history : []
  ) as Array<Record<string, unknown>>;
  const previousVersion =
    (history[0]?.version as number | undefined) ??
    (status.lastReleaseRevision as number | undefined) ??
    0;
  const action = decision.action === 'none' ? undefined : decision.action;
  const verb = action === 'install' ? 'install' : 'upgrade';
  const reasonPrefix = action === 'install' ? 'Install' : 'Upgrade';

  if (context.failure) {
    if (action) {
      status.failures = ((status.failures as number | undefined) ?? 0) + 1;
      const counter =
        action === 'install' ? 'installFailures' : 'upgradeFailures';
      status[counter] = ((status[counter] as number | undefined) ?? 0) + 1;
      status.lastAttemptedReleaseAction = action;
    }
    set(status, object, {
      type: 'Released',
      status: 'False',
      reason: context.failure.reason,
      message: context.failure.message,
    });
    events.push(...failureEvents(context, eventAnnotations));
  } else if (chart && action) {
    const version = previousVersion + 1;
    const fullName = `${targetNamespace}/${releaseName}.v${version}`;
    const message = `Helm ${verb} succeeded for release ${fullName} with chart ${chart.name}@${chart.version}`;
    if (legacy) {
      status.lastAppliedRevision = chart.version;
      status.lastReleaseRevision = version;
    } else {
      const snapshot = {
        name: releaseName,
        namespace: targetNamespace,
        version,
        status: 'deployed',
        chartName: chart.name,
        chartVersion: chart.version,
        appVersion: chart.version,
        configDigest: digest,
        digest: `sha256:${sha256Hex(`${fullName}:${chart.version}:${digest}`)}`,
        firstDeployed: now,
        lastDeployed: now,
        ...(chart.ociDigest && { ociDigest: chart.ociDigest }),
      };
      status.history = [
        snapshot,
        ...history.map(entry => ({
          ...entry,
          status: entry.status === 'deployed' ? 'superseded' : entry.status,
        })),
      ].slice(0, 5);
      status.lastAttemptedReleaseAction = action;
    }
    set(status, object, {
      type: 'Released',
      status: 'True',
      reason: `${reasonPrefix}Succeeded`,
      message: legacy ? `Helm ${verb} succeeded` : message,
    });
    events.push({
      type: 'Normal',
      reason: `${reasonPrefix}Succeeded`,
      message,
      annotations: eventAnnotations,
    });
  }

  const released = conditionsOf(status).find(c => c.type === 'Released');
  finish(
    status,
    context,
    legacy
      ? {
          type: 'Ready',
          status: 'True',
          reason: 'ReconciliationSucceeded',
          message: 'Release reconciliation succeeded',
        }
      : {
          type: 'Ready',
          status: 'True',
          reason: released?.reason ?? 'InstallSucceeded',
          message: released?.message ?? 'Helm install succeeded',
        },
  );
  return { status, events };
}

/** ImageRepository, ImagePolicy, ImageUpdateAutomation, Receiver, legacy Alert/Provider. */
export function simpleStatus(
  context: BuildContext,
  related: { image?: string },
): StatusResult {
  const { object, kind, now, legacy } = context;
  const status = currentStatus(object);
  let message: string;
  switch (kind) {
    case 'ImageRepository': {
      const image =
        stringField(object, 'spec', 'image') ?? 'ghcr.io/example/app';
      const tags = ['1.2.0', '1.1.0', '1.0.0'];
      status.canonicalImageName =
        image.includes('/') && image.split('/')[0].includes('.')
          ? image
          : `docker.io/${image.includes('/') ? image : `library/${image}`}`;
      status.lastScanResult = { scanTime: now, tagCount: 10, latestTags: tags };
      message = 'successful scan: found 10 tags';
      break;
    }
    case 'ImagePolicy': {
      const image = related.image ?? 'ghcr.io/example/app';
      const tag = '1.2.0';
      if (legacy) {
        status.latestImage = `${image}:${tag}`;
      } else {
        status.latestRef = { name: image, tag };
      }
      message = `Latest image tag for ${image} resolved to ${tag}`;
      break;
    }
    case 'ImageUpdateAutomation':
      status.lastAutomationRunTime = now;
      message = 'repository up-to-date';
      break;
    case 'Receiver': {
      const path = `/hook/${sha256Hex(
        `${object.metadata.namespace}/${object.metadata.name}`,
      )}`;
      status.webhookPath = path;
      message = `Receiver initialized for path: ${path}`;
      break;
    }
    default:
      message = 'Initialized';
  }
  const events = context.failure ? failureEvents(context) : [];
  finish(status, context, {
    type: 'Ready',
    status: 'True',
    reason: 'Succeeded',
    message,
  });
  return { status, events };
}

/** The message of the progressing status, per kind. */
export function progressingMessage(
  object: KubernetesObject,
  kind: FluxKind,
  revision?: string,
): string {
  switch (kind) {
    case 'Kustomization':
      return `Fetching manifests for revision ${
        revision ?? 'unknown'
      } with a timeout of ${formatGoDuration(
        parseGoDuration(stringField(object, 'spec', 'timeout')) ??
          parseGoDuration(stringField(object, 'spec', 'interval')) ??
          300_000,
      )}`;
    case 'HelmRelease':
      return 'Fulfilling prerequisites';
    case 'GitRepository':
    case 'OCIRepository':
    case 'Bucket':
    case 'HelmRepository':
    case 'HelmChart':
    case 'ExternalArtifact':
      return revision
        ? `building artifact: new upstream revision '${revision}'`
        : 'reconciliation in progress';
    default:
      return 'Reconciliation in progress';
  }
}
