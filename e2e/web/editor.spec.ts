/** The editor refuses bad input, names the field beside it and in the summary, and saves nothing. */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, plantKey, requestsSent } from '../fixtures.js';
import { go } from '../pages.js';
import { importSession, reload, storedNames, storedSession } from '../setup.js';

/** The "Not saved" summary, listing every field to fix by its label. */
function summary(page: Page) {
  return page.getByRole('alert').filter({ hasText: /^Not saved: / });
}

/** A field marked invalid, its error beside it (its accessible description) naming it. */
async function expectInvalid(page: Page, label: string, problem: RegExp): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toHaveAccessibleDescription(problem);
}

test('bad input in the editor is refused with the field named, and nothing is saved', async ({ page, burrow, sshd }) => {
  await go(page, '#/new/blank');
  await page.getByLabel('Name', { exact: true }).fill('Warehouse');
  await page.getByLabel('SSH server').fill('fivetran@db.example.com');
  // A field's error shows as soon as it is typed in, before any save.
  await expectInvalid(page, 'SSH server', /^The host name or address your vendor gave you\. SSH server holds an "@".*Give the host name alone/);
  await page.getByLabel('SSH port').fill('twenty-two');
  await page.getByLabel('Port on the server').fill('70000');
  await page.getByText('Advanced').click();
  await page.getByLabel('Connect timeout (seconds)').fill('0');
  await page.getByText('Advanced').click();

  await page.getByRole('button', { name: 'Save tunnel' }).click();
  // Every problem, each beside its field and listed by name; focus on the first; "Advanced" opened for its own.
  await expect(summary(page).getByRole('listitem')).toHaveText([
    /^SSH server holds an "@"/,
    /^SSH port must be a whole number from 1 to 65535 \(got "twenty-two"\)/,
    /^User is empty\. Give the SSH user name/,
    /^Forward 1: Port on the server must be a whole number from 0 to 65535 \(got 70000\)/,
    /^Forward 1: Database port is empty: it must be a whole number from 1 to 65535/,
    /^Connect timeout \(seconds\) must be a number from 1 to 600 \(got 0\)/,
  ]);
  await expectInvalid(page, 'SSH port', /SSH port must be a whole number/);
  await expectInvalid(page, 'User', /User is empty/);
  await expectInvalid(page, 'Connect timeout (seconds)', /Connect timeout \(seconds\) must be/);
  await expectInvalid(page, 'Port on the server', /Forward 1: Port on the server must be/);
  await expectInvalid(page, 'Database port', /Forward 1: Database port is empty/);
  await expect(page.getByLabel('SSH server')).toBeFocused();
  await expect(page.getByLabel('Connect timeout (seconds)')).toBeVisible();

  // Fixed one by one, the list shrinks with them.
  await page.getByLabel('SSH server').fill('db.example.com');
  await page.getByLabel('SSH port').fill('22');
  await page.getByLabel('User', { exact: true }).fill('fivetran');
  await page.getByLabel('Connect timeout (seconds)').fill('20');
  await page.getByLabel('Port on the server').fill('15432');
  await expect(summary(page).getByRole('listitem')).toHaveText([/^Forward 1: Database port is empty/]);
  expect(requestsSent(burrow, 'sessions:create'), 'the window never sent an invalid session').toBe(0);
  expect(await storedNames(burrow)).toEqual([]);

  // The app's own check, where the form cannot know: a name another tunnel already has.
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  await importSession(burrow, sshd, 'Warehouse', '15433:127.0.0.1:5432');
  await page.getByLabel('Database port').fill('5432');
  await expect(summary(page)).toHaveCount(0);
  await page.getByRole('button', { name: 'Save tunnel' }).click();
  await expect(page.getByLabel('Name', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(summary(page).getByRole('listitem')).toHaveText([/^Name "Warehouse" is already a saved session\. Pick another name/]);
  await expect(page.getByLabel('Name', { exact: true })).toHaveAccessibleDescription(/Name "Warehouse" is already a saved session/);
  expect(requestsSent(burrow, 'sessions:create')).toBe(1);
  expect(await storedNames(burrow)).toEqual(['Warehouse']);

  // Editing a saved tunnel: the same refusal, and the stored settings stay as they were.
  const before = await storedSession(burrow, 'Warehouse');
  await reload(page, burrow, '#/sessions/warehouse/edit');
  await page.getByLabel('Database port').fill('0');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(summary(page).getByRole('listitem')).toHaveText([/^Forward 1: Database port must be a whole number from 1 to 65535 \(got 0\)/]);
  await expect(page.getByLabel('Database port')).toBeFocused();
  expect(requestsSent(burrow, 'sessions:update')).toBe(0);
  expect(await storedSession(burrow, 'Warehouse')).toEqual(before);
});

test('a forward added and switched to Local is not called wrong before anything is typed in it; a save then names its empty boxes', async ({
  page,
  burrow,
}) => {
  await go(page, '#/new/blank');
  await page.getByRole('button', { name: 'Add a forward' }).click();
  const kinds = page.getByLabel('Kind');
  await kinds.last().selectOption('local');
  await expect(page.getByLabel('Port here', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('[aria-invalid="true"]')).toHaveCount(0);
  // Typed into and left wrong: now it says so, beside the box.
  await page.getByLabel('Port here', { exact: true }).fill('99999');
  await expectInvalid(page, 'Port here', /Forward 2: Port here must be a whole number from 0 to 65535/);
  await page.getByLabel('Port here', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Save tunnel' }).click();
  await expect(
    summary(page)
      .getByRole('listitem')
      .filter({ hasText: /^Forward 2: / }),
  ).toHaveText([/^Forward 2: Port here is empty/, /^Forward 2: Database port is empty/]);
  expect(requestsSent(burrow, 'sessions:create')).toBe(0);
});

test("a vendor's preset refused on Save: every problem once in the form's words, focus on the first, nothing sent; the app's own refusal the same way", async ({
  page,
  burrow,
}) => {
  await go(page, '#/new/preset/holistics');
  await expect(page.getByRole('heading', { name: 'A tunnel for Holistics' })).toBeVisible();
  await page.getByLabel('Database port').fill('99999');
  await page.getByRole('button', { name: 'Save tunnel' }).click();
  await expect(summary(page).getByRole('listitem')).toHaveText([
    'SSH server is empty. Give the SSH server Holistics names for you.',
    'SSH user is empty. Give the user name Holistics gives you.',
    'Database port must be a whole number from 1 to 65535.',
    'Remote port is empty. Give the port Holistics gave you.',
  ]);
  await expect(page.getByLabel('SSH server')).toBeFocused();
  await expectInvalid(page, 'SSH server', /SSH server is empty/);
  await expectInvalid(page, 'Database port', /Database port must be a whole number/);
  expect(requestsSent(burrow, 'presets:create-session'), 'nothing was sent').toBe(0);

  // Fixed, saved; the same again is refused by the app alone (the name is taken), shown the same way.
  const fill = async (): Promise<void> => {
    await page.getByLabel('SSH server').fill('tunnel.holistics.io');
    await page.getByLabel('SSH user').fill('holistics');
    await page.getByLabel('Database port').fill('5432');
    await page.getByLabel(/^Remote port/).fill('23456');
  };
  await fill();
  await page.getByRole('button', { name: 'Save tunnel' }).click();
  await expect(page.getByRole('heading', { name: 'Saved: Holistics' })).toBeVisible();
  // The same form again (the address is the same: away and back).
  await go(page, '#/');
  await go(page, '#/new/preset/holistics');
  await expect(page.getByRole('heading', { name: 'A tunnel for Holistics' })).toBeVisible();
  await fill();
  await page.getByRole('button', { name: 'Save tunnel' }).click();
  await expect(summary(page).getByRole('listitem')).toHaveText([/^Name "Holistics" is already a saved session\./]);
  await expect(page.getByLabel('Name', { exact: true })).toBeFocused();
  await expectInvalid(page, 'Name', /^Name "Holistics" is already a saved session\./);
  expect(requestsSent(burrow, 'presets:create-session')).toBe(2);
});

test("an old server's algorithm lists: edited in OpenSSH's syntax, shown as the list they give with what is weak, kept when other settings change", async ({
  page,
  burrow,
  sshd,
}) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  const saved = await burrow.cli([
    'import',
    '--name',
    'legacy',
    '--',
    'ssh',
    '-N',
    '-R',
    '15434:127.0.0.1:5432',
    '-p',
    String(sshd.port),
    '-i',
    sshd.clientKeyPath,
    '-o',
    'KexAlgorithms=+diffie-hellman-group14-sha1',
    '-o',
    `UserKnownHostsFile=${sshd.knownHostsPath}`,
    `${sshd.user}@127.0.0.1`,
  ]);
  expect(saved.code, saved.stderr).toBe(0);
  await reload(page, burrow, '#/sessions/legacy/edit');
  await page.getByText('Advanced').click();
  const kex = page.getByLabel('KexAlgorithms', { exact: true });
  await expect(kex).toHaveValue('+diffie-hellman-group14-sha1');
  await expect(kex).toHaveAccessibleDescription(
    /^Offers curve25519-sha256, .*, diffie-hellman-group14-sha1 — weak: diffie-hellman-group14-sha1 \(SHA-1\); use only for a server that needs it$/,
  );
  await expect(page.getByLabel('Ciphers', { exact: true })).toHaveAccessibleDescription(/^Offers chacha20-poly1305@openssh\.com, /);

  // A name Burrow cannot use is refused beside its field, and in the summary on save.
  await page.getByLabel('HostKeyAlgorithms', { exact: true }).fill('+ssh-nope');
  await expectInvalid(page, 'HostKeyAlgorithms', /ssh-nope is not a host key algorithm Burrow can use/);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(summary(page).getByRole('listitem')).toHaveText([/^HostKeyAlgorithms .*ssh-nope/]);
  expect(requestsSent(burrow, 'sessions:update')).toBe(0);

  // Cleared, and another setting changed: the old server's key exchange stays as it was.
  await page.getByLabel('HostKeyAlgorithms', { exact: true }).fill('');
  await page.getByLabel('Keepalive every (seconds)').fill('30');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect.poll(async () => (await storedSession(burrow, 'legacy')).keepalive).toEqual({ intervalSeconds: 30, countMax: 3 });
  expect((await storedSession(burrow, 'legacy')).algorithms).toEqual({ kex: '+diffie-hellman-group14-sha1' });
});

test('a form opened before a change made elsewhere is not saved over it: the window says what changed and offers to reload', async ({ page, burrow, sshd }) => {
  const id = await importSession(burrow, sshd, 'warehouse', '15432:127.0.0.1:5432');
  await go(page, `#/sessions/${id}/edit`);
  const name = page.getByLabel('Name', { exact: true });
  await expect(name).toHaveValue('warehouse');
  // Meanwhile, on the command line: keepalive every 33 s.
  const edit = await burrow.cli(['sessions', 'edit', 'warehouse', '--keepalive-interval', '33']);
  expect(edit.code, edit.stderr).toBe(0);
  // The window, still showing the old form, saves another change.
  await name.fill('warehouse-db');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const note = page.getByRole('alert').filter({ hasText: 'was changed elsewhere' });
  await expect(note).toContainText(
    '"warehouse" was changed elsewhere since this change was started (keepalive.intervalSeconds: 15 → 33); your change was not saved',
  );
  await expect(note).toContainText('Reload it to see the settings as they are now');
  expect((await storedSession(burrow, 'warehouse')).keepalive).toEqual({ intervalSeconds: 33, countMax: 3 });
  await page.getByRole('button', { name: 'Reload the saved settings' }).click();
  await page.getByText('Advanced').click();
  await expect(page.getByLabel('Keepalive every (seconds)')).toHaveValue('33');
  await expect(name).toHaveValue('warehouse');
  await name.fill('warehouse-db');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(new RegExp(`#/sessions/${id}$`));
  const saved = await storedSession(burrow, 'warehouse-db');
  expect((saved.keepalive as { intervalSeconds: number }).intervalSeconds).toBe(33);
});
