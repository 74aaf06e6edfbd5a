/** A vendor's command pasted as its guide prints it: placeholders filled in the window, saved, started, PostgreSQL through it. */
import { readFileSync } from 'node:fs';
import { test, expect, plantKey } from '../fixtures.js';
import { SessionDetailPage, PasteCommandPage } from '../pages.js';
import { FIVETRAN_COMMAND, storedSession } from '../setup.js';
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
