import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFluxApi, fluxCluster } from '../../__testUtils__/fakeFluxApi';
import { FluxApi, fluxApiRef } from '../../api';
import { ClusterRegistrationDialog } from './ClusterRegistrationDialog';

const KUBECONFIG = 'apiVersion: v1\nkind: Config';

async function render(
  api: FluxApi,
  props: Partial<Parameters<typeof ClusterRegistrationDialog>[0]> = {},
) {
  const onSaved = jest.fn();
  const onClose = jest.fn();
  await renderInTestApp(
    <TestApiProvider apis={[[fluxApiRef, api]]}>
      <ClusterRegistrationDialog
        open
        onSaved={onSaved}
        onClose={onClose}
        {...props}
      />
    </TestApiProvider>,
  );
  return { onSaved, onClose };
}

const kubeconfigField = () =>
  screen.getByRole('textbox', { name: /Kubeconfig/ });

// Dialogs and typing take a while on a busy CI machine.
jest.setTimeout(30_000);

describe('ClusterRegistrationDialog', () => {
  it('tests the connection, then registers the cluster', async () => {
    const api = fakeFluxApi();
    api.testClusterConnection.mockResolvedValue({
      ok: true,
      url: 'https://edge.example.com',
      serverVersion: 'v1.33.0',
      servedKinds: { Kustomization: 'kustomize.toolkit.fluxcd.io/v1' },
      skippedKinds: [],
      fluxVersions: { 'source-controller': 'v1.6.0' },
      fluxRelease: 'v2.6.1',
    });
    const saved = fluxCluster({ name: 'edge', source: 'registered' });
    api.registerCluster.mockResolvedValue(saved);
    const { onSaved } = await render(api);

    const save = screen.getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    await userEvent.type(
      screen.getByRole('textbox', { name: /Name/ }),
      'Edge_1',
    );
    expect(screen.getByText(/Lower-case letters, digits/)).toBeVisible();
    await userEvent.clear(screen.getByRole('textbox', { name: /Name/ }));
    await userEvent.type(screen.getByRole('textbox', { name: /Name/ }), 'edge');
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Title' }),
      'Edge',
    );
    // Pasted, as from a file; typing would interpret the braces.
    await userEvent.click(kubeconfigField());
    await userEvent.paste(KUBECONFIG);
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Context' }),
      'admin',
    );

    await userEvent.click(
      screen.getByRole('button', { name: 'Test connection' }),
    );
    expect(
      await screen.findByText(
        'Connected to https://edge.example.com · Kubernetes v1.33.0 · Flux v2.6.1 · serves Kustomization',
      ),
    ).toBeVisible();
    expect(api.testClusterConnection).toHaveBeenCalledWith({
      kubeconfig: KUBECONFIG,
      context: 'admin',
    });

    await userEvent.click(save);
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(saved));
    expect(api.registerCluster).toHaveBeenCalledWith({
      name: 'edge',
      title: 'Edge',
      kubeconfig: KUBECONFIG,
      context: 'admin',
    });
  });

  it('reads the kubeconfig from a file and shows errors with their message', async () => {
    const api = fakeFluxApi();
    api.testClusterConnection.mockResolvedValue({
      ok: false,
      url: 'https://edge.example.com',
      error: 'Cannot reach the cluster at https://edge.example.com: HTTP 401',
      servedKinds: {},
      skippedKinds: [],
      fluxVersions: {},
    });
    api.registerCluster.mockRejectedValue(
      Object.assign(new Error('Request failed'), {
        cause: { message: 'A cluster named "edge" already exists' },
      }),
    );
    const { onSaved } = await render(api);
    await userEvent.type(screen.getByRole('textbox', { name: /Name/ }), 'edge');
    await userEvent.upload(
      screen.getByLabelText('Kubeconfig file'),
      new File([KUBECONFIG], 'config.yaml', { type: 'application/yaml' }),
    );
    await waitFor(() => expect(kubeconfigField()).toHaveValue(KUBECONFIG));

    await userEvent.click(
      screen.getByRole('button', { name: 'Test connection' }),
    );
    expect(
      await screen.findByText(
        'Cannot reach the cluster at https://edge.example.com: HTTP 401',
      ),
    ).toBeVisible();
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText('A cluster named "edge" already exists'),
    ).toBeVisible();
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('edits a registered cluster, keeping the stored kubeconfig unless a new one is given', async () => {
    const api = fakeFluxApi();
    const cluster = fluxCluster({
      name: 'edge',
      title: 'Edge',
      source: 'registered',
      registration: {
        context: 'admin',
        createdAt: '2026-11-23T10:00:00Z',
        updatedAt: '2026-11-23T10:00:00Z',
      },
    });
    api.updateCluster.mockResolvedValue({ ...cluster, title: 'Edge EU' });
    api.testClusterConnection.mockResolvedValue({
      ok: true,
      url: 'https://edge.example.com',
      servedKinds: {},
      skippedKinds: [],
      fluxVersions: {},
    });
    const { onSaved } = await render(api, { cluster });

    expect(screen.getByRole('textbox', { name: /Name/ })).toBeDisabled();
    expect(kubeconfigField()).toHaveValue('');
    expect(screen.getByText('Now admin')).toBeVisible();
    await userEvent.click(
      screen.getByRole('button', { name: 'Test connection' }),
    );
    await waitFor(() =>
      expect(api.testClusterConnection).toHaveBeenCalledWith({ name: 'edge' }),
    );

    const titleField = screen.getByRole('textbox', { name: 'Title' });
    await userEvent.clear(titleField);
    await userEvent.type(titleField, 'Edge EU');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(api.updateCluster).toHaveBeenCalledWith('edge', {
      title: 'Edge EU',
    });
  });
});
