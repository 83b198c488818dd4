import {
  coreServices,
  createBackendPlugin,
  HttpRouterService,
} from '@backstage/backend-plugin-api';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GitRepositories } from './service/GitRepositories';
import { createRouter } from './service/router';

/**
 * The embedded git server: serves the bare repositories under
 * `hubbopsGit.root` over smart HTTP at `/api/hubbops-git/<repo>.git`, without
 * authentication, when `hubbopsGit.enabled` is true. A development default:
 * see the README before turning it on anywhere others can reach.
 *
 * @public
 */
export const hubbopsGitPlugin = createBackendPlugin({
  pluginId: 'hubbops-git',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        auditor: coreServices.auditor,
      },
      async init({ config, logger, httpRouter, auditor }) {
        if (!config.getOptionalBoolean('hubbopsGit.enabled')) {
          logger.info(
            'The embedded git server is off; set hubbopsGit.enabled to serve repositories',
          );
          return;
        }
        const root = resolve(
          config.getOptionalString('hubbopsGit.root') ?? '.data/git',
        );
        await mkdir(root, { recursive: true });
        const autoCreate =
          config.getOptionalBoolean('hubbopsGit.autoCreate') ?? true;
        // git clients and the catalog's URL reader send no Backstage token.
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
        const router = createRouter({
          repositories: new GitRepositories(root),
          autoCreate,
          logger,
          auditor,
        });
        // backend-plugin-api types handlers with Express 4, we build with 5.
        httpRouter.use(
          router as unknown as Parameters<HttpRouterService['use']>[0],
        );
        logger.warn(
          `The embedded git server serves ${root} WITHOUT authentication: anyone who reaches this backend can read and push`,
        );
      },
    });
  },
});
