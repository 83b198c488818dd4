import { permissionApiRef } from '@backstage/plugin-permission-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FluxReconcileResponse } from '@hubbops/plugin-flux-common';
import {
  fakeFluxApi,
  fluxObject,
  permissionApiAllowing,
} from '../../__testUtils__/fakeFluxApi';
import { FluxApi, fluxApiRef } from '../../api';
import { ObjectActions } from './ObjectActions';

// usePermission caches answers per file, so this file only ever allows both.
const permissionApi = permissionApiAllowing(
  'flux.resource.reconcile',
  'flux.resource.suspend',
);

const object = fluxObject({ kind: 'HelmRelease', name: 'shop-db' });
const key = {
  cluster: 'prod',
  kind: 'HelmRelease',
  namespace: 'flux-system',
  name: 'shop-db',
};

function reconcileResponse(
  outcome: FluxReconcileResponse['outcome'],
  message?: string,
): FluxReconcileResponse {
  return { outcome, message, requestedAt: 'now', object };
}

function render(api: FluxApi, onDone = jest.fn(), target = object) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [fluxApiRef, api],
        [permissionApiRef, permissionApi],
      ]}
    >
      <ObjectActions object={target} onDone={onDone} />
    </TestApiProvider>,
  );
}

describe('ObjectActions with permission', () => {
  it('reconciles, shows progress, then the result, then refreshes', async () => {
    const api = fakeFluxApi();
    let answer: (response: FluxReconcileResponse) => void = () => {};
    api.reconcile.mockReturnValue(
      new Promise(resolve => {
        answer = resolve;
      }),
    );
    const onDone = jest.fn();
    await render(api, onDone);

    await userEvent.click(
      await screen.findByRole('button', { name: 'Reconcile' }),
    );

    expect(api.reconcile).toHaveBeenCalledWith(key);
    expect(
      screen.getByText(/Reconcile of HelmRelease flux-system\/shop-db/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Reconcile…/ })).toBeDisabled();
    expect(onDone).not.toHaveBeenCalled();

    answer(reconcileResponse('succeeded', 'Helm upgrade succeeded'));

    expect(
      await screen.findByText('Reconcile succeeded: Helm upgrade succeeded'),
    ).toBeInTheDocument();
    expect(onDone).toHaveBeenCalledTimes(1);
    expect(screen.queryByText(/in progress/)).not.toBeInTheDocument();
  });

  it("shows Flux's message when the reconcile failed", async () => {
    const api = fakeFluxApi();
    api.reconcile.mockResolvedValue(
      reconcileResponse('failed', 'install retries exhausted'),
    );
    await render(api);

    await userEvent.click(
      await screen.findByRole('button', { name: 'Reconcile' }),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Reconcile failed: install retries exhausted',
    );
  });

  it('says when the reconcile timed out', async () => {
    const api = fakeFluxApi();
    api.reconcile.mockResolvedValue(
      reconcileResponse('timedOut', 'no answer within 60s'),
    );
    await render(api);

    await userEvent.click(
      await screen.findByRole('button', { name: 'Reconcile' }),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Reconcile timed out: no answer within 60s',
    );
  });

  it('shows why the request itself failed', async () => {
    const api = fakeFluxApi();
    api.suspend.mockRejectedValue(new Error('cluster prod is unreachable'));
    const onDone = jest.fn();
    await render(api, onDone);

    await userEvent.click(
      await screen.findByRole('button', { name: 'Suspend' }),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Suspend failed: cluster prod is unreachable',
    );
    expect(onDone).toHaveBeenCalled();
  });

  it('suspends', async () => {
    const api = fakeFluxApi();
    api.suspend.mockResolvedValue({
      object,
      suspendedBy: 'user:default/jane',
      suspendedAt: 'now',
    });
    await render(api);

    await userEvent.click(
      await screen.findByRole('button', { name: 'Suspend' }),
    );

    expect(api.suspend).toHaveBeenCalledWith(key);
    expect(
      await screen.findByText('Suspended by user:default/jane'),
    ).toBeInTheDocument();
  });

  it('offers only Resume for a suspended object', async () => {
    const api = fakeFluxApi();
    api.resume.mockResolvedValue(reconcileResponse('succeeded'));
    await render(api, jest.fn(), { ...object, suspended: true });

    await userEvent.click(
      await screen.findByRole('button', { name: 'Resume' }),
    );

    expect(api.resume).toHaveBeenCalledWith(key);
    expect(await screen.findByText('Resume succeeded')).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Reconcile' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Suspend' }),
    ).not.toBeInTheDocument();
  });

  it('offers no Reconcile for kinds Flux does not reconcile', async () => {
    await render(fakeFluxApi(), jest.fn(), {
      ...object,
      kind: 'Alert',
    });

    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Suspend' })).toBeVisible(),
    );
    expect(
      screen.queryByRole('button', { name: 'Reconcile' }),
    ).not.toBeInTheDocument();
  });
});
