/**
 * What the benchmark's processes say to each other over their IPC channel.
 * The TypeScript transform also sends `{ type: 'watch' }` messages on the
 * same channel; receivers ignore types they do not know.
 */

/** One cluster the fleet process serves. */
export interface BenchCluster {
  name: string;
  url: string;
  token: string;
}

/** An object whose status the benchmark changes. */
export interface BenchObjectRef {
  cluster: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Orchestrator → fleet process. */
export type FleetCommand =
  | { type: 'change'; id: number; object: BenchObjectRef; change: number }
  | { type: 'watches' }
  | { type: 'stop' };

/** Fleet process → orchestrator. */
export type FleetReport =
  | { type: 'progress'; message: string }
  | {
      type: 'ready';
      clusters: BenchCluster[];
      objects: number;
      /** Objects whose status can change, labelled for an app. */
      changeable: BenchObjectRef[];
    }
  | {
      type: 'changed';
      id: number;
      /** Wall-clock time the API server committed the change, in ms. */
      committedAt: number;
      message: string;
    }
  | {
      type: 'watches';
      /** Watches open per cluster; a kind's watch opens once its list is indexed. */
      open: number[];
      /** Flux kinds each cluster serves. */
      kinds: number;
    }
  | { type: 'error'; id?: number; message: string };

/** Orchestrator → backend process. */
export type BackendCommand =
  | { type: 'start'; config: Record<string, unknown>; entityName: string }
  | { type: 'memory' }
  | { type: 'stop' };

export interface BenchMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Whether a full GC ran before reading (node --expose-gc). */
  collected: boolean;
}

/** Backend process → orchestrator. */
export type BackendReport =
  | { type: 'starting'; at: number; memory: BenchMemory }
  | { type: 'started'; at: number; baseUrl: string }
  | { type: 'memory'; memory: BenchMemory }
  | { type: 'error'; message: string };

/** The wall-clock time in ms with sub-millisecond precision, comparable across processes. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Whether an IPC message is one of ours (and not the transform's). */
export function isMessageOfType<T extends { type: string }>(
  message: unknown,
  types: ReadonlyArray<T['type']>,
): message is T {
  return (
    typeof message === 'object' &&
    message !== null &&
    types.includes((message as { type?: string }).type as T['type'])
  );
}
