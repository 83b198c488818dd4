import { notFoundError } from './ApiStatusError';
import {
  isJsonObject,
  KubernetesObject,
  ObjectReference,
} from './KubernetesObject';
import { ObjectStore, StoreChange } from './ObjectStore';
import { applyMergePatch } from './Patches';
import {
  apiVersionOf,
  RegisteredResource,
  ResourceRegistry,
} from './ResourceRegistry';
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from './Selectors';

/** What `ResourceStore.list` selects. */
export interface ResourceQuery {
  apiVersion: string;
  kind: string;
  /** Omit for all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * In-process access to the server's objects, addressed by `apiVersion` and
 * `kind` like a controller-runtime client. Writes go through the same
 * semantics as API requests (resourceVersion, generation, watch events), so
 * clients watching over HTTP see them as they would see a controller's.
 * Differences, for convenience in tests: `create` keeps a given `status` and
 * creates a missing namespace.
 */
export class ResourceStore {
  readonly #objects: ObjectStore;
  readonly #registry: ResourceRegistry;

  constructor(objects: ObjectStore, registry: ResourceRegistry) {
    this.#objects = objects;
    this.#registry = registry;
  }

  /** The current global resourceVersion. */
  get resourceVersion(): string {
    return String(this.#objects.revision);
  }

  get(reference: ObjectReference): KubernetesObject | undefined {
    const { resource, apiVersion } = this.#resolve(reference);
    const object = this.#objects.get(
      resource,
      reference.namespace,
      reference.name,
    );
    return object && withApiVersion(object, apiVersion);
  }

  /** Like `get`, but throws a 404 `ApiStatusError` when missing. */
  require(reference: ObjectReference): KubernetesObject {
    const object = this.get(reference);
    if (!object) {
      throw notFoundError(this.#resolve(reference).resource, reference.name);
    }
    return object;
  }

  list(query: ResourceQuery): KubernetesObject[] {
    const { resource, apiVersion } = this.#resolve(query);
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(
      query.fieldSelector,
      resource.selectableFields,
    );
    return this.#objects
      .list(resource, query.namespace)
      .filter(
        object =>
          matchesLabelSelector(labels, object.metadata.labels) &&
          matchesFieldSelector(fields, object),
      )
      .map(object => withApiVersion(object, apiVersion));
  }

  create(
    object: KubernetesObject,
    options: { keepStatus?: boolean } = {},
  ): KubernetesObject {
    const { resource, apiVersion } = this.#resolve(object);
    const input = { ...object, metadata: { ...object.metadata } };
    if (resource.namespaced) {
      input.metadata.namespace = input.metadata.namespace ?? 'default';
      this.ensureNamespace(input.metadata.namespace);
    }
    return withApiVersion(
      this.#objects.create(resource, input, {
        keepStatus: options.keepStatus ?? true,
      }),
      apiVersion,
    );
  }

  /** Replaces an object like PUT: status is kept if it is a subresource. */
  update(object: KubernetesObject): KubernetesObject {
    const { resource, apiVersion } = this.#resolve(object);
    return withApiVersion(
      this.#objects.update(
        resource,
        object.metadata.namespace,
        object.metadata.name ?? '',
        object,
      ),
      apiVersion,
    );
  }

  /** Applies a JSON merge patch to the object (not its status). */
  patch(
    reference: ObjectReference,
    mergePatch: Record<string, unknown>,
  ): KubernetesObject {
    const current = this.require(reference);
    const patched = applyMergePatch(current, mergePatch) as KubernetesObject;
    return this.update(patched);
  }

  /**
   * Changes the status only, as a controller does through `/status`: a
   * merge patch, or a function from the current status to the new one.
   */
  patchStatus(
    reference: ObjectReference,
    patch:
      | Record<string, unknown>
      | ((status: Record<string, unknown>) => Record<string, unknown>),
  ): KubernetesObject {
    const { resource, apiVersion } = this.#resolve(reference);
    const current = this.require(reference);
    const status = isJsonObject(current.status) ? current.status : {};
    const next =
      typeof patch === 'function'
        ? patch(structuredClone(status))
        : (applyMergePatch(status, patch) as Record<string, unknown>);
    const input = { ...current, status: next };
    if (!resource.statusSubresource) {
      return this.update(input);
    }
    return withApiVersion(
      this.#objects.update(
        resource,
        reference.namespace,
        reference.name,
        input,
        { subresource: 'status' },
      ),
      apiVersion,
    );
  }

  /**
   * Deletes like the API: with finalizers the object only gets a
   * deletionTimestamp. Returns undefined if there was nothing to delete.
   */
  delete(reference: ObjectReference): KubernetesObject | undefined {
    const { resource, apiVersion } = this.#resolve(reference);
    if (!this.#objects.get(resource, reference.namespace, reference.name)) {
      return undefined;
    }
    return withApiVersion(
      this.#objects.delete(resource, reference.namespace, reference.name)
        .object,
      apiVersion,
    );
  }

  /** Creates the namespace if it does not exist yet. */
  ensureNamespace(name: string): void {
    if (!this.#objects.hasNamespace(name)) {
      const namespaces = this.#registry.get('', 'namespaces');
      if (!namespaces) {
        throw new Error('The namespaces resource is not registered');
      }
      this.#objects.create(namespaces, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    }
  }

  /**
   * Calls `listener` synchronously after every committed change, with the
   * object in its storage version. Returns the unsubscribe function.
   * Listeners must not mutate the change.
   */
  subscribe(listener: (change: StoreChange) => void): () => void {
    return this.#objects.subscribe(listener);
  }

  /** The registered resource of an `apiVersion`/`kind`. */
  resourceFor(
    apiVersion: string,
    kind: string,
  ): RegisteredResource | undefined {
    return this.#registry.findByKind(apiVersion, kind)?.resource;
  }

  #resolve(reference: { apiVersion: string; kind: string }): {
    resource: RegisteredResource;
    apiVersion: string;
  } {
    const found = this.#registry.findByKind(
      reference.apiVersion,
      reference.kind,
    );
    if (!found) {
      throw new Error(
        `No resource of kind ${reference.kind} is registered at ${reference.apiVersion}`,
      );
    }
    return {
      resource: found.resource,
      apiVersion: apiVersionOf(found.resource.group, found.version.name),
    };
  }
}

/** Converts an object to another version of its resource (conversion: None). */
export function withApiVersion(
  object: KubernetesObject,
  apiVersion: string,
): KubernetesObject {
  return { ...object, apiVersion };
}
