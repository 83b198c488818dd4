/*
 * `yarn bench:scaffolder`: how long the node-service template takes from
 * task start to Flux Ready, and how long the layers and buildah builders take
 * to build and push the same service, cold and warm. Runs against real parts:
 * the scaffolder backend, docker-registry, buildah (vfs, chroot), the embedded
 * git server and the test kit's cluster with simulated Flux.
 *
 *   yarn bench:scaffolder [--runs N]
 */
import { ConfigReader } from '@backstage/config';
import { LoggerService } from '@backstage/backend-plugin-api';
import { execFile } from 'node:child_process';
import { cpus, totalmem, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
// The end-to-end harness of the backend package: the same portal the e2e
// test runs the template through.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import {
  REPO_ROOT,
  startHubbopsTestPortal,
} from '../../../packages/backend/src/e2e/__testUtils__/startHubbopsTestPortal';
import { createImageBuildAction } from '../src/actions/imageBuild';

const exec = promisify(execFile);

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// Build logs would drown the figures; errors still surface as exceptions.
const quietLogger: LoggerService = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => quietLogger,
};

async function main() {
  const runs = argument('--runs', 3);
  const portal = await startHubbopsTestPortal({
    templates: ['node-service'],
    baseImageCacheDir: join(REPO_ROOT, 'node_modules/.cache/hubbops'),
  });
  const scratch = await mkdtemp(join(tmpdir(), 'hubbops-bench-'));
  try {
    // 1. Task start to Flux Ready, through the scaffolder's REST API.
    const toReady: number[] = [];
    for (let i = 0; i < runs; i++) {
      const name = `bench-node-${i}`;
      const run = await portal.runTemplate('node-service', {
        name,
        owner: 'group:default/team-a',
        cluster: portal.cluster,
        registry: portal.registry.host,
        baseImage: portal.baseImage,
        builder: 'auto',
        gitopsRepoUrl: `${portal.gitUrl}/gitops.git`,
        codeHost: 'local',
        localGitUrl: portal.gitUrl,
      });
      if (run.status !== 'completed' || !run.stepCompletedAt.wait) {
        throw new Error(`task ${run.status}:\n${run.log.join('\n')}`);
      }
      toReady.push(run.stepCompletedAt.wait - run.startedAt);
      const steps = Object.entries(run.stepCompletedAt)
        .map(([step, at]) => `${step} +${seconds(at - run.startedAt)}`)
        .join(', ');
      console.log(
        `node-service #${i + 1}: Flux Ready after ${seconds(
          toReady[i],
        )} (${steps}; builder ${run.output.builder})`,
      );
    }

    // 2. The same service's code, from the repository the template published.
    const service = join(scratch, 'service');
    await exec('git', [
      'clone',
      '--quiet',
      `${portal.gitUrl}/bench-node-0.git`,
      service,
    ]);

    const build = async (
      builder: 'layers' | 'buildah',
      repository: string,
      buildahRoot?: string,
    ) => {
      const action = createImageBuildAction({
        config: new ConfigReader({
          hubbops: {
            imageBuild: {
              buildah: {
                storageDriver: 'vfs',
                isolation: 'chroot',
                ...(buildahRoot && { root: buildahRoot }),
              },
            },
          },
        }),
      });
      const outputs: Record<string, unknown> = {};
      const started = performance.now();
      // The action context the scaffolder would give, minus the task.
      await action.handler({
        workspacePath: service,
        input: {
          image: `${portal.registry.host}/${repository}`,
          tag: '0.1.0',
          builder,
        },
        output: (key: string, value: unknown) => {
          outputs[key] = value;
        },
        logger: quietLogger,
        checkpoint: async ({ fn }: { fn: () => Promise<unknown> }) => fn(),
        createTemporaryDirectory: () => mkdtemp(join(scratch, 'action-')),
        signal: new AbortController().signal,
        isDryRun: false,
        secrets: {},
        task: { id: 'bench' },
        getInitiatorCredentials: async () => {
          throw new Error('not in a task');
        },
      } as any);
      const elapsed = performance.now() - started;
      if (!outputs.digest) throw new Error(`${builder} pushed no image`);
      return elapsed;
    };

    const times = {
      layersCold: [] as number[],
      layersWarm: [] as number[],
      buildahCold: [] as number[],
      buildahWarm: [] as number[],
    };
    for (let i = 0; i < runs; i++) {
      // Cold: a repository the registry has never seen (layers mounts the
      // base layers into it) / an empty buildah storage (it pulls the base).
      times.layersCold.push(await build('layers', `bench/layers-${i}`));
      // Warm: the same build again; the registry already has every blob.
      times.layersWarm.push(await build('layers', `bench/layers-${i}`));
      const root = join(scratch, `buildah-${i}`);
      times.buildahCold.push(
        await build('buildah', `bench/buildah-${i}`, root),
      );
      // Warm: the same storage, so the base image and the layer cache are there.
      times.buildahWarm.push(
        await build('buildah', `bench/buildah-${i}`, root),
      );
      await rm(root, { recursive: true, force: true });
      console.log(
        `build+push #${i + 1}: layers cold ${seconds(
          times.layersCold[i],
        )}, warm ${seconds(times.layersWarm[i])}; buildah cold ${seconds(
          times.buildahCold[i],
        )}, warm ${seconds(times.buildahWarm[i])}`,
      );
    }

    const m = Object.fromEntries(
      Object.entries(times).map(([key, values]) => [key, median(values)]),
    ) as Record<keyof typeof times, number>;
    const coldRatio = m.buildahCold / m.layersCold;
    const warmRatio = m.buildahWarm / m.layersWarm;
    const { stdout: buildah } = await exec('buildah', ['--version']);
    console.log('');
    console.log(
      `machine: ${cpus().length} cores, ${Math.round(
        totalmem() / 2 ** 30,
      )} GiB, Node ${
        process.version
      }, ${buildah.trim()}; medians of ${runs} runs`,
    );
    console.log(
      `task start to Flux Ready (node-service): ${seconds(median(toReady))}`,
    );
    console.log(
      `build+push cold: layers ${seconds(m.layersCold)}, buildah ${seconds(
        m.buildahCold,
      )}, buildah/layers ${coldRatio.toFixed(1)}x (target >= 10x)`,
    );
    console.log(
      `build+push warm: layers ${seconds(m.layersWarm)}, buildah ${seconds(
        m.buildahWarm,
      )}, buildah/layers ${warmRatio.toFixed(1)}x`,
    );
    process.exitCode = coldRatio >= 10 ? 0 : 1;
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await portal.stop();
  }
}

main()
  .catch(error => {
    console.error(error);
    process.exitCode = 1;
  })
  // Stopped backends leave idle handles (pools, timers); the figures are out.
  .finally(() => process.exit());
