/**
 * The vendors' guides followed in the window alone: after `burrow web` starts, every step a person
 * takes is in the page — the key made or handed over, the tunnel from the vendor's preset or its
 * pasted script, the server's key trusted, the tunnel started, and (Fivetran) Burrow set to start
 * at boot. The harness only plays the vendor's side: it adds the public key the page shows to the
 * test sshd (what the vendor's support does) and queries PostgreSQL through the tunnel (what the
 * vendor's service does). QueryCanary, which connects in instead, is e2e/web/vendor-keys.spec.ts.
 *
 * The test server cannot be the vendor's: it listens on its own port and logs in its own user, so
 * the forms are given those where a guide has fixed ones (Holistics' 50022, Espresso's `tunnel`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from '../fixtures.js';
import { PresetPage, PasteCommandPage, SessionDetailPage } from '../pages.js';
import { espressoPem } from '../setup.js';
import type { Sshd } from '../../test/helpers/sshd.js';
import { freePort } from '../../test/helpers/net.js';
import { psql } from '../../test/helpers/postgres.js';
import { socksConnect } from '../../test/helpers/socks-client.js';
import { SECODA } from '../../test/core/config/importers/guides.js';

/** Start on the saved screen → the first connection's host-key question → trusted → Connected. */
async function startAndTrust(page: Page, sshd: Sshd): Promise<void> {
  await page.getByRole('button', { name: 'Start the tunnel' }).click();
  const question = page.getByRole('dialog', { name: `First connection to 127.0.0.1:${sshd.port}` });
  await expect(question.getByText(sshd.hostKeyFingerprint())).toBeVisible();
  await question.getByRole('button', { name: 'They match: trust and connect' }).click();
  await new SessionDetailPage(page).expectStatus('Connected');
}

/** "Create a new … key" in a tunnel's form: made with the wizard's choices, chosen for the tunnel. */
async function newKeyInForm(page: Page, kind: string): Promise<void> {
  await page.getByRole('button', { name: `Create a new ${kind} key` }).click();
  const form = page.getByRole('group', { name: `A new ${kind} key` });
  await form.getByRole('button', { name: 'Create the key' }).click();
  await expect(form).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByLabel('Log in with')).toHaveValue(/^stored:/);
}

/** The public key the saved screen leads its next steps with, as the person copies it to the vendor. */
async function publicKeyShown(page: Page): Promise<string> {
  const line = page.locator('pre.public-key');
  await expect(line).toHaveText(/^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp256) AAAA\S+/);
  return (await line.textContent())!.trim();
}

test('Fivetran: preset, a new RSA-2048 key, the public key to Fivetran, trust, Connected, PostgreSQL through the remote port; then start at boot (the unit passes systemd-analyze verify)', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  const remotePort = await freePort();
  await page.getByRole('button', { name: 'New tunnel' }).first().click();
  await page.getByRole('link', { name: 'Fivetran' }).click();
  const preset = new PresetPage(page);
  await preset.fill({ name: 'Fivetran – warehouse', host: '127.0.0.1', port: sshd.port, user: sshd.user, targetHost: '127.0.0.1', database: 'postgresql' });
  await page.getByLabel('Database port').fill(String(pg.port));
  await page.getByLabel(/^Remote port/).fill(String(remotePort));
  await newKeyInForm(page, 'RSA-2048');
  await preset.save();
  await expect(page.getByRole('heading', { name: 'Saved: Fivetran – warehouse' })).toBeVisible();
  const publicKey = await publicKeyShown(page);
  expect(publicKey).toMatch(/^ssh-rsa /);
  await sshd.authorize(publicKey); // Fivetran Support adds it to its reverse SSH host
  await startAndTrust(page, sshd);
  expect(await psql(remotePort, "select 'fivetran ' || 6 * 7")).toBe('fivetran 42');

  // The guide's last step (Task Scheduler at logon, a systemd unit): Settings → Start at boot.
  await page.getByRole('link', { name: 'Settings' }).click();
  const boot = page.getByRole('group', { name: 'Start at boot' });
  await boot.getByRole('radio', { name: /For my account/ }).check();
  await boot.getByRole('button', { name: 'Start at boot…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Start Burrow at boot' });
  await dialog.getByRole('button', { name: 'Set it up' }).click();
  await expect(dialog.getByRole('status')).toHaveText(/^Done: Burrow starts at boot/);
  const unit = path.join(burrow.home, '.config', 'systemd', 'user', 'burrow.service');
  const runtime = path.join(burrow.dir, 'xdg-runtime');
  mkdirSync(runtime, { mode: 0o700 });
  const verify = spawnSync('systemd-analyze', ['verify', '--user', unit], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
  expect(`${verify.stdout}${verify.stderr}`.trim(), 'systemd-analyze has nothing to say about the unit the window wrote').toBe('');
  expect(verify.status).toBe(0);
  expect(readFileSync(unit, 'utf8')).toContain(burrow.config);
});

test('Holistics: preset (its port 50022 changed to the test server), a new RSA-4096 key, remote forward on every interface (-R *:port), PostgreSQL through it', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  void burrow; // its own `burrow web`, opened in the page
  const tunnelPort = await freePort();
  await page.getByRole('button', { name: 'New tunnel' }).first().click();
  await page.getByRole('link', { name: 'Holistics' }).click();
  await expect(page.getByLabel('SSH port')).toHaveValue('50022');
  const preset = new PresetPage(page);
  await preset.fill({ name: 'Holistics', host: '127.0.0.1', port: sshd.port, user: sshd.user, targetHost: '127.0.0.1', database: 'postgresql' });
  await page.getByLabel('Database port').fill(String(pg.port));
  await page.getByLabel('Remote port Holistics gave you').fill(String(tunnelPort));
  await newKeyInForm(page, 'RSA-4096');
  await preset.save();
  await expect(page.getByRole('heading', { name: 'Saved: Holistics' })).toBeVisible();
  await sshd.authorize(await publicKeyShown(page)); // Holistics Support authorises it
  await startAndTrust(page, sshd);
  await expect(page.getByText(`-R *:${tunnelPort}:127.0.0.1:${pg.port}`).first()).toBeVisible();
  expect(await psql(tunnelPort, "select 'holistics ' || 6 * 7")).toBe('holistics 42');
});

test('Espresso Logic: preset, the .pem Espresso sent imported in the key chooser (no conversion to .ppk), PostgreSQL through the remote port', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  const { path: pem, publicKey } = espressoPem(burrow);
  await sshd.authorize(publicKey); // Espresso's server has the key it made
  const remotePort = await freePort();
  await page.getByRole('button', { name: 'New tunnel' }).first().click();
  await page.getByRole('link', { name: 'Espresso Logic' }).click();
  const preset = new PresetPage(page);
  await preset.fill({ name: 'Espresso', host: '127.0.0.1', port: sshd.port, user: sshd.user, targetHost: '127.0.0.1' });
  await page.getByLabel('Database port').fill(String(pg.port));
  await page.getByLabel(/^Remote port/).fill(String(remotePort));
  await page.getByLabel('Key file to import').setInputFiles(pem);
  await expect(page.getByLabel('Log in with').locator('option:checked')).toHaveText(/^espresso_tunnel \(ssh-rsa, SHA256:/);
  await preset.save();
  await expect(page.getByRole('heading', { name: 'Saved: Espresso' })).toBeVisible();
  await startAndTrust(page, sshd);
  expect(await psql(remotePort, "select 'espresso ' || 6 * 7")).toBe('espresso 42');
});

test("Secoda: its agent script pasted as its tunnel page gives it (SSH_KEY_BASE64, the server's host key pinned), reverse SOCKS on 0.0.0.0, PostgreSQL by name through it", async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  // Secoda makes the key and hands it over inside the script.
  const vendorKey = path.join(burrow.dir, 'secoda_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', vendorKey]);
  await sshd.authorize(readFileSync(`${vendorKey}.pub`, 'utf8'));
  const base64 = readFileSync(vendorKey).toString('base64');
  burrow.secrets.push(base64);
  const listenPort = await freePort();
  const hostKey = readFileSync(`${sshd.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const script = [
    '#!/bin/sh',
    `SSH_USER=${sshd.user}`,
    'SSH_HOST=127.0.0.1',
    `SSH_HOST_PORT=${sshd.port}`,
    `SSH_LISTEN_PORT=${listenPort}`,
    `SSH_KEY_BASE64=${base64}`,
    'TEMPFILE=$(mktemp)',
    `echo "[$SSH_HOST]:$SSH_HOST_PORT ${hostKey}" > $TEMPFILE`,
    SECODA,
    '',
  ].join('\n');
  await page.getByRole('button', { name: 'New tunnel' }).first().click();
  await page.getByRole('link', { name: 'Paste a command' }).click();
  await new PasteCommandPage(page).paste(script);
  await page.getByRole('button', { name: 'Show what would be saved' }).click();
  const preview = page.getByRole('region', { name: 'What would be saved' });
  await expect(preview.getByText(/the private key in the input, which goes to Burrow's secret store \(ssh-rsa, SHA256:\S+\): ready to use/)).toBeVisible();
  await expect(preview.getByText(/1 private key will go to Burrow's secret store/)).toBeVisible();
  await preview.getByRole('button', { name: 'Save this tunnel' }).click();
  await expect(page.getByRole('heading', { name: /^Saved: Secoda/ })).toBeFocused();
  // The script pins the server's key: no question, straight to Connected.
  await page.getByRole('button', { name: 'Start the tunnel' }).click();
  await new SessionDetailPage(page).expectStatus('Connected');

  // Secoda's side: a SOCKS connection through the listen port, the database asked for by name.
  const bridge = net.createServer((c) => {
    socksConnect(listenPort, 'socks5-name', 'localhost', pg.port).then(
      (s) => {
        c.pipe(s).pipe(c);
        s.on('error', () => c.destroy());
        c.on('error', () => s.destroy());
      },
      () => c.destroy(),
    );
  });
  await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
  try {
    expect(await psql((bridge.address() as net.AddressInfo).port, "select 'secoda ' || 6 * 7")).toBe('secoda 42');
  } finally {
    bridge.close();
  }
});
