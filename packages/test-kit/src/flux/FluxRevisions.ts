import { createHash } from 'node:crypto';
import { isJsonObject, KubernetesObject } from '../kubernetes';

/**
 * Deterministic stand-ins for what the controllers compute from real
 * content: commit SHAs, digests and chart versions, derived from object
 * identity so that repeated runs (and snapshots) are stable.
 */

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads a nested field of an unstructured object. */
export function fieldOf(object: unknown, ...path: string[]): unknown {
  let current = object;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function stringField(
  object: unknown,
  ...path: string[]
): string | undefined {
  const value = fieldOf(object, ...path);
  return typeof value === 'string' ? value : undefined;
}

const EXACT_SEMVER =
  /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** A chart version constraint resolved the way a repository with one release would. */
export function resolveChartVersion(constraint: string | undefined): string {
  return constraint && EXACT_SEMVER.test(constraint)
    ? constraint.replace(/^v/, '')
    : '1.0.0';
}

/**
 * The revision a source would fetch first, in the format of the API
 * version: `<branch>@sha1:<sha>` since Flux 2.0, `<branch>/<sha>` before.
 */
export function defaultSourceRevision(
  source: KubernetesObject,
  legacy: boolean,
): string {
  const identity = `${source.kind}/${source.metadata.namespace}/${source.metadata.name}`;
  switch (source.kind) {
    case 'GitRepository': {
      const branch =
        stringField(source, 'spec', 'ref', 'branch') ??
        stringField(source, 'spec', 'ref', 'tag') ??
        'main';
      const sha = sha1Hex(identity);
      return legacy ? `${branch}/${sha}` : `${branch}@sha1:${sha}`;
    }
    case 'OCIRepository': {
      const tag = stringField(source, 'spec', 'ref', 'tag') ?? 'latest';
      const digest = sha256Hex(identity);
      return legacy ? `${tag}/${digest}` : `${tag}@sha256:${digest}`;
    }
    case 'HelmChart':
      return resolveChartVersion(stringField(source, 'spec', 'version'));
    case 'ExternalArtifact':
      return `latest@sha256:${sha256Hex(identity)}`;
    default:
      return legacy ? sha256Hex(identity) : `sha256:${sha256Hex(identity)}`;
  }
}

/** The commit or tag part of a revision: `main@sha1:abc` → `sha1:abc`. */
export function revisionDigest(revision: string): string {
  const at = revision.indexOf('@');
  return at >= 0 ? revision.slice(at + 1) : revision;
}

/** The chart version an OCI revision names: `6.5.4@sha256:…` → `6.5.4`. */
export function versionFromOciRevision(revision: string): string {
  const tag = revision.split(/[@/]/)[0];
  return EXACT_SEMVER.test(tag) ? tag.replace(/^v/, '') : '0.0.0';
}
