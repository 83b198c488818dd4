/**
 * What one `GET /objects?entity=` costs the backend, part by part and
 * without HTTP: the index query, serializing the body, and compressing it
 * (the backend gzips for clients that accept it, as browsers do). Fills a
 * FluxObjectIndex with the same fleet as `yarn bench:flux`, in process.
 *
 *   node --expose-gc --require @backstage/cli/config/nodeTransform.cjs \
 *     plugins/flux-backend/bench/entityRequestCost.ts [clusters] [objects]
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { FluxObjectIndex } from '../src/service/FluxObjectIndex';
import { LatencySample, round } from './LatencySample';
import {
  benchAppCount,
  benchAppName,
  benchFleetObjects,
} from './benchFleetObjects';

const REQUESTS = 500;

function heapUsedMiB(): number {
  // Only meaningful with --expose-gc; otherwise garbage is counted too.
  (globalThis as { gc?: () => void }).gc?.();
  return round(process.memoryUsage().heapUsed / 2 ** 20);
}

function main() {
  const clusters = Number(process.argv[2] ?? 50);
  const objects = Number(process.argv[3] ?? 2000);
  const heapBefore = heapUsedMiB();
  const index = new FluxObjectIndex();
  const loadStarted = performance.now();
  let resourceVersion = 1000;
  for (let c = 0; c < clusters; c++) {
    const cluster = `bench-${String(c).padStart(2, '0')}`;
    const byKind = new Map<string, Array<Record<string, unknown>>>();
    for (const object of benchFleetObjects({
      cluster: c,
      count: objects,
      apps: benchAppCount(objects),
    })) {
      // What the API server adds; a JSON round trip, as off the wire.
      const listed = JSON.parse(
        JSON.stringify({
          ...object,
          metadata: {
            ...object.metadata,
            uid: randomUUID(),
            resourceVersion: String((resourceVersion += 1)),
            generation: 1,
            creationTimestamp: '2026-11-20T08:00:00Z',
          },
        }),
      );
      const ofKind = byKind.get(object.kind) ?? [];
      ofKind.push(listed);
      byKind.set(object.kind, ofKind);
    }
    for (const [kind, list] of byKind) index.replaceKind(cluster, kind, list);
  }
  const loadMs = performance.now() - loadStarted;
  const heapAfter = heapUsedMiB();

  const kubernetesId = benchAppName(0);
  const query = new LatencySample();
  const stringify = new LatencySample();
  const gzip = new LatencySample();
  const counts = new LatencySample();
  let bytes = 0;
  let gzipped = 0;
  let items = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const a = performance.now();
    const body = index.query({ limit: 1000 }, { kubernetesId });
    const b = performance.now();
    const json = JSON.stringify(body);
    const c = performance.now();
    gzipped = gzipSync(json).length;
    const d = performance.now();
    for (let n = 0; n < clusters; n++) {
      index.counts(`bench-${String(n).padStart(2, '0')}`);
    }
    const e = performance.now();
    query.add(b - a);
    stringify.add(c - b);
    gzip.add(d - c);
    counts.add(e - d);
    bytes = json.length;
    items = body.totalCount;
  }
  const figures = {
    objects: clusters * objects,
    loadSeconds: round(loadMs / 1000, 2),
    indexHeapMiB: round(heapAfter - heapBefore),
    entityObjects: items,
    bodyBytes: bytes,
    gzippedBytes: gzipped,
    queryMs: query.summary(),
    stringifyMs: stringify.summary(),
    gzipMs: gzip.summary(),
    allClusterCountsMs: counts.summary(),
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}

main();
