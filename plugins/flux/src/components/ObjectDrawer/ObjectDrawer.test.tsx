import { permissionApiRef } from '@backstage/plugin-permission-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  fakeFluxApi,
  fluxObject,
  permissionApiAllowing,
} from '../../__testUtils__/fakeFluxApi';
import { FluxApi, fluxApiRef } from '../../api';
import { ObjectDrawer } from './ObjectDrawer';

// Reconcile allowed, suspend not (usePermission caches for the whole file).
const permissionApi = permissionApiAllowing('flux.resource.reconcile');

const object = fluxObject({
  name: 'apps',
  status: 'notReady',
  message: 'kustomize build failed',
  inventory: [
    {
      id: 'shop_shop-db_helm.toolkit.fluxcd.io_HelmRelease',
      namespace: 'shop',
      name: 'shop-db',
      group: 'helm.toolkit.fluxcd.io',
      kind: 'HelmRelease',
      version: 'v2',
    },
  ],
});

function render(api: FluxApi, onClose = jest.fn()) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [fluxApiRef, api],
        [permissionApiRef, permissionApi],
      ]}
    >
      <ObjectDrawer object={object} onClose={onClose} />
    </TestApiProvider>,
  );
}

describe('ObjectDrawer', () => {
  it('shows conditions, inventory and recent events', async () => {
    const api = fakeFluxApi({ objects: [object] });
    api.getObject.mockResolvedValue({
      ...object,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'BuildFailed',
          message: 'kustomize build failed: accumulating resources',
        },
        { type: 'Reconciling', status: 'True', reason: 'Progressing' },
      ],
      raw: {},
    });
    api.getEvents.mockResolvedValue({
      items: [
        {
          type: 'Warning',
          reason: 'ReconciliationFailed',
          message: 'accumulating resources failed',
          count: 3,
        },
      ],
    });
    await render(api);

    const conditions = await screen.findByRole('region', {
      name: 'Conditions',
    });
    expect(await within(conditions).findByText('BuildFailed')).toBeVisible();
    expect(within(conditions).getByText('Progressing')).toBeVisible();
    const inventory = screen.getByRole('region', { name: 'Inventory (1)' });
    expect(
      within(inventory).getByText('HelmRelease shop/shop-db'),
    ).toBeVisible();
    const events = screen.getByRole('region', { name: 'Recent events' });
    expect(
      await within(events).findByText('accumulating resources failed (×3)'),
    ).toBeVisible();
    expect(api.getEvents).toHaveBeenCalledWith({
      cluster: 'prod',
      kind: 'Kustomization',
      namespace: 'flux-system',
      name: 'apps',
    });
  });

  it('offers only the actions the user may take', async () => {
    const api = fakeFluxApi({ objects: [object] });
    await render(api);

    expect(
      await screen.findByRole('button', { name: 'Reconcile' }),
    ).toBeVisible();
    expect(
      screen.queryByRole('button', { name: 'Suspend' }),
    ).not.toBeInTheDocument();
  });

  it('closes', async () => {
    const onClose = jest.fn();
    await render(fakeFluxApi({ objects: [object] }), onClose);

    await userEvent.click(screen.getByRole('button', { name: 'Close' }));

    expect(onClose).toHaveBeenCalled();
  });
});
