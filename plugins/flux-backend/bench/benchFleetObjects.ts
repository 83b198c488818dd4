import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@hubbops/test-kit';

/**
 * The Flux objects of one benchmark cluster: a mix of kinds across
 * namespaces in the shapes the Flux 2.8 controllers leave them (conditions,
 * artifacts, inventories, Helm history), most of them labelled for an app.
 */

export const KUBERNETES_ID_LABEL = 'backstage.io/kubernetes-id';

/** The kinds a cluster holds, the apiVersion Flux 2.8 serves, and their share. */
export const BENCH_KINDS = [
  {
    kind: 'Kustomization',
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    share: 30,
    app: true,
  },
  {
    kind: 'HelmRelease',
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    share: 25,
    app: true,
  },
  {
    kind: 'HelmChart',
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    share: 12,
    app: true,
  },
  {
    kind: 'GitRepository',
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    share: 10,
    app: true,
  },
  {
    kind: 'HelmRepository',
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    share: 5,
    app: false,
  },
  {
    kind: 'OCIRepository',
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    share: 3,
    app: true,
  },
  {
    kind: 'ImageRepository',
    apiVersion: 'image.toolkit.fluxcd.io/v1',
    share: 3,
    app: true,
  },
  {
    kind: 'ImagePolicy',
    apiVersion: 'image.toolkit.fluxcd.io/v1',
    share: 3,
    app: true,
  },
  {
    kind: 'ImageUpdateAutomation',
    apiVersion: 'image.toolkit.fluxcd.io/v1',
    share: 3,
    app: false,
  },
  {
    kind: 'Alert',
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    share: 2,
    app: false,
  },
  {
    kind: 'Provider',
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    share: 2,
    app: false,
  },
  {
    kind: 'Receiver',
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    share: 1,
    app: false,
  },
  {
    kind: 'Bucket',
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    share: 1,
    app: false,
  },
] as const;

export type BenchKind = (typeof BENCH_KINDS)[number]['kind'];

/** Alert and Provider v1beta3 have no status: nothing there can change. */
const STATIC_KINDS = new Set<BenchKind>(['Alert', 'Provider']);

const TEAM_NAMESPACES = 20;

/**
 * One slot per percent, the kinds spread out evenly (smooth weighted round
 * robin), so that any run of consecutive objects holds a mix of kinds.
 */
const KIND_SLOTS: Array<(typeof BENCH_KINDS)[number]> = (() => {
  const current = BENCH_KINDS.map(() => 0);
  const slots: Array<(typeof BENCH_KINDS)[number]> = [];
  for (let slot = 0; slot < 100; slot++) {
    let best = 0;
    BENCH_KINDS.forEach((entry, i) => {
      current[i] += entry.share;
      if (current[i] > current[best]) best = i;
    });
    current[best] -= 100;
    slots.push(BENCH_KINDS[best]);
  }
  return slots;
})();

function sha(text: string, length = 40): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration: number;
}

function condition(
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  at: Date,
): Condition {
  return {
    type,
    status,
    reason,
    message,
    lastTransitionTime: timestamp(at),
    observedGeneration: 1,
  };
}

type State = 'ready' | 'failed' | 'reconciling' | 'stalled' | 'suspended';

/** 90 % ready, the rest failing, reconciling, stalled or suspended. */
function stateOf(seed: number): State {
  const roll = seed % 100;
  if (roll < 90) return 'ready';
  if (roll < 95) return 'failed';
  if (roll < 97) return 'reconciling';
  if (roll < 98) return 'stalled';
  return 'suspended';
}

const FAILURES: Record<string, { reason: string; message: string }> = {
  Kustomization: {
    reason: 'HealthCheckFailed',
    message:
      "health check failed after 4m59s: timeout waiting for: [Deployment/app/web status: 'InProgress']",
  },
  HelmRelease: {
    reason: 'UpgradeFailed',
    message:
      'Helm upgrade failed for release app/web with chart web@1.4.2: context deadline exceeded',
  },
  GitRepository: {
    reason: 'GitOperationFailed',
    message:
      'failed to checkout and determine revision: unable to clone: authentication required',
  },
  OCIRepository: {
    reason: 'OCIArtifactPullFailed',
    message: 'failed to pull artifact: unauthorized',
  },
  HelmRepository: {
    reason: 'Failed',
    message: 'failed to fetch Helm repository index: 404 Not Found',
  },
  HelmChart: {
    reason: 'ChartPullError',
    message: 'chart pull error: chart not found',
  },
  Bucket: { reason: 'BucketOperationFailed', message: 'bucket does not exist' },
  ImageRepository: {
    reason: 'AuthenticationFailed',
    message: 'failed to scan repository: 401 Unauthorized',
  },
  ImagePolicy: {
    reason: 'DependencyNotReady',
    message: 'referenced ImageRepository is not ready',
  },
  ImageUpdateAutomation: {
    reason: 'GitOperationFailed',
    message: 'failed to push to remote: permission denied',
  },
  Receiver: {
    reason: 'TokenNotFound',
    message: 'secret flux-system/webhook-token not found',
  },
};

/** The Ready message a kind reports when it succeeded at `revision`. */
function successOf(
  kind: BenchKind,
  name: string,
  revision: string,
): { reason: string; message: string } {
  switch (kind) {
    case 'Kustomization':
      return {
        reason: 'ReconciliationSucceeded',
        message: `Applied revision: ${revision}`,
      };
    case 'HelmRelease':
      return {
        reason: 'UpgradeSucceeded',
        message: `Helm upgrade succeeded for release ${name} with chart ${name}@${revision}`,
      };
    case 'ImageRepository':
      return { reason: 'Succeeded', message: 'successful scan: found 42 tags' };
    case 'ImagePolicy':
      return {
        reason: 'Succeeded',
        message: `Latest image tag for ghcr.io/example/${name} resolved to ${revision}`,
      };
    case 'ImageUpdateAutomation':
      return { reason: 'Succeeded', message: 'repository up-to-date' };
    case 'Receiver':
      return {
        reason: 'Succeeded',
        message: `Receiver initialized for path: /hook/${sha(name, 64)}`,
      };
    default:
      return {
        reason: 'Succeeded',
        message: `stored artifact for revision '${revision}'`,
      };
  }
}

function revisionOf(kind: BenchKind, seed: string): string {
  switch (kind) {
    case 'HelmRelease':
    case 'HelmChart':
      return `1.${seed.length % 9}.${parseInt(sha(seed, 2), 16) % 20}`;
    case 'OCIRepository':
      return `latest@sha256:${sha(seed, 64)}`;
    case 'HelmRepository':
    case 'Bucket':
      return `sha256:${sha(seed, 64)}`;
    case 'ImagePolicy':
      return `1.${parseInt(sha(seed, 2), 16) % 30}.0`;
    default:
      return `main@sha1:${sha(seed)}`;
  }
}

/** Conditions for a state, the way Flux orders them (Ready first). */
function conditionsFor(
  kind: BenchKind,
  name: string,
  state: State,
  revision: string,
  at: Date,
): Condition[] {
  const failure = FAILURES[kind] ?? {
    reason: 'ReconciliationFailed',
    message: 'reconciliation failed',
  };
  switch (state) {
    case 'failed':
      return [condition('Ready', 'False', failure.reason, failure.message, at)];
    case 'stalled':
      return [
        condition('Ready', 'False', failure.reason, failure.message, at),
        condition('Stalled', 'True', failure.reason, failure.message, at),
      ];
    case 'reconciling':
      return [
        condition(
          'Reconciling',
          'True',
          'Progressing',
          `Fetching manifests for revision ${revision} with a timeout of 4m30s`,
          at,
        ),
        condition(
          'Ready',
          'Unknown',
          'Progressing',
          'Reconciliation in progress',
          at,
        ),
      ];
    default: {
      const success = successOf(kind, name, revision);
      return [condition('Ready', 'True', success.reason, success.message, at)];
    }
  }
}

function artifact(kind: BenchKind, name: string, revision: string, at: Date) {
  const digest = sha(`${name}/${revision}`, 64);
  return {
    digest: `sha256:${digest}`,
    lastUpdateTime: timestamp(at),
    path: `${kind.toLowerCase()}/flux-system/${name}/${digest}.tar.gz`,
    revision,
    size: 10_000 + (parseInt(digest.slice(0, 4), 16) % 90_000),
    url: `http://source-controller.flux-system.svc.cluster.local./${kind.toLowerCase()}/flux-system/${name}/${digest}.tar.gz`,
  };
}

function specOf(kind: BenchKind, name: string, app: string) {
  switch (kind) {
    case 'Kustomization':
      return {
        interval: '10m',
        path: `./deploy/${app}`,
        prune: true,
        wait: true,
        timeout: '5m',
        sourceRef: {
          kind: 'GitRepository',
          name: `${app}-git`,
          namespace: 'flux-system',
        },
      };
    case 'HelmRelease':
      return {
        interval: '15m',
        releaseName: name,
        chart: {
          spec: {
            chart: app,
            version: '1.x',
            sourceRef: {
              kind: 'HelmRepository',
              name: 'charts',
              namespace: 'flux-system',
            },
            interval: '1h',
          },
        },
        install: { remediation: { retries: 3 } },
        upgrade: { remediation: { retries: 3, remediateLastFailure: true } },
        values: {
          replicaCount: 2,
          image: { repository: `ghcr.io/example/${app}` },
        },
      };
    case 'GitRepository':
      return {
        interval: '1m',
        url: `https://github.com/example/${app}`,
        ref: { branch: 'main' },
        secretRef: { name: 'github-token' },
        timeout: '60s',
      };
    case 'OCIRepository':
      return {
        interval: '5m',
        url: `oci://ghcr.io/example/${app}-manifests`,
        ref: { tag: 'latest' },
        provider: 'generic',
      };
    case 'HelmRepository':
      return {
        interval: '1h',
        url: `https://charts.example.com/${name}`,
        timeout: '60s',
      };
    case 'HelmChart':
      return {
        chart: app,
        version: '1.x',
        interval: '1h',
        reconcileStrategy: 'ChartVersion',
        sourceRef: { kind: 'HelmRepository', name: 'charts' },
      };
    case 'Bucket':
      return {
        interval: '5m',
        provider: 'generic',
        bucketName: name,
        endpoint: 'minio.example.com',
        timeout: '60s',
      };
    case 'ImageRepository':
      return {
        image: `ghcr.io/example/${app}`,
        interval: '5m',
        provider: 'generic',
      };
    case 'ImagePolicy':
      return {
        imageRepositoryRef: { name: `${app}-images` },
        policy: { semver: { range: '>=1.0.0' } },
      };
    case 'ImageUpdateAutomation':
      return {
        interval: '30m',
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
        git: {
          checkout: { ref: { branch: 'main' } },
          commit: {
            author: { email: 'fluxcdbot@example.com', name: 'fluxcdbot' },
          },
          push: { branch: 'main' },
        },
        update: { path: './clusters', strategy: 'Setters' },
      };
    case 'Alert':
      return {
        providerRef: { name: 'slack' },
        eventSeverity: 'error',
        eventSources: [
          { kind: 'Kustomization', name: '*' },
          { kind: 'HelmRelease', name: '*' },
        ],
      };
    case 'Provider':
      return {
        type: 'slack',
        channel: 'deployments',
        address: 'https://slack.com/api/chat.postMessage',
        secretRef: { name: 'slack-token' },
      };
    default:
      return {
        type: 'github',
        events: ['ping', 'push'],
        secretRef: { name: 'webhook-token' },
        resources: [{ kind: 'GitRepository', name: 'flux-system' }],
      };
  }
}

/** Kind-specific status fields next to the conditions. */
function statusExtras(
  kind: BenchKind,
  name: string,
  namespace: string,
  app: string,
  revision: string,
  at: Date,
): Record<string, unknown> {
  switch (kind) {
    case 'Kustomization':
      return {
        lastAppliedRevision: revision,
        lastAttemptedRevision: revision,
        inventory: {
          entries: [
            { id: `${namespace}__Namespace`, v: 'v1' },
            { id: `${namespace}_${app}__ServiceAccount`, v: 'v1' },
            { id: `${namespace}_${app}__ConfigMap`, v: 'v1' },
            { id: `${namespace}_${app}__Service`, v: 'v1' },
            { id: `${namespace}_${app}_apps_Deployment`, v: 'v1' },
            {
              id: `${namespace}_${app}_autoscaling_HorizontalPodAutoscaler`,
              v: 'v2',
            },
            { id: `${namespace}_${app}_networking.k8s.io_Ingress`, v: 'v1' },
          ],
        },
      };
    case 'HelmRelease':
      return {
        helmChart: `flux-system/${namespace}-${name}`,
        lastAttemptedGeneration: 1,
        lastAttemptedRevision: revision,
        lastAttemptedConfigDigest: `sha256:${sha(`${name}/values`, 64)}`,
        storageNamespace: namespace,
        history: [
          {
            name,
            namespace,
            chartName: app,
            chartVersion: revision,
            appVersion: revision,
            configDigest: `sha256:${sha(`${name}/values`, 64)}`,
            digest: `sha256:${sha(`${name}/${revision}`, 64)}`,
            firstDeployed: timestamp(at),
            lastDeployed: timestamp(at),
            status: 'deployed',
            version: 1 + (revision.length % 7),
          },
        ],
      };
    case 'HelmChart':
      return {
        observedChartName: app,
        observedSourceArtifactRevision: `sha256:${sha('charts', 64)}`,
        artifact: artifact(kind, name, revision, at),
      };
    case 'GitRepository':
    case 'OCIRepository':
    case 'HelmRepository':
    case 'Bucket':
      return { artifact: artifact(kind, name, revision, at) };
    case 'ImageRepository':
      return {
        canonicalImageName: `ghcr.io/example/${app}`,
        lastScanResult: {
          tagCount: 42,
          scanTime: timestamp(at),
          latestTags: ['1.4.2', '1.4.1', '1.4.0', '1.3.9', '1.3.8'],
        },
      };
    case 'ImagePolicy':
      return {
        latestRef: { name: `ghcr.io/example/${app}`, tag: revision },
      };
    case 'ImageUpdateAutomation':
      return {
        lastAutomationRunTime: timestamp(at),
        lastPushCommit: sha(`${name}/push`),
        lastPushTime: timestamp(at),
      };
    default:
      return { webhookPath: `/hook/${sha(name, 64)}` };
  }
}

export interface BenchObjectsOptions {
  cluster: number;
  count: number;
  /** How many apps share the labelled objects (each gets runs of 10). */
  apps: number;
}

/** The apps' names, `bench-app-<n>`. */
export function benchAppName(app: number): string {
  return `bench-app-${app}`;
}

/** How many apps a cluster of `count` objects holds: one per 10 objects. */
export function benchAppCount(count: number): number {
  return Math.max(1, Math.ceil(count / 10));
}

/** The objects of one cluster, ready for `store.create` (status kept). */
export function benchFleetObjects(
  options: BenchObjectsOptions,
): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  const created = new Date(Date.UTC(2026, 10, 20, 8, 0, 0));
  for (let i = 0; i < options.count; i++) {
    const entry = KIND_SLOTS[i % KIND_SLOTS.length];
    const kind = entry.kind;
    const appIndex = Math.floor(i / 10) % options.apps;
    const app = benchAppName(appIndex);
    const labelled = entry.app;
    const namespace =
      labelled && kind !== 'GitRepository' && kind !== 'HelmChart'
        ? `team-${appIndex % TEAM_NAMESPACES}`
        : 'flux-system';
    const short = kind.toLowerCase();
    const name = labelled ? `${app}-${short}-${i}` : `${short}-${i}`;
    const seed = `${options.cluster}/${i}`;
    const state = STATIC_KINDS.has(kind)
      ? 'ready'
      : stateOf(parseInt(sha(seed, 4), 16));
    const revision = revisionOf(kind, `${app}/${kind}`);
    const at = new Date(created.getTime() + (i % 3600) * 1000);
    const spec: Record<string, unknown> = specOf(kind, name, app);
    if (state === 'suspended') spec.suspend = true;
    const object: KubernetesObject = {
      apiVersion: entry.apiVersion,
      kind,
      metadata: {
        name,
        namespace,
        labels: {
          'app.kubernetes.io/part-of': labelled ? app : 'platform',
          'kustomize.toolkit.fluxcd.io/name': 'flux-system',
          'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
          ...(labelled && { [KUBERNETES_ID_LABEL]: app }),
        },
        finalizers: ['finalizers.fluxcd.io'],
      },
      spec,
    };
    if (!STATIC_KINDS.has(kind)) {
      object.status = {
        observedGeneration: 1,
        conditions: conditionsFor(kind, name, state, revision, at),
        ...statusExtras(kind, name, namespace, app, revision, at),
      };
    }
    objects.push(object);
  }
  return objects;
}

/** Whether the benchmark may change this object's status (it has one). */
export function hasStatus(object: KubernetesObject): boolean {
  return !STATIC_KINDS.has(object.kind as BenchKind);
}

/**
 * The status a controller writes when an object's Ready condition flips:
 * failing on odd changes, recovered at a new revision on even ones. The
 * message names the change, so the benchmark can tell when it is served.
 */
export function changedStatus(
  status: Record<string, unknown>,
  kind: string,
  name: string,
  change: number,
): { status: Record<string, unknown>; message: string } {
  const at = new Date();
  const failing = change % 2 === 1;
  const revision = revisionOf(kind as BenchKind, `${name}/change-${change}`);
  const base = failing
    ? FAILURES[kind] ?? { reason: 'ReconciliationFailed', message: 'failed' }
    : successOf(kind as BenchKind, name, revision);
  const message = `${base.message} (bench change ${change})`;
  const ready = condition(
    'Ready',
    failing ? 'False' : 'True',
    base.reason,
    message,
    at,
  );
  return {
    status: {
      ...status,
      conditions: [ready],
      ...(kind === 'Kustomization' && {
        lastAttemptedRevision: revision,
        ...(!failing && { lastAppliedRevision: revision }),
      }),
    },
    message,
  };
}
