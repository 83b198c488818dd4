import { test, expect } from '@playwright/test';
import { signInAsGuest } from './signInAsGuest';
import { resolve } from 'node:path';

const screenshots = resolve(__dirname, '../../../docs/screenshots');

test('a guest reconciles a demo component from its Flux tab', async ({
  page,
}) => {
  await signInAsGuest(page);

  // The catalog and the demo fleet's sync both start with the backend.
  // In demo-eu-west the website is healthy (demo-us-east shows a failing one).
  const kustomization = page
    .getByRole('region', { name: 'Cluster demo-eu-west' })
    .getByRole('row', { name: /^Kustomization [\w-]+\/example-website$/ });
  await expect(async () => {
    await page.goto('/catalog/default/component/example-website/flux');
    await expect(kustomization.first()).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 90_000 });
  await expect(page.getByText('demo', { exact: true }).first()).toBeVisible();
  await page.screenshot({
    path: `${screenshots}/flux-entity-tab.png`,
    fullPage: true,
  });

  await kustomization.first().click();
  const handled = page.getByTestId('last-handled-reconcile');
  const before = await handled.textContent();
  await page.getByRole('button', { name: 'Reconcile' }).click();
  await expect(page.getByText(/Reconcile succeeded/)).toBeVisible();
  await expect(handled).not.toHaveText(before ?? '');
  await expect(handled).toHaveText(/^\d{4}-\d\d-\d\dT/);
  await page.screenshot({ path: `${screenshots}/flux-reconcile.png` });
});

test('the Flux page lists the demo clusters', async ({ page }) => {
  await signInAsGuest(page);
  await page.goto('/flux');
  for (const title of ['EU West (demo)', 'US East (demo)', 'AP South (demo)']) {
    await expect(page.getByText(title).first()).toBeVisible();
  }
  await page.screenshot({
    path: `${screenshots}/flux-page.png`,
    fullPage: true,
  });
});
