/**
 * `yarn bench:flux`: the Flux backend against a fleet of test-kit API
 * servers, with `@backstage/plugin-kubernetes-backend` beside it for
 * comparison. Three processes: this one generates the load and measures,
 * the fleet (fleetProcess.ts) serves the clusters, and the backend
 * (backendProcess.ts) is what is measured.
 */
import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import os from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  FluxClustersResponse,
  FluxObjectDetail,
  FluxObjectsResponse,
} from '@hubbops/plugin-flux-common';
import { benchBackendConfig } from './benchBackendConfig';
import { benchAppName, BENCH_KINDS } from './benchFleetObjects';
import {
  BackendCommand,
  BackendReport,
  BenchMemory,
  BenchObjectRef,
  FleetCommand,
  FleetReport,
  isMessageOfType,
  wallClock,
} from './benchMessages';
import { BENCH_USAGE, BenchOptions, parseBenchOptions } from './benchOptions';
import { LatencySample, round } from './LatencySample';

const FLEET_TYPES: FleetReport['type'][] = [
  'progress',
  'ready',
  'changed',
  'watches',
  'error',
];
const BACKEND_TYPES: BackendReport['type'][] = [
  'starting',
  'started',
  'memory',
  'error',
];
/** How often the fleet is asked about the initial sync; its time is this precise. */
const SYNC_POLL_MS = 100;
/** How often a changed object is re-read while waiting for it. */
const FRESHNESS_POLL_MS = 2;
const FRESHNESS_TIMEOUT_MS = 30_000;

function progress(line: string) {
  process.stderr.write(
    `[bench:flux ${new Date().toISOString().slice(11, 19)}] ${line}\n`,
  );
}

function forkTypeScript(
  file: string,
  args: string[],
  options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  return fork(require.resolve(file), args, {
    execArgv: [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      ...(options.execArgv ?? []),
    ],
    env: options.env ?? process.env,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the first message of `type` that `accept` takes. */
function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  types: ReadonlyArray<T['type']>,
  accept: (message: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      if (!isMessageOfType<T>(message, types)) return;
      if (message.type === 'error') {
        cleanup();
        reject(
          new Error(`${what}: ${(message as { message?: string }).message}`),
        );
      } else if (accept(message)) {
        cleanup();
        resolve(message);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${what}: the process exited with code ${code}`));
    };
    function cleanup() {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise(resolve => server.close(resolve));
  return port;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) {
    throw new Error(
      `${init?.method ?? 'GET'} ${url}: ${
        response.status
      } ${await response.text()}`,
    );
  }
  return (await response.json()) as T;
}

/** Fetches `url` to the last byte of its body, expecting `status`. */
async function fetchBody(
  url: string,
  status: number,
  init?: RequestInit,
): Promise<void> {
  const response = await fetch(url, init);
  const body = await response.arrayBuffer();
  if (response.status !== status) {
    throw new Error(
      `GET ${url}: ${response.status} (expected ${status}) ${Buffer.from(
        body,
      ).toString('utf8', 0, 200)}`,
    );
  }
}

/** `users` loops, each timing one request after another, for `durationMs`. */
async function runUsers(
  users: number,
  durationMs: number,
  request: () => Promise<void>,
): Promise<{
  sample: LatencySample;
  errors: number;
  firstError?: string;
  seconds: number;
}> {
  const sample = new LatencySample();
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: users }, async () => {
      while (performance.now() < deadline) {
        const before = performance.now();
        try {
          await request();
          sample.add(performance.now() - before);
        } catch (error) {
          errors += 1;
          // fetch hides the reason (reset, refused) in `cause`.
          const cause = (error as { cause?: unknown }).cause;
          firstError ??= `${error}${cause ? ` (${cause})` : ''}`;
        }
      }
    }),
  );
  return {
    sample,
    errors,
    firstError,
    seconds: (performance.now() - started) / 1000,
  };
}

function mib(bytes: number): number {
  return round(bytes / 1024 / 1024);
}

interface LatencyFigures {
  path: string;
  users: number;
  requests: number;
  errors: number;
  firstError?: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function measureLatency(
  label: string,
  options: BenchOptions,
  path: string,
  request: () => Promise<void>,
): Promise<LatencyFigures> {
  // One user warms up (JIT, connections) without queueing behind the others.
  progress(`${label}: warming up`);
  await runUsers(1, Math.min(2000, options.duration * 1000), request);
  progress(`${label}: ${options.users} users for ${options.duration} s`);
  const { sample, errors, firstError, seconds } = await runUsers(
    options.users,
    options.duration * 1000,
    request,
  );
  const summary = sample.summary();
  progress(
    `${label}: ${summary.count} requests, p50 ${summary.p50} ms, p99 ${summary.p99} ms`,
  );
  return {
    path,
    users: options.users,
    requests: summary.count,
    errors,
    ...(firstError && { firstError }),
    requestsPerSecond: round(summary.count / seconds),
    p50Ms: summary.p50,
    p99Ms: summary.p99,
    maxMs: summary.max,
  };
}

async function run(options: BenchOptions) {
  const expected = options.clusters * options.objects;
  const machine = {
    cpus: os.cpus().length,
    memoryGiB: round(os.totalmem() / 1024 ** 3),
    node: process.version,
    loadAverageAtStart: os.loadavg().map(l => round(l, 2)),
  };
  progress(
    `${options.clusters} clusters × ${options.objects} objects = ${expected}; ` +
      `${machine.cpus} cpus, load ${machine.loadAverageAtStart.join(' ')}`,
  );

  const children: ChildProcess[] = [];
  const stopAll = async () => {
    await Promise.all(
      children.map(async child => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        if (child.connected) child.send({ type: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };

  try {
    // 1. The fleet.
    const fleetStarted = performance.now();
    const fleet = forkTypeScript(
      './fleetProcess',
      [String(options.clusters), String(options.objects)],
      {
        execArgv: ['--max-old-space-size=8192'],
      },
    );
    children.push(fleet);
    fleet.on('message', (message: unknown) => {
      if (
        isMessageOfType<FleetReport>(message, ['progress']) &&
        message.type === 'progress'
      ) {
        progress(message.message);
      }
    });
    const ready = (await nextMessage<FleetReport>(
      fleet,
      FLEET_TYPES,
      m => m.type === 'ready',
      30 * 60_000,
      'the fleet',
    )) as Extract<FleetReport, { type: 'ready' }>;
    progress(
      `fleet ready in ${round((performance.now() - fleetStarted) / 1000)} s`,
    );

    // 2. The backend, and the initial sync.
    const entityName = benchAppName(0);
    const port = await freePort();
    const config = benchBackendConfig({ clusters: ready.clusters, port });
    const backend = forkTypeScript('./backendProcess', [], {
      execArgv: [
        '--expose-gc',
        ...(options.cpuProf
          ? ['--cpu-prof', `--cpu-prof-dir=${resolvePath(options.cpuProf)}`]
          : []),
      ],
      env: { ...process.env, LOG_LEVEL: options.verbose ? 'info' : 'error' },
    });
    children.push(backend);
    const backendMessage = <T extends BackendReport['type']>(
      type: T,
      what: string,
      timeoutMs = 120_000,
    ) =>
      nextMessage<BackendReport>(
        backend,
        BACKEND_TYPES,
        m => m.type === type,
        timeoutMs,
        what,
      ) as Promise<Extract<BackendReport, { type: T }>>;
    const starting = backendMessage('starting', 'the backend to start');
    const started = backendMessage('started', 'the backend to start');
    backend.send({
      type: 'start',
      config,
      entityName,
    } satisfies BackendCommand);
    const { at: startAt, memory: idleMemory } = await starting;
    const { at: startedAt, baseUrl } = await started;
    const startSeconds = (startedAt - startAt) / 1000;
    progress(
      `backend started in ${round(
        startSeconds,
        2,
      )} s; waiting for the initial sync`,
    );

    const fluxApi = `${baseUrl}/api/flux`;
    // The fleet tells when every cluster has a watch open on every kind: a
    // kind's watch opens only after its list is in the index. That costs the
    // backend nothing, where polling GET /clusters (a scan of every object
    // per cluster) would slow the very sync it measures. The API confirms.
    let synced: { at: number; objects: number } | undefined;
    let lastReport = 0;
    let lastApiCheck = 0;
    while (!synced) {
      if (wallClock() - startAt > options.syncTimeout * 1000) {
        throw new Error(
          `The initial sync did not finish in ${options.syncTimeout} s`,
        );
      }
      const watchesReply = nextMessage<FleetReport>(
        fleet,
        FLEET_TYPES,
        m => m.type === 'watches',
        30_000,
        'the count of open watches',
      ) as Promise<Extract<FleetReport, { type: 'watches' }>>;
      fleet.send({ type: 'watches' } satisfies FleetCommand);
      const { open, kinds } = await watchesReply;
      const watching = open.filter(count => count >= kinds).length;
      const allWatching = watching === open.length;
      const seenAt = wallClock();
      if (allWatching || seenAt - lastApiCheck > 30_000) {
        lastApiCheck = seenAt;
        const { items } = await getJson<FluxClustersResponse>(
          `${fluxApi}/clusters`,
        );
        const objects = items.reduce((sum, c) => sum + c.counts.total, 0);
        const healthy = items.filter(c => c.health.status === 'healthy').length;
        if (objects >= expected && healthy === items.length) {
          synced = { at: seenAt, objects };
          break;
        }
        progress(
          `sync: ${objects}/${expected} objects, ${healthy}/${items.length} clusters healthy`,
        );
      }
      if (wallClock() - lastReport > 5000) {
        lastReport = wallClock();
        progress(`sync: ${watching}/${open.length} clusters watch every kind`);
      }
      await sleep(SYNC_POLL_MS);
    }
    const syncSeconds = (synced.at - startAt) / 1000;
    progress(`synced ${synced.objects} objects in ${round(syncSeconds, 2)} s`);

    // 3. Memory, once the database writes of the sync are done.
    await sleep(5000);
    const memoryReply = backendMessage('memory', 'the memory figures');
    backend.send({ type: 'memory' } satisfies BackendCommand);
    const memory: BenchMemory = (await memoryReply).memory;
    progress(
      `backend after sync: rss ${mib(memory.rss)} MiB, heap used ${mib(
        memory.heapUsed,
      )} MiB`,
    );

    // 4. Freshness: one status change at a time, timed until the API shows it.
    const freshness = new LatencySample();
    let missed = 0;
    let changeId = 0;
    for (let i = 0; i < options.changes; i++) {
      const object: BenchObjectRef =
        ready.changeable[Math.floor(Math.random() * ready.changeable.length)];
      const id = ++changeId;
      const changed = nextMessage<FleetReport>(
        fleet,
        FLEET_TYPES,
        m => m.type === 'changed' && m.id === id,
        10_000,
        'a status change',
      ) as Promise<Extract<FleetReport, { type: 'changed' }>>;
      fleet.send({
        type: 'change',
        id,
        object,
        change: id,
      } satisfies FleetCommand);
      const { committedAt, message } = await changed;
      const path = [object.cluster, object.kind, object.namespace, object.name]
        .map(encodeURIComponent)
        .join('/');
      for (;;) {
        const detail = await getJson<FluxObjectDetail>(
          `${fluxApi}/objects/${path}`,
        );
        const now = wallClock();
        if (detail.message === message) {
          freshness.add(now - committedAt);
          break;
        }
        if (now - committedAt > FRESHNESS_TIMEOUT_MS) {
          missed += 1;
          freshness.add(now - committedAt);
          break;
        }
        await sleep(FRESHNESS_POLL_MS);
      }
      if ((i + 1) % 100 === 0 || i + 1 === options.changes) {
        progress(
          `freshness: ${i + 1}/${options.changes} changes, p99 so far ${round(
            freshness.percentile(99),
          )} ms`,
        );
      }
    }
    const fresh = freshness.summary();

    // 5. The entity tab's requests, then the Kubernetes plugin's for the same entity.
    const kubernetesId = entityName;
    const entityRef = `component:default/${entityName}`;
    const objectsPath = `/objects?entity=${encodeURIComponent(
      entityRef,
    )}&kubernetesId=${kubernetesId}&limit=1000`;
    const fluxObjects = await getJson<FluxObjectsResponse>(
      `${fluxApi}${objectsPath}`,
    );
    // Timed to the last byte of the body, not to the end of JSON.parse:
    // the bench's own parsing shares these 2 cores with the backend, while
    // each user's browser parses on its own machine.
    const entityLatency = await measureLatency(
      'flux entity objects',
      options,
      `GET /api/flux${objectsPath}`,
      async () => {
        await fetchBody(`${fluxApi}${objectsPath}`, 200);
      },
    );
    // What a polling tab mostly sends: the browser revalidates its copy.
    const etag = (await fetch(`${fluxApi}${objectsPath}`)).headers.get('etag');
    const revalidatedLatency = await measureLatency(
      'flux entity objects, revalidated (If-None-Match)',
      options,
      `GET /api/flux${objectsPath} with If-None-Match`,
      async () => {
        await fetchBody(`${fluxApi}${objectsPath}`, 304, {
          headers: { 'if-none-match': etag ?? '' },
        });
      },
    );
    const clustersLatency = await measureLatency(
      'flux clusters',
      options,
      'GET /api/flux/clusters',
      async () => {
        await getJson<FluxClustersResponse>(`${fluxApi}/clusters`);
      },
    );

    const entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: entityName,
        namespace: 'default',
        annotations: { 'backstage.io/kubernetes-id': kubernetesId },
      },
      spec: { type: 'service', lifecycle: 'production', owner: 'bench' },
    };
    const kubernetesUrl = `${baseUrl}/api/kubernetes/services/${entityName}`;
    const postEntity = () =>
      getJson<{
        items: Array<{
          cluster: { name: string };
          errors: unknown[];
          resources: Array<{
            resources: Array<{
              kind?: string;
              metadata?: { namespace?: string; name?: string };
            }>;
          }>;
        }>;
      }>(kubernetesUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ entity }),
      });
    const kubernetesAnswer = await postEntity();
    // Both plugins must name the same objects for the comparison to hold.
    const kubernetesKeys = new Set(
      kubernetesAnswer.items.flatMap(item =>
        item.resources.flatMap(group =>
          group.resources.map(
            object =>
              `${item.cluster.name}/${object.kind}/${object.metadata?.namespace}/${object.metadata?.name}`,
          ),
        ),
      ),
    );
    const kubernetesObjects = kubernetesKeys.size;
    const onlyInFlux = fluxObjects.items.filter(
      o =>
        !kubernetesKeys.has(`${o.cluster}/${o.kind}/${o.namespace}/${o.name}`),
    ).length;
    const kubernetesErrors = kubernetesAnswer.items.reduce(
      (sum, cluster) => sum + cluster.errors.length,
      0,
    );
    const kubernetesLatency = await measureLatency(
      'kubernetes plugin entity',
      { ...options, users: options.kubernetesUsers ?? options.users },
      `POST /api/kubernetes/services/${entityName}`,
      async () => {
        await postEntity();
      },
    );

    const figures = {
      date: new Date().toISOString(),
      machine: {
        ...machine,
        loadAverageAtEnd: os.loadavg().map(l => round(l, 2)),
      },
      scale: {
        clusters: options.clusters,
        objectsPerCluster: options.objects,
        objects: expected,
        fleetObjects: ready.objects,
      },
      initialSync: {
        backendStartSeconds: round(startSeconds, 2),
        seconds: round(syncSeconds, 2),
        objectsPerSecond: Math.round(synced.objects / syncSeconds),
        objects: synced.objects,
        pollMs: SYNC_POLL_MS,
      },
      backendMemoryBeforeStart: {
        rssMiB: mib(idleMemory.rss),
        heapUsedMiB: mib(idleMemory.heapUsed),
      },
      backendMemoryAfterSync: {
        rssMiB: mib(memory.rss),
        heapUsedMiB: mib(memory.heapUsed),
        heapTotalMiB: mib(memory.heapTotal),
        externalMiB: mib(memory.external),
        afterGc: memory.collected,
      },
      freshness: {
        changes: fresh.count,
        missed,
        p50Ms: fresh.p50,
        p99Ms: fresh.p99,
        maxMs: fresh.max,
        targetP99Ms: 2000,
      },
      entity: {
        entityRef,
        fluxObjects: fluxObjects.totalCount,
        kubernetesPluginObjects: kubernetesObjects,
        kubernetesPluginErrors: kubernetesErrors,
        fluxObjectsMissingFromKubernetesPlugin: onlyInFlux,
        kubernetesPluginApiCallsPerRequest:
          ready.clusters.length * BENCH_KINDS.length,
        flux: { ...entityLatency, targetP99Ms: 50 },
        fluxRevalidated: revalidatedLatency,
        fluxClusters: clustersLatency,
        kubernetesPlugin: kubernetesLatency,
        p50Ratio: round(kubernetesLatency.p50Ms / entityLatency.p50Ms),
        p99Ratio: round(kubernetesLatency.p99Ms / entityLatency.p99Ms),
      },
    };
    return figures;
  } finally {
    await stopAll();
  }
}

type Figures = Awaited<ReturnType<typeof run>>;

function table(f: Figures): string {
  const ok = (value: number, target: number) =>
    value <= target ? 'meets target' : 'MISSES target';
  const rows: Array<[string, string]> = [
    [
      'scale',
      `${f.scale.clusters} clusters × ${f.scale.objectsPerCluster} = ${f.scale.objects} Flux objects`,
    ],
    [
      'machine',
      `${f.machine.cpus} cpus, ${f.machine.memoryGiB} GiB, Node ${
        f.machine.node
      }, load ${f.machine.loadAverageAtStart.join(
        ' ',
      )} at start, ${f.machine.loadAverageAtEnd.join(' ')} at end`,
    ],
    [
      'initial sync',
      `${f.initialSync.seconds} s from backend.start() (${f.initialSync.objectsPerSecond} objects/s; start itself ${f.initialSync.backendStartSeconds} s)`,
    ],
    [
      'backend memory after sync',
      `RSS ${f.backendMemoryAfterSync.rssMiB} MiB, heap used ${
        f.backendMemoryAfterSync.heapUsedMiB
      } MiB${
        f.backendMemoryAfterSync.afterGc ? ' (after GC)' : ''
      }; before start: RSS ${f.backendMemoryBeforeStart.rssMiB} MiB, heap ${
        f.backendMemoryBeforeStart.heapUsedMiB
      } MiB`,
    ],
    [
      'freshness',
      `p50 ${f.freshness.p50Ms} ms, p99 ${f.freshness.p99Ms} ms, max ${
        f.freshness.maxMs
      } ms over ${f.freshness.changes} changes (${
        f.freshness.missed
      } missed); ${ok(f.freshness.p99Ms, 2000)} of 2000 ms`,
    ],
    [
      'entity objects (flux)',
      `p50 ${f.entity.flux.p50Ms} ms, p99 ${f.entity.flux.p99Ms} ms, ${
        f.entity.flux.requestsPerSecond
      } req/s, ${f.entity.flux.users} users; ${ok(
        f.entity.flux.p99Ms,
        50,
      )} of 50 ms`,
    ],
    [
      'entity objects, revalidated (304)',
      `p50 ${f.entity.fluxRevalidated.p50Ms} ms, p99 ${f.entity.fluxRevalidated.p99Ms} ms, ${f.entity.fluxRevalidated.requestsPerSecond} req/s`,
    ],
    [
      'flux /clusters (tab polls it too)',
      `p50 ${f.entity.fluxClusters.p50Ms} ms, p99 ${f.entity.fluxClusters.p99Ms} ms, ${f.entity.fluxClusters.requestsPerSecond} req/s`,
    ],
    [
      'entity (kubernetes plugin)',
      `p50 ${f.entity.kubernetesPlugin.p50Ms} ms, p99 ${f.entity.kubernetesPlugin.p99Ms} ms, ${f.entity.kubernetesPlugin.requestsPerSecond} req/s, ${f.entity.kubernetesPlugin.users} users (${f.entity.kubernetesPlugin.requests} requests, ${f.entity.kubernetesPlugin.errors} failed)`,
    ],
    [
      'kubernetes plugin / flux',
      `p50 ×${f.entity.p50Ratio}, p99 ×${f.entity.p99Ratio}${
        f.entity.kubernetesPlugin.users === f.entity.flux.users
          ? ''
          : ' (different numbers of users: not comparable)'
      }`,
    ],
    [
      'same data',
      `${f.entity.fluxObjects} objects from flux, ${f.entity.kubernetesPluginObjects} from the kubernetes plugin (${f.entity.kubernetesPluginErrors} errors, ${f.entity.fluxObjectsMissingFromKubernetesPlugin} of flux's missing there; it makes ${f.entity.kubernetesPluginApiCallsPerRequest} API calls per request)`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

async function main() {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return;
  }
  const figures = await run(options);
  process.stderr.write('\n');
  if (options.json) {
    process.stderr.write(`${table(figures)}\n`);
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } else {
    process.stdout.write(`${table(figures)}\n`);
  }
}

main().catch(error => {
  process.stderr.write(`bench:flux failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
