/**
 * Keys with passphrases, through the window: imported (the passphrase asked only because the key
 * has one), asked for when a tunnel starts, remembered when the person says so; made in the wizard
 * with progress shown. Every passphrase typed, right or wrong, is planted: none may come back.
 */
import { readFileSync } from 'node:fs';
import { test, expect, plantKey, plantStoredKeys } from '../fixtures.js';
import { go, KeyImportPage, TunnelsPage } from '../pages.js';
import { addPresetSession, keyFile, reload, trustSshd } from '../setup.js';
import { freePort } from '../../test/helpers/net.js';
import { psql } from '../../test/helpers/postgres.js';

const PASSPHRASE = 'correct horse battery staple';

test('a passphrase-protected key: imported with its passphrase, asked for when its tunnel starts, remembered when asked to', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  const key = keyFile(burrow, 'finance_ed25519', { passphrase: PASSPHRASE });
  plantKey(burrow, key.text, PASSPHRASE);
  burrow.secrets.push('not the passphrase', 'still not it');
  await sshd.authorize(key.publicKey);

  await page.getByRole('link', { name: 'Keys' }).click();
  await page.getByRole('link', { name: 'Import a key' }).click();
  const importer = new KeyImportPage(page);
  await importer.paste(key.text);
  const pass = page.getByLabel("This key's passphrase");
  await expect(pass).toBeFocused();
  await pass.fill('not the passphrase');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(pass).toHaveAccessibleDescription(/That passphrase does not open this key\./);
  await importer.unlock(PASSPHRASE, { store: false });
  await expect(page.getByLabel('Public key', { exact: true })).toHaveText(key.publicKey);
  const [keyId] = plantStoredKeys(burrow, PASSPHRASE);

  await go(page, '#/keys');
  await expect(page.getByText(/protected by a passphrase \(asked when used\)/)).toBeVisible();

  // A tunnel with that key: its start asks for the passphrase, again after a wrong one.
  trustSshd(burrow, sshd);
  const remotePort = await freePort();
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
    String(remotePort),
    '--key-id',
    keyId!,
  ]);
  await reload(page, burrow);
  const tunnels = new TunnelsPage(page);
  await tunnels.start('Fivetran – finance');
  const ask = page.getByRole('dialog', { name: 'Passphrase for Fivetran – finance' });
  await expect(ask.getByLabel('Passphrase')).toBeFocused();
  await ask.getByLabel('Passphrase').fill('still not it');
  await ask.getByRole('button', { name: 'Open the key' }).click();
  await expect(ask.getByLabel('Passphrase')).toHaveAccessibleDescription('The last passphrase did not open the key.');
  await ask.getByLabel('Passphrase').fill(PASSPHRASE);
  await ask.getByLabel(/Remember it/).check();
  await ask.getByRole('button', { name: 'Open the key' }).click();
  await tunnels.expectState('Fivetran – finance', /Connected/);
  expect(await psql(remotePort, 'select 1 + 1')).toBe('2');

  // Remembered: the next start asks nothing.
  await page.getByRole('button', { name: 'Stop Fivetran – finance' }).click();
  await tunnels.expectState('Fivetran – finance', /Stopped/);
  await tunnels.start('Fivetran – finance');
  await tunnels.expectState('Fivetran – finance', /Connected/);
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await go(page, '#/keys');
  await expect(page.getByText(/protected by a passphrase \(stored\)/)).toBeVisible();
});

test('the key wizard shows progress while an RSA-4096 key is made, and protects it with the passphrase given', async ({ page, burrow }) => {
  burrow.secrets.push('wizard passphrase');
  await go(page, '#/keys/new');
  await page.getByLabel(/^RSA/).check();
  await page.getByLabel('Size (bits)').selectOption('4096');
  await page.getByLabel('Passphrase (optional)').fill('wizard passphrase');
  // Not stored unless asked for; typed twice, and a slip is caught before anything is made.
  await expect(page.getByLabel(/Store the passphrase/)).not.toBeChecked();
  await page.getByLabel('Passphrase again').fill('wizard passfrase');
  await page.getByRole('button', { name: 'Create the key' }).click();
  const again = page.getByLabel('Passphrase again');
  await expect(again).toBeFocused();
  await expect(again).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Passphrase again is not the same as the passphrase. Type it again.')).toBeVisible();
  await again.fill('wizard passphrase');
  await page.getByLabel(/Store the passphrase/).check();
  // Key generation can end before a poll would see it: record every progress the page shows.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => document.querySelectorAll('.progress').forEach((p) => seen.push(`${p.getAttribute('role')}: ${p.textContent}`))).observe(
      document.body,
      { subtree: true, childList: true, characterData: true },
    );
  });
  await page.getByRole('button', { name: 'Create the key' }).click();
  await expect(page.getByRole('heading', { name: 'Your new key' })).toBeVisible({ timeout: 30_000 });
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  expect(
    seen.some((s) => /^status: Creating the RSA-4096 key/.test(s)),
    seen.join(' | '),
  ).toBe(true);
  await expect(page.getByLabel('Public key', { exact: true })).toHaveText(/^ssh-rsa AAAA/);
  // A vendor's form that wants a file: the public key saved as one, the very line shown.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save public key' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^[A-Za-z0-9._-]+\.pub$/);
  const saved = readFileSync((await download.path())!, 'utf8');
  expect(saved).toBe(`${await page.getByLabel('Public key', { exact: true }).textContent()}\n`);
  plantStoredKeys(burrow);
  await go(page, '#/keys');
  await expect(page.getByText(/ssh-rsa, 4096 bits, protected by a passphrase \(stored\)/)).toBeVisible();
});

test("a preset's new key is made with the wizard's choices: the vendor's type, the tunnel's name, a passphrase typed twice and not stored unless asked; names stay unique", async ({
  page,
  burrow,
}) => {
  await go(page, '#/new/preset/fivetran');
  await page.getByLabel('Name', { exact: true }).fill('Fivetran – finance');
  const make = page.getByRole('button', { name: 'Create a new RSA-2048 key' });
  await make.click();
  const panel = page.getByRole('group', { name: 'A new RSA-2048 key' });
  await expect(panel.getByLabel('Key name')).toHaveValue('Fivetran – finance');
  await panel.getByLabel('Passphrase (optional)').fill('finance passphrase');
  await expect(panel.getByLabel(/Store the passphrase/)).not.toBeChecked();
  await panel.getByLabel('Passphrase again').fill('finance passfrase');
  await panel.getByRole('button', { name: 'Create the key' }).click();
  await expect(panel.getByLabel('Passphrase again')).toBeFocused();
  await expect(panel.getByText('Passphrase again is not the same as the passphrase. Type it again.')).toBeVisible();
  burrow.secrets.push('finance passphrase');
  await panel.getByLabel('Passphrase again').fill('finance passphrase');
  await panel.getByRole('button', { name: 'Create the key' }).click();
  await expect(panel).toHaveCount(0, { timeout: 30_000 });
  const chosen = page.getByLabel('Log in with');
  await expect(chosen.locator('option:checked')).toHaveText(/^Fivetran – finance \(ssh-rsa, SHA256:/);

  // A second tunnel's key of the same name is told apart.
  await make.click();
  await panel.getByRole('button', { name: 'Create the key' }).click();
  await expect(panel).toHaveCount(0, { timeout: 30_000 });
  await expect(chosen.locator('option:checked')).toHaveText(/^Fivetran – finance \(2\) \(ssh-rsa, /);
  plantStoredKeys(burrow, 'finance passphrase');
  await go(page, '#/keys');
  // Both made with the passphrase given, neither with it stored.
  await expect(page.getByText(/ssh-rsa, 2048 bits, protected by a passphrase(?! \(stored\))/)).toHaveCount(2);
});

test("Secoda's SSH_KEY_BASE64 pasted into its preset's key picker: the key is imported and chosen", async ({ page, burrow }) => {
  const key = keyFile(burrow, 'secoda_key');
  const base64 = Buffer.from(key.text).toString('base64');
  burrow.secrets.push(base64);
  await go(page, '#/new/preset/secoda');
  await page.getByRole('button', { name: 'Paste a key…' }).click();
  await page.getByLabel('The private key').fill(base64);
  await page.getByRole('button', { name: 'Import the key' }).click();
  await expect(page.getByLabel('The private key')).toHaveCount(0);
  await expect(page.getByLabel('Log in with').locator('option:checked')).toHaveText(/^secoda_key \(ssh-ed25519, SHA256:/);
});
