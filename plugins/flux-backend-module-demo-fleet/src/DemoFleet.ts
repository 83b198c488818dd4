import { randomBytes } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { FluxClusterDefinition } from '@hubbops/plugin-flux-node';
import {
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit/kubernetes';
import {
  registerFluxResources,
  SimulatedFluxController,
  startSimulatedFluxController,
} from '@hubbops/test-kit/flux';
import {
  demoSha,
  DemoClusterSpec,
  fluxObjects,
  workloadObjects,
} from './seeds';

/** The three clusters of the demo fleet and what goes wrong in each. */
export const DEMO_CLUSTERS: DemoClusterSpec[] = [
  {
    name: 'demo-eu-west',
    title: 'EU West (demo)',
    environment: 'production',
    distribution: '2.8',
    failures: {},
  },
  {
    name: 'demo-us-east',
    title: 'US East (demo)',
    environment: 'production',
    distribution: '2.8',
    failures: { websiteHealthCheck: true, certManagerSuspended: true },
  },
  {
    name: 'demo-ap-south',
    title: 'AP South (demo)',
    environment: 'staging',
    distribution: '2.7',
    failures: { redisInstall: true, paymentsSourceAuth: true },
  },
];

interface RunningCluster {
  spec: DemoClusterSpec;
  server: TestKubernetesApiServer;
  controller: SimulatedFluxController;
  token: string;
}

export interface DemoFleetOptions {
  logger: LoggerService;
  /** Moves a source revision every this many ms; off when undefined. */
  activityIntervalMs?: number;
}

/**
 * Simulated Flux clusters in this process: a Kubernetes API server on a
 * random loopback port per cluster (with a random bearer token), the Flux
 * CRDs of the cluster's release, the simulated Flux controllers, and
 * seeded Flux objects.
 */
export class DemoFleet {
  readonly #clusters: RunningCluster[];
  readonly #logger: LoggerService;
  #activity?: NodeJS.Timeout;
  #tick = 0;

  static async start(options: DemoFleetOptions): Promise<DemoFleet> {
    const running: RunningCluster[] = [];
    try {
      for (const spec of DEMO_CLUSTERS) {
        running.push(await startCluster(spec));
      }
    } catch (error) {
      await Promise.all(running.map(stopCluster));
      throw error;
    }
    const fleet = new DemoFleet(running, options.logger);
    if (options.activityIntervalMs) {
      fleet.#startActivity(options.activityIntervalMs);
    }
    return fleet;
  }

  private constructor(clusters: RunningCluster[], logger: LoggerService) {
    this.#clusters = clusters;
    this.#logger = logger;
  }

  /** The clusters, for the Flux backend's cluster sources. */
  clusters(): FluxClusterDefinition[] {
    return this.#clusters.map(({ spec, server, token }) => ({
      name: spec.name,
      title: spec.title,
      url: server.url,
      kubeConfig: server.kubeconfig({ contextName: spec.name, token }),
      demo: true,
    }));
  }

  /** Waits until the simulated controllers have reconciled everything. */
  async waitForIdle(timeoutMs = 10_000): Promise<void> {
    await Promise.all(
      this.#clusters.map(c => c.controller.waitForIdle(timeoutMs)),
    );
  }

  /** One step of activity: the next cluster's website gets a new commit. */
  step(): void {
    const cluster = this.#clusters[this.#tick % this.#clusters.length];
    this.#tick += 1;
    const sha = demoSha(cluster.spec.name, 'activity', `${this.#tick}`);
    cluster.controller.setSourceRevision(
      { kind: 'GitRepository', name: 'example-website' },
      `main@sha1:${sha}`,
    );
  }

  async stop(): Promise<void> {
    if (this.#activity) clearInterval(this.#activity);
    this.#activity = undefined;
    await Promise.all(this.#clusters.map(stopCluster));
  }

  #startActivity(intervalMs: number) {
    this.#activity = setInterval(() => {
      try {
        this.step();
      } catch (error) {
        this.#logger.warn(`Demo fleet activity failed: ${error}`);
      }
    }, intervalMs);
    this.#activity.unref();
  }
}

async function startCluster(spec: DemoClusterSpec): Promise<RunningCluster> {
  const token = randomBytes(24).toString('hex');
  const server = await startTestKubernetesApiServer({ token });
  try {
    const resources = registerFluxResources(server, {
      distribution: spec.distribution,
    });
    for (const object of workloadObjects(spec)) {
      server.store.create(object);
    }
    for (const object of fluxObjects(spec, resources)) {
      server.store.create(object);
    }
    const controller = startSimulatedFluxController(server, {
      distribution: spec.distribution,
      reconcileDelayMs: 50,
      // Apps created from templates point at real repositories (the
      // embedded git server): resolve their revisions with git.
      gitSources: true,
    });
    return { spec, server, controller, token };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function stopCluster(cluster: RunningCluster) {
  await cluster.controller.stop();
  await cluster.server.stop();
}
