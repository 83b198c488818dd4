import { ChangeEvent, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  FluxCluster,
  FluxClusterConnectionTestResult,
} from '@hubbops/plugin-flux-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import { fluxApiRef } from '../../api';
import { errorMessage } from '../../format';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Props of {@link ClusterRegistrationDialog}. */
export interface ClusterRegistrationDialogProps {
  open: boolean;
  /** The registered cluster to edit; registers a new one without it. */
  cluster?: FluxCluster;
  onClose: () => void;
  /** Called with the cluster as saved. */
  onSaved: (cluster: FluxCluster) => void;
}

function describeTest(result: FluxClusterConnectionTestResult): string {
  const kinds = Object.keys(result.servedKinds);
  const flux =
    result.fluxRelease ??
    [...new Set(Object.values(result.fluxVersions))].join(', ');
  return [
    `Connected to ${result.url}`,
    `Kubernetes ${result.serverVersion ?? 'unknown'}`,
    `Flux ${flux || 'controllers not found'}`,
    kinds.length > 0 ? `serves ${kinds.join(', ')}` : 'serves no Flux kind',
  ].join(' · ');
}

/** FileReader, as Blob.text() is missing from older browsers and jsdom. */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

/**
 * Registers a cluster with its kubeconfig, or edits a registered one: a
 * name, a title, the kubeconfig (pasted or read from a file) and its
 * context, with a connection test before saving. The kubeconfig is only
 * sent, never shown back: when editing, leaving it empty keeps the stored
 * one.
 */
export const ClusterRegistrationDialog = ({
  open,
  cluster,
  onClose,
  onSaved,
}: ClusterRegistrationDialogProps) => {
  const fluxApi = useApi(fluxApiRef);
  const editing = cluster !== undefined;
  const [name, setName] = useState(cluster?.name ?? '');
  const [title, setTitle] = useState(cluster?.title ?? '');
  const [kubeconfig, setKubeconfig] = useState('');
  const [context, setContext] = useState('');
  const [busy, setBusy] = useState<'test' | 'save' | undefined>();
  const [test, setTest] = useState<FluxClusterConnectionTestResult>();
  const [error, setError] = useState<string>();

  const nameProblem =
    name && !DNS_LABEL.test(name)
      ? 'Lower-case letters, digits and "-", starting and ending with a letter or digit'
      : undefined;
  const canSave =
    !busy &&
    (editing || (name !== '' && !nameProblem && kubeconfig.trim() !== ''));

  const close = () => {
    if (busy) return;
    onClose();
  };

  const readFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      setKubeconfig(await readText(file));
      setTest(undefined);
    } catch (e) {
      setError(`Cannot read ${file.name}: ${errorMessage(e)}`);
    }
  };

  const testConnection = async () => {
    setBusy('test');
    setError(undefined);
    setTest(undefined);
    try {
      setTest(
        await fluxApi.testClusterConnection(
          kubeconfig.trim()
            ? { kubeconfig, ...(context.trim() && { context: context.trim() }) }
            : { name: cluster!.name },
        ),
      );
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(undefined);
    }
  };

  const save = async () => {
    setBusy('save');
    setError(undefined);
    try {
      const trimmedContext = context.trim() || undefined;
      const saved = editing
        ? await fluxApi.updateCluster(cluster.name, {
            title: title.trim() || null,
            ...(kubeconfig.trim() && { kubeconfig }),
            ...(trimmedContext && { context: trimmedContext }),
          })
        : await fluxApi.registerCluster({
            name,
            ...(title.trim() && { title: title.trim() }),
            kubeconfig,
            ...(trimmedContext && { context: trimmedContext }),
          });
      setBusy(undefined);
      onSaved(saved);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(undefined);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      fullWidth
      maxWidth="md"
      aria-labelledby="flux-cluster-registration-title"
    >
      <DialogTitle id="flux-cluster-registration-title">
        {editing ? `Edit cluster ${cluster.name}` : 'Add cluster'}
      </DialogTitle>
      <DialogContent>
        <TextField
          id="flux-cluster-name"
          label="Name"
          required
          fullWidth
          margin="dense"
          variant="outlined"
          value={name}
          disabled={editing}
          onChange={event => setName(event.target.value)}
          error={Boolean(nameProblem)}
          helperText={
            nameProblem ?? 'Unique; used in URLs and filters (e.g. prod-eu)'
          }
        />
        <TextField
          id="flux-cluster-title"
          label="Title"
          fullWidth
          margin="dense"
          variant="outlined"
          value={title}
          onChange={event => setTitle(event.target.value)}
        />
        <TextField
          id="flux-cluster-kubeconfig"
          label="Kubeconfig"
          required={!editing}
          fullWidth
          multiline
          minRows={8}
          maxRows={16}
          margin="dense"
          variant="outlined"
          value={kubeconfig}
          onChange={event => {
            setKubeconfig(event.target.value);
            setTest(undefined);
          }}
          helperText={
            editing
              ? 'Leave empty to keep the stored kubeconfig. It is stored encrypted and never shown again.'
              : 'With the credentials inline (token or client certificate data). It is stored encrypted and never shown again.'
          }
          inputProps={{ spellCheck: false, style: { fontFamily: 'monospace' } }}
        />
        <Box display="flex" alignItems="center" gridGap={16}>
          <Button component="label" variant="outlined" size="small">
            Read from file
            <input
              type="file"
              hidden
              aria-label="Kubeconfig file"
              onChange={readFile}
            />
          </Button>
          <TextField
            id="flux-cluster-context"
            label="Context"
            margin="dense"
            variant="outlined"
            size="small"
            value={context}
            onChange={event => setContext(event.target.value)}
            helperText={
              editing && cluster.registration
                ? `Now ${cluster.registration.context}`
                : 'The current context by default'
            }
          />
        </Box>
        {test && (
          <Box mt={2}>
            <Alert severity={test.ok ? 'success' : 'error'}>
              {test.ok ? describeTest(test) : test.error}
            </Alert>
          </Box>
        )}
        {error && (
          <Box mt={2}>
            <Alert severity="error">{error}</Alert>
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button
          onClick={testConnection}
          disabled={Boolean(busy) || (!editing && !kubeconfig.trim())}
          startIcon={
            busy === 'test' ? <CircularProgress size={16} /> : undefined
          }
        >
          Test connection
        </Button>
        <Button onClick={close} disabled={Boolean(busy)}>
          Cancel
        </Button>
        <Button
          color="primary"
          variant="contained"
          onClick={save}
          disabled={!canSave}
          startIcon={
            busy === 'save' ? <CircularProgress size={16} /> : undefined
          }
        >
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
};
