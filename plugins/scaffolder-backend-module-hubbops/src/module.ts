import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { fluxClusterServiceRef } from '@hubbops/plugin-flux-node';
import { createImageBuildAction } from './actions/imageBuild';
import { createFluxReconcileAction } from './actions/fluxReconcile';
import { createFluxWaitAction } from './actions/fluxWait';
import { createCodegenManifestsAction } from './actions/codegenManifests';
import { createCodegenServiceAction } from './actions/codegenService';
import { createGitopsPushAction } from './actions/gitopsPush';
import { builtInServiceTypes } from './codegen/builtInServiceTypes';
import { hubbopsServiceTypesExtensionPoint } from './codegen/hubbopsServiceTypesExtensionPoint';
import { ServiceTypeRegistry } from './codegen/ServiceTypeRegistry';

/**
 * Adds the HubbOps actions (`hubbops:image:build`) to the scaffolder.
 *
 * @public
 */
export const scaffolderModuleHubbops = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'hubbops',
  register(reg) {
    const serviceTypes = new ServiceTypeRegistry(builtInServiceTypes);
    reg.registerExtensionPoint(hubbopsServiceTypesExtensionPoint, {
      addServiceType: handler => serviceTypes.add(handler),
    });
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        fluxClusters: fluxClusterServiceRef,
      },
      async init({ scaffolder, config, logger, fluxClusters }) {
        const imageBuild = createImageBuildAction({ config });
        scaffolder.addActions(imageBuild);
        logger.info(`Added scaffolder action ${imageBuild.id}`);
        scaffolder.addActions(
          createFluxReconcileAction({ clusters: fluxClusters }),
          createFluxWaitAction({ clusters: fluxClusters }),
        );
        logger.info('Added hubbops:flux:reconcile and hubbops:flux:wait');
        scaffolder.addActions(
          createCodegenServiceAction({ config, serviceTypes }),
          createCodegenManifestsAction(),
        );
        logger.info(
          `Added hubbops:codegen:service (types ${serviceTypes
            .types()
            .join(', ')}) and hubbops:codegen:manifests`,
        );
        const gitopsPush = createGitopsPushAction({ config });
        scaffolder.addActions(gitopsPush);
        logger.info(`Added scaffolder action ${gitopsPush.id}`);
      },
    });
  },
});
