import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import {
  FLUX_OBJECT_STATUSES,
  FluxClusterHealthStatus,
  FluxObjectStatus,
  FluxObjectSummary,
} from '@hubbops/plugin-flux-common';

/** The words shown for each status. */
export const statusLabels: Record<FluxObjectStatus, string> = {
  ready: 'Ready',
  notReady: 'Not ready',
  reconciling: 'Reconciling',
  suspended: 'Suspended',
  unknown: 'Unknown',
};

/** The status of a Flux object, as a coloured dot and a word. */
export const FluxStatus = ({
  status,
  children,
}: {
  status: FluxObjectStatus;
  children?: React.ReactNode;
}) => {
  const label = children ?? statusLabels[status];
  switch (status) {
    case 'ready':
      return <StatusOK>{label}</StatusOK>;
    case 'notReady':
      return <StatusError>{label}</StatusError>;
    case 'reconciling':
      return <StatusPending>{label}</StatusPending>;
    case 'suspended':
      return <StatusWarning>{label}</StatusWarning>;
    default:
      return <StatusAborted>{label}</StatusAborted>;
  }
};

/** The health of a cluster connection. */
export const ClusterHealth = ({
  status,
}: {
  status: FluxClusterHealthStatus;
}) => {
  switch (status) {
    case 'healthy':
      return <StatusOK>Healthy</StatusOK>;
    case 'unhealthy':
      return <StatusError>Unhealthy</StatusError>;
    default:
      return <StatusAborted>Unknown</StatusAborted>;
  }
};

/** Worst first: notReady, reconciling, unknown, suspended, ready. */
export function compareByStatus(
  a: FluxObjectSummary,
  b: FluxObjectSummary,
): number {
  return (
    FLUX_OBJECT_STATUSES.indexOf(a.status) -
      FLUX_OBJECT_STATUSES.indexOf(b.status) ||
    a.kind.localeCompare(b.kind) ||
    a.namespace.localeCompare(b.namespace) ||
    a.name.localeCompare(b.name)
  );
}

/** Counts of objects per status, with every status present. */
export function countByStatus(
  objects: FluxObjectSummary[],
): Record<FluxObjectStatus, number> {
  const counts = Object.fromEntries(
    FLUX_OBJECT_STATUSES.map(s => [s, 0]),
  ) as Record<FluxObjectStatus, number>;
  for (const object of objects) {
    counts[object.status] = (counts[object.status] ?? 0) + 1;
  }
  return counts;
}
