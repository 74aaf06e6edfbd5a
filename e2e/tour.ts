/**
 * A walk through every screen of the window with realistic data: a tunnel running against the
 * test sshd (PostgreSQL behind it), a stopped one whose database is down, one stopped by a changed
 * server key, keys made and imported, and the two questions a tunnel can ask. At each screen it
 * calls `stop(name)`: the accessibility scan checks it there, the screenshot spec photographs it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { Postgres } from '../test/helpers/postgres.js';
import { psql } from '../test/helpers/postgres.js';
import { freePort } from '../test/helpers/net.js';
import type { Sshd } from '../test/helpers/sshd.js';
import { expect, plantKey, plantStoredKeys, type BurrowWeb } from './fixtures.js';
import { go, KeyImportPage, KeyWizardPage, PasteCommandPage, PresetPage, SessionDetailPage, TunnelsPage } from './pages.js';
import { addPresetSession, FIVETRAN_COMMAND, impostorKnownHosts, importSession, keyFile, reload } from './setup.js';

/** Every screen the tour stops at, in the order it reaches them. */
export const SCREENS = [
  'tunnels-empty',
  'key-new',
  'key-created',
  'preset-fivetran',
  'preset-saved',
  'host-key-question',
  'tunnel',
  'test-connection',
  'tunnels',
  'tunnel-host-key-changed',
  'tunnel-half-working',
  'edit',
  'new-tunnel',
  'preset-querycanary',
  'paste',
  'blank',
  'blank-error',
  'key-import',
  'keys',
  'passphrase-question',
  'settings',
  'start-at-boot',
  'known-hosts',
  'vendor-keys-refused',
] as const;
export type ScreenName = (typeof SCREENS)[number];

export async function tour(page: Page, burrow: BurrowWeb, sshd: Sshd, pg: Postgres, stop: (name: ScreenName) => Promise<void>): Promise<void> {
  const seen: string[] = [];
  const at = async (name: ScreenName): Promise<void> => {
    seen.push(name);
    await stop(name);
  };
  const tunnels = new TunnelsPage(page);
  const detail = new SessionDetailPage(page);

  await expect(page.getByRole('heading', { name: 'Tunnels', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'New tunnel' }).last()).toBeVisible();
  await at('tunnels-empty');

  // A key as Fivetran's guide asks for it, made in the wizard, authorised on the server.
  const wizard = new KeyWizardPage(page);
  await go(page, '#/keys/new/fivetran');
  await expect(page.getByText('Fivetran recommends this')).toBeVisible();
  await page.getByLabel('Comment (optional)').fill('fivetran@warehouse');
  await at('key-new');
  const publicKey = await wizard.create();
  const [keyId] = plantStoredKeys(burrow);
  await sshd.authorize(publicKey);
  await at('key-created');

  // Fivetran's preset, pointed at the test server and database; the first start asks about the host key.
  const remotePort = await freePort();
  await go(page, '#/new/preset/fivetran');
  const preset = new PresetPage(page);
  await preset.fill({
    name: 'Fivetran – warehouse',
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    targetHost: '127.0.0.1',
    database: 'postgresql',
    targetPort: pg.port,
    remotePort,
    key: `stored:${keyId}`,
  });
  await at('preset-fivetran');
  await preset.save();
  await expect(page.getByRole('heading', { name: 'Saved: Fivetran – warehouse' })).toBeVisible();
  await at('preset-saved');
  await page.getByRole('button', { name: 'Start the tunnel' }).click();
  const question = page.getByRole('dialog', { name: `First connection to 127.0.0.1:${sshd.port}` });
  await expect(question).toBeVisible();
  await at('host-key-question');
  await question.getByRole('button', { name: 'They match: trust and connect' }).click();
  await detail.expectStatus('Connected');
  expect(await psql(remotePort, 'select count(*) from generate_series(1, 1000)')).toBe('1000');
  expect((await psql(remotePort, "select repeat('x', 20000)")).length).toBe(20000);
  await expect(page.locator('.facts dt', { hasText: 'Connections in all' }).locator('xpath=following-sibling::dd[1]')).toHaveText('2');
  const fivetranId = decodeURIComponent(page.url().split('#/sessions/')[1]!);
  await at('tunnel');

  // A stopped tunnel whose database is down: the test shows the failing step and its fix. It logs in with the sshd's own client key.
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  const down = await freePort();
  const holisticsId = await addPresetSession(burrow, 'holistics', 'Holistics – reporting', [
    '--host',
    '127.0.0.1',
    '--port',
    String(sshd.port),
    '--user',
    sshd.user,
    '--target',
    `127.0.0.1:${down}`,
    '--remote-port',
    String(await freePort()),
    '--identity',
    sshd.clientKeyPath,
  ]);
  await reload(page, burrow, `#/sessions/${holisticsId}/test`);
  await page.getByRole('button', { name: 'Test now' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^Failed at / })).toBeVisible({ timeout: 30_000 });
  await at('test-connection');

  // A tunnel stopped by a server key that is not the one it trusts.
  const impostor = path.join(burrow.dir, 'known_hosts_impostor');
  writeFileSync(impostor, impostorKnownHosts(burrow, sshd).line);
  const movedId = await importSession(burrow, sshd, 'Secoda – analytics', `${await freePort()}:127.0.0.1:${pg.port}`, { knownHosts: impostor });
  await reload(page, burrow, '#/');
  await tunnels.start('Secoda – analytics');
  await tunnels.expectState('Secoda – analytics', /Needs attention/);
  await tunnels.expectState('Fivetran – warehouse', /Connected/);
  await tunnels.expectState('Holistics – reporting', /Stopped/);
  await at('tunnels');
  await go(page, `#/sessions/${movedId}`);
  await expect(page.getByRole('heading', { name: /Refused: the server's identity/ })).toBeVisible();
  await at('tunnel-host-key-changed');

  // A forward that only half works: on the server, another program holds 127.0.0.1 at the port
  // the vendor is told ("localhost"), so sshd listens on ::1 alone. Connected, and said loudly.
  const halfPort = await freePort();
  const squatter = net.createServer((c) => c.end('not your database\n'));
  await new Promise<void>((resolve) => squatter.listen(halfPort, '127.0.0.1', resolve));
  try {
    const halfId = await importSession(burrow, sshd, 'Espresso – orders', `${halfPort}:127.0.0.1:${pg.port}`);
    await reload(page, burrow, `#/sessions/${halfId}`);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await detail.expectStatus('Connected');
    await expect(page.getByText('Only half working:', { exact: true })).toBeVisible();
    await expect(page.getByRole('cell', { name: new RegExp(`127\\.0\\.0\\.1:${halfPort} is another program's`) })).toBeVisible();
    await at('tunnel-half-working');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await detail.expectStatus('Stopped');
    // Gone again: the screens after this one show the tour's other tunnels only.
    const removed = await burrow.cli(['sessions', 'remove', halfId]);
    expect(removed.code, removed.stderr).toBe(0);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }

  await go(page, `#/sessions/${fivetranId}/edit`);
  await expect(page.getByLabel('Name')).toHaveValue('Fivetran – warehouse');
  // Made from Fivetran's preset: a new key is the kind Fivetran asks for.
  await expect(page.getByRole('button', { name: 'Create a new RSA-2048 key' })).toBeVisible();
  await at('edit');

  // The ways to a new tunnel.
  await go(page, '#/new');
  await expect(page.getByRole('link', { name: 'Fivetran' })).toBeVisible();
  await at('new-tunnel');
  await go(page, '#/new/preset/querycanary');
  await expect(page.getByRole('heading', { name: 'QueryCanary', level: 1 })).toBeVisible();
  await at('preset-querycanary');
  const paste = new PasteCommandPage(page);
  await go(page, '#/new/paste');
  await paste.paste(FIVETRAN_COMMAND, {
    SSH_HIGH_PORT: String(await freePort()),
    LOCAL_DB_MACHINE_NAME_OR_IP: '127.0.0.1',
    LOCAL_DB_MACHINE_PORT: String(pg.port),
    FIVETRAN_SSH_USERNAME: 'fivetran',
    FIVETRAN_SUPPLIED_IP: '35.230.100.17',
    PATH_TO_PRIVATE_KEY: '~/.ssh/fivetran_rsa',
  });
  await paste.preview();
  await at('paste');
  await go(page, '#/new/blank');
  await expect(page.getByRole('heading', { name: 'New tunnel', level: 1 })).toBeVisible();
  await at('blank');
  await page.getByLabel('Name').fill('Warehouse');
  await page.getByLabel('SSH server').fill('db.example.com');
  await page.getByRole('button', { name: 'Save tunnel' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Not saved' })).toBeVisible();
  await at('blank-error');

  // Keys: an encrypted key imported (its passphrase asked for), and the list.
  const encrypted = keyFile(burrow, 'finance_ed25519', { passphrase: 'correct horse battery staple' });
  plantKey(burrow, encrypted.text, 'correct horse battery staple');
  await sshd.authorize(encrypted.publicKey);
  const importer = new KeyImportPage(page);
  await go(page, '#/keys/import');
  await importer.paste(encrypted.text);
  await expect(page.getByLabel("This key's passphrase")).toBeVisible();
  await at('key-import');
  await importer.unlock('correct horse battery staple', { store: false });
  await go(page, '#/keys');
  await expect(page.getByRole('heading', { name: 'finance_ed25519' })).toBeVisible();
  await at('keys');

  // A tunnel with that key: starting it asks for the passphrase, which opens it.
  const financeKey = plantStoredKeys(burrow, 'correct horse battery staple').find((k) => k !== keyId)!;
  await addPresetSession(burrow, 'fivetran', 'Fivetran – finance', [
    '--host',
    '127.0.0.1',
    '--port',
    String(sshd.port),
    '--user',
    sshd.user,
    '--target',
    `127.0.0.1:${pg.port}`,
    '--remote-port',
    String(await freePort()),
    '--key-id',
    financeKey,
  ]);
  await reload(page, burrow, '#/');
  await tunnels.start('Fivetran – finance');
  const ask = page.getByRole('dialog', { name: 'Passphrase for Fivetran – finance' });
  await expect(ask).toBeVisible();
  await at('passphrase-question');
  await ask.getByLabel('Passphrase').fill('correct horse battery staple');
  await ask.getByRole('button', { name: 'Open the key' }).click();
  await tunnels.expectState('Fivetran – finance', /Connected/);

  await go(page, '#/settings');
  await expect(page.getByRole('heading', { name: 'About this Burrow' })).toBeVisible();
  // The engine as npm ci installed it: ssh2's native crypto and Burrow's heap-trim addon built.
  await expect(page.getByText('Memory after busy spells')).toBeVisible();
  await expect(page.getByText(/addon missing|slow JavaScript crypto/)).toHaveCount(0);
  await at('settings');
  const boot = page.getByRole('group', { name: 'Start at boot' });
  await boot.getByRole('radio', { name: /For my account/ }).check();
  await boot.getByRole('button', { name: 'Start at boot…' }).click();
  await expect(page.getByRole('dialog', { name: 'Start Burrow at boot' })).toBeVisible();
  await at('start-at-boot');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  await go(page, '#/known-hosts');
  await expect(page.getByRole('heading', { name: 'Known hosts', level: 1 })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(sshd.hostKeyFingerprint().replace(/[+/]/g, '\\$&')) })).toBeVisible();
  await at('known-hosts');

  // Vendor keys let in (QueryCanary's direction): sent with nothing filled in, every problem said once.
  await go(page, '#/keys/vendors');
  await expect(page.getByRole('heading', { name: 'Vendor keys let in', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Let the key in' }).click();
  await expect(page.getByLabel("Vendor's public key")).toBeFocused();
  await expect(page.getByText('None yet.')).toBeVisible();
  await at('vendor-keys-refused');

  expect(seen).toEqual([...SCREENS]);
  // The host key Burrow was asked to trust is the only one it wrote; the impostor file is as it was.
  expect(
    readFileSync(path.join(burrow.home, '.ssh', 'known_hosts'), 'utf8')
      .trim()
      .split('\n'),
  ).toHaveLength(1);
}
