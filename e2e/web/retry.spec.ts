/**
 * "Retry now" and "Restart": a tunnel that waits (here five minutes, after a refused login) is
 * tried at once when the person has fixed the cause, and a running one can be made again.
 */
import { test, expect } from '../fixtures.js';
import { SessionDetailPage, TunnelsPage } from '../pages.js';
import { importSession, keyFile, reload } from '../setup.js';
import { echoServer, freePort, roundTrip } from '../../test/helpers/net.js';

test('a tunnel waiting after a refused login connects on "Retry now" once the key is authorised; "Restart" makes a running one again', async ({
  page,
  burrow,
  sshd,
}) => {
  const echo = await echoServer();
  try {
    // A key the server does not know yet: the vendor has not added it.
    const key = keyFile(burrow, 'late_key');
    const port = await freePort();
    await importSession(burrow, sshd, 'Warehouse', `${port}:127.0.0.1:${echo.port}`, { identity: key.path });
    await reload(page, burrow, '#/');
    const tunnels = new TunnelsPage(page);
    await tunnels.start('Warehouse');
    const row = tunnels.row('Warehouse');
    await expect(row).toContainText('AUTH_FAILED');
    await expect(row).toContainText(/tries again slowly in \d+ min/);

    // The vendor adds the key; nobody wants to wait five minutes.
    await sshd.authorize(key.publicKey);
    const retry = row.getByRole('button', { name: 'Retry now: Warehouse' });
    await retry.focus();
    await page.keyboard.press('Enter');
    await tunnels.expectState('Warehouse', /Connected/, 10_000);
    await expect(retry).toHaveCount(0);
    expect((await roundTrip(port, 'after retry')).toString()).toBe('after retry');

    // On its own page, a running tunnel offers "Restart": it reconnects and carries data again.
    await row.getByRole('link', { name: 'Warehouse', exact: true }).click();
    const detail = new SessionDetailPage(page);
    await detail.expectStatus('Connected');
    await page.getByRole('button', { name: 'Restart: Warehouse' }).click();
    await detail.expectStatus('Connected', 15_000);
    await expect.poll(async () => (await roundTrip(port, 'after restart').catch(() => Buffer.alloc(0))).toString(), { timeout: 15_000 }).toBe('after restart');
  } finally {
    await echo.close();
  }
});
