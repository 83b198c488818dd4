export {
  FLUX_CLUSTER_PICKER_FIELD_NAME,
  FluxClusterPicker,
} from './FluxClusterPicker';
export type { FluxClusterPickerUiOptions } from './FluxClusterPicker';
