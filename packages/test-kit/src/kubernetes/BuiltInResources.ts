import { KubernetesObject } from './KubernetesObject';
import { AGE_COLUMN, ResourceDefinition } from './ResourceRegistry';

/**
 * The built-in APIs every test server serves: what a Flux-managed cluster
 * needs (namespaces, events, deployments of the controllers) plus the
 * commonest workload objects. Their quirks differ from custom resources and
 * are reproduced: strategic merge patch, no `generation` on most core kinds,
 * list items without type meta, `Status` bodies on delete.
 */

type Fields = Record<string, unknown>;

function field(object: KubernetesObject, ...path: string[]): unknown {
  let current: unknown = object;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Fields)[key];
  }
  return current;
}

function countKeys(value: unknown): number {
  return typeof value === 'object' && value !== null
    ? Object.keys(value).length
    : 0;
}

const coreDefaults = {
  group: '',
  versions: ['v1'] as string[],
  strategicMergePatch: true,
  tracksGeneration: false,
  listItemsOmitTypeMeta: true,
  typeMetaOptional: true,
  deleteReturnsObject: false,
};

export const BUILT_IN_RESOURCES: ResourceDefinition[] = [
  {
    ...coreDefaults,
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    statusSubresource: true,
    deleteReturnsObject: true,
    nameFormat: 'dns-label',
    selectableFields: ['status.phase'],
    printerColumns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      AGE_COLUMN,
    ],
  },
  {
    ...coreDefaults,
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    statusSubresource: false,
    selectableFields: [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ],
    printerColumns: [
      {
        name: 'Last Seen',
        type: 'date',
        value: event =>
          field(event, 'lastTimestamp') ??
          field(event, 'eventTime') ??
          field(event, 'metadata', 'creationTimestamp'),
      },
      { name: 'Type', type: 'string', jsonPath: '.type' },
      { name: 'Reason', type: 'string', jsonPath: '.reason' },
      {
        name: 'Object',
        type: 'string',
        value: event =>
          `${String(field(event, 'involvedObject', 'kind')).toLowerCase()}/${
            field(event, 'involvedObject', 'name') as string
          }`,
      },
      { name: 'Message', type: 'string', jsonPath: '.message' },
    ],
  },
  {
    ...coreDefaults,
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    shortNames: ['cm'],
    statusSubresource: false,
    printerColumns: [
      {
        name: 'Data',
        type: 'integer',
        value: cm => countKeys(cm.data) + countKeys(cm.binaryData),
      },
      AGE_COLUMN,
    ],
  },
  {
    ...coreDefaults,
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    statusSubresource: false,
    selectableFields: ['type'],
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.type' },
      {
        name: 'Data',
        type: 'integer',
        value: secret => countKeys(secret.data),
      },
      AGE_COLUMN,
    ],
  },
  {
    ...coreDefaults,
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    statusSubresource: true,
    deleteReturnsObject: true,
    selectableFields: [
      'spec.nodeName',
      'spec.serviceAccountName',
      'status.phase',
    ],
    printerColumns: [
      {
        name: 'Ready',
        type: 'string',
        value: pod => {
          const statuses = (field(pod, 'status', 'containerStatuses') ??
            []) as Array<{ ready?: boolean }>;
          const containers = (field(pod, 'spec', 'containers') ??
            []) as unknown[];
          return `${statuses.filter(s => s.ready).length}/${containers.length}`;
        },
      },
      {
        name: 'Status',
        type: 'string',
        value: pod => field(pod, 'status', 'phase') ?? 'Pending',
      },
      {
        name: 'Restarts',
        type: 'string',
        value: pod =>
          String(
            (
              (field(pod, 'status', 'containerStatuses') ?? []) as Array<{
                restartCount?: number;
              }>
            ).reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
          ),
      },
      AGE_COLUMN,
    ],
  },
  {
    ...coreDefaults,
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    statusSubresource: true,
    nameFormat: 'dns-label',
    printerColumns: [
      {
        name: 'Type',
        type: 'string',
        value: svc => field(svc, 'spec', 'type') ?? 'ClusterIP',
      },
      {
        name: 'Cluster-IP',
        type: 'string',
        value: svc => field(svc, 'spec', 'clusterIP') ?? '<none>',
      },
      { name: 'External-IP', type: 'string', value: () => '<none>' },
      {
        name: 'Port(s)',
        type: 'string',
        value: svc =>
          (
            (field(svc, 'spec', 'ports') ?? []) as Array<{
              port?: number;
              protocol?: string;
            }>
          )
            .map(p => `${p.port}/${p.protocol ?? 'TCP'}`)
            .join(',') || '<none>',
      },
      AGE_COLUMN,
    ],
  },
  {
    group: 'apps',
    versions: ['v1'],
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    statusSubresource: true,
    tracksGeneration: true,
    strategicMergePatch: true,
    listItemsOmitTypeMeta: true,
    typeMetaOptional: true,
    deleteReturnsObject: false,
    printerColumns: [
      {
        name: 'Ready',
        type: 'string',
        value: d =>
          `${field(d, 'status', 'readyReplicas') ?? 0}/${
            field(d, 'spec', 'replicas') ?? 1
          }`,
      },
      {
        name: 'Up-to-date',
        type: 'integer',
        value: d => field(d, 'status', 'updatedReplicas') ?? 0,
      },
      {
        name: 'Available',
        type: 'integer',
        value: d => field(d, 'status', 'availableReplicas') ?? 0,
      },
      AGE_COLUMN,
    ],
  },
];

/** Namespaces a fresh cluster has. */
export const INITIAL_NAMESPACES = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
];
