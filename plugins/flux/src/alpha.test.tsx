import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { screen } from '@testing-library/react';
import {
  fakeFluxApi,
  fluxCluster,
  permissionApiAllowing,
} from './__testUtils__/fakeFluxApi';
import { fluxApiRef } from './api';
import fluxPlugin, { fluxPage } from './alpha';

describe('flux plugin for the new frontend system', () => {
  it('holds the api, page, entity content, card and form field', () => {
    for (const id of [
      'api:flux',
      'page:flux',
      'entity-content:flux/flux',
      'entity-card:flux/flux-status',
      'scaffolder-form-field:flux/flux-cluster-picker',
    ]) {
      expect(() => fluxPlugin.getExtension(id as never)).not.toThrow();
    }
  });

  it('renders the page at /flux', async () => {
    const apis = [
      [fluxApiRef, fakeFluxApi({ clusters: [fluxCluster({ name: 'prod' })] })],
      [permissionApiRef, permissionApiAllowing()],
    ] as const;
    const tester = createExtensionTester(fluxPage, { apis });

    expect(tester.get(coreExtensionData.routePath)).toBe('/flux');
    renderInTestApp(tester.reactElement(), { apis });

    expect(
      await screen.findByRole(
        'region',
        { name: 'Cluster prod' },
        { timeout: 10000 },
      ),
    ).toBeInTheDocument();
  });
});
