import { createHash } from 'node:crypto';
import {
  hasStatusSubresource,
  RegisteredResource,
  ResourceRegistry,
  ServedResource,
} from './ResourceRegistry';

/**
 * OpenAPI v3 documents (`/openapi/v3` and one per group version). kubectl
 * needs them: `kubectl apply` (default `--validate=strict`) checks whether
 * the PATCH operation of the object's kind takes the `fieldValidation` query
 * parameter, and fails with "failed to download openapi" when no document is
 * served. It also reads which patch content types a kind accepts to choose
 * between strategic and JSON merge patch. Schemas are kept open
 * (`x-kubernetes-preserve-unknown-fields`) since the server validates no
 * fields.
 */

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** The component name Kubernetes gives a kind, e.g. `io.fluxcd.toolkit.kustomize.v1.Kustomization`. */
function schemaName(resource: RegisteredResource, version: string): string {
  const group = resource.group
    ? resource.group.split('.').reverse().join('.')
    : 'io.k8s.api.core';
  return `${group}.${version}.${resource.kind}`;
}

function operationId(
  verb: string,
  resource: RegisteredResource,
  version: string,
  suffix = '',
) {
  const groupPart = resource.group
    .split('.')
    .map(part => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  const versionPart = version.charAt(0).toUpperCase() + version.slice(1);
  const namespacedPart = resource.namespaced ? 'Namespaced' : '';
  return `${verb}${groupPart || 'Core'}${versionPart}${namespacedPart}${
    resource.kind
  }${suffix}`;
}

function queryParameter(name: string, description: string) {
  return {
    name,
    in: 'query',
    description,
    schema: { type: 'string', uniqueItems: true },
  };
}

const WRITE_PARAMETERS = [
  queryParameter(
    'dryRun',
    'When present, indicates that modifications should not be persisted.',
  ),
  queryParameter(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  queryParameter(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
  ),
];

function operations({ resource, version }: ServedResource) {
  const gvk = {
    group: resource.group,
    version: version.name,
    kind: resource.kind,
  };
  const ref = {
    $ref: `#/components/schemas/${schemaName(resource, version.name)}`,
  };
  const body = (types: string[]) => ({
    content: Object.fromEntries(types.map(type => [type, { schema: ref }])),
    required: true,
  });
  const response = {
    '200': {
      description: 'OK',
      content: { 'application/json': { schema: ref } },
    },
  };
  const patchTypes = [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
  ];
  const operation = (
    action: string,
    verb: string,
    extra: Record<string, unknown> = {},
    suffix = '',
  ) => ({
    operationId: operationId(verb, resource, version.name, suffix),
    responses: response,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  const base = gvPath(resource.group, version.name);
  const collection = resource.namespaced
    ? `/${base}/namespaces/{namespace}/${resource.plural}`
    : `/${base}/${resource.plural}`;
  const item = `${collection}/{name}`;
  const paths: Record<string, unknown> = {
    [collection]: {
      get: operation('list', 'list'),
      post: operation('post', 'create', {
        parameters: WRITE_PARAMETERS,
        requestBody: body(['*/*']),
      }),
      delete: operation('deletecollection', 'deleteCollection'),
    },
    [item]: {
      get: operation('get', 'read'),
      put: operation('put', 'replace', {
        parameters: WRITE_PARAMETERS,
        requestBody: body(['*/*']),
      }),
      patch: operation('patch', 'patch', {
        parameters: [
          ...WRITE_PARAMETERS,
          queryParameter('force', 'Force is going to "force" Apply requests.'),
        ],
        requestBody: body(patchTypes),
      }),
      delete: operation('delete', 'delete'),
    },
  };
  if (resource.namespaced) {
    paths[`/${base}/${resource.plural}`] = {
      get: operation('list', 'list', {}, 'ForAllNamespaces'),
    };
  }
  if (hasStatusSubresource(resource, version)) {
    paths[`${item}/status`] = {
      get: operation('get', 'read', {}, 'Status'),
      put: operation(
        'put',
        'replace',
        { parameters: WRITE_PARAMETERS, requestBody: body(['*/*']) },
        'Status',
      ),
      patch: operation(
        'patch',
        'patch',
        { parameters: WRITE_PARAMETERS, requestBody: body(patchTypes) },
        'Status',
      ),
    };
  }
  return paths;
}

function schema({ resource, version }: ServedResource) {
  return {
    type: 'object',
    description: `${resource.kind} is served by the HubbOps test Kubernetes API server.`,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
      },
      spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-group-version-kind': [
      { group: resource.group, version: version.name, kind: resource.kind },
    ],
  };
}

/** The document for one group version, or undefined if nothing is served. */
export function openApiGroupVersionDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
) {
  const served = registry.servedAt(group, version);
  if (served.length === 0) {
    return undefined;
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.33.0' },
    paths: Object.assign({}, ...served.map(operations)),
    components: {
      schemas: Object.fromEntries(
        served.map(s => [schemaName(s.resource, s.version.name), schema(s)]),
      ),
    },
  };
}

/**
 * `/openapi/v3`: each group version's document with a content hash in its
 * URL, which is how kubectl's disk cache notices changes.
 */
export function openApiIndexDocument(registry: ResourceRegistry) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const groupVersions: Array<[string, string]> = [
    ...registry.servedVersions('').map(v => ['', v] as [string, string]),
    ...registry
      .servedGroups()
      .flatMap(group =>
        registry.servedVersions(group).map(v => [group, v] as [string, string]),
      ),
  ];
  for (const [group, version] of groupVersions) {
    const document = openApiGroupVersionDocument(registry, group, version);
    if (!document) continue;
    const hash = createHash('sha512')
      .update(JSON.stringify(document))
      .digest('hex')
      .toUpperCase()
      .slice(0, 128);
    const path = gvPath(group, version);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}
