import { summarizeFluxObject } from './summarizeFluxObject';
import { FluxRawObject } from './FluxObjectSummary';

function kustomization(overrides: Partial<FluxRawObject> = {}): FluxRawObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: {
      name: 'apps',
      namespace: 'flux-system',
      uid: 'uid-1',
      resourceVersion: '42',
      generation: 3,
      labels: { 'backstage.io/kubernetes-id': 'shop' },
      annotations: {
        'reconcile.fluxcd.io/requestedAt': '2026-01-01T00:00:00Z',
        'kubectl.kubernetes.io/last-applied-configuration': '{"huge":true}',
      },
    },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      dependsOn: [{ name: 'infra' }, { name: 'crds', namespace: 'other' }],
    },
    status: {
      observedGeneration: 3,
      lastAppliedRevision: 'main@sha1:abc',
      lastAttemptedRevision: 'main@sha1:def',
      lastHandledReconcileAt: '2026-01-01T00:00:00Z',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ReconciliationSucceeded',
          message: 'Applied revision: main@sha1:abc',
          lastTransitionTime: '2026-01-02T10:00:00Z',
        },
        {
          type: 'Healthy',
          status: 'True',
          lastTransitionTime: '2026-01-03T10:00:00Z',
        },
      ],
      inventory: {
        entries: [
          { id: 'shop_web_apps_Deployment', v: 'v1' },
          { id: '_shop__Namespace', v: 'v1' },
          {
            id: '_system__controller_rbac.authorization.k8s.io_ClusterRole',
            v: 'v1',
          },
        ],
      },
    },
    ...overrides,
  };
}

describe('summarizeFluxObject', () => {
  it('reads readiness, reason and message from the Ready condition', () => {
    const summary = summarizeFluxObject('prod', kustomization());
    expect(summary).toMatchObject({
      cluster: 'prod',
      kind: 'Kustomization',
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      namespace: 'flux-system',
      name: 'apps',
      uid: 'uid-1',
      ready: 'True',
      reason: 'ReconciliationSucceeded',
      message: 'Applied revision: main@sha1:abc',
      status: 'ready',
      suspended: false,
      reconciling: false,
      stalled: false,
      lastAppliedRevision: 'main@sha1:abc',
      lastAttemptedRevision: 'main@sha1:def',
      lastHandledReconcileAt: '2026-01-01T00:00:00Z',
    });
  });

  it('takes the latest condition transition as the last reconcile time', () => {
    expect(summarizeFluxObject('c', kustomization()).lastReconcileTime).toBe(
      '2026-01-03T10:00:00Z',
    );
  });

  it('resolves references in the object namespace unless they name one', () => {
    const summary = summarizeFluxObject('c', kustomization());
    expect(summary.sourceRef).toEqual({
      kind: 'GitRepository',
      name: 'repo',
      namespace: 'flux-system',
    });
    expect(summary.dependsOn).toEqual([
      { kind: 'Kustomization', name: 'infra', namespace: 'flux-system' },
      { kind: 'Kustomization', name: 'crds', namespace: 'other' },
    ]);
  });

  it('parses inventory ids, including cluster-scoped and escaped names', () => {
    const { inventory } = summarizeFluxObject('c', kustomization());
    expect(inventory).toEqual([
      expect.objectContaining({
        namespace: 'shop',
        name: 'web',
        group: 'apps',
        kind: 'Deployment',
        version: 'v1',
      }),
      expect.objectContaining({
        namespace: '',
        name: 'shop',
        group: '',
        kind: 'Namespace',
      }),
      expect.objectContaining({
        namespace: '',
        name: 'system:controller',
        group: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
      }),
    ]);
  });

  it('keeps only the annotations Flux and Backstage give meaning to', () => {
    expect(summarizeFluxObject('c', kustomization()).annotations).toEqual({
      'reconcile.fluxcd.io/requestedAt': '2026-01-01T00:00:00Z',
    });
  });

  it('reports a failing object as not ready, and stalled when Stalled is True', () => {
    const summary = summarizeFluxObject(
      'c',
      kustomization({
        status: {
          observedGeneration: 3,
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'BuildFailed',
              message: 'kustomize build failed',
            },
            { type: 'Stalled', status: 'True', reason: 'BuildFailed' },
          ],
        },
      }),
    );
    expect(summary).toMatchObject({
      ready: 'False',
      stalled: true,
      status: 'notReady',
      message: 'kustomize build failed',
    });
  });

  it('reports reconciling while Reconciling is True or the spec is unobserved', () => {
    const byCondition = summarizeFluxObject(
      'c',
      kustomization({
        status: {
          observedGeneration: 3,
          conditions: [
            { type: 'Ready', status: 'Unknown', reason: 'Progressing' },
            { type: 'Reconciling', status: 'True', reason: 'Progressing' },
          ],
        },
      }),
    );
    expect(byCondition).toMatchObject({
      reconciling: true,
      status: 'reconciling',
    });

    const byGeneration = summarizeFluxObject(
      'c',
      kustomization({
        status: {
          observedGeneration: 2,
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      }),
    );
    expect(byGeneration).toMatchObject({ ready: 'True', reconciling: true });
  });

  it('reports a suspended object as suspended whatever its readiness', () => {
    const summary = summarizeFluxObject(
      'c',
      kustomization({ spec: { suspend: true } }),
    );
    expect(summary).toMatchObject({
      suspended: true,
      ready: 'True',
      status: 'suspended',
    });
  });

  it('treats an object without status as unknown', () => {
    const summary = summarizeFluxObject('c', {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'repo', namespace: 'flux-system' },
    });
    expect(summary).toMatchObject({
      ready: 'Unknown',
      status: 'unknown',
      dependsOn: [],
      inventory: [],
      labels: {},
    });
    expect(summary.lastReconcileTime).toBeUndefined();
  });

  it('reads a source revision from its artifact and a HelmRelease chart from its spec', () => {
    expect(
      summarizeFluxObject('c', {
        kind: 'GitRepository',
        metadata: { name: 'r', namespace: 'n' },
        status: { artifact: { revision: 'main@sha1:123' } },
      }).lastAppliedRevision,
    ).toBe('main@sha1:123');

    const release = summarizeFluxObject('c', {
      kind: 'HelmRelease',
      metadata: { name: 'podinfo', namespace: 'apps' },
      spec: {
        chart: {
          spec: {
            chart: 'podinfo',
            sourceRef: {
              kind: 'HelmRepository',
              name: 'charts',
              namespace: 'flux-system',
            },
          },
        },
      },
      status: { history: [{ chartVersion: '6.5.0', status: 'deployed' }] },
    });
    expect(release.sourceRef).toEqual({
      kind: 'HelmRepository',
      name: 'charts',
      namespace: 'flux-system',
    });
    expect(release.lastAppliedRevision).toBe('6.5.0');
  });

  it('ignores malformed conditions instead of failing', () => {
    const summary = summarizeFluxObject('c', {
      kind: 'Kustomization',
      metadata: { name: 'x', namespace: 'y' },
      status: {
        conditions: [
          null,
          'Ready',
          { status: 'True' },
          { type: 'Ready', status: 'bogus' },
        ],
      },
    });
    expect(summary.ready).toBe('Unknown');
  });
});
