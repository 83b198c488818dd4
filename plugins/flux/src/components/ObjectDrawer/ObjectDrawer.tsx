import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { FluxObjectSummary } from '@hubbops/plugin-flux-common';
import Box from '@material-ui/core/Box';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import { fluxApiRef } from '../../api';
import { formatAge, formatRef } from '../../format';
import { usePolling } from '../../hooks/usePolling';
import { FluxStatus } from '../FluxStatus';
import { ObjectActions } from '../ObjectActions';

const useStyles = makeStyles(theme => ({
  paper: {
    width: '50%',
    minWidth: 480,
    [theme.breakpoints.down('sm')]: { width: '100%', minWidth: 0 },
    padding: theme.spacing(2, 3),
  },
  section: {
    marginTop: theme.spacing(3),
  },
  message: {
    wordBreak: 'break-word',
  },
}));

/** Props of {@link ObjectDrawer}. */
export interface ObjectDrawerProps {
  /** The object to show; the drawer is closed without one. */
  object?: FluxObjectSummary;
  onClose: () => void;
  /** Called after an action, so the list behind refreshes too. */
  onChanged?: () => void;
}

const Section = ({
  title,
  children,
}: {
  title: string;
  children: React.ReactNode;
}) => {
  const classes = useStyles();
  return (
    <section className={classes.section} aria-label={title}>
      <Typography variant="h6" component="h3" gutterBottom>
        {title}
      </Typography>
      {children}
    </section>
  );
};

const ObjectDetails = ({
  object,
  onClose,
  onChanged,
}: Required<Pick<ObjectDrawerProps, 'object' | 'onClose'>> &
  Pick<ObjectDrawerProps, 'onChanged'>) => {
  const classes = useStyles();
  const fluxApi = useApi(fluxApiRef);
  const objectKey = {
    cluster: object.cluster,
    kind: object.kind,
    namespace: object.namespace,
    name: object.name,
  };
  const id = JSON.stringify(objectKey);
  const detail = usePolling(id, () => fluxApi.getObject(objectKey));
  const events = usePolling(id, () => fluxApi.getEvents(objectKey));
  const current = detail.value ?? object;

  return (
    <>
      <Box display="flex" alignItems="flex-start">
        <Box flexGrow={1}>
          <Typography variant="overline">
            {current.kind} in {current.cluster}
          </Typography>
          <Typography variant="h5" component="h2">
            {current.namespace}/{current.name}
          </Typography>
          <FluxStatus status={current.status} />
        </Box>
        <IconButton aria-label="Close" onClick={onClose}>
          <CloseIcon />
        </IconButton>
      </Box>
      {current.message && (
        <Typography variant="body2" className={classes.message}>
          {current.message}
        </Typography>
      )}
      <Box mt={1}>
        <Typography variant="body2" color="textSecondary">
          Revision: {current.lastAppliedRevision ?? '—'}
          {current.sourceRef &&
            ` · Source: ${formatRef(current.sourceRef, current.namespace)}`}
          {current.lastReconcileTime &&
            ` · Last reconcile ${formatAge(current.lastReconcileTime)}`}
        </Typography>
        <Typography variant="body2" color="textSecondary">
          Last reconcile request handled:{' '}
          <span data-testid="last-handled-reconcile">
            {current.lastHandledReconcileAt ?? 'never'}
          </span>
        </Typography>
      </Box>
      <Box mt={2}>
        <ObjectActions
          object={current}
          onDone={() => {
            detail.refresh();
            events.refresh();
            onChanged?.();
          }}
        />
      </Box>

      <Section title="Conditions">
        {detail.error && <ResponseErrorPanel error={detail.error} />}
        {detail.loading && <Progress />}
        {detail.value && (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>Type</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Reason</TableCell>
                <TableCell>Message</TableCell>
                <TableCell>Changed</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {detail.value.conditions.map(condition => (
                <TableRow key={condition.type}>
                  <TableCell>{condition.type}</TableCell>
                  <TableCell>{condition.status}</TableCell>
                  <TableCell>{condition.reason}</TableCell>
                  <TableCell className={classes.message}>
                    {condition.message}
                  </TableCell>
                  <TableCell>
                    {formatAge(condition.lastTransitionTime)}
                  </TableCell>
                </TableRow>
              ))}
              {detail.value.conditions.length === 0 && (
                <TableRow>
                  <TableCell colSpan={5}>No conditions reported.</TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        )}
      </Section>

      {current.inventory.length > 0 && (
        <Section title={`Inventory (${current.inventory.length})`}>
          <List dense>
            {current.inventory.map(entry => (
              <ListItem key={entry.id} disableGutters>
                <ListItemText
                  primary={`${entry.kind} ${
                    entry.namespace ? `${entry.namespace}/` : ''
                  }${entry.name}`}
                  secondary={[entry.group, entry.version]
                    .filter(Boolean)
                    .join('/')}
                />
              </ListItem>
            ))}
          </List>
        </Section>
      )}

      <Section title="Recent events">
        {events.error && <ResponseErrorPanel error={events.error} />}
        {events.loading && <Progress />}
        {events.value && events.value.items.length === 0 && (
          <Typography variant="body2">No recent events.</Typography>
        )}
        {events.value && events.value.items.length > 0 && (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>Type</TableCell>
                <TableCell>Reason</TableCell>
                <TableCell>Message</TableCell>
                <TableCell>Last seen</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {events.value.items.map((event, index) => (
                <TableRow
                  key={`${event.lastTimestamp}-${event.reason}-${index}`}
                >
                  <TableCell>{event.type}</TableCell>
                  <TableCell>{event.reason}</TableCell>
                  <TableCell className={classes.message}>
                    {event.message}
                    {event.count && event.count > 1 ? ` (×${event.count})` : ''}
                  </TableCell>
                  <TableCell>
                    {formatAge(event.lastTimestamp ?? event.firstTimestamp)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
    </>
  );
};

/**
 * A side panel with an object's conditions, inventory, recent events and
 * actions. Details and events are fetched when it opens and kept live.
 */
export const ObjectDrawer = ({
  object,
  onClose,
  onChanged,
}: ObjectDrawerProps) => {
  const classes = useStyles();
  return (
    <Drawer
      anchor="right"
      open={Boolean(object)}
      onClose={onClose}
      classes={{ paper: classes.paper }}
    >
      {object && (
        <ObjectDetails
          object={object}
          onClose={onClose}
          onChanged={onChanged}
        />
      )}
    </Drawer>
  );
};
