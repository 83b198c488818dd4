import { createHash } from 'node:crypto';
import {
  apiVersionOf,
  hasStatusSubresource,
  ResourceRegistry,
  ServedResource,
} from './ResourceRegistry';

/**
 * Legacy (unaggregated) discovery documents: `/api`, `/api/v1`, `/apis`,
 * `/apis/<group>` and `/apis/<group>/<version>`. They are served as plain
 * `application/json`, which is how clients that ask for aggregated discovery
 * (kubectl 1.30+) learn to fall back to these per-group documents.
 */

const VERBS = [
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'create',
  'update',
  'watch',
];

/** `storageVersionHash`: an opaque hash of group, version and kind. */
function storageVersionHash(group: string, version: string, kind: string) {
  return createHash('sha256')
    .update(`${group}/${version}/${kind}`)
    .digest()
    .subarray(0, 8)
    .toString('base64');
}

function resourceEntries({ resource, version }: ServedResource) {
  const isNamespaces =
    resource.group === '' && resource.plural === 'namespaces';
  const entries: Array<Record<string, unknown>> = [
    {
      name: resource.plural,
      singularName: resource.singular,
      namespaced: resource.namespaced,
      kind: resource.kind,
      verbs: isNamespaces ? VERBS.filter(v => v !== 'deletecollection') : VERBS,
      ...(resource.shortNames.length > 0 && {
        shortNames: resource.shortNames,
      }),
      ...(resource.categories.length > 0 && {
        categories: resource.categories,
      }),
      storageVersionHash: storageVersionHash(
        resource.group,
        resource.storageVersion,
        resource.kind,
      ),
    },
  ];
  if (isNamespaces) {
    entries.push({
      name: 'namespaces/finalize',
      singularName: '',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['update'],
    });
  }
  if (hasStatusSubresource(resource, version)) {
    entries.push({
      name: `${resource.plural}/status`,
      singularName: '',
      namespaced: resource.namespaced,
      kind: resource.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  return entries;
}

export function apiVersionsDocument(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDocument(registry: ResourceRegistry, group: string) {
  const versions = registry.servedVersions(group).map(version => ({
    groupVersion: apiVersionOf(group, version),
    version,
  }));
  return {
    name: group,
    versions,
    preferredVersion: versions[0],
  };
}

export function apiGroupListDocument(registry: ResourceRegistry) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .servedGroups()
      .map(group => groupDocument(registry, group)),
  };
}

/** `/apis/<group>`, or undefined if the group serves no version. */
export function apiGroupDocument(registry: ResourceRegistry, group: string) {
  if (registry.servedVersions(group).length === 0) {
    return undefined;
  }
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    ...groupDocument(registry, group),
  };
}

/** `/api/v1` or `/apis/<group>/<version>`, or undefined if not served. */
export function apiResourceListDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
) {
  const served = registry.servedAt(group, version);
  if (served.length === 0) {
    return undefined;
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(group, version),
    resources: served.flatMap(resourceEntries),
  };
}
