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
export {
  createCodegenServiceAction,
  CODEGEN_SERVICE_ACTION_ID,
} from './actions/codegenService';
export {
  createCodegenManifestsAction,
  CODEGEN_MANIFESTS_ACTION_ID,
} from './actions/codegenManifests';
export { hubbopsServiceTypesExtensionPoint } from './codegen/hubbopsServiceTypesExtensionPoint';
export type { HubbopsServiceTypesExtensionPoint } from './codegen/hubbopsServiceTypesExtensionPoint';
export type {
  GeneratedFile,
  ServiceGenerationContext,
  ServiceTypeHandler,
  ServiceTypeInputSchema,
} from './codegen/ServiceTypeHandler';
