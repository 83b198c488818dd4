import { stringify } from 'yaml';
import { GeneratedFile } from './ServiceTypeHandler';

/** The uid the pods run as, matching the generated Containerfiles' USER. */
const RUN_AS = 65532;
const FLUX_NAMESPACE = 'flux-system';

/** Everything `hubbops:codegen:manifests` renders, validated. */
export interface ServiceManifestsSpec {
  name: string;
  namespace: string;
  image: string;
  port: number;
  healthPath: string;
  replicas: number;
  resources: {
    requests: { cpu: string; memory: string };
    limits: { cpu?: string; memory: string };
  };
  environments: string[];
  ingress?: { host: string; path: string; className?: string };
  autoscaling?: {
    minReplicas: number;
    maxReplicas: number;
    targetCPUUtilization: number;
  };
  networkPolicy: boolean;
  createNamespace: boolean;
  source: {
    kind: 'GitRepository' | 'OCIRepository';
    url: string;
    branch: string;
    tag?: string;
    name: string;
    secretRef?: string;
  };
  gitopsPath: string;
}

/** A Flux Kustomization that deploys one environment's overlay. */
export interface FluxKustomizationRef {
  environment: string;
  name: string;
  namespace: string;
  targetNamespace: string;
  path: string;
}

/** Plain YAML: no line folding, and no anchors for objects used twice. */
function yaml(object: object): string {
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

function yamlDocuments(objects: object[]): string {
  return objects.map(yaml).join('---\n');
}

/**
 * The namespace an environment deploys to: the namespace itself with one
 * environment; with several (which may share a cluster) one per environment.
 */
export function environmentNamespace(
  spec: Pick<ServiceManifestsSpec, 'namespace' | 'environments'>,
  environment: string,
): string {
  return spec.environments.length === 1
    ? spec.namespace
    : `${spec.namespace}-${environment}`;
}

/** The Flux Kustomizations, one per environment. */
export function fluxKustomizations(
  spec: Pick<
    ServiceManifestsSpec,
    'name' | 'namespace' | 'environments' | 'gitopsPath'
  >,
): FluxKustomizationRef[] {
  const base = spec.gitopsPath.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  return spec.environments.map(environment => ({
    environment,
    name:
      spec.environments.length === 1
        ? spec.name
        : `${spec.name}-${environment}`,
    namespace: FLUX_NAMESPACE,
    targetNamespace: environmentNamespace(spec, environment),
    path: `./${base ? `${base}/` : ''}overlays/${environment}`,
  }));
}

/**
 * Renders the manifests of a service: a kustomize base (Deployment, Service,
 * optional Ingress, HorizontalPodAutoscaler and NetworkPolicy), an overlay per
 * environment, the Flux source and Kustomizations that deploy the overlays,
 * and a root kustomization.yaml that holds only the Flux objects (so a
 * cluster sync that reaches this directory applies those, not the base).
 */
export function renderServiceManifests(
  spec: ServiceManifestsSpec,
): GeneratedFile[] {
  const labels = {
    'app.kubernetes.io/name': spec.name,
    'app.kubernetes.io/managed-by': 'hubbops',
    'backstage.io/kubernetes-id': spec.name,
  };
  const selector = { 'app.kubernetes.io/name': spec.name };
  const metadata = (extra: object = {}) => ({
    name: spec.name,
    labels,
    ...extra,
  });
  const probe = (periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path: spec.healthPath, port: 'http' },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  });

  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(),
    spec: {
      // With an HPA, Flux would reset the replica count it sets on every apply.
      ...(spec.autoscaling ? {} : { replicas: spec.replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            fsGroup: RUN_AS,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: spec.name,
              image: spec.image,
              ports: [
                { name: 'http', containerPort: spec.port, protocol: 'TCP' },
              ],
              env: [{ name: 'PORT', value: String(spec.port) }],
              readinessProbe: probe(5, 3),
              livenessProbe: { ...probe(10, 3), initialDelaySeconds: 5 },
              startupProbe: probe(2, 30),
              resources: spec.resources,
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              // The root filesystem is read-only; runtimes still need a /tmp.
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  const base: Array<{ file: string; object: object }> = [
    { file: 'deployment.yaml', object: deployment },
    { file: 'service.yaml', object: service },
  ];
  if (spec.ingress) {
    base.push({
      file: 'ingress.yaml',
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: metadata(),
        spec: {
          ...(spec.ingress.className
            ? { ingressClassName: spec.ingress.className }
            : {}),
          rules: [
            {
              host: spec.ingress.host,
              http: {
                paths: [
                  {
                    path: spec.ingress.path,
                    pathType: 'Prefix',
                    backend: {
                      service: { name: spec.name, port: { name: 'http' } },
                    },
                  },
                ],
              },
            },
          ],
        },
      },
    });
  }
  if (spec.autoscaling) {
    base.push({
      file: 'hpa.yaml',
      object: {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: metadata(),
        spec: {
          scaleTargetRef: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: spec.name,
          },
          minReplicas: spec.autoscaling.minReplicas,
          maxReplicas: spec.autoscaling.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: {
                  type: 'Utilization',
                  averageUtilization: spec.autoscaling.targetCPUUtilization,
                },
              },
            },
          ],
        },
      },
    });
  }
  if (spec.networkPolicy) {
    base.push({
      file: 'networkpolicy.yaml',
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: metadata(),
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ['Ingress'],
          // Only the service port is reachable; egress stays open (DNS, APIs).
          ingress: [{ ports: [{ port: spec.port, protocol: 'TCP' }] }],
        },
      },
    });
  }

  const files: GeneratedFile[] = base.map(({ file, object }) => ({
    path: `base/${file}`,
    content: yamlDocuments([object]),
  }));
  files.push({
    path: 'base/kustomization.yaml',
    content: yaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: base.map(({ file }) => file),
    }),
  });

  for (const environment of spec.environments) {
    const namespace = environmentNamespace(spec, environment);
    const resources = ['../../base'];
    if (spec.createNamespace) {
      resources.push('namespace.yaml');
      files.push({
        path: `overlays/${environment}/namespace.yaml`,
        content: yamlDocuments([
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: {
              name: namespace,
              labels: {
                ...labels,
                // The pods meet the restricted profile; keep it that way.
                'pod-security.kubernetes.io/enforce': 'restricted',
              },
            },
          },
        ]),
      });
    }
    files.push({
      path: `overlays/${environment}/kustomization.yaml`,
      content: yaml({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace,
        resources,
        labels: [{ pairs: { 'hubbops.io/environment': environment } }],
      }),
    });
  }

  const sourceObject = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: spec.source.kind,
    metadata: {
      name: spec.source.name,
      namespace: FLUX_NAMESPACE,
      labels,
    },
    spec: {
      interval: '1m',
      url: spec.source.url,
      ref:
        spec.source.kind === 'GitRepository'
          ? { branch: spec.source.branch }
          : { tag: spec.source.tag ?? 'latest' },
      ...(spec.source.secretRef
        ? { secretRef: { name: spec.source.secretRef } }
        : {}),
    },
  };
  files.push({
    path: 'flux/source.yaml',
    content: yamlDocuments([sourceObject]),
  });
  files.push({
    path: 'flux/kustomization.yaml',
    content: yamlDocuments(
      fluxKustomizations(spec).map(kustomization => ({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: {
          name: kustomization.name,
          namespace: kustomization.namespace,
          labels: {
            ...labels,
            'hubbops.io/environment': kustomization.environment,
          },
        },
        spec: {
          interval: '10m',
          retryInterval: '1m',
          timeout: '5m',
          path: kustomization.path,
          prune: true,
          wait: true,
          targetNamespace: kustomization.targetNamespace,
          sourceRef: { kind: spec.source.kind, name: spec.source.name },
        },
      })),
    ),
  });
  files.push({
    path: 'kustomization.yaml',
    content: yaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['flux/source.yaml', 'flux/kustomization.yaml'],
    }),
  });
  return files;
}
