/** "Test connection": the vendors' checklist, live, stops at the step that fails and says how to fix it. */
import { readFileSync } from 'node:fs';
import { test, expect, plantKey } from '../fixtures.js';
import { importSession, reload } from '../setup.js';
import { freePort } from '../../test/helpers/net.js';

test('with the database down, Test connection passes the SSH steps and fails at the database, with the fix', async ({ page, burrow, sshd }) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  // Nothing listens on the database port: the database is down.
  const down = await freePort();
  await importSession(burrow, sshd, 'Warehouse', `${await freePort()}:127.0.0.1:${down}`);
  await reload(page, burrow);
  await page.getByRole('link', { name: 'Test the connection of Warehouse' }).click();
  await expect(page.getByRole('heading', { name: 'Test the connection of Warehouse' })).toBeVisible();
  await page.getByRole('button', { name: 'Test now' }).click();

  const verdict = page.getByRole('status').filter({ hasText: /^Failed at / });
  await expect(verdict).toHaveText(`Failed at the step “127.0.0.1:${down} is reachable from this machine”. Fix it as it says there, then test again.`, {
    timeout: 30_000,
  });
  const steps = page.getByRole('list', { name: 'Steps' }).getByRole('listitem');
  const marks = await steps.locator('.check-mark').allTextContents();
  // Every step before the database passed (name, TCP, algorithms, host key, login, the server's port); the database step failed, last.
  expect(marks.length).toBeGreaterThanOrEqual(5);
  expect(
    marks.slice(0, -1).every((m) => m === 'Passed'),
    marks.join(', '),
  ).toBe(true);
  expect(marks.at(-1)).toBe('Failed');
  const failed = steps.last();
  await expect(failed).toContainText(`127.0.0.1:${down} cannot be reached from this machine (ECONNREFUSED)`);
  await expect(failed.getByText(/^How to fix it: The database is not running/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Test again' })).toBeEnabled();
});
