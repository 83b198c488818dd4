import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  annotatedEntity,
  fakeFluxApi,
  fluxCluster,
  fluxObject,
  permissionApiAllowing,
} from '../../__testUtils__/fakeFluxApi';
import { FluxApi, fluxApiRef } from '../../api';
import { EntityFluxContent } from './EntityFluxContent';

function render(
  api: FluxApi,
  entity: Entity = annotatedEntity,
  refreshIntervalMs?: number,
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [fluxApiRef, api],
        // Nothing allowed: the actions must stay hidden.
        [permissionApiRef, permissionApiAllowing()],
      ]}
    >
      <EntityProvider entity={entity}>
        <EntityFluxContent refreshIntervalMs={refreshIntervalMs} />
      </EntityProvider>
    </TestApiProvider>,
  );
}

const objects = [
  fluxObject({
    cluster: 'prod',
    name: 'shop',
    lastAppliedRevision: 'main@sha1:1234abcd',
    message: 'Applied revision: main@sha1:1234abcd',
    sourceRef: { kind: 'GitRepository', name: 'shop-repo' },
    lastReconcileTime: new Date(Date.now() - 3 * 60 * 1000).toISOString(),
  }),
  fluxObject({
    cluster: 'prod',
    kind: 'HelmRelease',
    name: 'shop-db',
    status: 'notReady',
    ready: 'False',
    message: 'install retries exhausted',
  }),
  fluxObject({
    cluster: 'staging',
    name: 'shop',
    status: 'suspended',
    suspended: true,
  }),
  fluxObject({
    cluster: 'staging',
    kind: 'GitRepository',
    name: 'shop-repo',
    status: 'reconciling',
  }),
];

const clusters = [
  fluxCluster({ name: 'prod', title: 'Production' }),
  fluxCluster({
    name: 'staging',
    demo: true,
    health: {
      status: 'unhealthy',
      lastError: 'connect ECONNREFUSED',
      fluxVersions: {},
    },
  }),
];

describe('EntityFluxContent', () => {
  it("asks for the entity's objects by its ref, for the backend to resolve", async () => {
    const api = fakeFluxApi({ objects, clusters });
    await render(api);

    await screen.findByRole('region', { name: 'Cluster prod' });
    expect(api.getObjects).toHaveBeenCalledWith({
      entity: 'component:default/shop',
      limit: 1000,
    });
  });

  it('groups the objects by cluster with each cluster health', async () => {
    await render(fakeFluxApi({ objects, clusters }));

    const prod = await screen.findByRole('region', { name: 'Cluster prod' });
    const staging = screen.getByRole('region', { name: 'Cluster staging' });
    expect(
      within(prod).getAllByRole('row', {
        name: /^(Kustomization|HelmRelease)/,
      }),
    ).toHaveLength(2);
    expect(
      within(staging).getAllByRole('row', {
        name: /^(Kustomization|GitRepository)/,
      }),
    ).toHaveLength(2);
    expect(within(prod).getByText('main@sha1:1234abcd')).toBeInTheDocument();
    expect(within(prod).getByText('3m ago')).toBeInTheDocument();
    expect(
      within(prod).getByText('GitRepository/flux-system/shop-repo'),
    ).toBeInTheDocument();

    expect(screen.getByText('Production')).toBeInTheDocument();
    expect(screen.getByText('Healthy')).toBeInTheDocument();
    expect(screen.getByText('Unhealthy')).toBeInTheDocument();
    expect(screen.getByText('connect ECONNREFUSED')).toBeInTheDocument();
    // Only the staging cluster is a demo cluster.
    expect(screen.getAllByText('demo')).toHaveLength(1);
  });

  it('shows each status, worst first', async () => {
    await render(fakeFluxApi({ objects, clusters }));

    const prod = await screen.findByRole('region', { name: 'Cluster prod' });
    const rows = within(prod).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('Not ready');
    expect(rows[0]).toHaveTextContent('install retries exhausted');
    expect(rows[1]).toHaveTextContent('Ready');

    const staging = screen.getByRole('region', { name: 'Cluster staging' });
    expect(within(staging).getByText('Reconciling')).toBeInTheDocument();
    expect(within(staging).getByText('Suspended')).toBeInTheDocument();
  });

  it('draws the dependency graph of the objects', async () => {
    await render(fakeFluxApi({ objects, clusters }));

    expect(
      await screen.findByRole('img', {
        name: /^Kustomization flux-system\/shop in [\w-]+: Ready$/,
      }),
    ).toBeInTheDocument();
    // prod's shop uses a source that is not among the entity's objects.
    expect(
      screen.getByRole('img', {
        name: /^GitRepository flux-system\/shop-repo in prod \(not part of this entity\)$/,
      }),
    ).toBeInTheDocument();
  });

  it('opens a drawer without actions when the user may not act', async () => {
    const api = fakeFluxApi({ objects, clusters });
    api.getObject.mockResolvedValue({
      ...objects[1],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'InstallFailed',
          message: 'install retries exhausted',
        },
      ],
      raw: {},
    });
    api.getEvents.mockResolvedValue({
      items: [{ type: 'Warning', reason: 'InstallFailed', message: 'boom' }],
    });
    await render(api);

    await userEvent.click(
      await screen.findByRole('row', {
        name: 'HelmRelease flux-system/shop-db',
      }),
    );

    const conditions = await screen.findByRole('region', {
      name: 'Conditions',
    });
    expect(
      await within(conditions).findByText('InstallFailed'),
    ).toBeInTheDocument();
    const events = screen.getByRole('region', { name: 'Recent events' });
    expect(await within(events).findByText('boom')).toBeInTheDocument();
    expect(api.getObject).toHaveBeenCalledWith({
      cluster: 'prod',
      kind: 'HelmRelease',
      namespace: 'flux-system',
      name: 'shop-db',
    });
    expect(
      screen.queryByRole('button', { name: 'Reconcile' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Suspend' }),
    ).not.toBeInTheDocument();
  });

  it('refreshes in place', async () => {
    const api = fakeFluxApi({ objects: [objects[0]], clusters });
    await render(api, annotatedEntity, 50);
    await screen.findByRole('region', { name: 'Cluster prod' });

    api.getObjects.mockResolvedValue({
      items: [{ ...objects[0], status: 'notReady', message: 'build failed' }],
      totalCount: 1,
    });

    expect(await screen.findByText('build failed')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Cluster prod' })).toBeVisible();
  });

  it('says which annotation to add when the entity has none', async () => {
    const api = fakeFluxApi({ objects, clusters });
    await render(api, {
      ...annotatedEntity,
      metadata: { name: 'shop', namespace: 'default' },
    });

    expect(screen.getByText('No Kubernetes annotation')).toBeInTheDocument();
    expect(
      screen.getByText('backstage.io/kubernetes-label-selector'),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText('backstage.io/kubernetes-id').length,
    ).toBeGreaterThan(0);
    expect(api.getObjects).not.toHaveBeenCalled();
  });

  it('says when no object matches', async () => {
    await render(fakeFluxApi({ objects: [], clusters }));

    expect(
      await screen.findByText('No Flux objects found'),
    ).toBeInTheDocument();
  });

  it("shows the backend's hint when it gives one", async () => {
    const api = fakeFluxApi({ objects: [], clusters });
    api.getObjects.mockResolvedValue({
      items: [],
      totalCount: 0,
      hint: 'component:default/shop has no backstage.io/kubernetes-id annotation',
    });
    await render(api);

    expect(
      await screen.findByText(/has no backstage.io\/kubernetes-id annotation/),
    ).toBeInTheDocument();
  });

  it('shows a failed request', async () => {
    const api = fakeFluxApi();
    api.getObjects.mockRejectedValue(new Error('flux backend is down'));
    await render(api);

    expect(
      (await screen.findAllByText(/flux backend is down/)).length,
    ).toBeGreaterThan(0);
    expect(
      screen.queryByRole('region', { name: /^Cluster/ }),
    ).not.toBeInTheDocument();
  });
});
