/**
 * Extension points and services of the HubbOps Flux backend, for other
 * backend plugins and for modules of the Flux plugin.
 *
 * @packageDocumentation
 */

export { fluxClusterSourcesExtensionPoint } from './extensions';
export type {
  FluxClusterDefinition,
  FluxClusterSource,
  FluxClusterSourcesExtensionPoint,
} from './extensions';
export {
  FluxClusterDirectory,
  fluxClusterServiceRef,
} from './FluxClusterService';
export type {
  FluxClusterInfo,
  FluxClusterProvider,
  FluxClusterService,
} from './FluxClusterService';
