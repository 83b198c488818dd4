import { KubeConfig, Watch } from '@kubernetes/client-node';
import { waitFor } from './waitFor';

export interface RecordedWatchEvent {
  type: string;
  object: any;
}

/**
 * Runs a `@kubernetes/client-node` Watch and records what it receives, so
 * that tests can wait for events and for the end of the stream.
 */
export class WatchRecorder {
  readonly events: RecordedWatchEvent[] = [];
  ended = false;
  endError: unknown;
  #abort?: AbortController;

  static async start(
    kubeConfig: KubeConfig,
    path: string,
    query: Record<string, string | boolean | number> = {},
  ): Promise<WatchRecorder> {
    const recorder = new WatchRecorder();
    recorder.#abort = await new Watch(kubeConfig).watch(
      path,
      query,
      (type, object) => recorder.events.push({ type, object }),
      error => {
        recorder.ended = true;
        recorder.endError = error;
      },
    );
    return recorder;
  }

  /** Event types with object names, e.g. `ADDED a`. */
  get summary(): string[] {
    return this.events.map(event =>
      `${event.type} ${
        event.object?.metadata?.name ?? event.object?.reason ?? ''
      }`.trim(),
    );
  }

  async waitForEvents(count: number): Promise<RecordedWatchEvent[]> {
    await waitFor(() => this.events.length >= count);
    return this.events;
  }

  async waitForEnd(): Promise<void> {
    await waitFor(() => this.ended);
  }

  stop(): void {
    this.#abort?.abort();
  }
}
