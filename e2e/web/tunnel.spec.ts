/** The path a new user takes: a key from the wizard, a vendor preset, the host key, a running tunnel, PostgreSQL through it. */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect, plantStoredKeys } from '../fixtures.js';
import { freePort, waitFor } from '../../test/helpers/net.js';
import { psql } from '../../test/helpers/postgres.js';

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

test('key wizard → Fivetran preset → trust the host key → start → psql through the tunnel → counters move → stop frees the port', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  // 1. A key, made in the wizard with the vendor's recommendation.
  await page.getByRole('link', { name: 'Keys' }).click();
  await page.getByRole('link', { name: 'Create a key' }).click();
  await expect(page.getByRole('heading', { name: 'Create a key' })).toBeVisible();
  await page.getByLabel('Comment (optional)').fill('burrow-e2e');
  await page.getByRole('button', { name: 'Create the key' }).click();
  const publicKey = (await page.getByLabel('Public key').textContent())!.trim();
  expect(publicKey).toMatch(/^ssh-ed25519 AAAA\S+ burrow-e2e$/);
  await expect(page.getByText(/^Fingerprint SHA256:/)).toBeVisible();
  // The private key is in the secret store; it may never come back to the page, in any form.
  const [keyId] = plantStoredKeys(burrow);
  await sshd.authorize(publicKey);

  // 2. A tunnel from the Fivetran preset, pointed at the test server and database.
  const remotePort = await freePort();
  await page.getByRole('button', { name: 'New tunnel' }).first().click();
  await page.getByRole('link', { name: 'Fivetran' }).click();
  await page.getByLabel('SSH server').fill('127.0.0.1');
  await page.getByLabel('SSH port').fill(String(sshd.port));
  await page.getByLabel('SSH user').fill(sshd.user);
  await page.getByLabel('Database host (as this machine reaches it)').fill('127.0.0.1');
  await page.getByLabel('Database', { exact: true }).selectOption('postgresql');
  await page.getByLabel('Database port').fill(String(pg.port));
  await page.getByLabel('Remote port (optional)').fill(String(remotePort));
  await page.getByLabel('Log in with').selectOption(`stored:${keyId}`);
  await page.getByLabel('Start automatically').uncheck();
  await page.getByRole('button', { name: 'Save tunnel' }).click();
  await expect(page.getByRole('heading', { name: 'Saved: Fivetran' })).toBeVisible();
  await expect(page.getByText(publicKey)).toBeVisible(); // the next steps lead with the public key to give Fivetran

  // 3. Start: the first contact asks about the server's key, with its fingerprint.
  await page.getByRole('button', { name: 'Start the tunnel' }).click();
  const dialog = page.getByRole('dialog', { name: `First connection to 127.0.0.1:${sshd.port}` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText(sshd.hostKeyFingerprint())).toBeVisible();
  await dialog.getByRole('button', { name: 'They match: trust and connect' }).click();
  await expect(page.getByRole('heading', { name: 'Fivetran', level: 1 })).toBeVisible();
  await expect(page.locator('.screen-head .status')).toHaveText('Connected', { timeout: 30_000 });
  expect(readFileSync(path.join(burrow.home, '.ssh', 'known_hosts'), 'utf8')).toContain(`[127.0.0.1]:${sshd.port}`);

  // 4. The vendor's side: PostgreSQL answers through the server's port.
  expect(await psql(remotePort, 'select 6 * 7')).toBe('42');
  expect((await psql(remotePort, "select repeat('x', 50000)")).length).toBe(50000);
  // The counters follow, pushed by Burrow: tens of KiB came back from the database.
  const fromDb = page.locator('.facts dt', { hasText: 'From the database' }).locator('xpath=following-sibling::dd[1]');
  await expect(fromDb).toHaveText(/^\d+(\.\d)? KiB$/);
  await expect(page.locator('.facts dt', { hasText: 'Connections in all' }).locator('xpath=following-sibling::dd[1]')).toHaveText('2');

  // 5. Stop: the server lets go of the port at once.
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.locator('.screen-head .status')).toHaveText('Stopped');
  await waitFor(() => refused(remotePort), 'the remote port to close', 5_000);
});
