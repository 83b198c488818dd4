import { useApi } from '@backstage/core-plugin-api';
import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import TextField from '@material-ui/core/TextField';
import useAsync from 'react-use/esm/useAsync';
import { fluxApiRef } from '../../api';
import { errorMessage } from '../../format';

/**
 * The `ui:options` of the FluxClusterPicker field.
 *
 * @public
 */
export interface FluxClusterPickerUiOptions {
  /** Leave demo clusters out of the list. */
  excludeDemo?: boolean;
}

/**
 * A scaffolder field: pick one of the clusters the Flux backend syncs. Its
 * value is the cluster's name.
 *
 * @public
 */
export const FluxClusterPicker = (
  props: FieldExtensionComponentProps<string, FluxClusterPickerUiOptions>,
) => {
  const {
    formData,
    onChange,
    required,
    disabled,
    rawErrors,
    schema,
    uiSchema,
    idSchema,
  } = props;
  const fluxApi = useApi(fluxApiRef);
  const excludeDemo = Boolean(uiSchema?.['ui:options']?.excludeDemo);
  const { value, loading, error } = useAsync(
    () => fluxApi.getClusters(),
    [fluxApi],
  );
  const clusters = (value?.items ?? []).filter(c => !excludeDemo || !c.demo);

  const helperText = error
    ? `Could not load clusters: ${errorMessage(error)}`
    : schema?.description;

  return (
    <TextField
      id={idSchema?.$id ?? 'flux-cluster-picker'}
      select
      fullWidth
      margin="normal"
      variant="outlined"
      label={schema?.title ?? 'Cluster'}
      required={required}
      disabled={disabled || loading}
      value={formData ?? ''}
      error={Boolean(error) || (rawErrors?.length ?? 0) > 0}
      helperText={helperText}
      onChange={event => onChange(event.target.value || undefined)}
      SelectProps={{ native: true }}
      InputLabelProps={{ shrink: true }}
    >
      <option value="">
        {loading ? 'Loading clusters…' : 'Select a cluster'}
      </option>
      {clusters.map(cluster => (
        <option key={cluster.name} value={cluster.name}>
          {cluster.title && cluster.title !== cluster.name
            ? `${cluster.title} (${cluster.name})`
            : cluster.name}
          {cluster.demo ? ' [demo]' : ''}
          {cluster.health.status === 'unhealthy' ? ' (unhealthy)' : ''}
        </option>
      ))}
    </TextField>
  );
};

/**
 * The name templates use in `ui:field`.
 *
 * @public
 */
export const FLUX_CLUSTER_PICKER_FIELD_NAME = 'FluxClusterPicker';
