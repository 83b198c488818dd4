import { permissionApiRef } from '@backstage/plugin-permission-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  fakeFluxApi,
  fluxCluster,
  permissionApiAllowing,
} from '../../__testUtils__/fakeFluxApi';
import { fluxApiRef } from '../../api';
import { FluxPageContent } from './FluxPage';

// A file of its own: usePermission caches answers for the whole file.
// Dialogs and typing take a while on a busy CI machine.
jest.setTimeout(30_000);

describe('FluxPageContent for cluster administrators', () => {
  it('adds clusters, and edits or removes registered ones only', async () => {
    const edge = fluxCluster({
      name: 'edge',
      source: 'registered',
      registration: {
        context: 'admin',
        createdAt: '2026-11-23T10:00:00Z',
        updatedAt: '2026-11-23T10:00:00Z',
      },
    });
    const api = fakeFluxApi({ clusters: [fluxCluster(), edge] });
    api.removeCluster.mockResolvedValue();
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [fluxApiRef, api],
          [permissionApiRef, permissionApiAllowing('flux.cluster.admin')],
        ]}
      >
        <FluxPageContent />
      </TestApiProvider>,
    );

    const prodCard = await screen.findByRole('region', {
      name: 'Cluster prod',
    });
    const edgeCard = screen.getByRole('region', { name: 'Cluster edge' });
    await waitFor(() =>
      expect(
        within(edgeCard).getByRole('button', { name: 'Edit cluster edge' }),
      ).toBeVisible(),
    );
    expect(within(prodCard).queryByRole('button')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Add cluster' }));
    expect(
      await screen.findByRole('dialog', { name: 'Add cluster' }),
    ).toBeVisible();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );

    await userEvent.click(
      within(edgeCard).getByRole('button', { name: 'Edit cluster edge' }),
    );
    expect(
      await screen.findByRole('dialog', { name: 'Edit cluster edge' }),
    ).toBeVisible();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );

    const listed = api.getClusters.mock.calls.length;
    await userEvent.click(
      within(edgeCard).getByRole('button', { name: 'Remove cluster edge' }),
    );
    const confirm = await screen.findByRole('dialog', {
      name: 'Remove cluster edge?',
    });
    await userEvent.click(
      within(confirm).getByRole('button', { name: 'Remove' }),
    );
    await waitFor(() => expect(api.removeCluster).toHaveBeenCalledWith('edge'));
    await waitFor(() =>
      expect(api.getClusters.mock.calls.length).toBeGreaterThan(listed),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });
});
