import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import {
  annotatedEntity,
  fakeFluxApi,
  fluxObject,
} from '../../__testUtils__/fakeFluxApi';
import { FluxApi, fluxApiRef } from '../../api';
import { EntityFluxStatusCard } from './EntityFluxStatusCard';

function render(api: FluxApi, entity = annotatedEntity) {
  return renderInTestApp(
    <TestApiProvider apis={[[fluxApiRef, api]]}>
      <EntityProvider entity={entity}>
        <EntityFluxStatusCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('EntityFluxStatusCard', () => {
  it('counts by status and quotes the worst object', async () => {
    await render(
      fakeFluxApi({
        objects: [
          fluxObject({ name: 'a' }),
          fluxObject({ name: 'b' }),
          fluxObject({ name: 'c', status: 'suspended', message: 'paused' }),
          fluxObject({
            kind: 'HelmRelease',
            name: 'db',
            status: 'notReady',
            message: 'upgrade retries exhausted',
          }),
        ],
      }),
    );

    expect(await screen.findByText('2 ready')).toBeVisible();
    expect(screen.getByText('1 not ready')).toBeVisible();
    expect(screen.getByText('1 suspended')).toBeVisible();
    expect(
      screen.getByText('HelmRelease flux-system/db in prod'),
    ).toBeVisible();
    expect(screen.getByText('upgrade retries exhausted')).toBeVisible();
    expect(screen.getByRole('link', { name: /View Flux/ })).toHaveAttribute(
      'href',
      '/catalog/default/component/shop/flux',
    );
  });

  it('says which annotation to add', async () => {
    const api = fakeFluxApi();
    await render(api, {
      ...annotatedEntity,
      metadata: { name: 'shop', namespace: 'default' },
    });

    expect(
      screen.getByText('backstage.io/kubernetes-label-selector'),
    ).toBeVisible();
    expect(api.getObjects).not.toHaveBeenCalled();
  });
});
