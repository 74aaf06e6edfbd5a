/** A server whose key is not the one known_hosts holds: the tunnel stops and explains, and Burrow never touches known_hosts. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect, plantKey } from '../fixtures.js';
import { SessionDetailPage, TunnelsPage } from '../pages.js';
import { impostorKnownHosts, importSession, reload } from '../setup.js';
import { freePort } from '../../test/helpers/net.js';

test('a changed host key is shown as a stop with both fingerprints, and known_hosts is left byte for byte', async ({ page, burrow, sshd, pg }) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  // ~/.ssh/known_hosts trusts another key for this server (as after the vendor's server was replaced, or an attack).
  const impostor = impostorKnownHosts(burrow, sshd);
  const knownHosts = path.join(burrow.home, '.ssh', 'known_hosts');
  mkdirSync(path.dirname(knownHosts), { recursive: true, mode: 0o700 });
  writeFileSync(knownHosts, `# trusted last year\n${impostor.line}`);
  const before = readFileSync(knownHosts);
  await importSession(burrow, sshd, 'Warehouse', `${await freePort()}:127.0.0.1:${pg.port}`, { knownHosts: 'home' });
  await reload(page, burrow);

  const tunnels = new TunnelsPage(page);
  await tunnels.start('Warehouse');
  await tunnels.expectState('Warehouse', /Needs attention/);
  await expect(tunnels.row('Warehouse')).toContainText('Server key changed');
  await page.getByRole('link', { name: 'Details of Warehouse' }).click();

  const stop = page.getByRole('region', { name: "Refused: the server's identity is not the one Burrow trusts" });
  await expect(stop).toBeVisible();
  const fact = (term: string) => stop.locator('.facts dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');
  await expect(fact('The server presented')).toHaveText(sshd.hostKeyFingerprint());
  await expect(fact('Burrow trusts')).toHaveText(impostor.fingerprint);
  // The way forward is a deliberate step the person takes, never a button that trusts the new key.
  await expect(stop.locator('code.command')).toHaveText(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f '${knownHosts}'`);
  await expect(page.getByRole('button', { name: /trust/i })).toHaveCount(0);
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await new SessionDetailPage(page).expectStatus('Stopped');
  expect(readFileSync(knownHosts).equals(before), 'known_hosts is byte for byte as it was').toBe(true);
});
