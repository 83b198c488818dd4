import { test, expect } from '@playwright/test';
import { signInAsGuest } from './signInAsGuest';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  fetchTestManifest,
  pushNodeBaseImage,
  startTestRegistry,
  TestRegistry,
} from '@hubbops/test-kit';

const root = resolve(__dirname, '../../..');
const screenshots = resolve(root, 'docs/screenshots');
const port = Number(process.env.HUBBOPS_E2E_PORT ?? 7017);
const gitUrl = `http://localhost:${port}/api/hubbops-git`;
const cluster = 'demo-eu-west';

// Each page of the flow fits, so screenshots need no scrolling.
test.use({ viewport: { width: 1280, height: 1080 } });

// Debian's docker-registry in this process, holding the Node base image the
// template builds FROM; the backend's image build pushes the service here.
let registry: TestRegistry;

test.beforeAll(async () => {
  registry = await startTestRegistry();
  await pushNodeBaseImage({
    registryUrl: registry.url,
    // Reuse the compressed Node layer between runs (~120 MB to gzip).
    cacheDir: resolve(root, 'node_modules/.cache/hubbops'),
  });
});

test.afterAll(async () => {
  await registry?.stop();
});

test('a guest creates a Node.js service that Flux deploys', async ({
  page,
}) => {
  // Code, image build, GitOps push, Flux and catalog: up to a minute or two.
  test.setTimeout(170_000);
  const name = `e2e-shop-${randomBytes(3).toString('hex')}`;

  await signInAsGuest(page);
  await page.goto('/create');
  await page
    .locator('.MuiCard-root')
    .filter({
      has: page.getByText('Node.js service (HubbOps)', { exact: true }),
    })
    .getByRole('button', { name: 'Choose' })
    .click();

  // Service
  await page.getByLabel('Name').first().fill(name);
  await page
    .getByLabel('Description')
    .first()
    .fill('A shop API created by the end-to-end test');
  // The OwnerPicker lists groups by title: HubbOps developers.
  await page.getByLabel('Owner').first().fill('developers');
  await page.getByRole('option', { name: /HubbOps developers/ }).click();
  await page.getByRole('button', { name: 'Next' }).click();

  // Deployment: a demo cluster through the FluxClusterPicker, the registry
  // this test started, and the GitOps repository on this portal's git server.
  const clusterPicker = page.getByLabel('Cluster');
  await expect(clusterPicker.locator(`option[value="${cluster}"]`)).toHaveCount(
    1,
  );
  await clusterPicker.selectOption(cluster);
  await page.getByLabel('Image registry').fill(registry.host);
  await page.getByLabel('GitOps repository').fill(`${gitUrl}/gitops.git`);
  await page.screenshot({
    path: `${screenshots}/template-node-service-form.png`,
    animations: 'disabled',
  });
  await page.getByRole('button', { name: 'Next' }).click();

  // Code repository: the local git server on this portal.
  await page.getByRole('textbox', { name: 'Local git server' }).fill(gitUrl);
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByText(name).first()).toBeVisible();
  await page.getByRole('button', { name: 'Create' }).click();

  // The task page: every step finishes, then the output links show.
  await expect(page).toHaveURL(/\/create\/tasks\//);
  await expect(
    page.getByRole('button', { name: 'Open in the catalog' }),
  ).toBeVisible({ timeout: 150_000 });
  await expect(page.getByText(/failed/i)).toHaveCount(0);
  await expect(
    page.getByText('Finished step Register the service in the catalog'),
  ).toBeVisible();
  await expect(page.getByText(`${name} runs in ${cluster} at`)).toBeVisible();
  await page.screenshot({
    path: `${screenshots}/template-node-service-done.png`,
  });

  // The image is in the registry, read back without the portal.
  const manifest = await fetchTestManifest(registry, name, '0.1.0');
  expect(manifest?.digest).toMatch(/^sha256:/);

  // The new component's Flux tab: its Kustomization Ready in the cluster.
  await page.getByRole('button', { name: 'Open in the catalog' }).click();
  await expect(page).toHaveURL(
    new RegExp(`/catalog/default/component/${name}`),
  );
  const kustomization = page
    .getByRole('region', { name: `Cluster ${cluster}` })
    .getByRole('row', { name: new RegExp(`^Kustomization [\\w-]+/${name}`) });
  await expect(async () => {
    await page.goto(`/catalog/default/component/${name}/flux`);
    await expect(kustomization.first()).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
  await expect(kustomization.first()).toContainText('Ready');
  await expect(
    page.getByRole('img', {
      name: `Kustomization flux-system/${name} in ${cluster}: Ready`,
    }),
  ).toBeVisible();
  await page.screenshot({
    path: `${screenshots}/template-node-service-flux.png`,
  });
});
