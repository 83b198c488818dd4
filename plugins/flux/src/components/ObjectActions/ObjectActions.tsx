import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  FluxObjectSummary,
  FluxReconcileResponse,
  findFluxKind,
  fluxResourceReconcilePermission,
  fluxResourceSuspendPermission,
} from '@hubbops/plugin-flux-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import { fluxApiRef } from '../../api';
import Alert from '@material-ui/lab/Alert';
import { errorMessage } from '../../format';

type Action = 'reconcile' | 'suspend' | 'resume';

interface ActionResult {
  severity: 'success' | 'error' | 'warning';
  text: string;
}

const verbs: Record<Action, string> = {
  reconcile: 'Reconcile',
  suspend: 'Suspend',
  resume: 'Resume',
};

function reconcileResult(
  action: Action,
  response: FluxReconcileResponse,
): ActionResult {
  const verb = verbs[action];
  const detail = response.message ? `: ${response.message}` : '';
  switch (response.outcome) {
    case 'succeeded':
      return { severity: 'success', text: `${verb} succeeded${detail}` };
    case 'timedOut':
      return { severity: 'warning', text: `${verb} timed out${detail}` };
    default:
      return { severity: 'error', text: `${verb} failed${detail}` };
  }
}

/** Props of {@link ObjectActions}. */
export interface ObjectActionsProps {
  object: FluxObjectSummary;
  /** Called after an action ended, to refresh what is shown. */
  onDone?: () => void;
}

/**
 * Reconcile, Suspend and Resume for one Flux object, each shown only when
 * the user holds the permission and the kind supports it.
 */
export const ObjectActions = ({ object, onDone }: ObjectActionsProps) => {
  const fluxApi = useApi(fluxApiRef);
  const reconcilePermission = usePermission({
    permission: fluxResourceReconcilePermission,
  });
  const suspendPermission = usePermission({
    permission: fluxResourceSuspendPermission,
  });
  const [running, setRunning] = useState<Action | undefined>();
  const [result, setResult] = useState<ActionResult | undefined>();

  const kind = findFluxKind(object.kind);
  const canReconcile =
    reconcilePermission.allowed && (kind?.reconcilable ?? true);
  const canSuspend = suspendPermission.allowed && (kind?.suspendable ?? true);

  const key = {
    cluster: object.cluster,
    kind: object.kind,
    namespace: object.namespace,
    name: object.name,
  };

  async function run(action: Action) {
    setRunning(action);
    setResult(undefined);
    try {
      if (action === 'suspend') {
        const response = await fluxApi.suspend(key);
        setResult({
          severity: 'success',
          text: `Suspended by ${response.suspendedBy}`,
        });
      } else {
        const response =
          action === 'reconcile'
            ? await fluxApi.reconcile(key)
            : await fluxApi.resume(key);
        setResult(reconcileResult(action, response));
      }
    } catch (error) {
      setResult({
        severity: 'error',
        text: `${verbs[action]} failed: ${errorMessage(error)}`,
      });
    } finally {
      setRunning(undefined);
      onDone?.();
    }
  }

  if (!canReconcile && !canSuspend) {
    return null;
  }

  const button = (action: Action) => (
    <Button
      key={action}
      variant="outlined"
      color="primary"
      size="small"
      disabled={running !== undefined}
      onClick={() => run(action)}
      startIcon={
        running === action ? <CircularProgress size={14} /> : undefined
      }
    >
      {running === action ? `${verbs[action]}…` : verbs[action]}
    </Button>
  );

  return (
    <Box display="flex" flexDirection="column" gridGap={8}>
      <Box display="flex" gridGap={8}>
        {canReconcile && !object.suspended && button('reconcile')}
        {canSuspend && !object.suspended && button('suspend')}
        {canSuspend && object.suspended && button('resume')}
      </Box>
      {running && (
        <Alert severity="info" icon={<CircularProgress size={18} />}>
          {verbs[running]} of {object.kind} {object.namespace}/{object.name} in
          progress…
        </Alert>
      )}
      {result && (
        <Alert severity={result.severity} onClose={() => setResult(undefined)}>
          {result.text}
        </Alert>
      )}
    </Box>
  );
};
