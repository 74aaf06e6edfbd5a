/**
 * QueryCanary's guide in the window: the vendor connects in through your own SSH server with a key
 * it made. From New tunnel → QueryCanary, the person pastes the vendor's key and the database it
 * may reach; the vendor (its own ECDSA key, a real sshd with StrictModes) then reaches PostgreSQL
 * through the server — and nothing else; "Remove…" takes the key away again.
 */
import { test, expect } from '../fixtures.js';
import { psql } from '../../test/helpers/postgres.js';
import { createVendorAccount, vendorTunnel } from '../../test/helpers/vendor-account.js';
import { hostileUserUnavailable } from '../../test/helpers/hostile-user.js';

test.skip(() => hostileUserUnavailable() !== undefined, hostileUserUnavailable() ?? '');

test("QueryCanary: the vendor's key let in from the preset's page opens PostgreSQL through the server and nothing else; removed from the list", async ({
  page,
  burrow,
  pg,
}) => {
  const qc = await createVendorAccount();
  try {
    await page.getByRole('button', { name: 'New tunnel' }).first().click();
    await page.getByRole('link', { name: 'QueryCanary' }).click();
    await expect(page.getByRole('heading', { name: 'QueryCanary', level: 1 })).toBeVisible();
    // The guide's step, in the window's words: the window's own screen, not a command.
    await expect(page.getByText(/let it in with Keys → "Vendor keys let in"/)).toBeVisible();

    // Sent empty: every problem listed once, the focus on the first.
    await page.getByLabel('Database port').fill('');
    await page.getByRole('button', { name: 'Let the key in' }).click();
    await expect(page.getByRole('alert')).toContainText('2 fields need a fix');
    await expect(page.getByLabel("Vendor's public key")).toBeFocused();

    // The app's own refusal (a key cut short), on its box, with the focus there.
    await page.getByLabel("Vendor's public key").fill(qc.publicKey.slice(0, 70));
    await page.getByLabel('Database host').fill('127.0.0.1');
    await page.getByLabel('Database port').fill(String(pg.port));
    await page.getByLabel('Account the vendor logs in as (optional)').fill(qc.name);
    await page.getByRole('button', { name: 'Let the key in' }).click();
    await expect(page.getByRole('alert')).toContainText("Vendor's public key the ecdsa-sha2-nistp256 key is cut short");
    await expect(page.getByLabel("Vendor's public key")).toBeFocused();

    await page.getByLabel("Vendor's public key").fill(qc.publicKey);
    await page.keyboard.press('Tab');
    await page.getByRole('button', { name: 'Let the key in' }).click();
    const done = page.getByRole('status').filter({ hasText: 'Let in:' });
    await expect(done).toContainText(`may log in as ${qc.name} to open 127.0.0.1:${pg.port} and nothing else`);
    await expect(done).toBeFocused();
    const row = page.getByRole('row', { name: /QueryCanary/ });
    await expect(row).toContainText(`127.0.0.1:${pg.port} only`);
    await expect(row).toContainText('anywhere');

    // The vendor's side: PostgreSQL through the server, with the key just let in.
    const client = await qc.connect();
    try {
      const tunnel = await vendorTunnel(client, '127.0.0.1', pg.port);
      try {
        expect(await psql(tunnel.port, "select 'canary ' || 41 + 1")).toBe('canary 42');
      } finally {
        await tunnel.close();
      }
      const other = await new Promise<Error | undefined>((resolve) => client.forwardOut('127.0.0.1', 0, '127.0.0.1', qc.sshd.port, (err) => resolve(err)));
      expect(other?.message).toMatch(/open failed/);
      // sshd's own word for it: the key's permitopen said no (not a closed port).
      expect(qc.sshd.log()).toMatch(new RegExp(`to connect to host 127\\.0\\.0\\.1 port ${qc.sshd.port}, but the request was denied`));
    } finally {
      client.end();
    }

    // Removed from the list: the vendor can no longer log in.
    await row.getByRole('button', { name: 'Remove QueryCanary' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove this key?' });
    await dialog.getByRole('button', { name: 'Remove it' }).click();
    await expect(page.getByText(`Removed QueryCanary: that key can no longer log in as ${qc.name}.`)).toBeVisible();
    await expect(row).toHaveCount(0);
    await expect(qc.connect()).rejects.toThrow(/authentication/i);
    expect(burrow.consoleErrors).toEqual([]);
  } finally {
    await qc.dispose();
  }
});
