/** A vendor's command pasted as its guide prints it: placeholders filled in the window, saved, started, PostgreSQL through it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect, plantKey } from '../fixtures.js';
import { SessionDetailPage, PasteCommandPage } from '../pages.js';
import { espressoPem, FIVETRAN_COMMAND, storedSession } from '../setup.js';
import { freePort } from '../../test/helpers/net.js';
import { psql } from '../../test/helpers/postgres.js';

test("Fivetran's autossh command, its placeholders filled, is saved as it says and runs", async ({ page, burrow, sshd, pg }) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  const remotePort = await freePort();
  await page.getByRole('button', { name: 'New tunnel' }).first().click();
  await page.getByRole('link', { name: 'Paste a command' }).click();

  const paste = new PasteCommandPage(page);
  // The guide's line, pointed at the test server's port (the guide leaves the port at 22).
  await paste.paste(`${FIVETRAN_COMMAND} -p ${sshd.port}`, {
    SSH_HIGH_PORT: String(remotePort),
    LOCAL_DB_MACHINE_NAME_OR_IP: '127.0.0.1',
    LOCAL_DB_MACHINE_PORT: String(pg.port),
    FIVETRAN_SSH_USERNAME: sshd.user,
    FIVETRAN_SUPPLIED_IP: '127.0.0.1',
    PATH_TO_PRIVATE_KEY: sshd.clientKeyPath,
  });
  await paste.preview();
  const preview = page.getByRole('region', { name: 'What would be saved' });
  await expect(preview.getByRole('listitem').first()).toContainText(
    `${sshd.user}@127.0.0.1:${sshd.port}, forward -R ${remotePort}:127.0.0.1:${pg.port}, server key asked about the first time`,
  );
  // What it could not take is said, with why: autossh's -f has no meaning for Burrow.
  await expect(preview.getByText(/^-f \(go to the background\)/)).toBeVisible();
  await preview.getByLabel('Name').fill('Fivetran (pasted)');
  await preview.getByRole('button', { name: 'Save this tunnel' }).click();
  await expect(page.getByRole('heading', { name: 'Saved: Fivetran (pasted)' })).toBeFocused();

  const saved = await storedSession(burrow, 'Fivetran (pasted)');
  expect(saved).toMatchObject({
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    autostart: true,
    auth: { identityFiles: [sshd.clientKeyPath] },
    hostKey: { policy: 'ask' },
    keepalive: { intervalSeconds: 10, countMax: 1 },
    forwards: [{ type: 'remote', bindPort: remotePort, targetHost: '127.0.0.1', targetPort: pg.port }],
  });

  await page.getByRole('button', { name: 'Start the tunnel' }).click();
  const question = page.getByRole('dialog', { name: `First connection to 127.0.0.1:${sshd.port}` });
  await expect(question.getByText(sshd.hostKeyFingerprint())).toBeVisible();
  await question.getByRole('button', { name: 'They match: trust and connect' }).click();
  await new SessionDetailPage(page).expectStatus('Connected');
  expect(await psql(remotePort, 'select 6 * 7')).toBe('42');
});

test('a wrong placeholder value is said once, with the focus on what says it; a preview takes the focus to what it shows', async ({ page, burrow, sshd }) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  await page.getByRole('button', { name: 'New tunnel' }).first().click();
  await page.getByRole('link', { name: 'Paste a command' }).click();
  const paste = new PasteCommandPage(page);
  const values = {
    SSH_HIGH_PORT: '99999',
    LOCAL_DB_MACHINE_NAME_OR_IP: '127.0.0.1',
    LOCAL_DB_MACHINE_PORT: '5432',
    FIVETRAN_SSH_USERNAME: sshd.user,
    FIVETRAN_SUPPLIED_IP: '127.0.0.1',
    PATH_TO_PRIVATE_KEY: sshd.clientKeyPath,
  };
  await paste.paste(FIVETRAN_COMMAND, values);
  await page.getByRole('button', { name: 'Show what would be saved' }).click();
  // The value is wrong where the command uses it (-R 99999:…): said in a note the focus moves to, the fix once.
  const note = page.getByRole('alert').filter({ hasText: '-R 99999:127.0.0.1:5432: is not a port number' });
  await expect(note).toBeFocused();
  const said = (await note.textContent()) ?? '';
  expect(said.split('Give a number from 0 to 65535.').length - 1, said).toBe(1);
  const box = page.getByLabel('SSH_HIGH_PORT', { exact: true });
  await box.fill('23456');
  await page.getByRole('button', { name: 'Show what would be saved' }).click();
  await expect(page.getByRole('heading', { name: 'What would be saved' })).toBeFocused();
});

test("Espresso Logic's `-i <private-key-file>.pem`: the key is chosen, not typed into the placeholder; the preview says whether it can be used; no .pem.pem", async ({
  page,
  burrow,
}) => {
  // The .pem Espresso Logic sends: an RSA key in PEM.
  const { path: pem } = espressoPem(burrow);
  await page.getByRole('button', { name: 'New tunnel' }).first().click();
  await page.getByRole('link', { name: 'Paste a command' }).click();
  await page
    .getByLabel('The command, script or config')
    .fill('ssh -nNT -i <private-key-file>.pem -R 23432:<database-server-address>:<database-server-port> tunnel@<your-server-name>');
  for (const [k, v] of [
    ['database-server-address', '127.0.0.1'],
    ['database-server-port', '5432'],
    ['your-server-name', 'espresso.example.com'],
  ] as const)
    await page.getByLabel(k, { exact: true }).fill(v);
  // No box to type a path into: a key chooser in its place.
  await expect(page.getByLabel('private-key-file', { exact: true })).toHaveCount(0);
  await expect(page.getByText('The command names the key to log in with (private-key-file)')).toBeVisible();

  // Sent without a key: said on the chooser, the focus there.
  await page.getByRole('button', { name: 'Show what would be saved' }).click();
  await expect(page.getByText(/The command names a key \(private-key-file\)\. Choose a key Burrow holds/)).toBeVisible();
  await expect(page.getByLabel('Log in with')).toBeFocused();

  // A path that is not on this machine: the preview says so before anything is saved.
  await page.getByLabel('Log in with').selectOption('file');
  await page.getByLabel('Key file path').fill(path.join(burrow.dir, 'elsewhere', 'espresso_tunnel.pem'));
  await page.getByRole('button', { name: 'Show what would be saved' }).click();
  const preview = page.getByRole('region', { name: 'What would be saved' });
  await expect(preview.getByText(/espresso_tunnel\.pem: not on this machine\. Choose the key above/)).toBeVisible();

  // The real file, its name typed whole (with its .pem): read, named, usable.
  await page.getByLabel('Key file path').fill(pem);
  await page.getByRole('button', { name: 'Show what would be saved' }).click();
  await expect(
    preview.getByText(new RegExp(`the key file ${pem.replace(/[.]/g, '\\.')} \\(ssh-rsa, pem-pkcs1, SHA256:[A-Za-z0-9+/]+\\): can be read`)),
  ).toBeVisible();
  await preview.getByRole('button', { name: 'Save this tunnel' }).click();
  const heading = page.getByRole('heading', { name: /^Saved: / });
  await expect(heading).toBeFocused();
  const saved = await storedSession(burrow, (await heading.textContent())!.replace(/^Saved: /, ''));
  expect(saved).toMatchObject({ host: 'espresso.example.com', auth: { identityFiles: [pem] } });
});

test('a PuTTY .reg naming a key file of another machine (PublicKeyFile C:\\Users\\me\\fivetran.ppk): the preview says it is not here, and a key Burrow holds is chosen instead', async ({
  page,
  burrow,
  sshd,
}) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  const reg = [
    'Windows Registry Editor Version 5.00',
    '',
    '[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions\\fivetran]',
    '"HostName"="127.0.0.1"',
    `"PortNumber"=dword:${sshd.port.toString(16).padStart(8, '0')}`,
    `"UserName"="${sshd.user}"`,
    '"PublicKeyFile"="C:\\\\Users\\\\me\\\\fivetran.ppk"',
    '"PortForwardings"="R11433=127.0.0.1:5432"',
    '',
  ].join('\r\n');
  await page.getByRole('button', { name: 'New tunnel' }).first().click();
  await page.getByRole('link', { name: 'Paste a command' }).click();
  await page.getByLabel('The command, script or config').fill(reg);
  await page.getByRole('button', { name: 'Show what would be saved' }).click();
  const preview = page.getByRole('region', { name: 'What would be saved' });
  await expect(preview.getByText(/fivetran\.ppk: not on this machine/)).toBeVisible();
  await expect(page.getByText('The key the command names cannot be used on this machine: choose the one to log in with.')).toBeVisible();
  // The key as the vendor handed it, pasted into the chooser: stored by Burrow and chosen.
  await page.getByRole('button', { name: 'Paste a key…' }).click();
  await page.getByLabel('The private key').fill(readFileSync(sshd.clientKeyPath, 'utf8'));
  await page.getByRole('button', { name: 'Import the key' }).click();
  const select = page.getByLabel('Log in with');
  await expect(select).toHaveValue(/^stored:/);
  const stored = await select.inputValue();
  await page.getByRole('button', { name: 'Show what would be saved' }).click();
  await expect(preview.getByText(/the key "[^"]+" Burrow holds \(ssh-ed25519, SHA256:\S+\): ready to use/)).toBeVisible();
  await preview.getByRole('button', { name: 'Save this tunnel' }).click();
  await expect(page.getByRole('heading', { name: 'Saved: fivetran' })).toBeFocused();
  const saved = await storedSession(burrow, 'fivetran');
  expect(saved).toMatchObject({ auth: { identityFiles: [], keyId: stored.slice('stored:'.length) } });
});
