/** Company networks from the window alone: an HTTP proxy with a password (Debian's tinyproxy), a ProxyCommand confirmed before it runs, a jump host taken from a saved tunnel. */
import { readFileSync } from 'node:fs';
import { test, expect, plantKey } from '../fixtures.js';
import { go, PasteCommandPage, SessionDetailPage } from '../pages.js';
import { importSession, reload, storedSession } from '../setup.js';
import { HttpProxy, proxiesUnavailable } from '../../test/helpers/proxies.js';
import { freePort } from '../../test/helpers/net.js';
import { psql } from '../../test/helpers/postgres.js';

const PASSWORD = 'corp-Pass-42-never-shown';

test.skip(proxiesUnavailable() !== undefined, proxiesUnavailable() ?? '');

test('Connect through an HTTP proxy from the editor: the password kept apart, Test connection crosses the proxy, the tunnel runs through it', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  const proxy = await HttpProxy.start({ user: 'dana', password: PASSWORD });
  try {
    burrow.secrets.push(PASSWORD);
    plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
    const remote = await freePort();
    await importSession(burrow, sshd, 'Warehouse', `127.0.0.1:${remote}:127.0.0.1:${pg.port}`);
    await reload(page, burrow, '#/sessions/warehouse/edit');
    await page.getByText('Advanced').click();
    await page.getByLabel('Route').selectOption({ label: 'HTTP proxy (CONNECT)' });
    await page.getByLabel('Proxy host').fill('127.0.0.1');
    await page.getByLabel('Proxy port').fill('not a port');
    await page.getByRole('button', { name: 'Save changes' }).click();
    // A wrong port is named beside its field, and nothing is saved.
    await expect(page.getByLabel('Proxy port')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Proxy port')).toHaveAccessibleDescription(/^Proxy port must be a whole number from 1 to 65535/);
    expect((await storedSession(burrow, 'Warehouse')).proxy).toBeUndefined();

    await page.getByLabel('Proxy port').fill(String(proxy.port));
    await page.getByLabel('Proxy user (empty: none)').fill('dana');
    await page.getByLabel('Proxy password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Save changes' }).click();

    // The tunnel page shows the path; the config has the proxy and its user, never the password.
    await expect(page.getByRole('definition').filter({ hasText: 'HTTP proxy' })).toHaveText(`HTTP proxy dana@127.0.0.1:${proxy.port} → 127.0.0.1:${sshd.port}`);
    expect((await storedSession(burrow, 'Warehouse')).proxy).toEqual({ type: 'http', host: '127.0.0.1', port: proxy.port, user: 'dana' });
    expect(readFileSync(burrow.config, 'utf8')).not.toContain(PASSWORD);

    // Test connection: the proxy's step first, then the SSH steps on the far side of it.
    await page.getByRole('link', { name: 'Test connection' }).click();
    await page.getByRole('button', { name: 'Test now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Everything works.' })).toBeVisible({ timeout: 30_000 });
    const steps = page.getByRole('list', { name: 'Steps' }).getByRole('listitem');
    await expect(steps.first()).toContainText(`the HTTP proxy 127.0.0.1:${proxy.port} opens a tunnel to 127.0.0.1:${sshd.port}`);

    await reload(page, burrow, '#/sessions/warehouse');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await new SessionDetailPage(page).expectStatus('Connected');
    expect(await psql(remote, 'select 6 * 7')).toBe('42');
    expect(proxy.connects()).toContain(`CONNECT 127.0.0.1:${sshd.port} HTTP/1.1`);

    // Editing again: the form says a password is kept, and shows none.
    await reload(page, burrow, '#/sessions/warehouse/edit');
    await page.getByText('Advanced').click();
    await expect(page.getByLabel('Proxy password')).toHaveValue('');
    await expect(page.getByLabel('Proxy password')).toHaveAccessibleDescription(/^A password is kept for this proxy/);
    await page.getByRole('button', { name: 'Forget the kept password' }).click();
    await expect(page.getByLabel('Proxy password')).toHaveAccessibleDescription(/^Kept in Burrow's secret store when you save/);
    if (process.env.BURROW_SHOT) await page.locator('fieldset.connect-through').screenshot({ path: process.env.BURROW_SHOT });
  } finally {
    await proxy.dispose();
  }
});

test('a pasted command whose ProxyCommand Burrow would run: shown in full, saved only once the person ticks that they read it, then it runs through tinyproxy', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  const proxy = await HttpProxy.start();
  try {
    plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
    const remote = await freePort();
    // `nc -X connect` alone is read as an HTTP proxy Burrow speaks itself; run through `env`, it is
    // a program Burrow does not know, kept as a command.
    const helper = `/usr/bin/env nc -X connect -x 127.0.0.1:${proxy.port} %h %p`;
    const command = `ssh -N -R 127.0.0.1:${remote}:127.0.0.1:${pg.port} -p ${sshd.port} -i ${sshd.clientKeyPath} -o UserKnownHostsFile=${sshd.knownHostsPath} -o "ProxyCommand=${helper}" ${sshd.user}@127.0.0.1`;
    await go(page, '#/new/paste');
    const paste = new PasteCommandPage(page);
    await paste.paste(command);
    await paste.preview();
    const note = page.getByRole('note').filter({ hasText: 'by running a program on this machine' });
    await expect(note.getByRole('code')).toHaveText(helper);
    const save = page.getByRole('button', { name: 'Save this tunnel' });
    await expect(save).toBeDisabled();
    await note.getByLabel(/I have read this command/).check();
    await save.click();
    await page.getByRole('button', { name: 'Start the tunnel' }).click();
    await new SessionDetailPage(page).expectStatus('Connected');
    expect(await psql(remote, 'select 6 * 7')).toBe('42');
    expect(proxy.connects()).toEqual([`CONNECT 127.0.0.1:${sshd.port} HTTP/1.0`]);
    await expect(page.getByText('This tunnel runs that command on this machine each time it connects.')).toBeVisible();
  } finally {
    await proxy.dispose();
  }
});

test('a jump host chosen from a saved tunnel: its server and key copied into the hop, the path shown, the tunnel runs across it', async ({
  page,
  burrow,
  sshd,
  pg,
}) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  // The bastion is the same loopback sshd: it opens the channel to itself, as a bastion would to its neighbour.
  await importSession(burrow, sshd, 'Bastion', `127.0.0.1:${await freePort()}:127.0.0.1:${pg.port}`);
  const remote = await freePort();
  await importSession(burrow, sshd, 'Warehouse', `127.0.0.1:${remote}:127.0.0.1:${pg.port}`);
  await reload(page, burrow, '#/sessions/warehouse/edit');
  await page.getByText('Advanced').click();
  await page.getByLabel('Route').selectOption({ label: 'Jump hosts (ssh -J)' });
  await page.getByLabel('Add the server of a saved tunnel as a jump host').selectOption({ label: `Bastion (${sshd.user}@127.0.0.1:${sshd.port})` });
  await expect(page.getByLabel('Jump hosts', { exact: true })).toHaveValue(`${sshd.user}@127.0.0.1:${sshd.port}`);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('definition').filter({ hasText: 'jump host' })).toHaveText(
    `jump host ${sshd.user}@127.0.0.1:${sshd.port} → 127.0.0.1:${sshd.port}`,
  );
  expect((await storedSession(burrow, 'Warehouse')).jumpHosts).toEqual([
    { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath] },
  ]);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await new SessionDetailPage(page).expectStatus('Connected');
  expect(await psql(remote, 'select 6 * 7')).toBe('42');
});

test('a default proxy in Settings: a wrong port named, saved with its password kept apart, and shown on every tunnel that goes through it', async ({
  page,
  burrow,
}) => {
  const password = 'default-Proxy-pass-77';
  burrow.secrets.push(password);
  // A tunnel to a server that is not this machine goes through the default proxy; it is not started here.
  const out = await burrow.cli(['sessions', 'add', '--preset', 'fivetran', '--name', 'Remote', '--host', 'db.example.com', '--target', 'sql01:1433']);
  expect(out.code, out.stderr).toBe(0);
  await go(page, '#/settings');
  const proxy = page.getByRole('group', { name: 'Default proxy' });
  await proxy.getByLabel('Proxy', { exact: true }).selectOption({ label: 'HTTP proxy (CONNECT)' });
  await proxy.getByLabel('Proxy host').fill('proxy.corp.example');
  await proxy.getByLabel('Proxy port').fill('31 28');
  await proxy.getByRole('button', { name: 'Save proxy' }).click();
  await expect(proxy.getByRole('alert')).toContainText('must be a whole number from 1 to 65535');
  await expect(proxy.getByLabel('Proxy port')).toHaveAttribute('aria-invalid', 'true');

  await proxy.getByLabel('Proxy port').fill('3128');
  await proxy.getByLabel('Proxy user (empty: none)').fill('dana');
  await proxy.getByLabel('Proxy password').fill(password);
  await proxy.getByLabel('Reach these directly').fill('*.corp.example, 10.*');
  await proxy.getByRole('button', { name: 'Save proxy' }).click();
  await expect(proxy.getByLabel('Proxy password')).toHaveValue('');
  const settings = JSON.parse(readFileSync(`${burrow.config.replace(/config\.json$/, '')}settings.json`, 'utf8')) as { proxy: unknown };
  expect(settings.proxy).toEqual({ type: 'http', host: 'proxy.corp.example', port: 3128, user: 'dana', exclude: ['*.corp.example', '10.*'] });
  expect(readFileSync(`${burrow.config.replace(/config\.json$/, '')}settings.json`, 'utf8')).not.toContain(password);

  await go(page, '#/sessions/remote');
  await expect(page.getByRole('definition').filter({ hasText: 'the default proxy' })).toHaveText('the default proxy (Settings)');
});
