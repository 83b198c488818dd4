import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** One serialized answer, with its strong ETag and its gzip form once asked. */
export interface CachedObjectsResponse {
  etag: string;
  json: string;
  gzip(): Buffer;
}

/**
 * Serialized `GET /objects` answers per query, kept until the index changes.
 * With 100,000 objects the query itself takes about a millisecond; turning
 * an entity's few hundred objects into JSON and gzipping them takes several,
 * and the entity tab of every open browser polls the same query. The ETag is
 * a digest of the body, so a poll after an unrelated change still gets 304.
 */
export class ObjectsResponseCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, CachedObjectsResponse>();
  #revision = -1;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 200;
  }

  /**
   * The answer for `key` at the index's `revision`, built with `build` when
   * the index changed since or the key was not asked before.
   */
  get(
    key: string,
    revision: number,
    build: () => unknown,
  ): CachedObjectsResponse {
    if (revision !== this.#revision) {
      this.#entries.clear();
      this.#revision = revision;
    }
    const cached = this.#entries.get(key);
    if (cached) {
      // Most recently used last, so the oldest goes first when full.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const json = JSON.stringify(build());
    const etag = `"${createHash('sha256')
      .update(json)
      .digest('base64url')
      .slice(0, 27)}"`;
    let gzipped: Buffer | undefined;
    const entry: CachedObjectsResponse = {
      etag,
      json,
      gzip: () => (gzipped ??= gzipSync(json)),
    };
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return entry;
  }
}
