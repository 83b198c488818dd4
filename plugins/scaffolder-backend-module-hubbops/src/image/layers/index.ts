export {
  LayersImageBuilder,
  resolveSourceDirectory,
} from './LayersImageBuilder';
export type {
  BuiltImageLayer,
  ImageBuildProgress,
  ImageBuildStep,
  LayersImageBuilderOptions,
  LayersImageBuildOptions,
  LayersImageBuildResult,
  RegistryCredentialsSource,
} from './LayersImageBuilder';
export { RegistryClient, DEFAULT_CHUNK_SIZE } from './RegistryClient';
export type {
  BlobSource,
  FetchedManifest,
  RegistryClientOptions,
} from './RegistryClient';
export { parseAuthChallenge } from './registryAuth';
export type { AuthChallenge, RegistryCredentials } from './registryAuth';
export {
  buildLayerTarball,
  collectLayerEntries,
  DEFAULT_LAYER_DESTINATION,
} from './LayerTarball';
export type {
  LayerEntry,
  LayerTarball,
  LayerTarballOptions,
} from './LayerTarball';
export {
  buildImageConfig,
  imageConfigChangesSchema,
  validateImageConfigChanges,
} from './imageConfig';
export type { ImageConfigChanges } from './imageConfig';
export { formatImageReference, parseImageReference } from './imageReference';
export type { ImageReference } from './imageReference';
export { RegistryError } from './errors';
export { MediaTypes } from './mediaTypes';
