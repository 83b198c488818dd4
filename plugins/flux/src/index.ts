/**
 * Flux in Backstage: an entity tab, a status card, a page of every cluster
 * and object, and a scaffolder cluster picker.
 *
 * @packageDocumentation
 */

export {
  fluxPlugin,
  EntityFluxContent,
  EntityFluxStatusCard,
  FluxPage,
  FluxClusterPickerFieldExtension,
} from './plugin';
export { fluxApiRef, FluxClient } from './api';
export type { FluxApi, FluxObjectKey } from './api';
export {
  isFluxAvailable,
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
} from './annotations';
export {
  FLUX_CLUSTER_PICKER_FIELD_NAME,
  FluxClusterPicker,
} from './components/FluxClusterPicker';
export type { FluxClusterPickerUiOptions } from './components/FluxClusterPicker';
