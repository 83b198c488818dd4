import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFluxApi, fluxCluster } from '../../__testUtils__/fakeFluxApi';
import { fluxApiRef } from '../../api';
import { FluxClusterPicker } from './FluxClusterPicker';

const clusters = [
  fluxCluster({ name: 'prod', title: 'Production' }),
  fluxCluster({ name: 'sandbox', demo: true }),
];

async function render(onChange: jest.Mock, excludeDemo?: boolean) {
  const props = {
    formData: undefined,
    onChange,
    required: true,
    schema: { title: 'Target cluster', description: 'Where Flux deploys' },
    uiSchema: { 'ui:options': { excludeDemo } },
    rawErrors: [],
    idSchema: { $id: 'root_cluster' },
  } as unknown as Parameters<typeof FluxClusterPicker>[0];
  return renderInTestApp(
    <TestApiProvider apis={[[fluxApiRef, fakeFluxApi({ clusters })]]}>
      <FluxClusterPicker {...props} />
    </TestApiProvider>,
  );
}

describe('FluxClusterPicker', () => {
  it('offers the registered clusters and reports the choice', async () => {
    const onChange = jest.fn();
    await render(onChange);

    await waitFor(() =>
      expect(
        screen.getByRole('option', { name: 'Production (prod)' }),
      ).toBeInTheDocument(),
    );
    expect(
      screen.getByRole('option', { name: 'sandbox [demo]' }),
    ).toBeInTheDocument();
    expect(screen.getByText('Where Flux deploys')).toBeVisible();

    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: /Target cluster/ }),
      'prod',
    );

    expect(onChange).toHaveBeenCalledWith('prod');
  });

  it('leaves demo clusters out when asked', async () => {
    await render(jest.fn(), true);

    await waitFor(() =>
      expect(
        screen.getByRole('option', { name: 'Production (prod)' }),
      ).toBeInTheDocument(),
    );
    expect(
      screen.queryByRole('option', { name: 'sandbox [demo]' }),
    ).not.toBeInTheDocument();
  });
});
