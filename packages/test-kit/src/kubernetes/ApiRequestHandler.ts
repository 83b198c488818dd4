import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiStatusError,
  badRequestError,
  internalError,
  invalidError,
  methodNotAllowedError,
  notFoundError,
  pathNotFoundError,
  unsupportedMediaTypeError,
} from './ApiStatusError';
import {
  negotiateResponseFormat,
  requestContentType,
  ResponseFormat,
} from './ContentNegotiation';
import {
  apiGroupDocument,
  apiGroupListDocument,
  apiResourceListDocument,
  apiVersionsDocument,
} from './Discovery';
import {
  cloneJson,
  isJsonObject,
  KubernetesObject,
  Status,
} from './KubernetesObject';
import { ObjectStore } from './ObjectStore';
import {
  openApiGroupVersionDocument,
  openApiIndexDocument,
} from './OpenApiDocuments';
import {
  applyJsonPatch,
  applyMergePatch,
  applyServerSideApply,
  applyStrategicMergePatch,
  PATCH_CONTENT_TYPES,
} from './Patches';
import {
  apiVersionOf,
  hasStatusSubresource,
  ResourceRegistry,
  ServedResource,
} from './ResourceRegistry';
import { withApiVersion } from './ResourceStore';
import { decodeContinueToken, encodeContinueToken } from './ContinueTokens';
import {
  parseJson,
  readBody,
  readDeleteOptions,
  readObjectBody,
} from './RequestBodies';
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from './Selectors';
import { IncludeObject, renderTable } from './TableRendering';
import { WatchStream } from './WatchStream';

/** What `/version` reports. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export function versionInfo(gitVersion: string): VersionInfo {
  const match = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: match?.[1] ?? '1',
    minor: match?.[2] ?? '0',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-04-23T13:36:37Z',
    goVersion: 'go1.24.2',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export interface ApiRequestHandlerOptions {
  registry: ResourceRegistry;
  objects: ObjectStore;
  version: VersionInfo;
  /** `host:port` clients reach the server at, for `/api`. */
  serverAddress: () => string;
  bookmarkIntervalMs: number;
  onWatchOpened: (stream: WatchStream) => void;
  onWatchClosed: (stream: WatchStream) => void;
}

/** A request for a resource, parsed from its path like apiserver's RequestInfo. */
interface ResourceRequest {
  served: ServedResource;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}

/** Namespace subresources that keep a path on the namespaces resource. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Routes and answers API requests: discovery, OpenAPI, and the verbs on
 * resources. Authentication, latency and listener lifecycle are the
 * server's business; this class only speaks the protocol.
 */
export class ApiRequestHandler {
  readonly #options: ApiRequestHandlerOptions;

  constructor(options: ApiRequestHandlerOptions) {
    this.#options = options;
  }

  async handle(request: IncomingMessage, response: ServerResponse) {
    response.setHeader('Audit-Id', randomUUID());
    try {
      await this.#route(request, response);
    } catch (error) {
      const status =
        error instanceof ApiStatusError
          ? error.status
          : internalError(
              error instanceof Error ? error.message : String(error),
            ).status;
      if (!response.headersSent) {
        sendJson(response, status.code, status);
      } else if (!response.writableEnded) {
        response.end();
      }
    }
  }

  async #route(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const segments = url.pathname
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    const { registry } = this.#options;
    const method = request.method ?? 'GET';
    const [first, second, third] = segments;

    if (segments.length === 0) {
      sendJson(response, 200, {
        paths: [
          '/api',
          '/api/v1',
          '/apis',
          '/openapi/v3',
          '/version',
          '/healthz',
          '/livez',
          '/readyz',
        ],
      });
      return;
    }
    if (
      ['healthz', 'livez', 'readyz'].includes(first) &&
      segments.length === 1
    ) {
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('ok');
      return;
    }
    if (first === 'version' && segments.length === 1) {
      sendJson(response, 200, this.#options.version);
      return;
    }
    if (first === 'openapi' && second === 'v3') {
      this.#serveOpenApi(segments.slice(2), response);
      return;
    }
    if (first === 'api') {
      if (segments.length === 1) {
        sendJson(
          response,
          200,
          apiVersionsDocument(this.#options.serverAddress()),
        );
        return;
      }
      if (segments.length === 2) {
        sendDocument(response, apiResourceListDocument(registry, '', second));
        return;
      }
      await this.#serveResource(
        request,
        response,
        url,
        '',
        second,
        segments.slice(2),
        method,
      );
      return;
    }
    if (first === 'apis') {
      if (segments.length === 1) {
        sendJson(response, 200, apiGroupListDocument(registry));
        return;
      }
      if (segments.length === 2) {
        sendDocument(response, apiGroupDocument(registry, second));
        return;
      }
      if (segments.length === 3) {
        sendDocument(
          response,
          apiResourceListDocument(registry, second, third),
        );
        return;
      }
      await this.#serveResource(
        request,
        response,
        url,
        second,
        third,
        segments.slice(3),
        method,
      );
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('404 page not found\n');
  }

  #serveOpenApi(rest: string[], response: ServerResponse) {
    const { registry } = this.#options;
    if (rest.length === 0) {
      sendJson(response, 200, openApiIndexDocument(registry));
      return;
    }
    let document: unknown;
    if (rest[0] === 'api' && rest.length === 2) {
      document = openApiGroupVersionDocument(registry, '', rest[1]);
    } else if (rest[0] === 'apis' && rest.length === 3) {
      document = openApiGroupVersionDocument(registry, rest[1], rest[2]);
    }
    if (!document) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('404 page not found\n');
      return;
    }
    sendJson(response, 200, document);
  }

  #parseResourcePath(
    group: string,
    version: string,
    rest: string[],
  ): ResourceRequest {
    let parts = rest;
    let watchPath = false;
    if (parts[0] === 'watch') {
      watchPath = true;
      parts = parts.slice(1);
    }
    let namespace: string | undefined;
    if (
      parts[0] === 'namespaces' &&
      parts.length >= 3 &&
      !(parts.length === 3 && NAMESPACE_SUBRESOURCES.has(parts[2]))
    ) {
      namespace = parts[1];
      parts = parts.slice(2);
    }
    if (parts.length === 0 || parts.length > 3) {
      throw pathNotFoundError();
    }
    const [plural, name, subresource] = parts;
    const served = this.#options.registry.findServed(group, version, plural);
    if (!served) {
      throw pathNotFoundError();
    }
    const { resource } = served;
    if (namespace !== undefined && !resource.namespaced) {
      throw pathNotFoundError();
    }
    if (resource.namespaced && namespace === undefined && name !== undefined) {
      throw pathNotFoundError();
    }
    if (
      subresource !== undefined &&
      !(
        subresource === 'status' &&
        hasStatusSubresource(resource, served.version)
      )
    ) {
      throw pathNotFoundError();
    }
    return { served, namespace, name, subresource, watchPath };
  }

  async #serveResource(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    group: string,
    version: string,
    rest: string[],
    method: string,
  ) {
    const target = this.#parseResourcePath(group, version, rest);
    const { version: servedVersion, resource } = target.served;
    if (servedVersion.deprecated) {
      const warning =
        servedVersion.deprecationWarning ??
        `${apiVersionOf(resource.group, servedVersion.name)} ${
          resource.kind
        } is deprecated`;
      response.setHeader('Warning', `299 - ${JSON.stringify(warning)}`);
    }
    const query = url.searchParams;
    const isWatch =
      target.watchPath ||
      query.get('watch') === 'true' ||
      query.get('watch') === '1';

    switch (method) {
      case 'GET':
        if (isWatch) {
          this.#watch(
            response,
            target,
            query,
            negotiateResponseFormat(request, true),
          );
        } else if (target.name === undefined) {
          this.#list(
            response,
            target,
            query,
            negotiateResponseFormat(request, true),
          );
        } else {
          this.#get(request, response, target, query);
        }
        return;
      case 'POST':
        if (target.name !== undefined) throw methodNotAllowedError();
        await this.#create(request, response, target, query);
        return;
      case 'PUT':
        if (target.name === undefined) throw methodNotAllowedError();
        await this.#update(request, response, target, query);
        return;
      case 'PATCH':
        if (target.name === undefined) throw methodNotAllowedError();
        await this.#patch(request, response, target, query);
        return;
      case 'DELETE':
        if (target.subresource !== undefined) throw methodNotAllowedError();
        if (target.name === undefined) {
          await this.#deleteCollection(request, response, target, query);
        } else {
          await this.#delete(request, response, target, query);
        }
        return;
      default:
        throw methodNotAllowedError();
    }
  }

  /** Converts a stored object to the version the request addressed. */
  #present(
    target: ResourceRequest,
    object: KubernetesObject,
  ): KubernetesObject {
    const { resource, version } = target.served;
    return withApiVersion(object, apiVersionOf(resource.group, version.name));
  }

  #get(
    request: IncomingMessage,
    response: ServerResponse,
    target: ResourceRequest,
    query: URLSearchParams,
  ) {
    const format = negotiateResponseFormat(request, true);
    const { resource, version } = target.served;
    const object = this.#options.objects.get(
      resource,
      target.namespace,
      target.name!,
    );
    if (!object) {
      throw notFoundError(resource, target.name!);
    }
    const presented = this.#present(target, object);
    if (format.kind === 'table') {
      sendJson(
        response,
        200,
        renderTable(
          resource,
          version,
          [presented],
          { resourceVersion: presented.metadata.resourceVersion },
          {
            apiVersion: format.apiVersion,
            includeObject: includeObjectParameter(query),
          },
        ),
        tableContentType(format.apiVersion),
      );
    } else if (format.kind === 'metadata') {
      sendJson(response, 200, {
        kind: 'PartialObjectMetadata',
        apiVersion: format.apiVersion,
        metadata: presented.metadata,
      });
    } else {
      sendJson(response, 200, presented);
    }
  }

  #list(
    response: ServerResponse,
    target: ResourceRequest,
    query: URLSearchParams,
    format: ResponseFormat,
  ) {
    const { objects } = this.#options;
    const { resource, version } = target.served;
    const labelSelector = parseLabelSelector(
      query.get('labelSelector') ?? undefined,
    );
    const fieldSelector = parseFieldSelector(
      query.get('fieldSelector') ?? undefined,
      resource.selectableFields,
    );
    const limit = parseNonNegativeInteger(query.get('limit'), 'limit');
    const continueToken = query.get('continue');

    let revision = objects.revision;
    let items: KubernetesObject[];
    if (continueToken) {
      const token = decodeContinueToken(continueToken);
      revision = token.rv;
      items = objects
        .listAt(resource, target.namespace, token.rv)
        .filter(object => continueKey(object) >= token.start);
    } else {
      items = objects.list(resource, target.namespace);
    }
    const hasSelectors = labelSelector.length > 0 || fieldSelector.length > 0;
    items = items.filter(
      object =>
        matchesLabelSelector(labelSelector, object.metadata.labels) &&
        matchesFieldSelector(fieldSelector, object),
    );

    const listMetadata: Record<string, unknown> = {
      resourceVersion: String(revision),
    };
    if (limit && items.length > limit) {
      const remaining = items.length - limit;
      items = items.slice(0, limit);
      listMetadata.continue = encodeContinueToken(
        revision,
        `${continueKey(items[items.length - 1])}\u0000`,
      );
      if (!hasSelectors) {
        listMetadata.remainingItemCount = remaining;
      }
    }
    const presented = items.map(object => this.#present(target, object));

    if (format.kind === 'table') {
      sendJson(
        response,
        200,
        renderTable(resource, version, presented, listMetadata, {
          apiVersion: format.apiVersion,
          includeObject: includeObjectParameter(query),
        }),
        tableContentType(format.apiVersion),
      );
      return;
    }
    if (format.kind === 'metadata') {
      sendJson(response, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: format.apiVersion,
        metadata: listMetadata,
        items: presented.map(object => ({
          kind: 'PartialObjectMetadata',
          apiVersion: format.apiVersion,
          metadata: object.metadata,
        })),
      });
      return;
    }
    sendJson(response, 200, {
      apiVersion: apiVersionOf(resource.group, version.name),
      kind: resource.listKind,
      metadata: listMetadata,
      items: resource.listItemsOmitTypeMeta
        ? presented.map(({ apiVersion: _a, kind: _k, ...rest }) => rest)
        : presented,
    });
  }

  #watch(
    response: ServerResponse,
    target: ResourceRequest,
    query: URLSearchParams,
    format: ResponseFormat,
  ) {
    const { resource, version } = target.served;
    const labelSelector = parseLabelSelector(
      query.get('labelSelector') ?? undefined,
    );
    const fieldSelector = parseFieldSelector(
      query.get('fieldSelector') ?? undefined,
      resource.selectableFields,
    );
    if (target.name !== undefined) {
      // The deprecated watch of one named object selects it by name.
      fieldSelector.push({
        field: 'metadata.name',
        operator: '=',
        value: target.name,
      });
    }
    const resourceVersion = query.get('resourceVersion') || undefined;
    if (resourceVersion !== undefined && !/^\d+$/.test(resourceVersion)) {
      throw badRequestError(`invalid resource version: ${resourceVersion}`);
    }
    const timeout = query.get('timeoutSeconds');
    const allowBookmarks = query.get('allowWatchBookmarks') === 'true';
    const sendInitialEvents = query.get('sendInitialEvents') === 'true';
    if (
      sendInitialEvents &&
      (query.get('resourceVersionMatch') !== 'NotOlderThan' || !allowBookmarks)
    ) {
      throw invalidError({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
        {
          type: 'FieldValueForbidden',
          field: 'sendInitialEvents',
          detail:
            "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled and resourceVersionMatch is set to 'NotOlderThan' and allowWatchBookmarks is true",
        },
      ]);
    }
    const includeObject = includeObjectParameter(query);
    const stream = new WatchStream(
      response,
      {
        resource,
        version,
        namespace: target.namespace,
        labelSelector,
        fieldSelector,
        allowBookmarks,
        timeoutSeconds: timeout ? Number(timeout) : undefined,
        bookmarkIntervalMs: this.#options.bookmarkIntervalMs,
        render: (object, first) => {
          const presented = this.#present(target, object);
          if (format.kind === 'table') {
            return renderTable(
              resource,
              version,
              [presented],
              { resourceVersion: presented.metadata.resourceVersion },
              {
                apiVersion: format.apiVersion,
                includeObject,
                noHeaders: !first,
              },
            );
          }
          if (format.kind === 'metadata') {
            return {
              kind: 'PartialObjectMetadata',
              apiVersion: format.apiVersion,
              metadata: presented.metadata,
            };
          }
          return presented;
        },
      },
      this.#options.objects,
      closed => this.#options.onWatchClosed(closed),
    );
    this.#options.onWatchOpened(stream);
    stream.start(resourceVersion, sendInitialEvents);
  }

  async #create(
    request: IncomingMessage,
    response: ServerResponse,
    target: ResourceRequest,
    query: URLSearchParams,
  ) {
    if (target.subresource !== undefined) throw methodNotAllowedError();
    const format = negotiateResponseFormat(request, false);
    const body = await readObjectBody(request);
    const input = this.#checkBody(target, body);
    const created = this.#options.objects.create(
      target.served.resource,
      input,
      {
        dryRun: isDryRun(query),
      },
    );
    sendObject(response, 201, this.#present(target, created), format);
  }

  async #update(
    request: IncomingMessage,
    response: ServerResponse,
    target: ResourceRequest,
    query: URLSearchParams,
  ) {
    const format = negotiateResponseFormat(request, false);
    const body = await readObjectBody(request);
    const input = this.#checkBody(target, body);
    const updated = this.#options.objects.update(
      target.served.resource,
      target.namespace,
      target.name!,
      input,
      {
        dryRun: isDryRun(query),
        subresource: target.subresource === 'status' ? 'status' : undefined,
      },
    );
    sendObject(response, 200, this.#present(target, updated), format);
  }

  async #patch(
    request: IncomingMessage,
    response: ServerResponse,
    target: ResourceRequest,
    query: URLSearchParams,
  ) {
    const { resource } = target.served;
    const { objects } = this.#options;
    const contentType = requestContentType(request);
    const accepted: string[] = [
      PATCH_CONTENT_TYPES.json,
      PATCH_CONTENT_TYPES.merge,
      ...(resource.strategicMergePatch ? [PATCH_CONTENT_TYPES.strategic] : []),
      PATCH_CONTENT_TYPES.apply,
    ];
    if (!accepted.includes(contentType)) {
      throw unsupportedMediaTypeError(contentType, accepted);
    }
    const format = negotiateResponseFormat(request, false);
    const patch = parseJson(await readBody(request));
    const dryRun = isDryRun(query);
    const existing = objects.get(resource, target.namespace, target.name!);

    if (contentType === PATCH_CONTENT_TYPES.apply) {
      if (!query.get('fieldManager')) {
        throw invalidError({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
          {
            type: 'FieldValueRequired',
            field: 'fieldManager',
            detail: 'Required value: is required for apply patch',
          },
        ]);
      }
      if (!isJsonObject(patch)) {
        throw badRequestError(
          'error decoding YAML: the apply patch must be a JSON object',
        );
      }
      if (!existing) {
        if (target.subresource !== undefined)
          throw notFoundError(resource, target.name!);
        const input = this.#checkBody(target, patch);
        const created = objects.create(resource, input, { dryRun });
        sendObject(response, 201, this.#present(target, created), format);
        return;
      }
    }
    if (!existing) {
      throw notFoundError(resource, target.name!);
    }

    const current = this.#present(target, existing);
    let patched: unknown;
    switch (contentType) {
      case PATCH_CONTENT_TYPES.json:
        patched = applyJsonPatch(current, patch);
        break;
      case PATCH_CONTENT_TYPES.merge:
        patched = applyMergePatch(current, patch);
        break;
      case PATCH_CONTENT_TYPES.strategic:
        patched = applyStrategicMergePatch(current, patch);
        break;
      default:
        patched = applyServerSideApply(current, patch);
        break;
    }
    if (!isJsonObject(patched) || !isJsonObject(patched.metadata)) {
      throw badRequestError(
        'the patched object is not a valid Kubernetes object',
      );
    }
    const input = this.#checkBody(target, patched);
    const updated = objects.update(
      resource,
      target.namespace,
      target.name!,
      input,
      {
        dryRun,
        subresource: target.subresource === 'status' ? 'status' : undefined,
      },
    );
    sendObject(response, 200, this.#present(target, updated), format);
  }

  async #delete(
    request: IncomingMessage,
    response: ServerResponse,
    target: ResourceRequest,
    query: URLSearchParams,
  ) {
    const format = negotiateResponseFormat(request, false);
    const options = await readDeleteOptions(request);
    const { resource } = target.served;
    const result = this.#options.objects.delete(
      resource,
      target.namespace,
      target.name!,
      {
        dryRun:
          isDryRun(query) ||
          (Array.isArray(options.dryRun) && options.dryRun.includes('All')),
        preconditions: isJsonObject(options.preconditions)
          ? (options.preconditions as {
              uid?: string;
              resourceVersion?: string;
            })
          : undefined,
      },
    );
    if (result.deleted && !resource.deleteReturnsObject) {
      const status: Status = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: {
          name: target.name,
          group: resource.group || undefined,
          kind: resource.plural,
          uid: result.object.metadata.uid,
        },
        code: 200,
      };
      sendJson(response, 200, status);
      return;
    }
    sendObject(response, 200, this.#present(target, result.object), format);
  }

  async #deleteCollection(
    request: IncomingMessage,
    response: ServerResponse,
    target: ResourceRequest,
    query: URLSearchParams,
  ) {
    await readDeleteOptions(request);
    const { resource, version } = target.served;
    const { objects } = this.#options;
    const labelSelector = parseLabelSelector(
      query.get('labelSelector') ?? undefined,
    );
    const fieldSelector = parseFieldSelector(
      query.get('fieldSelector') ?? undefined,
      resource.selectableFields,
    );
    const deleted = objects
      .list(resource, target.namespace)
      .filter(
        object =>
          matchesLabelSelector(labelSelector, object.metadata.labels) &&
          matchesFieldSelector(fieldSelector, object),
      )
      .map(
        object =>
          objects.delete(
            resource,
            object.metadata.namespace,
            object.metadata.name!,
            {
              dryRun: isDryRun(query),
            },
          ).object,
      );
    sendJson(response, 200, {
      apiVersion: apiVersionOf(resource.group, version.name),
      kind: resource.listKind,
      metadata: { resourceVersion: String(objects.revision) },
      items: deleted.map(object => this.#present(target, object)),
    });
  }

  /**
   * Checks a request body against the URL, as the REST handlers do: type
   * meta must match the addressed resource, namespace and name the path.
   */
  #checkBody(
    target: ResourceRequest,
    body: Record<string, unknown>,
  ): KubernetesObject {
    const { resource, version } = target.served;
    const expectedApiVersion = apiVersionOf(resource.group, version.name);
    const text = JSON.stringify(body);
    if (resource.typeMetaOptional) {
      body.apiVersion ??= expectedApiVersion;
      body.kind ??= resource.kind;
    }
    if (typeof body.kind !== 'string' || !body.kind) {
      throw badRequestError(`Object 'Kind' is missing in '${text}'`);
    }
    if (typeof body.apiVersion !== 'string' || !body.apiVersion) {
      throw badRequestError(`Object 'apiVersion' is missing in '${text}'`);
    }
    if (body.apiVersion !== expectedApiVersion) {
      throw badRequestError(
        `the API version in the data (${body.apiVersion}) does not match the expected API version (${expectedApiVersion})`,
      );
    }
    if (body.kind !== resource.kind) {
      throw badRequestError(
        `the kind in the data (${body.kind}) does not match the expected kind (${resource.kind})`,
      );
    }
    const object = cloneJson(body) as KubernetesObject;
    object.metadata = isJsonObject(object.metadata) ? object.metadata : {};
    if (resource.namespaced) {
      if (
        object.metadata.namespace &&
        object.metadata.namespace !== target.namespace
      ) {
        throw badRequestError(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      object.metadata.namespace = target.namespace;
    }
    if (target.name !== undefined) {
      if (object.metadata.name && object.metadata.name !== target.name) {
        throw badRequestError(
          `the name of the object (${object.metadata.name}) does not match the name on the URL (${target.name})`,
        );
      }
      object.metadata.name = target.name;
    }
    return object;
  }
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
) {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Cache-Control': 'no-cache, private',
  });
  response.end(`${JSON.stringify(body)}\n`);
}

function sendDocument(response: ServerResponse, document: unknown) {
  if (document === undefined) {
    throw pathNotFoundError();
  }
  sendJson(response, 200, document);
}

function sendObject(
  response: ServerResponse,
  status: number,
  object: KubernetesObject,
  format: ResponseFormat,
) {
  if (format.kind === 'metadata') {
    sendJson(response, status, {
      kind: 'PartialObjectMetadata',
      apiVersion: format.apiVersion,
      metadata: object.metadata,
    });
    return;
  }
  sendJson(response, status, object);
}

function tableContentType(apiVersion: string) {
  const [group, version] = apiVersion.split('/');
  return `application/json;as=Table;v=${version};g=${group}`;
}

function includeObjectParameter(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const value of values) {
    if (value !== 'All') {
      throw badRequestError(`Invalid dry run value: ${value}`);
    }
  }
  return values.length > 0;
}

function parseNonNegativeInteger(value: string | null, name: string): number {
  if (value === null || value === '') return 0;
  if (!/^\d+$/.test(value)) {
    throw badRequestError(`invalid ${name}: ${value}`);
  }
  return Number(value);
}

function continueKey(object: KubernetesObject): string {
  const { namespace, name = '' } = object.metadata;
  return namespace ? `${namespace}/${name}` : name;
}
