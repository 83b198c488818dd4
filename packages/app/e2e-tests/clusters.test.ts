import { test, expect } from '@playwright/test';
import { signInAsGuest } from './signInAsGuest';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  registerFluxResources,
  SimulatedFluxController,
  startSimulatedFluxController,
} from '@hubbops/test-kit/flux';
import {
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit/kubernetes';

const screenshots = resolve(__dirname, '../../../docs/screenshots');

// Tall enough for the whole dialog (with the test result) and the new card.
test.use({ viewport: { width: 1280, height: 1000 } });

// The cluster to register: the test kit's API server with Flux on it, in this
// process, reached by the backend over HTTP with a bearer token.
let server: TestKubernetesApiServer;
let controller: SimulatedFluxController;

test.beforeAll(async () => {
  server = await startTestKubernetesApiServer({
    token: randomBytes(16).toString('hex'),
  });
  registerFluxResources(server);
  for (const name of ['shop', 'billing']) {
    server.store.create({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name, namespace: 'flux-system' },
      spec: {
        url: `https://git.example.com/fleet/${name}`,
        interval: '1m',
        ref: { branch: 'main' },
      },
    });
    server.store.create({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name, namespace: 'flux-system' },
      spec: {
        interval: '10m',
        path: `./apps/${name}`,
        prune: true,
        sourceRef: { kind: 'GitRepository', name },
      },
    });
  }
  controller = startSimulatedFluxController(server, { reconcileDelayMs: 20 });
});

test.afterAll(async () => {
  await controller?.stop();
  await server?.stop();
});

test('an admin registers a cluster from its kubeconfig, then removes it', async ({
  page,
}) => {
  const name = `e2e-${randomBytes(3).toString('hex')}`;
  await signInAsGuest(page);
  await page.goto('/flux');

  await page.getByRole('button', { name: 'Add cluster' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add cluster' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Title').fill('Staging (e2e)');
  await dialog.getByLabel('Kubeconfig').first().fill(server.kubeconfig());
  await dialog.getByRole('button', { name: 'Test connection' }).click();
  const result = dialog.getByRole('alert');
  await expect(result).toContainText(`Connected to ${server.url}`);
  await expect(result).toContainText(/Flux v?2\./);
  await expect(result).toContainText('Kustomization');
  await dialog.screenshot({
    path: `${screenshots}/flux-register-cluster.png`,
  });

  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();

  // The new card: healthy once the backend's sync has listed both
  // Kustomizations, their sources and the Flux Operator's FluxReport.
  const card = page.getByRole('region', { name: `Cluster ${name}` });
  await expect(async () => {
    await page.reload();
    await expect(card).toContainText('Total: 5', { timeout: 3_000 });
  }).toPass({ timeout: 45_000 });
  await expect(card).toContainText('Ready: 5');
  await expect(card).toContainText('Not ready: 0');
  // Health is in the card's header, outside the region.
  const wholeCard = page.locator('.MuiCard-root', { has: card });
  await expect(wholeCard).toContainText('Staging (e2e)');
  await expect(wholeCard).toContainText('Healthy');
  await page.screenshot({
    path: `${screenshots}/flux-registered-cluster.png`,
  });

  await card.getByRole('button', { name: `Remove cluster ${name}` }).click();
  const removal = page.getByRole('dialog', { name: /Remove cluster/ });
  await removal.getByRole('button', { name: 'Remove' }).click();
  await expect(removal).toBeHidden();
  await expect(card).toBeHidden();
  await page.reload();
  await expect(
    page.getByRole('heading', { name: 'EU West (demo)' }),
  ).toBeVisible();
  await expect(card).toHaveCount(0);
});
