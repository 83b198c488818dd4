import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fluxObject } from '../../__testUtils__/fakeFluxApi';
import { FluxDependencyGraph, buildFluxGraph } from './FluxDependencyGraph';

const repo = fluxObject({ kind: 'GitRepository', name: 'repo' });
const infra = fluxObject({
  name: 'infra',
  sourceRef: { kind: 'GitRepository', name: 'repo' },
  inventory: [
    {
      id: 'apps_db_helm.toolkit.fluxcd.io_HelmRelease',
      namespace: 'apps',
      name: 'db',
      group: 'helm.toolkit.fluxcd.io',
      kind: 'HelmRelease',
      version: 'v2',
    },
    {
      id: 'apps_web_apps_Deployment',
      namespace: 'apps',
      name: 'web',
      group: 'apps',
      kind: 'Deployment',
      version: 'v1',
    },
  ],
});
const apps = fluxObject({
  name: 'apps',
  status: 'notReady',
  sourceRef: { kind: 'GitRepository', name: 'repo' },
  dependsOn: [{ name: 'infra' }],
});

describe('buildFluxGraph', () => {
  it('links sources, dependencies and Flux objects in inventories', () => {
    const { nodes, edges } = buildFluxGraph([repo, infra, apps]);

    expect(edges).toEqual(
      expect.arrayContaining([
        {
          from: 'prod/GitRepository/flux-system/repo',
          to: 'prod/Kustomization/flux-system/infra',
          label: 'source',
        },
        {
          from: 'prod/Kustomization/flux-system/infra',
          to: 'prod/Kustomization/flux-system/apps',
          label: 'dependsOn',
        },
        {
          from: 'prod/Kustomization/flux-system/infra',
          to: 'prod/HelmRelease/apps/db',
          label: 'inventory',
        },
      ]),
    );
    expect(edges).toHaveLength(4);
    // The Deployment is not a Flux object; the HelmRelease is outside the set.
    expect(nodes.map(n => n.id)).not.toContain('prod/Deployment/apps/web');
    expect(nodes.find(n => n.id === 'prod/HelmRelease/apps/db')?.status).toBe(
      undefined,
    );
    expect(
      nodes.find(n => n.id === 'prod/Kustomization/flux-system/apps')?.status,
    ).toBe('notReady');
  });
});

describe('FluxDependencyGraph', () => {
  it('draws one node per object with its status and selects on click', async () => {
    const onSelect = jest.fn();
    await renderInTestApp(
      <FluxDependencyGraph objects={[repo, infra, apps]} onSelect={onSelect} />,
    );

    expect(
      await screen.findByRole('img', {
        name: /^Kustomization flux-system\/apps in [\w-]+: Not ready$/,
      }),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('img', {
        name: /^GitRepository flux-system\/repo in [\w-]+: Ready$/,
      }),
    );
    expect(onSelect).toHaveBeenCalledWith(repo);
  });

  it('says so when nothing is linked', async () => {
    await renderInTestApp(<FluxDependencyGraph objects={[repo]} />);

    expect(
      screen.getByText('These Flux objects do not reference one another.'),
    ).toBeInTheDocument();
  });
});
