import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import {
  FLUX_CLUSTER_PICKER_FIELD_NAME,
  FluxClusterPicker,
  FluxClusterPickerUiOptions,
} from './FluxClusterPicker';

/** The FluxClusterPicker for the new frontend system's scaffolder. */
export const fluxClusterPickerFormField = createFormField({
  name: FLUX_CLUSTER_PICKER_FIELD_NAME,
  component: props => (
    <FluxClusterPicker
      {...(props as FieldExtensionComponentProps<
        string,
        FluxClusterPickerUiOptions
      >)}
    />
  ),
});
