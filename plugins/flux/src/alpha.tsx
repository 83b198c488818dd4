import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import SyncIcon from '@material-ui/icons/Sync';
import { Content } from '@backstage/core-components';
import {
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
} from './annotations';
import { FluxClient, fluxApiRef } from './api';

/** Entities that may have Flux objects: Components and Systems. */
const fluxEntityFilter = { kind: { $in: ['component', 'system'] } };

/** @alpha */
export const fluxApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: fluxApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new FluxClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The Flux page at `/flux`; with its title and icon it also becomes the
 * "Flux" sidebar item.
 *
 * @alpha
 */
export const fluxPage = PageBlueprint.make({
  params: {
    path: '/flux',
    title: 'Flux',
    icon: <SyncIcon fontSize="inherit" />,
    loader: () =>
      import('./components/FluxPage').then(m => (
        <Content>
          <m.FluxPageContent />
        </Content>
      )),
  },
});

/**
 * The Flux tab of Component and System pages. Shown for every Component and
 * System; without the Kubernetes annotations it says which one to add.
 *
 * @alpha
 */
export const entityFluxContent = EntityContentBlueprint.make({
  name: 'flux',
  params: {
    path: '/flux',
    title: 'Flux',
    group: 'deployment',
    filter: fluxEntityFilter,
    loader: () =>
      import('./components/EntityFluxContent').then(m => (
        <m.EntityFluxContent />
      )),
  },
});

/**
 * The "Flux status" card on the overview of entities with a Kubernetes
 * annotation.
 *
 * @alpha
 */
export const entityFluxStatusCard = EntityCardBlueprint.make({
  name: 'flux-status',
  params: {
    filter: {
      $all: [
        fluxEntityFilter,
        {
          $any: [
            {
              [`metadata.annotations.${KUBERNETES_ID_ANNOTATION}`]: {
                $exists: true,
              },
            },
            {
              [`metadata.annotations.${KUBERNETES_LABEL_SELECTOR_ANNOTATION}`]:
                { $exists: true },
            },
          ],
        },
      ],
    },
    loader: () =>
      import('./components/EntityFluxStatusCard').then(m => (
        <m.EntityFluxStatusCard />
      )),
  },
});

/**
 * The `FluxClusterPicker` scaffolder field.
 *
 * @alpha
 */
export const fluxClusterPickerFormField = FormFieldBlueprint.make({
  name: 'flux-cluster-picker',
  params: {
    field: () =>
      import('./components/FluxClusterPicker/formField').then(
        m => m.fluxClusterPickerFormField,
      ),
  },
});

/**
 * The Flux plugin for the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'flux',
  title: 'Flux',
  icon: <SyncIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  extensions: [
    fluxApi,
    fluxPage,
    entityFluxContent,
    entityFluxStatusCard,
    fluxClusterPickerFormField,
  ],
});
