import { InputError } from '@backstage/errors';

/** A parsed image reference: `registry/repository[:tag][@digest]`. */
export interface ImageReference {
  /** Registry as written in references: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Repository path inside the registry: `library/node`, `team/app`. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>` */
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';

// The grammar of github.com/distribution/reference, narrowed to sha256.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:\[[0-9a-fA-F:]+\]|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Parses an image reference the way Docker does: the first path component is
 * a registry when it holds a `.` or `:` or is `localhost`; otherwise the
 * reference is on Docker Hub, where one-component names live in `library/`.
 * Throws an `InputError` naming `what` (e.g. "base image") when malformed.
 */
export function parseImageReference(
  reference: string,
  what = 'image reference',
): ImageReference {
  const invalid = (why: string) =>
    new InputError(
      `${what} "${reference}" is not a valid image reference: ${why}; ` +
        'expected registry/repository[:tag][@sha256:digest], e.g. ' +
        'ghcr.io/acme/app:1.2.3',
    );
  if (!reference || reference !== reference.trim()) {
    throw invalid('it is empty or has surrounding whitespace');
  }
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw invalid(`the digest "${digest}" is not sha256:<64 hex digits>`);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`the tag "${tag}" is not valid`);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let registry = DOCKER_HUB;
  let repository = rest;
  if (
    slash >= 0 &&
    (first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase())
  ) {
    registry = first;
    repository = rest.slice(slash + 1);
    if (!DOMAIN.test(registry)) {
      throw invalid(`the registry "${registry}" is not a host[:port]`);
    }
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') {
    registry = DOCKER_HUB;
  }
  if (!repository || !repository.split('/').every(c => COMPONENT.test(c))) {
    throw invalid(
      `the repository "${repository}" must be lowercase path components ` +
        'of letters, digits and . _ - separators',
    );
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) {
    repository = `library/${repository}`;
  }
  if (repository.length > 255) throw invalid('the repository name is too long');
  return { registry, repository, tag, digest };
}

/** `registry/repository[:tag][@digest]` */
export function formatImageReference(reference: ImageReference): string {
  const tag = reference.tag ? `:${reference.tag}` : '';
  const digest = reference.digest ? `@${reference.digest}` : '';
  return `${reference.registry}/${reference.repository}${tag}${digest}`;
}

/** The host that serves the registry API (Docker Hub's differs from its name). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/** Loopback registries, which Docker also lets clients reach over plain HTTP. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return (
    host === 'localhost' ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}
