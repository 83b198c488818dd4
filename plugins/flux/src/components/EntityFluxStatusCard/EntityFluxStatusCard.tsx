import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  entityRouteParams,
  entityRouteRef,
  useEntity,
} from '@backstage/plugin-catalog-react';
import { FLUX_OBJECT_STATUSES } from '@hubbops/plugin-flux-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  isFluxAvailable,
} from '../../annotations';
import { fluxApiRef } from '../../api';
import { DEFAULT_POLL_INTERVAL_MS, usePolling } from '../../hooks/usePolling';
import {
  FluxStatus,
  compareByStatus,
  countByStatus,
  statusLabels,
} from '../FluxStatus';

/** Props of {@link EntityFluxStatusCard}. */
export interface EntityFluxStatusCardProps {
  /** The path of the Flux tab under the entity page; `flux` by default. */
  tabPath?: string;
  /** How often to refresh, in milliseconds; 5 s by default. */
  refreshIntervalMs?: number;
}

/**
 * A summary of the entity's Flux objects for its overview: counts by status
 * and what the worst object says.
 */
export const EntityFluxStatusCard = ({
  tabPath = 'flux',
  refreshIntervalMs = DEFAULT_POLL_INTERVAL_MS,
}: EntityFluxStatusCardProps) => {
  const { entity } = useEntity();
  const fluxApi = useApi(fluxApiRef);
  const entityRoute = useRouteRef(entityRouteRef);
  // The backend reads the annotations (namespace included) from the catalog.
  const query = isFluxAvailable(entity)
    ? { entity: stringifyEntityRef(entity), limit: 1000 }
    : undefined;
  const objects = usePolling(
    query ? JSON.stringify(query) : undefined,
    () => fluxApi.getObjects(query),
    refreshIntervalMs,
  );

  const tabLink = `${entityRoute(entityRouteParams(entity)).replace(
    /\/$/,
    '',
  )}/${tabPath.replace(/^\//, '')}`;

  let body: React.ReactNode;
  if (!query) {
    body = (
      <Typography variant="body2">
        Add the <code>{KUBERNETES_ID_ANNOTATION}</code> or the{' '}
        <code>{KUBERNETES_LABEL_SELECTOR_ANNOTATION}</code> annotation to see
        this entity's Flux objects.
      </Typography>
    );
  } else if (objects.loading) {
    body = <Progress />;
  } else if (objects.error && !objects.value) {
    body = <ResponseErrorPanel error={objects.error} />;
  } else {
    const items = objects.value?.items ?? [];
    const counts = countByStatus(items);
    const worst = [...items]
      .sort(compareByStatus)
      .find(o => o.status !== 'ready');
    body =
      items.length === 0 ? (
        <Typography variant="body2">
          No Flux objects match this entity.
        </Typography>
      ) : (
        <>
          <Box display="flex" flexWrap="wrap" gridGap={16}>
            {FLUX_OBJECT_STATUSES.filter(s => counts[s] > 0).map(status => (
              <FluxStatus key={status} status={status}>
                {counts[status]}{' '}
                {statusLabels[status].toLocaleLowerCase('en-US')}
              </FluxStatus>
            ))}
          </Box>
          {worst && (
            <Box mt={2}>
              <Typography variant="subtitle2">
                {worst.kind} {worst.namespace}/{worst.name} in {worst.cluster}
              </Typography>
              <Typography variant="body2">
                {worst.message ?? statusLabels[worst.status]}
              </Typography>
            </Box>
          )}
        </>
      );
  }

  return (
    <InfoCard
      title="Flux status"
      deepLink={query ? { title: 'View Flux', link: tabLink } : undefined}
    >
      {body}
    </InfoCard>
  );
};
