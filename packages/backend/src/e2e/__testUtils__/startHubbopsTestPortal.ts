import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import fluxPlugin from '@hubbops/plugin-flux-backend';
import hubbopsGitPlugin from '@hubbops/plugin-hubbops-git-backend';
import scaffolderModuleHubbops from '@hubbops/plugin-scaffolder-backend-module-hubbops';
import {
  pushNodeBaseImage,
  registerFluxResources,
  SimulatedFluxController,
  startSimulatedFluxController,
  startTestKubernetesApiServer,
  startTestRegistry,
  TestKubernetesApiServer,
  TestRegistry,
} from '@hubbops/test-kit';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { followTaskEvents, TemplateTaskRun } from './followTaskEvents';

/** The repository root: templates are read from there. */
export const REPO_ROOT = resolve(
  dirname(require.resolve('@hubbops/test-kit/package.json')),
  '../..',
);

const CLUSTER_TOKEN = 'hubbops-e2e-token';

/** Options of {@link startHubbopsTestPortal}. */
export interface HubbopsTestPortalOptions {
  /** Name of the one cluster; default `e2e-cluster`. */
  cluster?: string;
  /** Templates (folder names under templates/) to put in the catalog. */
  templates?: string[];
  /** Where buildah keeps images (`hubbops.imageBuild.buildah.root`); default a temporary directory per build. */
  buildahRoot?: string;
  /** Where to keep the compressed Node base image layer between runs. */
  baseImageCacheDir?: string;
}

/**
 * A HubbOps portal backend for end-to-end runs: the real scaffolder, catalog,
 * Flux and hubbops-git plugins with the HubbOps actions, a real
 * docker-registry holding a Node base image assembled FROM scratch, and the
 * test kit's Kubernetes API server with the simulated Flux controller (git
 * sources resolved for real) as the one cluster.
 */
export interface HubbopsTestPortal {
  backend: TestBackend;
  /** `http://localhost:<port>` */
  baseUrl: string;
  /** `http://localhost:<port>/api/hubbops-git` */
  gitUrl: string;
  gitRoot: string;
  registry: TestRegistry;
  /** `127.0.0.1:<port>/hubbops/node:22` */
  baseImage: string;
  kubernetes: TestKubernetesApiServer;
  flux: SimulatedFluxController;
  cluster: string;
  /** Starts a task from a template of the catalog and follows it to its end. */
  runTemplate(
    template: string,
    values: Record<string, unknown>,
  ): Promise<TemplateTaskRun>;
  stop(): Promise<void>;
}

export async function startHubbopsTestPortal(
  options: HubbopsTestPortalOptions = {},
): Promise<HubbopsTestPortal> {
  const cluster = options.cluster ?? 'e2e-cluster';
  const templates = options.templates ?? ['node-service'];
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch(() => {});
    }
  };
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'hubbops-e2e-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const gitRoot = join(dataDir, 'git');

    const registry = await startTestRegistry();
    cleanups.push(() => registry.stop());
    const base = await pushNodeBaseImage({
      registryUrl: registry.url,
      cacheDir: options.baseImageCacheDir,
    });

    const kubernetes = await startTestKubernetesApiServer({
      token: CLUSTER_TOKEN,
    });
    cleanups.push(() => kubernetes.stop());
    registerFluxResources(kubernetes);
    const flux = startSimulatedFluxController(kubernetes, {
      gitSources: true,
    });
    cleanups.push(() => flux.stop());

    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleScaffolderEntityModel,
        scaffolderPlugin,
        scaffolderModuleHubbops,
        fluxPlugin,
        hubbopsGitPlugin,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              // The test backend listens on a random port: allow them all,
              // for the git server's paths only.
              reading: {
                allow: [
                  {
                    host: 'localhost:1024-65535',
                    paths: ['/api/hubbops-git/'],
                  },
                ],
              },
            },
            catalog: {
              rules: [
                { allow: ['Component', 'System', 'Location', 'Template'] },
              ],
              locations: templates.map(name => ({
                type: 'file',
                target: join(REPO_ROOT, 'templates', name, 'template.yaml'),
                rules: [{ allow: ['Template'] }],
              })),
              processingInterval: { seconds: 2 },
            },
            kubernetes: {
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: cluster,
                      url: kubernetes.url,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: CLUSTER_TOKEN,
                      // client-node sends tokens over plain HTTP only then.
                      skipTLSVerify: true,
                    },
                  ],
                },
              ],
            },
            hubbopsGit: { enabled: true, root: gitRoot, autoCreate: true },
            hubbops: {
              imageBuild: {
                buildah: {
                  storageDriver: 'vfs',
                  isolation: 'chroot',
                  ...(options.buildahRoot && { root: options.buildahRoot }),
                },
              },
            },
          },
        }),
      ],
    });
    cleanups.push(() => backend.stop());
    const baseUrl = `http://localhost:${backend.server.port()}`;
    const authorization = mockCredentials.user.header('user:default/guest');

    for (const name of templates) {
      await waitForEntity(baseUrl, authorization, `template/default/${name}`);
    }

    return {
      backend,
      baseUrl,
      gitUrl: `${baseUrl}/api/hubbops-git`,
      gitRoot,
      registry,
      baseImage: base.reference,
      kubernetes,
      flux,
      cluster,
      async runTemplate(template, values) {
        const response = await fetch(`${baseUrl}/api/scaffolder/v2/tasks`, {
          method: 'POST',
          headers: {
            Authorization: authorization,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({
            templateRef: `template:default/${template}`,
            values,
          }),
        });
        const body = await response.json();
        if (response.status !== 201) {
          throw new Error(
            `the scaffolder refused the task (HTTP ${
              response.status
            }): ${JSON.stringify(body)}`,
          );
        }
        return followTaskEvents({
          baseUrl,
          authorization,
          taskId: body.id,
          startedAt: Date.now(),
        });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForEntity(
  baseUrl: string,
  authorization: string,
  ref: string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(
      `${baseUrl}/api/catalog/entities/by-name/${ref}`,
      { headers: { Authorization: authorization } },
    );
    await response.arrayBuffer();
    if (response.ok) return;
    if (Date.now() > deadline) {
      throw new Error(`the catalog did not load ${ref} within 60 s`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
}
