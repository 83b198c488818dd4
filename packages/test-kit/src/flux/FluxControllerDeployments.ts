import { createHash } from 'node:crypto';
import { KubernetesObject, ResourceStore } from '../kubernetes';
import { FluxControllerName, FluxDistribution } from './FluxResources';

/**
 * The Deployments `flux install` creates in `flux-system`, so that code
 * reading controller versions from a cluster (image tags, labels) finds
 * them. Labels follow the install manifests: `app.kubernetes.io/version` is
 * the Flux release, the image tag the controller's own version.
 */

const INSTALLED_CONTROLLERS: FluxControllerName[] = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
  'image-reflector-controller',
  'image-automation-controller',
  'source-watcher',
];

export function controllerImage(
  controller: FluxControllerName,
  version: string,
): string {
  return `ghcr.io/fluxcd/${controller}:${version}`;
}

function instanceLabels(distribution: FluxDistribution, namespace: string) {
  return {
    'app.kubernetes.io/instance': namespace,
    'app.kubernetes.io/part-of': 'flux',
    'app.kubernetes.io/version': distribution.release,
  };
}

function deployment(
  controller: FluxControllerName,
  version: string,
  distribution: FluxDistribution,
  namespace: string,
): KubernetesObject {
  const replicaSetHash = createHash('sha1')
    .update(`${controller}:${version}`)
    .digest('hex')
    .slice(0, 10);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: controller,
      namespace,
      labels: {
        ...instanceLabels(distribution, namespace),
        'app.kubernetes.io/component': controller,
        'control-plane': 'controller',
      },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: controller } },
      template: {
        metadata: {
          labels: { app: controller },
          annotations: {
            'prometheus.io/port': '8080',
            'prometheus.io/scrape': 'true',
          },
        },
        spec: {
          serviceAccountName: controller,
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: 'manager',
              image: controllerImage(controller, version),
              imagePullPolicy: 'IfNotPresent',
              args: [
                `--events-addr=http://notification-controller.${namespace}.svc.cluster.local./`,
                '--watch-all-namespaces=true',
                '--log-level=info',
                '--log-encoding=json',
                '--enable-leader-election',
              ],
              ports: [
                { containerPort: 8080, name: 'http-prom', protocol: 'TCP' },
                { containerPort: 9440, name: 'healthz', protocol: 'TCP' },
              ],
              env: [
                {
                  name: 'RUNTIME_NAMESPACE',
                  valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                },
              ],
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${controller}-${replicaSetHash}" has successfully progressed.`,
        },
      ],
    },
  };
}

/**
 * Creates (or brings up to date) the namespace and controller Deployments of
 * a distribution. Returns the names of the controllers written.
 */
export function writeFluxControllerDeployments(
  store: ResourceStore,
  distribution: FluxDistribution,
  namespace: string,
): FluxControllerName[] {
  store.ensureNamespace(namespace);
  store.patch(
    { apiVersion: 'v1', kind: 'Namespace', name: namespace },
    {
      metadata: {
        labels: {
          ...instanceLabels(distribution, namespace),
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'latest',
        },
      },
    },
  );
  const written: FluxControllerName[] = [];
  for (const controller of INSTALLED_CONTROLLERS) {
    const version = distribution.controllers[controller];
    if (!version) continue;
    const desired = deployment(controller, version, distribution, namespace);
    const reference = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace,
      name: controller,
    };
    const existing = store.get(reference);
    if (existing) {
      store.update({
        ...desired,
        metadata: { ...existing.metadata, labels: desired.metadata.labels },
      });
      store.patchStatus(reference, desired.status as Record<string, unknown>);
    } else {
      store.create(desired);
    }
    written.push(controller);
  }
  return written;
}
