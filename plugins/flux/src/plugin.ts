import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { FluxClient, fluxApiRef } from './api';
import {
  FLUX_CLUSTER_PICKER_FIELD_NAME,
  FluxClusterPicker,
} from './components/FluxClusterPicker';
import { entityContentRouteRef, rootRouteRef } from './routes';

/**
 * The Flux plugin for the legacy frontend system.
 *
 * @public
 */
export const fluxPlugin = createPlugin({
  id: 'flux',
  apis: [
    createApiFactory({
      api: fluxApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new FluxClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
    entityContent: entityContentRouteRef,
  },
});

/**
 * The Flux tab of an entity page.
 *
 * @public
 */
export const EntityFluxContent = fluxPlugin.provide(
  createRoutableExtension({
    name: 'EntityFluxContent',
    component: () =>
      import('./components/EntityFluxContent').then(m => m.EntityFluxContent),
    mountPoint: entityContentRouteRef,
  }),
);

/**
 * The Flux page: every cluster and every Flux object.
 *
 * @public
 */
export const FluxPage = fluxPlugin.provide(
  createRoutableExtension({
    name: 'FluxPage',
    component: () => import('./components/FluxPage').then(m => m.FluxPage),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The "Flux status" card for an entity's overview.
 *
 * @public
 */
export const EntityFluxStatusCard = fluxPlugin.provide(
  createComponentExtension({
    name: 'EntityFluxStatusCard',
    component: {
      lazy: () =>
        import('./components/EntityFluxStatusCard').then(
          m => m.EntityFluxStatusCard,
        ),
    },
  }),
);

/**
 * The `FluxClusterPicker` scaffolder field, for `<ScaffolderFieldExtensions>`.
 *
 * @public
 */
export const FluxClusterPickerFieldExtension = fluxPlugin.provide(
  createScaffolderFieldExtension({
    name: FLUX_CLUSTER_PICKER_FIELD_NAME,
    component: FluxClusterPicker,
  }),
);
