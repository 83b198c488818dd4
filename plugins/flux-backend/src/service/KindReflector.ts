import { LoggerService } from '@backstage/backend-plugin-api';
import { FluxRawObject } from '@hubbops/plugin-flux-common';
import { Backoff } from './Backoff';
import {
  KubernetesClient,
  ServedKind,
  WatchEvent,
  WatchHandle,
} from './KubernetesClient';
import { kubernetesErrorStatus } from './kubernetesError';
import { settleWithin } from './settleWithin';
import { InterruptibleDelay } from './InterruptibleDelay';
import { WatchRestartReason } from './FluxMetrics';

/** Where a reflector sends what it learns. */
export interface ReflectorListener {
  /** A complete list: everything of this kind not in it is gone. */
  replace(kind: ServedKind, objects: FluxRawObject[]): void;
  upsert(kind: ServedKind, object: FluxRawObject): void;
  remove(kind: ServedKind, object: FluxRawObject): void;
  /** `synced` after a list or a watch (re)connect; `failing` with the error. */
  state(kind: ServedKind, state: 'synced' | 'failing', error?: unknown): void;
}

export interface KindReflectorOptions {
  client: KubernetesClient;
  kind: ServedKind;
  listener: ReflectorListener;
  logger: LoggerService;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** Objects per list page. */
  pageSize?: number;
  /**
   * A watch is opened again for a reason of the server's or network's
   * (not for a relist we asked for, nor on stop): for metrics.
   */
  onWatchRestart?: (reason: WatchRestartReason) => void;
}

/** How long `stop` waits for a request in flight. */
const STOP_GRACE_MS = 2000;

class ExpiredError extends Error {
  constructor() {
    super('resourceVersion expired (410 Gone)');
  }
}

/** How a watch ended without an error. */
interface WatchEnd {
  events: number;
  expired: boolean;
}

/**
 * Keeps one Flux kind of one cluster in step, like client-go's reflector:
 * list, then watch from the list's resourceVersion; when the watch ends,
 * resume it from the last resourceVersion seen; when the server says that
 * version is gone (410 Expired, as an HTTP status or an ERROR event), list
 * again, and the full list tells what was deleted meanwhile. Any other
 * failure is retried with capped, jittered exponential backoff.
 */
export class KindReflector {
  readonly kind: ServedKind;
  readonly #options: KindReflectorOptions;
  readonly #backoff: Backoff;
  #resourceVersion = '';
  #watch?: WatchHandle;
  #stopped = true;
  readonly #delay = new InterruptibleDelay();
  #relistRequested = false;
  #running?: Promise<void>;

  constructor(options: KindReflectorOptions) {
    this.kind = options.kind;
    this.#options = options;
    this.#backoff = new Backoff({
      minMs: options.minRetryDelayMs,
      maxMs: options.maxRetryDelayMs,
    });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#running = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watch?.abort();
    this.#delay.interrupt();
    await settleWithin(this.#running, STOP_GRACE_MS);
  }

  /** Lists again at once (the periodic safety net), ending any watch. */
  relist(): void {
    this.#relistRequested = true;
    this.#watch?.abort();
    this.#delay.interrupt();
  }

  async #run(): Promise<void> {
    const { listener, kind, logger } = this.#options;
    while (!this.#stopped) {
      try {
        if (this.#relistRequested || !this.#resourceVersion) {
          this.#relistRequested = false;
          await this.#list();
          this.#backoff.reset();
          listener.state(kind, 'synced');
        }
        const startedAt = Date.now();
        const end = await this.#watchOnce();
        if (this.#stopped) break;
        if (end.expired) {
          logger.debug(`${kind.kind} watch expired, listing again`);
          this.#options.onWatchRestart?.('410');
          this.#resourceVersion = '';
        } else {
          if (!this.#relistRequested) {
            this.#options.onWatchRestart?.('timeout');
          }
          if (end.events === 0 && Date.now() - startedAt < 1000) {
            // A server that closes watches at once must not make us spin.
            await this.#delay.wait(this.#options.minRetryDelayMs);
          }
        }
      } catch (error) {
        if (this.#stopped) break;
        if (
          error instanceof ExpiredError ||
          kubernetesErrorStatus(error) === 410
        ) {
          this.#options.onWatchRestart?.('410');
          this.#resourceVersion = '';
          continue;
        }
        this.#options.onWatchRestart?.('error');
        listener.state(kind, 'failing', error);
        await this.#delay.wait(this.#backoff.next());
      }
    }
  }

  async #list(): Promise<void> {
    const { client, kind, listener } = this.#options;
    const items: FluxRawObject[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await client.listObjects(kind, {
        limit: this.#options.pageSize ?? 500,
        continueToken,
      });
      // Every page of one list is the same snapshot; its version is the first's.
      resourceVersion ||= page.resourceVersion;
      items.push(...page.items);
      continueToken = page.continueToken;
    } while (continueToken && !this.#stopped);
    if (this.#stopped) return;
    listener.replace(kind, items);
    this.#resourceVersion = resourceVersion;
  }

  #watchOnce(): Promise<WatchEnd> {
    const { client, kind, listener } = this.#options;
    return new Promise<WatchEnd>((resolve, reject) => {
      let events = 0;
      let expired = false;
      let failed: unknown;
      let done = false;
      const onEvent = (event: WatchEvent) => {
        if (this.#stopped) return;
        if (event.type === 'ERROR') {
          if (event.object?.code === 410) {
            expired = true;
          } else {
            failed = new Error(
              `watch error: ${
                event.object?.message ?? JSON.stringify(event.object)
              }`,
            );
          }
          this.#watch?.abort();
          return;
        }
        events += 1;
        const resourceVersion = event.object?.metadata?.resourceVersion;
        if (event.type === 'ADDED' || event.type === 'MODIFIED') {
          listener.upsert(kind, event.object);
        } else if (event.type === 'DELETED') {
          listener.remove(kind, event.object);
        }
        if (resourceVersion) this.#resourceVersion = resourceVersion;
      };
      const onDone = (error?: unknown) => {
        done = true;
        this.#watch = undefined;
        const abortedByUs =
          this.#stopped || this.#relistRequested || expired || failed;
        if (failed) {
          reject(failed);
        } else if (error && !abortedByUs && !isQuietEnd(error)) {
          reject(
            kubernetesErrorStatus(error) === 410 ? new ExpiredError() : error,
          );
        } else {
          resolve({ events, expired });
        }
      };
      client
        .watchObjects(kind, this.#resourceVersion, onEvent, onDone)
        .then(handle => {
          if (done) return;
          this.#watch = handle;
          if (this.#stopped || this.#relistRequested) {
            handle.abort();
            return;
          }
          // The watch is open: the cluster answers again.
          this.#backoff.reset();
          listener.state(kind, 'synced');
        })
        .catch(reject);
    });
  }
}

/**
 * The watch saw nothing for a while (client idle timeout) or we aborted it:
 * resume from the same version rather than count it as a failure.
 */
function isQuietEnd(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}
