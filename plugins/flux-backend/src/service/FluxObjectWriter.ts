import { LoggerService } from '@backstage/backend-plugin-api';
import { FluxDatabase, ObjectKey } from './FluxDatabase';
import { IndexChange, IndexedObject } from './FluxObjectIndex';

function keyOf(change: IndexChange): string {
  const { cluster, kind, namespace, name } =
    change.type === 'upsert' ? change.object.summary : change;
  return `${cluster}\u0000${kind}\u0000${namespace}\u0000${name}`;
}

/**
 * Gathers index changes for `delayMs` and writes them in one transaction,
 * the latest change per object winning, so a burst of watch events (a
 * relist, a busy cluster) costs one write rather than hundreds.
 */
export class FluxObjectWriter {
  readonly #database: FluxDatabase;
  readonly #delayMs: number;
  readonly #logger: LoggerService;
  #pending = new Map<string, IndexChange>();
  #timer?: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: {
    database: FluxDatabase;
    delayMs: number;
    logger: LoggerService;
  }) {
    this.#database = options.database;
    this.#delayMs = options.delayMs;
    this.#logger = options.logger;
  }

  enqueue(change: IndexChange): void {
    // After shutdown the database may be gone; the next start relists anyway.
    if (this.#stopped) return;
    this.#pending.set(keyOf(change), change);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#delayMs);
  }

  /** Writes everything pending now; resolves when it is stored. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  /** Writes what is pending and stops retrying. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.flush();
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    const upserts: IndexedObject[] = [];
    const deletes: ObjectKey[] = [];
    for (const change of batch.values()) {
      if (change.type === 'upsert') {
        upserts.push(change.object);
      } else {
        const { cluster, kind, namespace, name } = change;
        deletes.push({ cluster, kind, namespace, name });
      }
    }
    try {
      await this.#database.writeObjects(upserts, deletes);
    } catch (error) {
      this.#logger.warn(
        `Could not store ${batch.size} Flux object changes, will retry: ${error}`,
      );
      // Put the batch back unless a newer change to the same object came in.
      for (const [key, change] of batch) {
        if (!this.#pending.has(key)) this.#pending.set(key, change);
      }
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, Math.max(this.#delayMs, 5000));
    }
  }
}
