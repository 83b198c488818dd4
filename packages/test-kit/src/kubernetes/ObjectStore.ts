import { randomUUID } from 'node:crypto';
import {
  alreadyExistsError,
  badRequestError,
  conflictError,
  expiredError,
  FieldError,
  forbiddenError,
  invalidError,
  notFoundError,
} from './ApiStatusError';
import {
  cloneJson,
  isJsonObject,
  jsonEqual,
  KubernetesObject,
  kubernetesTimestamp,
} from './KubernetesObject';
import {
  apiVersionOf,
  RegisteredResource,
  resourceKey,
} from './ResourceRegistry';

/**
 * The storage engine behind the test API server, playing the part of etcd
 * plus the generic registry: one global, monotonically increasing
 * resourceVersion, a bounded history of changes for watch resumption and
 * consistent pagination, and the write semantics of the real registry
 * (generation, status subresource, finalizers, optimistic concurrency,
 * namespace lifecycle).
 */

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change, as watches and subscribers see it. */
export interface StoreChange {
  type: ChangeType;
  resource: RegisteredResource;
  /**
   * The object after the change, in the storage version. For `DELETED` it is
   * the last state, carrying the resourceVersion of the deletion.
   */
  object: KubernetesObject;
  /** The object before the change (`MODIFIED` and `DELETED`). */
  previous?: KubernetesObject;
  resourceVersion: number;
}

export type StoreListener = (change: StoreChange) => void;

export interface CreateOptions {
  dryRun?: boolean;
  /** Keep a given `status` even with a status subresource (seeding). */
  keepStatus?: boolean;
}

export interface UpdateOptions {
  dryRun?: boolean;
  /** `status` writes change only the status, other writes never change it. */
  subresource?: 'status';
}

export interface DeleteOptions {
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  object: KubernetesObject;
  /** False when finalizers keep the object around (deletionTimestamp set). */
  deleted: boolean;
}

const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const NAMESPACES: { group: string; plural: string } = {
  group: '',
  plural: 'namespaces',
};

function isNamespaceResource(resource: { group: string; plural: string }) {
  return (
    resource.group === NAMESPACES.group && resource.plural === NAMESPACES.plural
  );
}

function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function keyOf(object: KubernetesObject): string {
  return objectKey(object.metadata.namespace, object.metadata.name ?? '');
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix +=
      GENERATE_NAME_ALPHABET[
        Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)
      ];
  }
  return suffix;
}

/** Everything but metadata and status: what bumps `generation`. */
function specPart(object: KubernetesObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
}

export interface ObjectStoreOptions {
  /** How many changes are kept for watch resumption (default 1000). */
  historyLimit?: number;
}

export class ObjectStore {
  readonly #objects = new Map<string, Map<string, KubernetesObject>>();
  readonly #listeners = new Set<StoreListener>();
  /** The resource of each bucket, for cleaning up a namespace's contents. */
  readonly #resourcesByKey = new Map<string, RegisteredResource>();
  readonly #history: StoreChange[] = [];
  readonly #historyLimit: number;
  /** Changes at or below this revision are gone from the history. */
  #compactedRevision: number;
  #revision: number;

  constructor(options: ObjectStoreOptions = {}) {
    this.#historyLimit = options.historyLimit ?? 1000;
    // Start above zero: resourceVersion "0" means "any" to the API.
    this.#revision = 100;
    this.#compactedRevision = this.#revision;
  }

  /** The current global resourceVersion. */
  get revision(): number {
    return this.#revision;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get compactedRevision(): number {
    return this.#compactedRevision;
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets all history, so any watch resuming from the past gets 410. */
  expireHistory(): void {
    this.#history.length = 0;
    this.#compactedRevision = this.#revision;
  }

  /** Drops all objects of a resource (its CRD was deleted). */
  dropResource(resource: RegisteredResource): void {
    this.#objects.delete(resourceKey(resource.group, resource.plural));
  }

  get(
    resource: RegisteredResource,
    namespace: string | undefined,
    name: string,
  ): KubernetesObject | undefined {
    return cloneJson(
      this.#bucket(resource).get(
        objectKey(resource.namespaced ? namespace : undefined, name),
      ),
    );
  }

  /** Current objects in key order (namespace, then name). */
  list(resource: RegisteredResource, namespace?: string): KubernetesObject[] {
    return this.#sorted(
      [...this.#bucket(resource).values()].filter(
        object => !namespace || object.metadata.namespace === namespace,
      ),
    ).map(cloneJson);
  }

  /**
   * The objects as they were at `revision`, rebuilt from the history; this
   * is what keeps paginated lists consistent. 410 once compacted away.
   */
  listAt(
    resource: RegisteredResource,
    namespace: string | undefined,
    revision: number,
  ): KubernetesObject[] {
    if (revision < this.#compactedRevision) {
      throw expiredError(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
    }
    const key = resourceKey(resource.group, resource.plural);
    const snapshot = new Map(this.#bucket(resource));
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const change = this.#history[i];
      if (change.resourceVersion <= revision) break;
      if (resourceKey(change.resource.group, change.resource.plural) !== key) {
        continue;
      }
      if (change.type === 'ADDED') {
        snapshot.delete(keyOf(change.object));
      } else if (change.previous) {
        snapshot.set(keyOf(change.previous), change.previous);
      }
    }
    return this.#sorted(
      [...snapshot.values()].filter(
        object => !namespace || object.metadata.namespace === namespace,
      ),
    ).map(cloneJson);
  }

  /** Changes after `revision`, for resuming a watch; 410 if compacted. */
  changesSince(revision: number): StoreChange[] {
    if (revision < this.#compactedRevision) {
      throw expiredError(
        `too old resource version: ${revision} (${
          this.#compactedRevision + 1
        })`,
      );
    }
    return this.#history.filter(change => change.resourceVersion > revision);
  }

  create(
    resource: RegisteredResource,
    input: KubernetesObject,
    options: CreateOptions = {},
  ): KubernetesObject {
    const object = cloneJson(input);
    object.apiVersion = apiVersionOf(resource.group, resource.storageVersion);
    object.kind = resource.kind;
    const metadata = isJsonObject(object.metadata) ? object.metadata : {};
    object.metadata = metadata;

    if (!resource.namespaced) {
      delete metadata.namespace;
    } else if (!metadata.namespace) {
      throw badRequestError(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (!metadata.name && metadata.generateName) {
      metadata.name = `${metadata.generateName}${randomSuffix()}`;
    }
    const name = metadata.name ?? '';
    this.#validateMetadata(resource, object, name, true);

    if (resource.namespaced) {
      this.#checkNamespaceAcceptsContent(resource, metadata.namespace!, name);
    }
    const key = keyOf(object);
    if (this.#bucket(resource).has(key)) {
      throw alreadyExistsError(resource, name);
    }

    metadata.uid = randomUUID();
    metadata.creationTimestamp = kubernetesTimestamp();
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    delete metadata.resourceVersion;
    if (resource.tracksGeneration) {
      metadata.generation = 1;
    } else {
      delete metadata.generation;
    }
    if (resource.statusSubresource && !options.keepStatus) {
      delete object.status;
    }
    this.#applyDefaults(resource, object);

    if (options.dryRun) {
      return object;
    }
    return this.#commit('ADDED', resource, object, undefined);
  }

  update(
    resource: RegisteredResource,
    namespace: string | undefined,
    name: string,
    input: KubernetesObject,
    options: UpdateOptions = {},
  ): KubernetesObject {
    const existing = this.#bucket(resource).get(
      objectKey(resource.namespaced ? namespace : undefined, name),
    );
    if (!existing) {
      throw notFoundError(resource, name);
    }
    const requestedVersion = input.metadata?.resourceVersion;
    if (
      requestedVersion !== undefined &&
      requestedVersion !== '' &&
      requestedVersion !== existing.metadata.resourceVersion
    ) {
      throw conflictError(resource, name);
    }

    let next: KubernetesObject;
    if (options.subresource === 'status') {
      // Status writes ignore everything but the status stanza.
      next = cloneJson(existing);
      if (input.status === undefined) {
        delete next.status;
      } else {
        next.status = cloneJson(input.status);
      }
    } else {
      next = cloneJson(input);
      next.metadata = isJsonObject(next.metadata) ? next.metadata : {};
      for (const immutable of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ] as const) {
        if (existing.metadata[immutable] === undefined) {
          delete next.metadata[immutable];
        } else {
          next.metadata[immutable] = existing.metadata[immutable] as never;
        }
      }
      next.metadata.name = existing.metadata.name;
      if (resource.namespaced) {
        next.metadata.namespace = existing.metadata.namespace;
      } else {
        delete next.metadata.namespace;
      }
      if (resource.statusSubresource) {
        if (existing.status === undefined) {
          delete next.status;
        } else {
          next.status = cloneJson(existing.status);
        }
      }
      next.apiVersion = existing.apiVersion;
      next.kind = existing.kind;
      this.#validateMetadata(resource, next, name, false);
      this.#checkFinalizersWhileDeleting(resource, existing, next);
      if (
        resource.tracksGeneration &&
        !jsonEqual(specPart(next), specPart(existing))
      ) {
        next.metadata.generation = (existing.metadata.generation ?? 0) + 1;
      }
    }
    next.metadata.resourceVersion = existing.metadata.resourceVersion;
    this.#applyDefaults(resource, next);

    if (jsonEqual(next, existing)) {
      // No-op writes neither bump the resourceVersion nor notify watchers.
      return cloneJson(existing);
    }
    if (options.dryRun) {
      return next;
    }
    if (
      next.metadata.deletionTimestamp &&
      (next.metadata.finalizers ?? []).length === 0 &&
      !isNamespaceResource(resource)
    ) {
      return this.#remove(resource, next, existing);
    }
    return this.#commit('MODIFIED', resource, next, existing);
  }

  delete(
    resource: RegisteredResource,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): DeleteResult {
    const existing = this.#bucket(resource).get(
      objectKey(resource.namespaced ? namespace : undefined, name),
    );
    if (!existing) {
      throw notFoundError(resource, name);
    }
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid && uid !== existing.metadata.uid) {
      throw conflictError(
        resource,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    if (
      resourceVersion &&
      resourceVersion !== existing.metadata.resourceVersion
    ) {
      throw conflictError(
        resource,
        name,
        `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`,
      );
    }

    const isNamespace = isNamespaceResource(resource);
    const finalizers = existing.metadata.finalizers ?? [];
    if (finalizers.length === 0 && !isNamespace) {
      if (options.dryRun) {
        return { object: cloneJson(existing), deleted: true };
      }
      return {
        object: this.#remove(resource, cloneJson(existing), existing),
        deleted: true,
      };
    }
    if (existing.metadata.deletionTimestamp) {
      return { object: cloneJson(existing), deleted: false };
    }

    // Graceful deletion: mark, and let finalizers (or the namespace
    // lifecycle) remove the object later.
    const marked = cloneJson(existing);
    marked.metadata.deletionTimestamp = kubernetesTimestamp();
    marked.metadata.deletionGracePeriodSeconds = 0;
    if (resource.tracksGeneration && marked.metadata.generation) {
      marked.metadata.generation += 1;
    }
    if (isNamespace) {
      marked.status = {
        ...(isJsonObject(marked.status) ? marked.status : {}),
        phase: 'Terminating',
      };
    }
    if (options.dryRun) {
      return { object: marked, deleted: false };
    }
    const committed = this.#commit('MODIFIED', resource, marked, existing);
    if (isNamespace) {
      this.#terminateNamespace(name);
    }
    return { object: committed, deleted: false };
  }

  /** Whether a namespace exists (terminating or not). */
  hasNamespace(name: string): boolean {
    return this.#namespaceBucket().has(name);
  }

  #bucket(resource: {
    group: string;
    plural: string;
  }): Map<string, KubernetesObject> {
    const key = resourceKey(resource.group, resource.plural);
    let bucket = this.#objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(key, bucket);
    }
    return bucket;
  }

  #namespaceBucket() {
    return this.#bucket(NAMESPACES);
  }

  #sorted(objects: KubernetesObject[]): KubernetesObject[] {
    return objects.sort((a, b) => {
      const ka = keyOf(a);
      const kb = keyOf(b);
      if (ka < kb) return -1;
      return ka > kb ? 1 : 0;
    });
  }

  #commit(
    type: ChangeType,
    resource: RegisteredResource,
    object: KubernetesObject,
    previous: KubernetesObject | undefined,
  ): KubernetesObject {
    this.#revision += 1;
    object.metadata.resourceVersion = String(this.#revision);
    this.#resourcesByKey.set(
      resourceKey(resource.group, resource.plural),
      resource,
    );
    const bucket = this.#bucket(resource);
    if (type === 'DELETED') {
      bucket.delete(keyOf(object));
    } else {
      bucket.set(keyOf(object), object);
    }
    const change: StoreChange = {
      type,
      resource,
      object: cloneJson(object),
      previous: previous && cloneJson(previous),
      resourceVersion: this.#revision,
    };
    this.#history.push(change);
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift()!;
      this.#compactedRevision = dropped.resourceVersion;
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        // A failing subscriber must not fail the write; surface it loudly.
        process.nextTick(() => {
          throw error;
        });
      }
    }
    return cloneJson(object);
  }

  #remove(
    resource: RegisteredResource,
    finalState: KubernetesObject,
    existing: KubernetesObject,
  ): KubernetesObject {
    const removed = this.#commit('DELETED', resource, finalState, existing);
    const namespace = removed.metadata.namespace;
    if (resource.namespaced && namespace) {
      this.#finalizeNamespaceIfEmpty(namespace);
    }
    return removed;
  }

  /** The namespace controller: delete the contents, then the namespace. */
  #terminateNamespace(namespace: string) {
    for (const [key, bucket] of this.#objects) {
      for (const object of [...bucket.values()]) {
        if (object.metadata.namespace !== namespace) continue;
        const resource = this.#resourcesByKey.get(key);
        if (!resource) continue;
        if ((object.metadata.finalizers ?? []).length === 0) {
          this.#commit('DELETED', resource, cloneJson(object), object);
        } else if (!object.metadata.deletionTimestamp) {
          const marked = cloneJson(object);
          marked.metadata.deletionTimestamp = kubernetesTimestamp();
          marked.metadata.deletionGracePeriodSeconds = 0;
          this.#commit('MODIFIED', resource, marked, object);
        }
      }
    }
    this.#finalizeNamespaceIfEmpty(namespace);
  }

  #finalizeNamespaceIfEmpty(namespace: string) {
    const ns = this.#namespaceBucket().get(namespace);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    for (const bucket of this.#objects.values()) {
      for (const object of bucket.values()) {
        if (object.metadata.namespace === namespace) return;
      }
    }
    const resource = this.#resourcesByKey.get(resourceKey('', 'namespaces'));
    if (resource) {
      this.#commit('DELETED', resource, cloneJson(ns), ns);
    }
  }

  #checkNamespaceAcceptsContent(
    resource: RegisteredResource,
    namespace: string,
    name: string,
  ) {
    const ns = this.#namespaceBucket().get(namespace);
    if (!ns) {
      throw notFoundError(NAMESPACES, namespace);
    }
    if (ns.metadata.deletionTimestamp) {
      throw forbiddenError(
        resource,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  #checkFinalizersWhileDeleting(
    resource: RegisteredResource,
    existing: KubernetesObject,
    next: KubernetesObject,
  ) {
    if (!existing.metadata.deletionTimestamp) return;
    const before = existing.metadata.finalizers ?? [];
    const added = (next.metadata.finalizers ?? []).filter(
      finalizer => !before.includes(finalizer),
    );
    if (added.length > 0) {
      throw invalidError(resource, existing.metadata.name ?? '', [
        {
          type: 'FieldValueForbidden',
          field: 'metadata.finalizers',
          detail: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added
            .map(f => `"${f}"`)
            .join(', ')}}`,
        },
      ]);
    }
  }

  #validateMetadata(
    resource: RegisteredResource,
    object: KubernetesObject,
    name: string,
    creating: boolean,
  ) {
    const errors: FieldError[] = [];
    const { metadata } = object;
    if (!name) {
      errors.push({
        type: 'FieldValueRequired',
        field: 'metadata.name',
        detail: 'Required value: name or generateName is required',
      });
    } else if (creating) {
      const label = resource.nameFormat === 'dns-label';
      if (
        label
          ? !DNS_LABEL.test(name) || name.length > 63
          : !DNS_SUBDOMAIN.test(name) || name.length > 253
      ) {
        errors.push({
          type: 'FieldValueInvalid',
          field: 'metadata.name',
          detail: label
            ? `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
            : `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        });
      }
    }
    for (const [mapName, checkValue] of [
      ['labels', true],
      ['annotations', false],
    ] as const) {
      const map = metadata[mapName];
      if (map === undefined || map === null) {
        delete metadata[mapName];
        continue;
      }
      if (!isJsonObject(map)) {
        throw badRequestError(
          `json: cannot unmarshal ${
            Array.isArray(map) ? 'array' : typeof map
          } into Go struct field ObjectMeta.metadata.${mapName} of type map[string]string`,
        );
      }
      for (const [key, value] of Object.entries(map)) {
        if (typeof value !== 'string') {
          throw badRequestError(
            `json: cannot unmarshal ${typeof value} into Go struct field ObjectMeta.metadata.${mapName} of type string`,
          );
        }
        if (!QUALIFIED_NAME.test(key)) {
          errors.push({
            type: 'FieldValueInvalid',
            field: `metadata.${mapName}`,
            detail: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
          });
        }
        if (checkValue && (!LABEL_VALUE.test(value) || value.length > 63)) {
          errors.push({
            type: 'FieldValueInvalid',
            field: `metadata.${mapName}`,
            detail: `Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
          });
        }
      }
    }
    if (errors.length > 0) {
      throw invalidError(resource, name, errors);
    }
  }

  /** Defaulting the real API applies to a few built-in kinds. */
  #applyDefaults(resource: RegisteredResource, object: KubernetesObject) {
    if (resource.group === '' && resource.plural === 'namespaces') {
      const name = object.metadata.name!;
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': name,
      };
      object.spec = isJsonObject(object.spec)
        ? object.spec
        : { finalizers: ['kubernetes'] };
      if (!isJsonObject(object.status)) {
        object.status = { phase: 'Active' };
      }
    }
  }
}
