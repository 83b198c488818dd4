import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { FluxCluster } from '@hubbops/plugin-flux-common';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Alert from '@material-ui/lab/Alert';
import { fluxApiRef } from '../../api';
import { errorMessage } from '../../format';

/** Props of {@link ClusterRemovalDialog}. */
export interface ClusterRemovalDialogProps {
  cluster: FluxCluster;
  onClose: () => void;
  onRemoved: () => void;
}

/** Asks before removing a registered cluster, then removes it. */
export const ClusterRemovalDialog = ({
  cluster,
  onClose,
  onRemoved,
}: ClusterRemovalDialogProps) => {
  const fluxApi = useApi(fluxApiRef);
  const [removing, setRemoving] = useState(false);
  const [error, setError] = useState<string>();

  const remove = async () => {
    setRemoving(true);
    setError(undefined);
    try {
      await fluxApi.removeCluster(cluster.name);
      setRemoving(false);
      onRemoved();
    } catch (e) {
      setError(errorMessage(e));
      setRemoving(false);
    }
  };

  return (
    <Dialog
      open
      onClose={() => !removing && onClose()}
      aria-labelledby="flux-cluster-removal-title"
    >
      <DialogTitle id="flux-cluster-removal-title">
        Remove cluster {cluster.title ?? cluster.name}?
      </DialogTitle>
      <DialogContent>
        <DialogContentText>
          The portal stops syncing it and forgets its Flux objects and its
          stored kubeconfig. Nothing changes in the cluster itself.
        </DialogContentText>
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={removing}>
          Cancel
        </Button>
        <Button
          color="secondary"
          variant="contained"
          onClick={remove}
          disabled={removing}
        >
          Remove
        </Button>
      </DialogActions>
    </Dialog>
  );
};
