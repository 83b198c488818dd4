import { Entity } from '@backstage/catalog-model';
import { PermissionApi } from '@backstage/plugin-permission-react';
import {
  FluxCluster,
  FluxEventsResponse,
  FluxObjectDetail,
  FluxObjectSummary,
  FluxObjectsQuery,
} from '@hubbops/plugin-flux-common';
import { FluxApi, FluxObjectKey } from '../api';

export function fluxObject(
  overrides: Partial<FluxObjectSummary> = {},
): FluxObjectSummary {
  return {
    cluster: 'prod',
    kind: 'Kustomization',
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    namespace: 'flux-system',
    name: 'shop',
    uid: `uid-${overrides.cluster ?? 'prod'}-${overrides.name ?? 'shop'}`,
    resourceVersion: '1',
    ready: 'True',
    status: 'ready',
    suspended: false,
    reconciling: false,
    stalled: false,
    dependsOn: [],
    inventory: [],
    labels: {},
    annotations: {},
    ...overrides,
  };
}

export function fluxCluster(overrides: Partial<FluxCluster> = {}): FluxCluster {
  return {
    name: 'prod',
    source: 'config',
    url: 'https://prod.example.com',
    demo: false,
    health: { status: 'healthy', fluxVersions: {} },
    counts: {
      ready: 0,
      notReady: 0,
      unknown: 0,
      suspended: 0,
      reconciling: 0,
      total: 0,
    },
    ...overrides,
  };
}

export const annotatedEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'shop',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'shop' },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

/** A FluxApi whose methods are jest mocks over fixed data. */
export function fakeFluxApi(
  options: {
    objects?: FluxObjectSummary[];
    clusters?: FluxCluster[];
  } = {},
): jest.Mocked<FluxApi> {
  const objects = options.objects ?? [];
  return {
    getClusters: jest.fn(async () => ({ items: options.clusters ?? [] })),
    getObjects: jest.fn(async (_query?: FluxObjectsQuery) => ({
      items: objects,
      totalCount: objects.length,
    })),
    getObject: jest.fn(
      async (key): Promise<FluxObjectDetail> => ({
        ...(objects.find(
          o =>
            o.cluster === key.cluster &&
            o.kind === key.kind &&
            o.namespace === key.namespace &&
            o.name === key.name,
        ) ?? fluxObject(key)),
        conditions: [],
        raw: {},
      }),
    ),
    getEvents: jest.fn(
      async (_key: FluxObjectKey): Promise<FluxEventsResponse> => ({
        items: [],
      }),
    ),
    reconcile: jest.fn(),
    suspend: jest.fn(),
    resume: jest.fn(),
    registerCluster: jest.fn(),
    updateCluster: jest.fn(),
    removeCluster: jest.fn(),
    testClusterConnection: jest.fn(),
  };
}

type Decision = Awaited<ReturnType<PermissionApi['authorize']>>;

/** A PermissionApi allowing exactly the named permissions. */
export function permissionApiAllowing(...names: string[]): PermissionApi {
  return {
    authorize: jest.fn(
      async request =>
        ({
          result: names.includes(request.permission.name) ? 'ALLOW' : 'DENY',
        } as Decision),
    ),
  };
}
