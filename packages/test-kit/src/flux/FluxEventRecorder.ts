import { randomBytes } from 'node:crypto';
import {
  KubernetesObject,
  kubernetesTimestamp,
  ResourceStore,
} from '../kubernetes';
import { FluxControllerName } from './FluxResources';

export type EventType = 'Normal' | 'Warning';

export interface FluxEvent {
  type: EventType;
  reason: string;
  message: string;
  /** Flux adds e.g. `kustomize.toolkit.fluxcd.io/revision` as annotations. */
  annotations?: Record<string, string>;
}

/**
 * Writes core/v1 Events the way a Flux controller's event recorder
 * (client-go's `EventRecorder` behind fluxcd/pkg/runtime/events) does: named
 * `<object>.<hex timestamp>`, with `source.component` and
 * `reportingComponent` set to the controller, and repeats of the same event
 * folded into one with a growing `count`.
 */
export class FluxEventRecorder {
  readonly #store: ResourceStore;
  readonly #instances = new Map<string, string>();
  /** Correlation key → event name, for aggregating repeats. */
  readonly #recorded = new Map<string, string>();
  #lastTimestamp = 0n;

  constructor(store: ResourceStore) {
    this.#store = store;
  }

  record(
    controller: FluxControllerName,
    object: KubernetesObject,
    event: FluxEvent,
  ): KubernetesObject {
    const { metadata } = object;
    const namespace = metadata.namespace ?? 'default';
    const key = JSON.stringify([
      controller,
      metadata.uid,
      event.type,
      event.reason,
      event.message,
    ]);
    const now = kubernetesTimestamp();
    const existingName = this.#recorded.get(key);
    if (existingName) {
      const existing = this.#store.get({
        apiVersion: 'v1',
        kind: 'Event',
        namespace,
        name: existingName,
      });
      if (existing) {
        return this.#store.patch(
          { apiVersion: 'v1', kind: 'Event', namespace, name: existingName },
          {
            count: ((existing.count as number | undefined) ?? 1) + 1,
            lastTimestamp: now,
            involvedObject: { resourceVersion: metadata.resourceVersion },
          },
        );
      }
    }
    const name = `${metadata.name}.${this.#nextTimestamp().toString(16)}`;
    const created = this.#store.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name,
        namespace,
        ...(event.annotations && { annotations: event.annotations }),
      },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: metadata.name,
        namespace: metadata.namespace,
        uid: metadata.uid,
        resourceVersion: metadata.resourceVersion,
      },
      reason: event.reason,
      message: event.message,
      source: { component: controller },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: event.type,
      eventTime: null,
      reportingComponent: controller,
      reportingInstance: this.#instance(controller),
    });
    this.#recorded.set(key, name);
    return created;
  }

  /** Unix nanoseconds, kept unique so that event names never collide. */
  #nextTimestamp(): bigint {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.#lastTimestamp =
      now > this.#lastTimestamp ? now : this.#lastTimestamp + 1n;
    return this.#lastTimestamp;
  }

  /** A stable pod-like instance name per controller. */
  #instance(controller: FluxControllerName): string {
    let instance = this.#instances.get(controller);
    if (!instance) {
      instance = `${controller}-${randomBytes(5)
        .toString('hex')
        .slice(0, 9)}-${randomBytes(3).toString('hex').slice(0, 5)}`;
      this.#instances.set(controller, instance);
    }
    return instance;
  }
}
