import { permissionApiRef } from '@backstage/plugin-permission-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  fakeFluxApi,
  fluxCluster,
  fluxObject,
  permissionApiAllowing,
} from '../../__testUtils__/fakeFluxApi';
import { FluxApi, fluxApiRef } from '../../api';
import { FluxPageContent } from './FluxPage';

const clusters = [
  fluxCluster({
    name: 'prod',
    title: 'Production',
    health: {
      status: 'healthy',
      serverVersion: 'v1.31.2',
      fluxRelease: 'v2.6.1',
      fluxVersions: {},
    },
    counts: {
      ready: 40,
      notReady: 2,
      reconciling: 1,
      suspended: 0,
      unknown: 0,
      total: 43,
    },
  }),
  fluxCluster({
    name: 'edge',
    health: {
      status: 'unhealthy',
      lastError: 'certificate has expired',
      fluxVersions: {},
    },
  }),
];

function render(api: FluxApi) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [fluxApiRef, api],
        [permissionApiRef, permissionApiAllowing()],
      ]}
    >
      <FluxPageContent />
    </TestApiProvider>,
  );
}

function lastQuery(api: jest.Mocked<FluxApi>) {
  const calls = api.getObjects.mock.calls;
  return calls[calls.length - 1][0];
}

// Role queries over the full page are slow on a busy CI machine.
jest.setTimeout(30_000);

describe('FluxPageContent', () => {
  it('shows each cluster with health, versions and counts', async () => {
    await render(
      fakeFluxApi({ clusters, objects: [fluxObject({ name: 'infra' })] }),
    );

    const prod = await screen.findByRole('region', { name: 'Cluster prod' });
    expect(within(prod).getByText(/Kubernetes v1.31.2/)).toBeVisible();
    expect(within(prod).getByText(/Flux v2.6.1/)).toBeVisible();
    expect(within(prod).getByText('Not ready: 2')).toBeVisible();
    expect(within(prod).getByText('Total: 43')).toBeVisible();
    expect(screen.getByRole('heading', { name: 'Production' })).toBeVisible();
    expect(screen.getByText('Unhealthy')).toBeVisible();
    expect(screen.getByText('certificate has expired')).toBeVisible();
    expect(await screen.findByText('flux-system/infra')).toBeVisible();
    // Only cluster administrators may add clusters.
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(
      screen.queryByRole('button', { name: 'Add cluster' }),
    ).not.toBeInTheDocument();
  });

  it('asks the backend for the filtered page', async () => {
    const api = fakeFluxApi({ clusters, objects: [fluxObject()] });
    await render(api);
    await screen.findByRole('region', { name: 'Cluster prod' });
    await waitFor(() =>
      expect(
        screen.getByRole('option', { name: 'Production' }),
      ).toBeInTheDocument(),
    );
    expect(lastQuery(api)).toEqual({ limit: 25, offset: 0 });

    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: 'Cluster' }),
      'prod',
    );
    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: 'Kind' }),
      'HelmRelease',
    );
    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: 'Status' }),
      'notReady',
    );
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Namespace' }),
      'apps',
    );
    await userEvent.type(screen.getByRole('textbox', { name: 'Search' }), 'db');

    await waitFor(() =>
      expect(lastQuery(api)).toEqual({
        cluster: ['prod'],
        kind: ['HelmRelease'],
        status: ['notReady'],
        namespace: ['apps'],
        text: 'db',
        limit: 25,
        offset: 0,
      }),
    );
  });

  it('pages on the server', async () => {
    const api = fakeFluxApi({ clusters });
    api.getObjects.mockResolvedValue({
      items: [fluxObject({ name: 'first-page' })],
      totalCount: 60,
    });
    await render(api);
    expect(await screen.findByText('Flux objects (60)')).toBeVisible();

    await userEvent.click(screen.getByRole('button', { name: /next page/i }));

    await waitFor(() =>
      expect(lastQuery(api)).toEqual({ limit: 25, offset: 25 }),
    );
  });
});
