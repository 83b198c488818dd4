/**
 * HubbOps scaffolder actions: build and push a service's image.
 *
 * @packageDocumentation
 */

export { scaffolderModuleHubbops as default } from './module';
export { scaffolderModuleHubbops } from './module';
export {
  createImageBuildAction,
  IMAGE_BUILD_ACTION_ID,
} from './actions/imageBuild';
