import { applyPatch, Operation } from 'fast-json-patch';
import { badRequestError, unprocessableError } from './ApiStatusError';
import { cloneJson, isJsonObject } from './KubernetesObject';

/**
 * The patch formats the API server accepts, applied to plain JSON documents.
 * Errors are `ApiStatusError`s with the codes the real server uses.
 */

export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, rest replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) {
    return cloneJson(patch);
  }
  const result: Record<string, unknown> = isJsonObject(target)
    ? cloneJson(target)
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}

/**
 * RFC 6902 JSON patch. A body that is not a list of operations is a 400;
 * an operation that cannot apply (including a failed `test`) is a 422, as
 * with `gopkg.in/evanphx/json-patch` in the API server.
 */
export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw badRequestError(
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  }
  try {
    return applyPatch(
      cloneJson(document),
      patch as Operation[],
      true,
      true,
      true,
    ).newDocument;
  } catch {
    throw unprocessableError();
  }
}

/**
 * Keys by which strategic merge patch merges lists of the built-in types
 * (`patchMergeKey` in k8s.io/api); other lists are replaced.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

/** Lists of scalars that strategic merge patch unions rather than replaces. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === 'ports') {
    // Container ports merge on containerPort, service ports on port.
    return items.some(item => isJsonObject(item) && 'containerPort' in item)
      ? 'containerPort'
      : 'port';
  }
  return MERGE_KEYS[field];
}

function mergeList(
  field: string,
  current: unknown[],
  patch: unknown[],
): unknown[] {
  if (patch.some(item => isJsonObject(item) && item.$patch === 'replace')) {
    return patch.filter(
      item => !(isJsonObject(item) && item.$patch === 'replace'),
    );
  }
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    return [...current, ...patch.filter(item => !current.includes(item))];
  }
  const key = mergeKeyFor(field, [...current, ...patch]);
  if (!key) {
    return cloneJson(patch);
  }
  const result = cloneJson(current);
  for (const item of patch) {
    if (!isJsonObject(item)) continue;
    const index = result.findIndex(
      existing => isJsonObject(existing) && existing[key] === item[key],
    );
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = applyStrategicMergePatch(result[index], item);
    } else {
      result.push(applyStrategicMergePatch({}, item));
    }
  }
  return result;
}

/**
 * Strategic merge patch for built-in types: merge patch plus list merging by
 * the known merge keys and the `$patch`, `$retainKeys`, `$setElementOrder`
 * and `$deleteFromPrimitiveList` directives kubectl generates.
 */
export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
): unknown {
  if (!isJsonObject(patch)) {
    return cloneJson(patch);
  }
  if (patch.$patch === 'replace') {
    const { $patch: _ignored, ...replacement } = patch;
    return cloneJson(replacement);
  }
  const result: Record<string, unknown> = isJsonObject(target)
    ? cloneJson(target)
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (
      key === '$patch' ||
      key === '$retainKeys' ||
      key.startsWith('$setElementOrder/')
    ) {
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const existing = result[field];
      if (Array.isArray(existing) && Array.isArray(value)) {
        result[field] = existing.filter(item => !value.includes(item));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
    } else if (isJsonObject(value) && value.$patch === 'delete') {
      delete result[key];
    } else if (Array.isArray(value)) {
      const existing = result[key];
      result[key] = Array.isArray(existing)
        ? mergeList(key, existing, value)
        : mergeList(key, [], value);
    } else if (isJsonObject(value)) {
      result[key] = applyStrategicMergePatch(result[key], value);
    } else {
      result[key] = value;
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const retained = new Set(patch.$retainKeys as string[]);
    for (const key of Object.keys(result)) {
      if (!retained.has(key)) delete result[key];
    }
  }
  return result;
}

/**
 * A simplified server-side apply: the applied configuration is merged into
 * the live object (objects merge, lists and scalars replace). Field
 * ownership and removal of fields a manager stopped applying are not tracked.
 */
export function applyServerSideApply(
  target: unknown,
  applied: unknown,
): unknown {
  if (!isJsonObject(applied)) {
    return cloneJson(applied);
  }
  const result: Record<string, unknown> = isJsonObject(target)
    ? cloneJson(target)
    : {};
  for (const [key, value] of Object.entries(applied)) {
    result[key] = isJsonObject(value)
      ? applyServerSideApply(result[key], value)
      : cloneJson(value);
  }
  return result;
}
