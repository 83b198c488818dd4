/**
 * Flux objects for tests, in the shape the controllers leave them.
 */

export function readyCondition(
  status: 'True' | 'False' | 'Unknown',
  message = status === 'True' ? 'Applied revision: main@sha1:1' : 'failed',
) {
  return {
    type: 'Ready',
    status,
    reason:
      status === 'True' ? 'ReconciliationSucceeded' : 'ReconciliationFailed',
    message,
    lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    observedGeneration: 1,
  };
}

export function kustomization(
  name: string,
  options: {
    namespace?: string;
    apiVersion?: string;
    ready?: 'True' | 'False' | 'Unknown';
    labels?: Record<string, string>;
  } = {},
) {
  return {
    apiVersion: options.apiVersion ?? 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: {
      name,
      namespace: options.namespace ?? 'flux-system',
      ...(options.labels && { labels: options.labels }),
    },
    spec: {
      interval: '10m',
      path: './deploy',
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    },
    status: {
      observedGeneration: 1,
      conditions: [readyCondition(options.ready ?? 'True')],
    },
  };
}
