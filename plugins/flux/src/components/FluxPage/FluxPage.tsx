import { useState } from 'react';
import {
  Content,
  Header,
  InfoCard,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  fluxClusterAdminPermission,
  FLUX_KINDS,
  FLUX_OBJECT_STATUSES,
  FluxCluster,
  FluxObjectStatus,
  FluxObjectSummary,
  FluxObjectsQuery,
} from '@hubbops/plugin-flux-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import TablePagination from '@material-ui/core/TablePagination';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import useDebounce from 'react-use/esm/useDebounce';
import { fluxApiRef } from '../../api';
import { formatAge, objectKeyOf, shortRevision } from '../../format';
import { DEFAULT_POLL_INTERVAL_MS, usePolling } from '../../hooks/usePolling';
import { ClusterHeader } from '../ClusterHeader';
import {
  ClusterRegistrationDialog,
  ClusterRemovalDialog,
} from '../ClusterRegistrationDialog';
import { FluxStatus, statusLabels } from '../FluxStatus';
import { ObjectDrawer } from '../ObjectDrawer';

const ROWS_PER_PAGE = [25, 50, 100];

const ClusterCard = ({
  cluster,
  onEdit,
  onRemove,
}: {
  cluster: FluxCluster;
  /** Given for registered clusters the user may administer. */
  onEdit?: () => void;
  onRemove?: () => void;
}) => {
  const { health, counts } = cluster;
  const fluxVersion =
    health.fluxRelease ??
    [...new Set(Object.values(health.fluxVersions ?? {}))].join(', ');
  return (
    <InfoCard title={<ClusterHeader name={cluster.name} cluster={cluster} />}>
      <section aria-label={`Cluster ${cluster.name}`}>
        <Typography variant="body2">
          Kubernetes {health.serverVersion ?? 'unknown'} · Flux{' '}
          {fluxVersion || 'unknown'}
          {health.checkedAt && ` · checked ${formatAge(health.checkedAt)}`}
        </Typography>
        <Box mt={1} display="flex" flexWrap="wrap" gridGap={16}>
          {FLUX_OBJECT_STATUSES.map(status => (
            <FluxStatus key={status} status={status}>
              {statusLabels[status]}: {counts[status] ?? 0}
            </FluxStatus>
          ))}
          <Typography variant="body2">Total: {counts.total}</Typography>
        </Box>
        {onEdit && onRemove && (
          <Box mt={1} display="flex" gridGap={8}>
            <Button
              size="small"
              variant="outlined"
              onClick={onEdit}
              aria-label={`Edit cluster ${cluster.name}`}
            >
              Edit
            </Button>
            <Button
              size="small"
              variant="outlined"
              onClick={onRemove}
              aria-label={`Remove cluster ${cluster.name}`}
            >
              Remove
            </Button>
          </Box>
        )}
      </section>
    </InfoCard>
  );
};

// Short values stay on one line; the name and message take what is left.
const noWrap = { whiteSpace: 'nowrap' } as const;

const columns: TableColumn<FluxObjectSummary>[] = [
  {
    title: 'Status',
    field: 'status',
    cellStyle: noWrap,
    render: object => <FluxStatus status={object.status} />,
  },
  { title: 'Kind', field: 'kind', cellStyle: noWrap },
  {
    // The cluster goes under the name: a column of its own would push the
    // message out of a 1280 px window.
    title: 'Name · cluster',
    field: 'name',
    cellStyle: { wordBreak: 'break-word', minWidth: 160 },
    render: object => (
      <>
        {object.namespace}/{object.name}
        <Typography variant="caption" color="textSecondary" component="div">
          {object.cluster}
        </Typography>
      </>
    ),
  },
  {
    title: 'Revision',
    field: 'lastAppliedRevision',
    cellStyle: {
      wordBreak: 'break-all',
      maxWidth: 130,
      fontFamily: 'monospace',
      fontSize: '0.75rem',
    },
    render: object => {
      const revision =
        object.lastAppliedRevision ?? object.lastAttemptedRevision;
      return <span title={revision}>{shortRevision(revision)}</span>;
    },
  },
  {
    title: 'Last reconcile',
    field: 'lastReconcileTime',
    cellStyle: noWrap,
    render: object => formatAge(object.lastReconcileTime),
  },
  {
    title: 'Message',
    field: 'message',
    cellStyle: { wordBreak: 'break-word', minWidth: 200 },
  },
];

/** A select filter, empty meaning any. */
const FilterSelect = ({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string) => void;
}) => (
  <TextField
    id={`flux-filter-${label.toLocaleLowerCase('en-US')}`}
    select
    fullWidth
    variant="outlined"
    size="small"
    label={label}
    value={value}
    onChange={event => onChange(event.target.value)}
    SelectProps={{ native: true }}
    InputLabelProps={{ shrink: true }}
  >
    <option value="">Any</option>
    {options.map(option => (
      <option key={option.value} value={option.value}>
        {option.label}
      </option>
    ))}
  </TextField>
);

/** Props of {@link FluxPageContent} and {@link FluxPage}. */
export interface FluxPageProps {
  /** How often to refresh, in milliseconds; 5 s by default. */
  refreshIntervalMs?: number;
}

/**
 * Every cluster with its health and counts, and a filterable, paged table of
 * every Flux object. Without a page header, for the new frontend system,
 * which draws its own.
 */
export const FluxPageContent = ({
  refreshIntervalMs = DEFAULT_POLL_INTERVAL_MS,
}: FluxPageProps) => {
  const fluxApi = useApi(fluxApiRef);
  const [cluster, setCluster] = useState('');
  const [kind, setKind] = useState('');
  const [namespace, setNamespace] = useState('');
  const [status, setStatus] = useState('');
  const [text, setText] = useState('');
  const [debounced, setDebounced] = useState({ namespace: '', text: '' });
  const [page, setPage] = useState(0);
  const [rowsPerPage, setRowsPerPage] = useState(ROWS_PER_PAGE[0]);
  const [selectedKey, setSelectedKey] = useState<string | undefined>();
  const admin = usePermission({ permission: fluxClusterAdminPermission });
  /** The registration dialog: for a new cluster, or one to edit. */
  const [registering, setRegistering] = useState<
    { cluster?: FluxCluster } | undefined
  >();
  const [removing, setRemoving] = useState<FluxCluster | undefined>();

  useDebounce(
    () => {
      setDebounced(previous =>
        previous.namespace === namespace.trim() && previous.text === text.trim()
          ? previous
          : { namespace: namespace.trim(), text: text.trim() },
      );
    },
    300,
    [namespace, text],
  );

  const query: FluxObjectsQuery = {
    ...(cluster ? { cluster: [cluster] } : {}),
    ...(kind ? { kind: [kind] } : {}),
    ...(debounced.namespace ? { namespace: [debounced.namespace] } : {}),
    ...(status ? { status: [status as FluxObjectStatus] } : {}),
    ...(debounced.text ? { text: debounced.text } : {}),
    limit: rowsPerPage,
    offset: page * rowsPerPage,
  };

  const clusters = usePolling(
    'clusters',
    () => fluxApi.getClusters(),
    refreshIntervalMs,
  );
  const objects = usePolling(
    JSON.stringify(query),
    () => fluxApi.getObjects(query),
    refreshIntervalMs,
  );

  /** Filters start again at the first page. */
  const filter =
    (set: (value: string) => void) =>
    (value: string): void => {
      set(value);
      setPage(0);
    };

  const clusterList = clusters.value?.items ?? [];
  const items = objects.value?.items ?? [];
  const selected = items.find(o => objectKeyOf(o) === selectedKey);

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <Box display="flex" alignItems="center" justifyContent="space-between">
          <Typography variant="h5" component="h2" gutterBottom>
            Clusters
          </Typography>
          {admin.allowed && (
            <Button
              color="primary"
              variant="outlined"
              onClick={() => setRegistering({})}
            >
              Add cluster
            </Button>
          )}
        </Box>
        {clusters.error && <ResponseErrorPanel error={clusters.error} />}
        {clusters.loading && <Progress />}
        {clusters.value && clusterList.length === 0 && (
          <Typography variant="body2">
            No cluster is configured. Add clusters under{' '}
            <code>kubernetes.clusterLocatorMethods</code> or{' '}
            <code>flux.kubeconfig</code> in the app config.
          </Typography>
        )}
      </Grid>
      {clusterList.map(c => (
        <Grid item xs={12} md={6} lg={4} key={c.name}>
          <ClusterCard
            cluster={c}
            {...(admin.allowed &&
              c.registration && {
                onEdit: () => setRegistering({ cluster: c }),
                onRemove: () => setRemoving(c),
              })}
          />
        </Grid>
      ))}
      <Grid item xs={12}>
        <Grid container spacing={2} aria-label="Filters" role="search">
          <Grid item xs={12} sm={6} md={2}>
            <FilterSelect
              label="Cluster"
              value={cluster}
              onChange={filter(setCluster)}
              options={clusterList.map(c => ({
                value: c.name,
                label: c.title ?? c.name,
              }))}
            />
          </Grid>
          <Grid item xs={12} sm={6} md={2}>
            <FilterSelect
              label="Kind"
              value={kind}
              onChange={filter(setKind)}
              options={FLUX_KINDS.map(k => ({ value: k.kind, label: k.kind }))}
            />
          </Grid>
          <Grid item xs={12} sm={6} md={2}>
            <TextField
              id="flux-filter-namespace"
              fullWidth
              variant="outlined"
              size="small"
              label="Namespace"
              value={namespace}
              onChange={event => filter(setNamespace)(event.target.value)}
              InputLabelProps={{ shrink: true }}
            />
          </Grid>
          <Grid item xs={12} sm={6} md={2}>
            <FilterSelect
              label="Status"
              value={status}
              onChange={filter(setStatus)}
              options={FLUX_OBJECT_STATUSES.map(s => ({
                value: s,
                label: statusLabels[s],
              }))}
            />
          </Grid>
          <Grid item xs={12} md={4}>
            <TextField
              id="flux-filter-search"
              fullWidth
              variant="outlined"
              size="small"
              label="Search"
              placeholder="Name, namespace or message"
              value={text}
              onChange={event => filter(setText)(event.target.value)}
              InputLabelProps={{ shrink: true }}
            />
          </Grid>
        </Grid>
      </Grid>
      <Grid item xs={12}>
        {objects.error && <ResponseErrorPanel error={objects.error} />}
        <Table<FluxObjectSummary>
          title={`Flux objects (${objects.value?.totalCount ?? 0})`}
          columns={columns}
          data={items}
          isLoading={objects.loading && !objects.value}
          onRowClick={(_event, object) =>
            object && setSelectedKey(objectKeyOf(object))
          }
          options={{
            paging: false,
            search: false,
            sorting: false,
            padding: 'dense',
          }}
          emptyContent={
            <Box p={2}>
              <Typography variant="body2">
                No Flux object matches these filters.
              </Typography>
            </Box>
          }
        />
        <TablePagination
          component="div"
          count={objects.value?.totalCount ?? 0}
          page={page}
          rowsPerPage={rowsPerPage}
          rowsPerPageOptions={ROWS_PER_PAGE}
          onPageChange={(_event, next) => setPage(next)}
          onRowsPerPageChange={event => {
            setRowsPerPage(Number(event.target.value));
            setPage(0);
          }}
        />
      </Grid>
      <ObjectDrawer
        object={selected}
        onClose={() => setSelectedKey(undefined)}
        onChanged={objects.refresh}
      />
      {registering && (
        <ClusterRegistrationDialog
          key={registering.cluster?.name ?? ''}
          open
          cluster={registering.cluster}
          onClose={() => setRegistering(undefined)}
          onSaved={() => {
            setRegistering(undefined);
            clusters.refresh();
            objects.refresh();
          }}
        />
      )}
      {removing && (
        <ClusterRemovalDialog
          cluster={removing}
          onClose={() => setRemoving(undefined)}
          onRemoved={() => {
            setRemoving(undefined);
            clusters.refresh();
            objects.refresh();
          }}
        />
      )}
    </Grid>
  );
};

/** The Flux page with its own header, for the legacy frontend system. */
export const FluxPage = (props: FluxPageProps) => (
  <Page themeId="tool">
    <Header
      title="Flux"
      subtitle="Flux objects and their health in every cluster"
    />
    <Content>
      <FluxPageContent {...props} />
    </Content>
  </Page>
);
