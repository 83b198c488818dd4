import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@hubbops/test-kit/kubernetes';
import {
  FluxKind,
  RegisteredFluxResources,
  SIMULATION_ANNOTATIONS,
} from '@hubbops/test-kit/flux';

/** The label the catalog's `backstage.io/kubernetes-id` annotation matches. */
export const KUBERNETES_ID_LABEL = 'backstage.io/kubernetes-id';

/** What goes wrong in one demo cluster, to show failures in the UI. */
export interface DemoFailures {
  /** The example website's Kustomization fails its health checks. */
  websiteHealthCheck?: boolean;
  /** The example website's redis HelmRelease fails to install. */
  redisInstall?: boolean;
  /** cert-manager's HelmRelease is suspended. */
  certManagerSuspended?: boolean;
  /** The payments GitRepository cannot be cloned. */
  paymentsSourceAuth?: boolean;
}

export interface DemoClusterSpec {
  name: string;
  title: string;
  /** The environment, used in paths and the cluster's Git branch. */
  environment: string;
  distribution: '2.8' | '2.7';
  failures: DemoFailures;
}

/** A realistic, stable commit SHA for a demo revision. */
export function demoSha(...parts: string[]): string {
  return createHash('sha1').update(parts.join('/')).digest('hex');
}

interface Seed {
  kind: FluxKind;
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec: Record<string, unknown>;
}

function failing(reason: string, message: string): Record<string, string> {
  return {
    [SIMULATION_ANNOTATIONS.failReason]: reason,
    [SIMULATION_ANNOTATIONS.failMessage]: message,
  };
}

function revision(branch: string, sha: string): Record<string, string> {
  return { [SIMULATION_ANNOTATIONS.revision]: `${branch}@sha1:${sha}` };
}

function inventory(
  entries: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    namespace: string;
  }>,
): Record<string, string> {
  return { [SIMULATION_ANNOTATIONS.inventory]: JSON.stringify(entries) };
}

const WEBSITE = 'example-website';
const website = { [KUBERNETES_ID_LABEL]: WEBSITE };

/** The Flux objects of one demo cluster. */
export function fluxSeeds(cluster: DemoClusterSpec): Seed[] {
  const { name, environment, failures } = cluster;
  const seeds: Seed[] = [
    // The cluster's own Flux installation, as `flux bootstrap` leaves it.
    {
      kind: 'GitRepository',
      name: 'flux-system',
      annotations: revision('main', demoSha(name, 'fleet-infra')),
      spec: {
        interval: '1m',
        ref: { branch: 'main' },
        secretRef: { name: 'flux-system' },
        url: 'ssh://git@github.com/hubbops/fleet-infra',
      },
    },
    {
      kind: 'Kustomization',
      name: 'flux-system',
      spec: {
        interval: '10m',
        path: `./clusters/${name}`,
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      },
    },

    // The catalog's example website, its cache and its image automation.
    {
      kind: 'GitRepository',
      name: WEBSITE,
      labels: website,
      annotations: revision('main', demoSha(name, WEBSITE, '1')),
      spec: {
        interval: '1m',
        ref: { branch: 'main' },
        url: 'https://github.com/hubbops/example-website',
      },
    },
    {
      kind: 'Kustomization',
      name: WEBSITE,
      labels: website,
      annotations: {
        ...inventory([
          {
            apiVersion: 'v1',
            kind: 'Service',
            name: WEBSITE,
            namespace: WEBSITE,
          },
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: WEBSITE,
            namespace: WEBSITE,
          },
        ]),
        ...(failures.websiteHealthCheck &&
          failing(
            'HealthCheckFailed',
            `health check failed after 5m0s: timeout waiting for: ` +
              `[Deployment/${WEBSITE}/${WEBSITE} status: 'InProgress']`,
          )),
      },
      spec: {
        interval: '5m',
        path: `./deploy/${environment}`,
        prune: true,
        wait: true,
        timeout: '5m',
        targetNamespace: WEBSITE,
        commonMetadata: { labels: website },
        sourceRef: { kind: 'GitRepository', name: WEBSITE },
      },
    },
    {
      kind: 'HelmRepository',
      name: 'bitnami',
      spec: {
        interval: '1h',
        url: 'https://charts.bitnami.com/bitnami',
      },
    },
    {
      kind: 'HelmRelease',
      name: `${WEBSITE}-redis`,
      labels: website,
      annotations: failures.redisInstall
        ? failing(
            'InstallFailed',
            `Helm install failed for release ${WEBSITE}/${WEBSITE}-redis ` +
              'with chart redis@19.6.4: context deadline exceeded',
          )
        : undefined,
      spec: {
        interval: '10m',
        releaseName: `${WEBSITE}-redis`,
        targetNamespace: WEBSITE,
        chart: {
          spec: {
            chart: 'redis',
            version: '19.6.4',
            sourceRef: { kind: 'HelmRepository', name: 'bitnami' },
          },
        },
        values: { architecture: 'standalone', auth: { enabled: true } },
      },
    },
    {
      kind: 'ImageRepository',
      name: WEBSITE,
      labels: website,
      spec: {
        interval: '5m',
        image: 'ghcr.io/hubbops/example-website',
      },
    },
    {
      kind: 'ImagePolicy',
      name: WEBSITE,
      labels: website,
      spec: {
        imageRepositoryRef: { name: WEBSITE },
        policy: { semver: { range: '>=1.0.0' } },
      },
    },

    // A few other apps of the fleet.
    {
      kind: 'OCIRepository',
      name: 'podinfo',
      spec: {
        interval: '10m',
        url: 'oci://ghcr.io/stefanprodan/manifests/podinfo',
        ref: { semver: '>=6.0.0' },
      },
    },
    {
      kind: 'Kustomization',
      name: 'podinfo',
      spec: {
        interval: '10m',
        path: './',
        prune: true,
        targetNamespace: 'podinfo',
        sourceRef: { kind: 'OCIRepository', name: 'podinfo' },
      },
    },
    {
      kind: 'HelmRepository',
      name: 'ingress-nginx',
      spec: {
        interval: '1h',
        url: 'https://kubernetes.github.io/ingress-nginx',
      },
    },
    {
      kind: 'HelmRelease',
      name: 'ingress-nginx',
      spec: {
        interval: '30m',
        targetNamespace: 'ingress-nginx',
        chart: {
          spec: {
            chart: 'ingress-nginx',
            version: '4.11.x',
            sourceRef: { kind: 'HelmRepository', name: 'ingress-nginx' },
          },
        },
      },
    },
    {
      kind: 'HelmRepository',
      name: 'jetstack',
      spec: { interval: '1h', url: 'https://charts.jetstack.io' },
    },
    {
      kind: 'HelmRelease',
      name: 'cert-manager',
      spec: {
        interval: '30m',
        targetNamespace: 'cert-manager',
        ...(failures.certManagerSuspended && { suspend: true }),
        chart: {
          spec: {
            chart: 'cert-manager',
            version: 'v1.15.x',
            sourceRef: { kind: 'HelmRepository', name: 'jetstack' },
          },
        },
        values: { crds: { enabled: true } },
      },
    },
    {
      kind: 'GitRepository',
      name: 'payments',
      annotations: {
        ...revision('main', demoSha(name, 'payments')),
        ...(failures.paymentsSourceAuth &&
          failing(
            'GitOperationFailed',
            'failed to checkout and determine revision: unable to clone ' +
              "'ssh://git@github.com/hubbops/payments': ssh: handshake " +
              'failed: ssh: unable to authenticate',
          )),
      },
      spec: {
        interval: '1m',
        ref: { branch: 'main' },
        secretRef: { name: 'payments-deploy-key' },
        url: 'ssh://git@github.com/hubbops/payments',
      },
    },
    {
      kind: 'Kustomization',
      name: 'payments',
      spec: {
        interval: '5m',
        path: `./deploy/${environment}`,
        prune: true,
        targetNamespace: 'payments',
        sourceRef: { kind: 'GitRepository', name: 'payments' },
      },
    },
  ];
  return seeds;
}

/** The Flux objects of a cluster, for the kinds its Flux release serves. */
export function fluxObjects(
  cluster: DemoClusterSpec,
  resources: RegisteredFluxResources,
): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  for (const seed of fluxSeeds(cluster)) {
    const apiVersion = resources[seed.kind]?.apiVersion;
    if (!apiVersion) continue;
    objects.push({
      apiVersion,
      kind: seed.kind,
      metadata: {
        name: seed.name,
        namespace: seed.namespace ?? 'flux-system',
        ...(seed.labels && { labels: seed.labels }),
        ...(seed.annotations && { annotations: seed.annotations }),
      },
      spec: seed.spec,
    });
  }
  return objects;
}

/** The example website's workloads, which its Kustomization applied. */
export function workloadObjects(cluster: DemoClusterSpec): KubernetesObject[] {
  const healthy = !cluster.failures.websiteHealthCheck;
  const labels = { [KUBERNETES_ID_LABEL]: WEBSITE, app: WEBSITE };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: WEBSITE, namespace: WEBSITE, labels },
      spec: {
        selector: { app: WEBSITE },
        ports: [{ name: 'http', port: 80, targetPort: 8080 }],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: WEBSITE, namespace: WEBSITE, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: WEBSITE } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'ghcr.io/hubbops/example-website:1.4.2',
                ports: [{ containerPort: 8080 }],
              },
            ],
          },
        },
      },
      status: {
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: healthy ? 2 : 0,
        availableReplicas: healthy ? 2 : 0,
        ...(!healthy && { unavailableReplicas: 2 }),
      },
    },
  ];
}
