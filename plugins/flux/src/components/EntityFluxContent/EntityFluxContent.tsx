import { useMemo, useState } from 'react';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { FluxCluster, FluxObjectSummary } from '@hubbops/plugin-flux-common';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  isFluxAvailable,
} from '../../annotations';
import { fluxApiRef } from '../../api';
import Alert from '@material-ui/lab/Alert';
import {
  errorMessage,
  formatAge,
  formatRef,
  objectKeyOf,
  shortRevision,
} from '../../format';
import { DEFAULT_POLL_INTERVAL_MS, usePolling } from '../../hooks/usePolling';
import { ClusterHeader } from '../ClusterHeader';
import { FluxDependencyGraph } from '../FluxDependencyGraph';
import { FluxStatus, compareByStatus } from '../FluxStatus';
import { ObjectDrawer } from '../ObjectDrawer';

const useStyles = makeStyles(theme => ({
  row: {
    cursor: 'pointer',
  },
  message: {
    maxWidth: 360,
    wordBreak: 'break-word',
  },
  // Short values that read badly when broken ("Rea|dy", "Kustomi|zation").
  nowrap: {
    whiteSpace: 'nowrap',
  },
  revision: {
    fontFamily: 'monospace',
    fontSize: theme.typography.caption.fontSize,
    wordBreak: 'break-all',
  },
}));

/** Props of {@link EntityFluxContent}. */
export interface EntityFluxContentProps {
  /** How often to refresh, in milliseconds; 5 s by default. */
  refreshIntervalMs?: number;
}

const ObjectsTable = ({
  objects,
  onSelect,
}: {
  objects: FluxObjectSummary[];
  onSelect: (object: FluxObjectSummary) => void;
}) => {
  const classes = useStyles();
  return (
    <Table size="small">
      <TableHead>
        <TableRow>
          <TableCell className={classes.nowrap}>Status</TableCell>
          <TableCell className={classes.nowrap}>Kind</TableCell>
          <TableCell>Name</TableCell>
          <TableCell>Revision</TableCell>
          <TableCell className={classes.nowrap}>Last reconcile</TableCell>
          <TableCell>Message</TableCell>
          <TableCell>Source</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {objects.map(object => (
          <TableRow
            key={objectKeyOf(object)}
            hover
            className={classes.row}
            onClick={() => onSelect(object)}
            tabIndex={0}
            onKeyDown={event => {
              if (event.key === 'Enter') onSelect(object);
            }}
            aria-label={`${object.kind} ${object.namespace}/${object.name}`}
          >
            <TableCell className={classes.nowrap}>
              <FluxStatus status={object.status} />
            </TableCell>
            <TableCell className={classes.nowrap}>{object.kind}</TableCell>
            <TableCell>
              {object.namespace}/{object.name}
            </TableCell>
            <TableCell className={classes.revision}>
              <span
                title={
                  object.lastAppliedRevision ?? object.lastAttemptedRevision
                }
              >
                {shortRevision(
                  object.lastAppliedRevision ?? object.lastAttemptedRevision,
                )}
              </span>
            </TableCell>
            <TableCell
              title={object.lastReconcileTime}
              className={classes.nowrap}
            >
              {formatAge(object.lastReconcileTime)}
            </TableCell>
            <TableCell className={classes.message}>{object.message}</TableCell>
            <TableCell>
              {formatRef(object.sourceRef, object.namespace)}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

/**
 * The entity's Flux tab: its Flux objects in every cluster, kept live, with
 * details, actions and a dependency graph.
 */
export const EntityFluxContent = ({
  refreshIntervalMs = DEFAULT_POLL_INTERVAL_MS,
}: EntityFluxContentProps) => {
  const { entity } = useEntity();
  const fluxApi = useApi(fluxApiRef);
  // The backend reads the annotations (namespace included) from the catalog.
  const query = isFluxAvailable(entity)
    ? { entity: stringifyEntityRef(entity), limit: 1000 }
    : undefined;
  const queryKey = query ? JSON.stringify(query) : undefined;
  const annotations = entity.metadata.annotations ?? {};
  const kubernetesId = annotations[KUBERNETES_ID_ANNOTATION]?.trim();
  const labelSelector =
    annotations[KUBERNETES_LABEL_SELECTOR_ANNOTATION]?.trim();

  const objects = usePolling(
    queryKey,
    () => fluxApi.getObjects(query),
    refreshIntervalMs,
  );
  const clusters = usePolling(
    queryKey === undefined ? undefined : 'clusters',
    () => fluxApi.getClusters(),
    refreshIntervalMs,
  );
  const [selectedKey, setSelectedKey] = useState<string | undefined>();

  const items = objects.value?.items;
  const groups = useMemo(() => {
    const byCluster = new Map<string, FluxObjectSummary[]>();
    for (const object of items ?? []) {
      byCluster.set(object.cluster, [
        ...(byCluster.get(object.cluster) ?? []),
        object,
      ]);
    }
    return [...byCluster.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([cluster, list]) => ({
        cluster,
        objects: [...list].sort(compareByStatus),
      }));
  }, [items]);

  if (!query) {
    return (
      <EmptyState
        missing="field"
        title="No Kubernetes annotation"
        description={
          <>
            Add the <code>{KUBERNETES_ID_ANNOTATION}</code> or the{' '}
            <code>{KUBERNETES_LABEL_SELECTOR_ANNOTATION}</code> annotation to
            this entity to see its Flux objects. Flux objects carrying the
            matching <code>{KUBERNETES_ID_ANNOTATION}</code> label, or matching
            the label selector, are shown here.
          </>
        }
      />
    );
  }

  if (objects.loading) {
    return <Progress />;
  }
  if (objects.error && !objects.value) {
    return <ResponseErrorPanel error={objects.error} />;
  }

  const clusterByName = new Map<string, FluxCluster>(
    (clusters.value?.items ?? []).map(c => [c.name, c]),
  );
  const selected = items?.find(o => objectKeyOf(o) === selectedKey);
  const select = (object: FluxObjectSummary) =>
    setSelectedKey(objectKeyOf(object));

  return (
    <Grid container spacing={3}>
      {objects.error && (
        <Grid item xs={12}>
          <Alert severity="warning">
            Could not refresh, showing earlier data:{' '}
            {errorMessage(objects.error)}
          </Alert>
        </Grid>
      )}
      {groups.length === 0 && (
        <Grid item xs={12}>
          <EmptyState
            missing="data"
            title="No Flux objects found"
            description={
              objects.value?.hint ?? (
                <>
                  No Flux object in any cluster, nor any object in a Flux
                  inventory, matches this entity's{' '}
                  {kubernetesId && (
                    <>
                      <code>{KUBERNETES_ID_ANNOTATION}</code> label{' '}
                      <code>{kubernetesId}</code>
                    </>
                  )}
                  {kubernetesId && labelSelector && ' or '}
                  {labelSelector && (
                    <>
                      label selector <code>{labelSelector}</code>
                    </>
                  )}
                  .
                </>
              )
            }
          />
        </Grid>
      )}
      {groups.map(group => (
        <Grid item xs={12} key={group.cluster}>
          <InfoCard
            title={
              <ClusterHeader
                name={group.cluster}
                cluster={clusterByName.get(group.cluster)}
              />
            }
            noPadding
          >
            <section aria-label={`Cluster ${group.cluster}`}>
              <ObjectsTable objects={group.objects} onSelect={select} />
            </section>
          </InfoCard>
        </Grid>
      ))}
      {groups.length > 0 && (
        <Grid item xs={12}>
          <InfoCard title="Dependencies">
            <Typography variant="body2" color="textSecondary" paragraph>
              Sources feed the objects that use them, dependencies come before
              their dependents, and Kustomizations point at the Flux objects
              they applied. Colour shows status; dashed boxes are objects that
              are not part of this entity.
            </Typography>
            <FluxDependencyGraph objects={items ?? []} onSelect={select} />
          </InfoCard>
        </Grid>
      )}
      <ObjectDrawer
        object={selected}
        onClose={() => setSelectedKey(undefined)}
        onChanged={objects.refresh}
      />
    </Grid>
  );
};
