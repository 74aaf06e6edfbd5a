/**
 * The window and the running Burrow as one family: what the CLI saves appears in an open window at
 * once, and a window opened on a config a service already runs shows and steers the service's
 * tunnels (and says so) instead of starting copies.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect, expectState } from '../fixtures.js';
import { importSession } from '../setup.js';
import { loopbackRemote, storedSession, writeStore } from '../../test/helpers/session.js';
import { echoServer, freePort, roundTrip } from '../../test/helpers/net.js';
import { BURROW, cleanEnv, runBurrow, startBurrow } from '../../test/helpers/cli.js';

test('a session saved with the CLI while the window is open appears in it, live; burrow status names burrow web', async ({ page, burrow, sshd }) => {
  await expect(page.getByRole('heading', { name: 'Tunnels' })).toBeVisible();
  await importSession(burrow, sshd, 'saved-from-cli', `${await freePort()}:127.0.0.1:9`);
  await expect(page.getByRole('link', { name: 'saved-from-cli', exact: true })).toBeVisible();
  const status = await burrow.cli(['status']);
  expect(status.stdout).toMatch(/^burrow web \(pid \d+\) runs the tunnels of /);
  expect(status.stdout).toContain('saved-from-cli: stopped');
});

test("a window on a config the service runs shows the service's tunnels, says so, and stops one in the service", async ({ page, sshd }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'burrow-e2e-service-'));
  const config = path.join(dir, 'config', 'config.json');
  const port = await freePort();
  const echo = await echoServer();
  const env = { HOME: path.join(dir, 'home'), BURROW_CONFIG: config };
  mkdirSync(path.dirname(config), { recursive: true, mode: 0o700 });
  writeFileSync(
    config,
    JSON.stringify({
      version: 3,
      sessions: [
        {
          name: 'warehouse',
          host: '127.0.0.1',
          port: sshd.port,
          user: sshd.user,
          autostart: true,
          auth: { identityFiles: [sshd.clientKeyPath] },
          hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
          forwards: [{ type: 'remote', bindAddress: '127.0.0.1', bindPort: port, targetHost: '127.0.0.1', targetPort: echo.port }],
        },
      ],
    }),
  );
  const service = startBurrow(['run', '--json', '--service', '--autostart', '--config', config], env);
  await service.waitForLine((l) => l.session === 'warehouse' && l.state === 'connected');
  // The window's Burrow starts after the service (as after a boot): it finds the service running.
  const web = spawn(process.execPath, [BURROW, 'web', '--config', config], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`burrow web printed no address: ${out}`)), 20_000);
      web.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(out);
        if (m && out.includes('\n', out.indexOf(m[0]))) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
    });
    await page.goto(url);
    await expect(page.getByText(`Your tunnels run in the Burrow service (pid ${service.child.pid})`)).toBeVisible();
    await expectState(page, 'warehouse', /Connected/);
    expect((await roundTrip(port, 'via the service')).toString()).toBe('via the service');
    await page.getByRole('button', { name: 'Stop warehouse' }).click();
    await expectState(page, 'warehouse', /Stopped/);
    const status = await runBurrow(['status', '--json', '--config', config], env);
    expect(JSON.parse(status.stdout) as { runBy: { pid: number }; sessions: Array<{ state: string }> }).toMatchObject({
      runBy: { pid: service.child.pid },
      sessions: [{ state: 'stopped' }],
    });
    // Closing the window's Burrow leaves the service and its tunnels alone.
    await page.getByRole('button', { name: 'Start warehouse' }).click();
    await expectState(page, 'warehouse', /Connected/);
    web.kill('SIGTERM');
    await new Promise((r) => web.once('exit', r));
    expect((await roundTrip(port, 'still up')).toString()).toBe('still up');
  } finally {
    web.kill('SIGKILL');
    service.child.kill('SIGTERM');
    await service.exited;
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Start at boot from Settings: the plan is shown before anything is written, set up, shown as set up, and removed again', async ({ page, burrow }) => {
  await page.getByRole('link', { name: 'Settings' }).click();
  const boot = page.getByRole('group', { name: 'Start at boot' });
  await expect(boot.getByRole('status')).toHaveText(/^Not set up/);
  const unit = path.join(burrow.home, '.config', 'systemd', 'user', 'burrow.service');

  if (process.getuid?.() === 0) {
    // Root without sudo is asked whose service it is, in the app's words (the CLI asks the same).
    await boot.getByRole('button', { name: 'Start at boot…' }).click();
    await expect(boot.getByRole('alert')).toContainText('you are root, not under sudo');
    await expect(boot.getByRole('alert')).toContainText('Choose the system scope');
    await expect(page.getByRole('dialog')).toHaveCount(0);
  }
  await boot.getByRole('radio', { name: /For my account/ }).check();
  await boot.getByRole('button', { name: 'Start at boot…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Start Burrow at boot' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(unit);
  await expect(dialog.locator('code.command')).toContainText(['systemctl --user daemon-reload', 'systemctl --user enable --now burrow.service']);
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  expect(existsSync(unit), 'showing the plan writes nothing').toBe(false);
  expect(burrow.serviceCalls(), 'showing the plan runs nothing').toEqual([]);
  await dialog.getByText('Show the file').click();
  await expect(dialog.locator('pre')).toContainText('ExecStart=');

  await dialog.getByRole('button', { name: 'Set it up' }).click();
  await expect(dialog.getByRole('status')).toHaveText(/^Done: Burrow starts at boot/);
  expect(readFileSync(unit, 'utf8')).toContain(burrow.config);
  expect(burrow.serviceCalls().slice(0, 2)).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now burrow.service']);
  await dialog.getByRole('button', { name: 'Close' }).press('Enter');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(boot.getByRole('status')).toHaveText(`Set up: ${unit} — enabled, active. It runs the tunnels marked "start automatically" of ${burrow.config}.`);
  await boot.getByText("The service's last lines in the journal").click();
  await expect(boot.locator('pre')).toHaveText(
    '2026-12-06T08:00:00+0000 box burrow[42]: warehouse: connected\n2026-12-06T08:00:05+0000 box burrow[42]: metrics: http://127.0.0.1:9876/metrics',
  );
  // The command line sees what the window did.
  expect((await burrow.cli(['service', 'status', '--user'])).stdout).toMatch(/^service \(user\): installed: /m);

  await boot.getByRole('button', { name: 'Stop starting at boot…' }).click();
  const remove = page.getByRole('dialog', { name: 'Stop starting Burrow at boot' });
  await expect(remove).toContainText(unit);
  await remove.getByRole('button', { name: 'Remove the service' }).click();
  await expect(remove.getByRole('status')).toHaveText('Done: Burrow no longer starts at boot.');
  expect(existsSync(unit)).toBe(false);
  await remove.getByRole('button', { name: 'Close' }).click();
  await expect(boot.getByRole('status')).toHaveText(/^Not set up \(for your account\)/);
});

test('when burrow web stops, the page says how to start it again and its controls are out of reach', async ({ page, sshd }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'burrow-e2e-stopped-'));
  const config = path.join(dir, 'config', 'config.json');
  writeStore(config, [storedSession(sshd, 'warehouse', [loopbackRemote(await freePort(), 9)], { autostart: false })]);
  const web = spawn(process.execPath, [BURROW, 'web', '--config', config], {
    env: cleanEnv({ HOME: path.join(dir, 'home') }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`burrow web printed no address: ${out}`)), 20_000);
      web.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
    });
    await page.goto(url);
    await expect(page.getByRole('button', { name: 'Start warehouse' })).toBeVisible();
    web.kill('SIGINT');
    await expect(page.getByRole('alert')).toContainText('Burrow does not answer, so the buttons are off. If you stopped burrow web (Ctrl-C), run it again');
    // Out of reach (inert: no click, no focus, hidden from assistive technology), still readable.
    const start = page.getByRole('button', { name: 'Start warehouse', includeHidden: true });
    expect(await start.evaluate((b) => b.closest('[inert]') !== null)).toBe(true);
    expect(await page.getByRole('button', { name: 'New tunnel', includeHidden: true }).evaluate((b) => b.closest('[inert]') !== null)).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('[inert]') ?? null)).toBeNull();
    await expect(start.click({ timeout: 1_000 })).rejects.toThrow();
    await expect(page.getByText('warehouse', { exact: true })).toBeVisible();
  } finally {
    web.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
