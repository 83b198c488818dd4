import { ServerResponse } from 'node:http';
import { ApiStatusError } from './ApiStatusError';
import { KubernetesObject } from './KubernetesObject';
import { ObjectStore, StoreChange } from './ObjectStore';
import {
  apiVersionOf,
  RegisteredResource,
  resourceKey,
  ResourceVersionDefinition,
} from './ResourceRegistry';
import {
  FieldSelector,
  LabelSelector,
  matchesFieldSelector,
  matchesLabelSelector,
} from './Selectors';

/**
 * One `?watch=true` response: newline-delimited JSON watch events over a
 * chunked response, as the API server streams them. It starts with synthetic
 * ADDED events (no resourceVersion), replays history (resourceVersion given;
 * 410 `Expired` ERROR event if compacted), then follows live changes,
 * translating changes that move an object in or out of the selection into
 * ADDED/DELETED the way the watch cache does.
 */

export type WatchEventType =
  | 'ADDED'
  | 'MODIFIED'
  | 'DELETED'
  | 'BOOKMARK'
  | 'ERROR';

export interface WatchParameters {
  resource: RegisteredResource;
  version: ResourceVersionDefinition;
  /** Only objects in this namespace; undefined for all. */
  namespace?: string;
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  allowBookmarks: boolean;
  /** End the watch after this long, as `timeoutSeconds` asks. */
  timeoutSeconds?: number;
  bookmarkIntervalMs: number;
  /** Renders an object for the wire (version, Table, metadata only). */
  render: (object: KubernetesObject, first: boolean) => unknown;
}

export class WatchStream {
  readonly #response: ServerResponse;
  readonly #parameters: WatchParameters;
  readonly #objects: ObjectStore;
  readonly #timers: NodeJS.Timeout[] = [];
  #unsubscribe?: () => void;
  #eventsSent = 0;
  #closed = false;

  constructor(
    response: ServerResponse,
    parameters: WatchParameters,
    objects: ObjectStore,
    onClose: (stream: WatchStream) => void,
  ) {
    this.#response = response;
    this.#parameters = parameters;
    this.#objects = objects;
    response.on('close', () => {
      this.#cleanUp();
      onClose(this);
    });
  }

  /** The resource this watch follows. */
  get resource(): RegisteredResource {
    return this.#parameters.resource;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends headers, then initial or replayed events, then follows changes.
   * `resourceVersion` undefined or "0" means "current state first".
   */
  start(resourceVersion: string | undefined, sendInitialEvents: boolean) {
    const response = this.#response;
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    response.flushHeaders();

    const { resource, namespace } = this.#parameters;
    if (!resourceVersion || resourceVersion === '0' || sendInitialEvents) {
      for (const object of this.#objects.list(resource, namespace)) {
        if (this.#matches(object)) {
          this.#send('ADDED', object);
        }
      }
      if (sendInitialEvents && this.#parameters.allowBookmarks) {
        this.sendBookmark({ 'k8s.io/initial-events-end': 'true' });
      }
    } else {
      let replay: StoreChange[];
      try {
        replay = this.#objects.changesSince(Number(resourceVersion));
      } catch (error) {
        if (error instanceof ApiStatusError) {
          // The real server reports an expired resourceVersion in-band.
          this.#write({ type: 'ERROR', object: error.status });
          this.end();
          return;
        }
        throw error;
      }
      for (const change of replay) {
        this.#deliver(change);
      }
    }

    this.#unsubscribe = this.#objects.subscribe(change =>
      this.#deliver(change),
    );
    if (
      this.#parameters.allowBookmarks &&
      this.#parameters.bookmarkIntervalMs > 0
    ) {
      const interval = setInterval(
        () => this.sendBookmark(),
        this.#parameters.bookmarkIntervalMs,
      );
      interval.unref();
      this.#timers.push(interval);
    }
    if (this.#parameters.timeoutSeconds !== undefined) {
      const timeout = setTimeout(() => {
        if (this.#parameters.allowBookmarks) this.sendBookmark();
        this.end();
      }, this.#parameters.timeoutSeconds * 1000);
      timeout.unref();
      this.#timers.push(timeout);
    }
  }

  /** Sends a BOOKMARK with the current resourceVersion (if allowed). */
  sendBookmark(annotations?: Record<string, string>) {
    if (!this.#parameters.allowBookmarks || this.#closed) return;
    const { resource, version } = this.#parameters;
    this.#write({
      type: 'BOOKMARK',
      object: {
        kind: resource.kind,
        apiVersion: apiVersionOf(resource.group, version.name),
        metadata: {
          resourceVersion: String(this.#objects.revision),
          creationTimestamp: null,
          ...(annotations && { annotations }),
        },
      },
    });
  }

  /** Ends the stream cleanly, like a server-side watch timeout. */
  end() {
    this.#cleanUp();
    if (!this.#response.writableEnded) {
      this.#response.end();
    }
  }

  /** Drops the connection abruptly, like a crashed server. */
  destroy() {
    this.#cleanUp();
    this.#response.socket?.destroy();
    this.#response.destroy();
  }

  #cleanUp() {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.length = 0;
  }

  #matches(object: KubernetesObject): boolean {
    const { namespace, labelSelector, fieldSelector } = this.#parameters;
    return (
      (!namespace || object.metadata.namespace === namespace) &&
      matchesLabelSelector(labelSelector, object.metadata.labels) &&
      matchesFieldSelector(fieldSelector, object)
    );
  }

  #deliver(change: StoreChange) {
    const { resource } = this.#parameters;
    if (
      resourceKey(change.resource.group, change.resource.plural) !==
      resourceKey(resource.group, resource.plural)
    ) {
      return;
    }
    const matchesNow = this.#matches(change.object);
    const matchedBefore = change.previous
      ? this.#matches(change.previous)
      : false;
    switch (change.type) {
      case 'ADDED':
        if (matchesNow) this.#send('ADDED', change.object);
        break;
      case 'MODIFIED':
        if (matchesNow && matchedBefore) this.#send('MODIFIED', change.object);
        else if (matchesNow) this.#send('ADDED', change.object);
        else if (matchedBefore) this.#send('DELETED', change.object);
        break;
      case 'DELETED':
        if (matchedBefore || matchesNow) this.#send('DELETED', change.object);
        break;
      default:
        break;
    }
  }

  #send(type: WatchEventType, object: KubernetesObject) {
    const rendered = this.#parameters.render(object, this.#eventsSent === 0);
    this.#eventsSent += 1;
    this.#write({ type, object: rendered });
  }

  #write(event: { type: WatchEventType; object: unknown }) {
    if (this.#closed && event.type !== 'ERROR') return;
    if (this.#response.writableEnded || this.#response.destroyed) return;
    this.#response.write(`${JSON.stringify(event)}\n`);
  }
}
