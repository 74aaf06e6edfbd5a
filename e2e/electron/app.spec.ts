/**
 * The real desktop app, driven by Playwright's `_electron`, against a real sshd: launched hidden
 * at login, its tray, a session marked "start automatically" carrying data, the window and its
 * isolation, a second launch, and Quit stopping the tunnels before the app exits.
 *
 * They need an Electron binary and a display; where there is none they are skipped, and the
 * reason is printed (this machine and CI: no binary can be downloaded here).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test, expect } from '@playwright/test';
import { Sshd } from '../../test/helpers/sshd.js';
import { echoServer, freePort, roundTrip } from '../../test/helpers/net.js';
import { loopbackRemote } from '../../test/helpers/session.js';
import { electronBinary, launch, ROOT } from './launch.js';

const electron = electronBinary();
if (electron.why) console.log(`e2e/electron: skipped: ${electron.why}`);

test.describe('the desktop app', () => {
  test.skip(electron.why !== undefined, electron.why ?? '');

  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let dir: string;
  test.beforeAll(async () => {
    sshd = await Sshd.start({ logLevel: 'DEBUG1' });
    echo = await echoServer();
  });
  test.afterAll(async () => {
    await echo?.close();
    await sshd?.dispose();
  });
  test.beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'burrow-electron-'));
  });
  test.afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A config with one session to the test's sshd. */
  function saveSession(port: number, autostart: boolean): void {
    mkdirSync(path.join(dir, 'config'), { recursive: true });
    writeFileSync(
      path.join(dir, 'config', 'config.json'),
      JSON.stringify({
        version: 3,
        sessions: [
          {
            name: 'warehouse',
            host: '127.0.0.1',
            port: sshd.port,
            user: sshd.user,
            autostart,
            auth: { identityFiles: [sshd.clientKeyPath] },
            hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
            forwards: [loopbackRemote(port, echo.port)],
          },
        ],
      }),
    );
  }

  const listening = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });

  test('launched at login (--hidden): no window, a tray that shows the tunnel stopped', async () => {
    saveSession(await freePort(), false);
    const d = await launch(electron.path!, dir, ['--hidden']);
    try {
      await expect.poll(async () => (await d.tray())?.tooltip, { timeout: 30_000 }).toBe('Burrow: 1 tunnel stopped');
      expect((await d.tray())!.overall).toBe('stopped');
      expect(d.app.windows()).toHaveLength(0);
    } finally {
      await d.app.close();
    }
  });

  test('a session marked "start automatically" comes up; Quit cancels its remote listener before the app exits', async () => {
    const port = await freePort();
    saveSession(port, true);
    const d = await launch(electron.path!, dir, ['--hidden']);
    await expect.poll(async () => (await d.tray())?.overall, { timeout: 30_000 }).toBe('up');
    expect((await d.tray())!.tooltip).toBe('Burrow: 1 tunnel up');
    expect((await roundTrip(port, 'through the desktop app')).toString()).toBe('through the desktop app');
    const closed = new Promise<void>((resolve) => d.app.process().once('exit', () => resolve()));
    await d.act({ kind: 'quit' }).catch(() => {
      /* the process may exit before the answer */
    });
    await closed;
    expect(await listening(port)).toBe(false);
    expect(sshd.log()).toMatch(new RegExp(`cancel-tcpip-forward addr 127\\.0\\.0\\.1 port ${port}`));
  });

  test('Open Burrow shows the window: its own origin, no Node, the contract only; a second launch focuses it', async () => {
    saveSession(await freePort(), false);
    const d = await launch(electron.path!, dir, ['--hidden']);
    try {
      await expect.poll(async () => (await d.tray())?.tooltip, { timeout: 30_000 }).toBe('Burrow: 1 tunnel stopped');
      const shown = d.app.waitForEvent('window');
      await d.act({ kind: 'open' });
      const page = await shown;
      await expect(page.getByRole('link', { name: 'warehouse', exact: true })).toBeVisible();
      expect(page.url()).toBe('app://burrow/index.html');
      const inside = await page.evaluate(() => ({
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        requests: Object.keys((window as unknown as { burrowIpc: { requests: object } }).burrowIpc.requests).length,
      }));
      expect([inside.require, inside.process]).toEqual(['undefined', 'undefined']);
      expect(inside.requests).toBeGreaterThan(20);
      // A second launch hands over to this one and leaves.
      const second = spawnSync(electron.path!, [ROOT], {
        env: {
          ...process.env,
          HOME: path.join(dir, 'home'),
          XDG_CONFIG_HOME: path.join(dir, 'home', '.config'),
          BURROW_CONFIG: path.join(dir, 'config', 'config.json'),
        },
        timeout: 30_000,
      });
      expect(second.status).toBe(0);
      expect(d.app.windows()).toHaveLength(1);
      expect(await d.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible())).toBe(true);
    } finally {
      await d.app.close();
    }
  });
});
