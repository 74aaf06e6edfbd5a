/**
 * End-to-end tests. web/: Playwright driving Debian's Chromium against a real `burrow web`, a real
 * sshd and a real PostgreSQL. electron/: the real desktop app through Playwright's `_electron`,
 * where an Electron binary and a display exist (skipped, with the reason printed, elsewhere).
 * Compiled with the rest of the project and run from dist/e2e (npm test does it), so the tests
 * share test/helpers as compiled.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: /[\\/](web|electron)[\\/][^\\/]*\.spec\.js$/,
  // One test at a time: the machine has two cores and each test runs sshd, burrow and Chromium.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: '../../.tmp/e2e-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1100, height: 800 },
    launchOptions: {
      executablePath: process.env.BURROW_CHROMIUM ?? '/usr/bin/chromium',
      // As root Chromium needs --no-sandbox; the rest keep it off this closed network.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    trace: 'retain-on-failure',
  },
});
