import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createImageBuildAction } from './actions/imageBuild';

/**
 * Adds the HubbOps actions (`hubbops:image:build`) to the scaffolder.
 *
 * @public
 */
export const scaffolderModuleHubbops = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'hubbops',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ scaffolder, config, logger }) {
        const imageBuild = createImageBuildAction({ config });
        scaffolder.addActions(imageBuild);
        logger.info(`Added scaffolder action ${imageBuild.id}`);
      },
    });
  },
});
