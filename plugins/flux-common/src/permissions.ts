import { createPermission } from '@backstage/plugin-permission-common';

/**
 * See Flux objects, their status and events.
 *
 * @public
 */
export const fluxResourceReadPermission = createPermission({
  name: 'flux.resource.read',
  attributes: { action: 'read' },
});

/**
 * Ask Flux to reconcile an object now.
 *
 * @public
 */
export const fluxResourceReconcilePermission = createPermission({
  name: 'flux.resource.reconcile',
  attributes: { action: 'update' },
});

/**
 * Suspend and resume Flux objects.
 *
 * @public
 */
export const fluxResourceSuspendPermission = createPermission({
  name: 'flux.resource.suspend',
  attributes: { action: 'update' },
});

/**
 * Manage the clusters the plugin syncs from.
 *
 * @public
 */
export const fluxClusterAdminPermission = createPermission({
  name: 'flux.cluster.admin',
  attributes: {},
});

/**
 * Every permission of the Flux plugin.
 *
 * @public
 */
export const fluxPermissions = [
  fluxResourceReadPermission,
  fluxResourceReconcilePermission,
  fluxResourceSuspendPermission,
  fluxClusterAdminPermission,
];
