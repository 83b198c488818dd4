import { permissionApiRef } from '@backstage/plugin-permission-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import {
  fakeFluxApi,
  fluxObject,
  permissionApiAllowing,
} from '../../__testUtils__/fakeFluxApi';
import { fluxApiRef } from '../../api';
import { ObjectActions } from './ObjectActions';

// A file of its own: usePermission caches answers for the whole file.
describe('ObjectActions without permission', () => {
  it('shows no action', async () => {
    const permissionApi = permissionApiAllowing();
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [fluxApiRef, fakeFluxApi()],
          [permissionApiRef, permissionApi],
        ]}
      >
        <ObjectActions object={fluxObject()} />
      </TestApiProvider>,
    );

    await waitFor(() =>
      expect(permissionApi.authorize).toHaveBeenCalledTimes(2),
    );
    // Let the denials land.
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });
});
