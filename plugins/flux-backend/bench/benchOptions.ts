import { parseArgs } from 'node:util';
import { z } from 'zod';

export const BENCH_USAGE = `Usage: yarn bench:flux [options]

  --clusters <n>     test-kit API servers (default 50)
  --objects <n>      Flux objects per cluster (default 2000)
  --changes <n>      status changes timed for freshness (default 1000)
  --users <n>        concurrent users of the entity APIs (default 20)
  --kubernetes-users <n>
                     concurrent users of the Kubernetes plugin (default: --users)
  --duration <s>     seconds each latency phase runs (default 15)
  --sync-timeout <s> give up on the initial sync after this long (default 600)
  --json             print the figures as JSON on stdout
  --verbose          show the backend's info logs
  --cpu-prof <dir>   write a CPU profile of the backend process into <dir>
  --help

Quick smoke run: yarn bench:flux --clusters 5 --objects 200 --changes 50 --duration 3`;

const count = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

const optionsSchema = z.object({
  clusters: count(1, 500).default(50),
  objects: count(10, 100_000).default(2000),
  changes: count(1, 100_000).default(1000),
  users: count(1, 1000).default(20),
  kubernetesUsers: count(1, 1000).optional(),
  duration: z.coerce.number().min(0.5).max(3600).default(15),
  syncTimeout: z.coerce.number().min(1).max(36_000).default(600),
  json: z.boolean().default(false),
  verbose: z.boolean().default(false),
  cpuProf: z.string().min(1).optional(),
  help: z.boolean().default(false),
});

export type BenchOptions = z.infer<typeof optionsSchema>;

/** Reads the command line; throws with the usage when it makes no sense. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      clusters: { type: 'string' },
      objects: { type: 'string' },
      changes: { type: 'string' },
      users: { type: 'string' },
      'kubernetes-users': { type: 'string' },
      duration: { type: 'string' },
      'sync-timeout': { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  const {
    'sync-timeout': syncTimeout,
    'cpu-prof': cpuProf,
    'kubernetes-users': kubernetesUsers,
    ...rest
  } = values;
  const result = optionsSchema.safeParse({
    ...rest,
    syncTimeout,
    cpuProf,
    kubernetesUsers,
  });
  if (!result.success) {
    const problems = result.error.issues
      .map(issue => `--${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`${problems}\n\n${BENCH_USAGE}`);
  }
  return result.data;
}
