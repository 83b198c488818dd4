/**
 * Flux CD on top of the test Kubernetes API server: the Flux CRDs of
 * several releases and a simulated Flux controller.
 */
export {
  FLUX_DISTRIBUTIONS,
  FLUX_GENERATIONS,
  FLUX_KINDS,
  registerFluxResources,
  resolveDistribution,
} from './FluxResources';
export type {
  FluxControllerName,
  FluxDistribution,
  FluxDistributionVersion,
  FluxGeneration,
  FluxKind,
  FluxKindInfo,
  RegisterFluxResourcesOptions,
  RegisteredFluxResources,
} from './FluxResources';
export {
  SIMULATION_ANNOTATIONS,
  SimulatedFluxController,
  startSimulatedFluxController,
} from './SimulatedFluxController';
export type {
  FailureOptions,
  FluxObjectRef,
  SimulatedFluxControllerOptions,
} from './SimulatedFluxController';
export type { InventoryEntry } from './FluxStatusBuilders';
export type { Condition } from './FluxConditions';
export { controllerImage } from './FluxControllerDeployments';
