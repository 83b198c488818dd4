import { expect, Page } from '@playwright/test';

/**
 * Signs in as the guest and waits until the portal shows its sidebar: a
 * navigation started before sign-in completes lands on the sign-in page.
 */
export async function signInAsGuest(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
}
