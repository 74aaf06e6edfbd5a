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

test('from the window: a changed key is replaced only with the fingerprint the vendor confirmed; a key is forgotten and trusted again', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  const impostor = impostorKnownHosts(burrow, sshd);
  const knownHosts = path.join(burrow.home, '.ssh', 'known_hosts');
  mkdirSync(path.dirname(knownHosts), { recursive: true, mode: 0o700 });
  writeFileSync(knownHosts, impostor.line);
  await importSession(burrow, sshd, 'Warehouse', `${await freePort()}:127.0.0.1:${pg.port}`, { knownHosts: 'home' });
  await reload(page, burrow);
  const tunnels = new TunnelsPage(page);
  await tunnels.start('Warehouse');
  await tunnels.expectState('Warehouse', /Needs attention/);
  await page.getByRole('link', { name: 'Details of Warehouse' }).click();

  await page.getByRole('button', { name: 'Replace the recorded key…' }).click();
  const dialog = page.getByRole('dialog', { name: `The server’s key: 127.0.0.1:${sshd.port}` });
  await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
  await expect(dialog.locator('.facts dd')).toHaveText(`ssh-ed25519 ${sshd.hostKeyFingerprint()}`);
  await expect(dialog).toContainText(impostor.fingerprint);
  const field = dialog.getByLabel('Fingerprint your vendor confirmed');
  const replace = dialog.getByRole('button', { name: 'Replace the recorded key' });
  await expect(replace).toBeDisabled();

  // A fingerprint that is not what the server presents (here: the old one) is refused, and nothing is written.
  await field.fill(impostor.fingerprint);
  await field.press('Enter');
  await expect(dialog.getByRole('alert')).toContainText(`now presents ${sshd.hostKeyFingerprint()}, not the key you agreed to (${impostor.fingerprint})`);
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  expect(readFileSync(knownHosts, 'utf8')).toBe(impostor.line);

  await field.fill(sshd.hostKeyFingerprint());
  await replace.click();
  await expect(dialog.locator('p.ok[role=status]')).toHaveText(`Recorded in ${knownHosts}, replacing 1 old line (the old file is kept as ${knownHosts}.old).`);
  await expect(dialog).toContainText(`Trusted: recorded in ${knownHosts}, line 1.`);
  expect(readFileSync(`${knownHosts}.old`, 'utf8')).toBe(impostor.line);
  expect(readFileSync(knownHosts, 'utf8')).toContain(readFileSync(sshd.knownHostsPath, 'utf8').trim().split(/\s+/)[2]);
  await dialog.getByRole('button', { name: 'Close' }).click();
  // The tunnel that waited on the key connects now, not at its next slow retry.
  await new SessionDetailPage(page).expectStatus('Connected');

  // Forgotten (a deliberate second click), then trusted again as a new key.
  await page.getByRole('button', { name: 'Check the server’s key…' }).click();
  const check = page.getByRole('dialog', { name: `The server’s key: 127.0.0.1:${sshd.port}` });
  await expect(check).toContainText(`Trusted: recorded in ${knownHosts}, line 1.`);
  await check.getByRole('button', { name: 'Forget this key…' }).click();
  await check.getByRole('button', { name: 'Forget it' }).click();
  await expect(check.locator('p.ok[role=status]')).toHaveText(`Removed 1 line from ${knownHosts} (the old file is kept as ${knownHosts}.old).`);
  await expect(check).toContainText('Not trusted yet.');
  expect(readFileSync(knownHosts, 'utf8').trim()).toBe('');
  await check.getByRole('button', { name: 'It matches: trust this key' }).click();
  await expect(check.locator('p.ok[role=status]')).toHaveText(`Recorded in ${knownHosts}.`);
  await expect(check).toContainText(`Trusted: recorded in ${knownHosts}, line 1.`);
  await check.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('Known hosts: every trusted key with the tunnels it is for; a changed key shown beside the recorded one; a line forgotten on request', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  const impostor = impostorKnownHosts(burrow, sshd);
  const knownHosts = path.join(burrow.home, '.ssh', 'known_hosts');
  mkdirSync(path.dirname(knownHosts), { recursive: true, mode: 0o700 });
  writeFileSync(knownHosts, `# kept\n${impostor.line}`);
  await importSession(burrow, sshd, 'Warehouse', `${await freePort()}:127.0.0.1:${pg.port}`, { knownHosts: 'home' });
  await reload(page, burrow);
  const tunnels = new TunnelsPage(page);
  await tunnels.start('Warehouse');
  await tunnels.expectState('Warehouse', /Needs attention/);

  await page.getByRole('link', { name: 'Known hosts' }).click();
  const changed = page.getByRole('region', { name: 'Changed keys' });
  await expect(changed).toContainText(`Warehouse: 127.0.0.1:${sshd.port} now presents ${sshd.hostKeyFingerprint()}; Burrow trusts ${impostor.fingerprint}`);
  const file = page.getByRole('region', { name: knownHosts, exact: true });
  const row = file.getByRole('row', { name: new RegExp(impostor.fingerprint.replace(/[+/]/g, '\\$&')) });
  await expect(row).toContainText(`[127.0.0.1]:${sshd.port}`);
  await expect(row).toContainText('Warehouse');
  await expect(row.getByRole('cell').nth(3)).toHaveText('2');

  await row.getByRole('button', { name: `Forget the key of [127.0.0.1]:${sshd.port} (line 2)` }).click();
  const dialog = page.getByRole('dialog', { name: 'Forget this key?' });
  await expect(dialog.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Forget it' }).click();
  await expect(page.getByRole('status')).toHaveText(`Removed line 2 of ${knownHosts} (the old file is kept as ${knownHosts}.old).`);
  await expect(file).toContainText('No keys in it.');
  expect(readFileSync(knownHosts, 'utf8')).toBe('# kept\n');
  expect(readFileSync(`${knownHosts}.old`, 'utf8')).toBe(`# kept\n${impostor.line}`);
});
