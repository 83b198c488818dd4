import { createRouteRef } from '@backstage/core-plugin-api';

export const rootRouteRef = createRouteRef({
  id: 'flux',
});

export const entityContentRouteRef = createRouteRef({
  id: 'flux:entity-content',
});
