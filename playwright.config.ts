import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';
import { generateProjects } from '@backstage/e2e-test-utils/playwright';

/**
 * End-to-end tests drive Debian's Chromium (never a downloaded browser)
 * against the built portal: the production build of packages/app served by
 * the backend, on its own port so that a running `./scripts/hubbops start`
 * does not get in the way.
 */
const port = Number(process.env.HUBBOPS_E2E_PORT ?? 7017);
const baseURL = process.env.PLAYWRIGHT_URL ?? `http://localhost:${port}`;

const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: process.env.HUBBOPS_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  },
};

export default defineConfig({
  timeout: 120_000,

  expect: {
    timeout: 30_000,
  },

  webServer: process.env.PLAYWRIGHT_URL
    ? []
    : [
        {
          command: [
            // The git server's repositories from the last run (hubbopsGit.root
            // in app-config.e2e.yaml): each run starts from none.
            `rm -rf ${resolve(__dirname, '.data/e2e-git')} &&`,
            'yarn workspace backend start',
            `--config ${resolve(__dirname, 'app-config.yaml')}`,
            `--config ${resolve(
              __dirname,
              'packages/app/e2e-tests/app-config.e2e.yaml',
            )}`,
          ].join(' '),
          url: `${baseURL}/.backstage/health/v1/readiness`,
          env: { HUBBOPS_E2E_PORT: String(port) },
          reuseExistingServer: false,
          timeout: 180_000,
          stdout: 'ignore',
          stderr: 'pipe',
        },
      ],

  forbidOnly: !!process.env.CI,

  retries: process.env.CI ? 1 : 0,

  workers: 1,

  reporter: [['list']],

  use: {
    actionTimeout: 30_000,
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },

  outputDir: 'node_modules/.cache/e2e-test-results',

  // One project per package with an e2e-tests folder, all on Debian's Chromium.
  projects: (generateProjects() ?? []).map(project => ({
    ...project,
    use: chromium,
  })),
});
