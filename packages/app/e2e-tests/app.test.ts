import { test, expect } from '@playwright/test';
import { signInAsGuest } from './signInAsGuest';
import { resolve } from 'node:path';

const screenshots = resolve(__dirname, '../../../docs/screenshots');

test('a guest signs in and finds the HubbOps system in the catalog', async ({
  page,
}) => {
  await signInAsGuest(page);

  // The catalog ingests catalog-info.yaml in the background after start-up:
  // reload until the system is listed.
  const system = page.getByRole('link', { name: 'HubbOps', exact: true });
  await expect(async () => {
    // The catalog page is the portal's root (app-config.yaml).
    await page.goto('/?filters%5Bkind%5D=system');
    await expect(system).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 90_000 });
  await page.screenshot({ path: `${screenshots}/catalog-systems.png` });

  await system.click();
  await expect(page.getByRole('heading', { name: 'HubbOps' })).toBeVisible();
  await expect(
    page.getByText('Internal developer platform inside Backstage', {
      exact: false,
    }),
  ).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'HubbOps portal (backend)' }).first(),
  ).toBeVisible();
  await page.screenshot({
    path: `${screenshots}/hubbops-system.png`,
    fullPage: true,
  });
});

test('the sidebar and sign-in page carry the HubbOps name', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/HubbOps/);
  await expect(page.getByRole('button', { name: 'Enter' })).toBeVisible();
  await page.screenshot({ path: `${screenshots}/sign-in.png` });
  await signInAsGuest(page);
  await expect(
    page.getByRole('img', { name: 'HubbOps' }).first(),
  ).toBeVisible();
});
