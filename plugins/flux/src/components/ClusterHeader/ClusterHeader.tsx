import { FluxCluster } from '@hubbops/plugin-flux-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { ClusterHealth } from '../FluxStatus';

/** Props of {@link ClusterHeader}. */
export interface ClusterHeaderProps {
  name: string;
  /** Undefined when the backend does not list the cluster (any more). */
  cluster?: FluxCluster;
}

/** A cluster's title, health, demo flag and last connection error. */
export const ClusterHeader = ({ name, cluster }: ClusterHeaderProps) => (
  <Box>
    <Box display="flex" alignItems="center" flexWrap="wrap" gridGap={12}>
      <Typography variant="h6" component="h2">
        {cluster?.title ?? name}
      </Typography>
      {cluster?.title && cluster.title !== name && (
        <Typography variant="body2" color="textSecondary">
          {name}
        </Typography>
      )}
      <ClusterHealth status={cluster?.health.status ?? 'unknown'} />
      {cluster?.demo && (
        <Chip
          label="demo"
          size="small"
          color="secondary"
          title="A demo cluster: its objects are sample data"
        />
      )}
    </Box>
    {cluster?.health.lastError && (
      <Typography variant="body2" color="error">
        {cluster.health.lastError}
      </Typography>
    )}
  </Box>
);
