/**
 * The desktop app's behaviour with Electron's parts replaced by recorders: what the tray shows,
 * what the menu's actions call, notices, wake-ups, closing the window, and Quit — first against a
 * recording app, then against the real app and a real sshd (Quit releases the vendor's port
 * before the process exits).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import type { EventName, Events, KeyView, RequestArgs, RequestName, SessionView, Settings } from '../../common/contract.js';
import type { SessionState } from '../../common/session.js';
import { BurrowApp, type CallResult } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { DesktopController, type AppPort, type DesktopPorts } from '../../main/shell/desktop.js';
import type { Notice } from '../../common/notifications.js';
import { NUDGE_AGAIN_S } from '../../main/shell/nudger.js';
import type { Overall } from '../../main/shell/overall.js';
import type { LoginItemState, MenuEntry } from '../../main/shell/tray-menu.js';
import { tempDir } from '../core/config/fixtures.js';
import { echoServer, freePort, roundTrip, waitFor } from '../helpers/net.js';
import { loopbackRemote } from '../helpers/session.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { fakeTimers, view } from './fakes.js';

const SETTINGS: Settings = {
  launchAtLogin: false,
  notifications: { down: true, back: true, needsPerson: true },
  theme: 'system',
  metrics: { enabled: false, address: '127.0.0.1:9876' },
  proxy: null,
};

/** An app that answers from a list of views and records every call. */
class RecordingApp implements AppPort {
  readonly calls: Array<[string, unknown]> = [];
  private listener: (<E extends EventName>(name: E, payload: Events[E]) => void) | undefined;
  stopAllDone: (() => void) | undefined;

  constructor(public views: SessionView[]) {}

  call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<CallResult<K>> {
    return this.dispatch(name, args) as Promise<CallResult<K>>;
  }

  async dispatch(name: string, args: unknown): Promise<CallResult> {
    this.calls.push([name, args]);
    if (name === 'sessions:list') return { ok: true, value: this.views };
    if (name === 'settings:get') return { ok: true, value: SETTINGS };
    if (name === 'keys:get') return { ok: true, value: { id: (args as { id: string }).id, publicKey: 'ssh-ed25519 AAAAC3Nz burrow-key' } as KeyView };
    if (name === 'sessions:stop-all')
      await new Promise<void>((r) => {
        this.stopAllDone = r;
      });
    return { ok: true, value: null };
  }

  attach(listener: <E extends EventName>(name: E, payload: Events[E]) => void): () => void {
    this.listener = listener;
    return () => {
      this.listener = undefined;
    };
  }

  emit<E extends EventName>(name: E, payload: Events[E]): void {
    this.listener?.(name, payload);
  }

  named(name: string): unknown[] {
    return this.calls.filter(([n]) => n === name).map(([, a]) => a);
  }
}

interface Recorded {
  trays: Array<{ overall: Overall; tooltip: string; menu: ReadonlyArray<MenuEntry> }>;
  notices: Notice[];
  windows: Array<string | undefined>;
  copied: string[];
  exits: number;
  login: LoginItemState;
  runBy?: { door: string; pid: number };
}

function desktop(app: AppPort): { d: DesktopController; rec: Recorded; t: ReturnType<typeof fakeTimers> } {
  const t = fakeTimers();
  const rec: Recorded = { trays: [], notices: [], windows: [], copied: [], exits: 0, login: { enabled: false } };
  const ports: DesktopPorts = {
    showTray: (overall, tooltip, menu) => rec.trays.push({ overall, tooltip, menu }),
    notify: (n) => rec.notices.push(n),
    showWindow: (route) => rec.windows.push(route),
    copy: (text) => rec.copied.push(text),
    loginState: () => rec.login,
    exit: () => {
      rec.exits++;
    },
    runBy: () => rec.runBy,
    timers: t,
  };
  return { d: new DesktopController(app, ports), rec, t };
}

const changed = (id: string, state: SessionState): SessionView => view(id, state, id === 'a' ? 'key-a' : undefined);

test('the tray shows the sessions at start and follows their changes, rebuilt at most every 300 ms', async () => {
  const app = new RecordingApp([changed('a', 'stopped'), changed('b', 'stopped')]);
  const { d, rec, t } = desktop(app);
  await d.start();
  assert.equal(rec.trays.length, 1);
  assert.deepEqual([rec.trays[0]!.overall, rec.trays[0]!.tooltip], ['stopped', 'Burrow: 2 tunnels stopped']);
  for (let i = 0; i < 50; i++) {
    app.emit('sessions:changed', [changed('a', i % 2 ? 'connecting' : 'connected')]);
    t.advance(20);
  }
  app.emit('sessions:changed', [changed('a', 'connected')]);
  t.advance(1000);
  assert.ok(rec.trays.length <= 1 + 5, `${rec.trays.length} rebuilds for 51 changes in 1 s`);
  const last = rec.trays.at(-1)!;
  assert.deepEqual([last.overall, last.tooltip], ['up', 'Burrow: 1 tunnel up, 1 stopped']);
  app.emit('sessions:removed', { id: 'b' });
  t.advance(1000);
  assert.equal(rec.trays.at(-1)!.tooltip, 'Burrow: 1 tunnel up');
});

test('each menu action becomes its contract call or window route', async () => {
  const app = new RecordingApp([changed('a', 'connected'), changed('b', 'stopped')]);
  const { d, rec } = desktop(app);
  await d.start();
  await d.act({ kind: 'start', id: 'b' });
  await d.act({ kind: 'stop', id: 'a' });
  await d.act({ kind: 'retry', id: 'a' });
  await d.act({ kind: 'start-all' });
  void d.act({ kind: 'stop-all' });
  await waitFor(() => app.stopAllDone !== undefined, 'stop-all');
  app.stopAllDone!();
  await d.act({ kind: 'copy-public-key', id: 'a' });
  await d.act({ kind: 'copy-public-key', id: 'b' });
  await d.act({ kind: 'test', id: 'a' });
  await d.act({ kind: 'details', id: 'a b' });
  await d.act({ kind: 'open' });
  assert.deepEqual(app.named('sessions:start'), [{ id: 'b' }]);
  assert.deepEqual(app.named('sessions:stop'), [{ id: 'a' }]);
  assert.deepEqual(app.named('sessions:retry'), [{ id: 'a' }]);
  assert.equal(app.named('sessions:start-all').length, 1);
  assert.equal(app.named('sessions:stop-all').length, 1);
  assert.deepEqual(app.named('keys:get'), [{ id: 'key-a' }], 'a session without a stored key has nothing to copy');
  assert.deepEqual(rec.copied, ['ssh-ed25519 AAAAC3Nz burrow-key']);
  assert.deepEqual(rec.windows, ['/sessions/a/test', '/sessions/a%20b', undefined]);
});

test("Launch at login flips the OS's real state, and the menu shows the new one", async () => {
  const app = new RecordingApp([]);
  const { d, rec } = desktop(app);
  await d.start();
  rec.login = { enabled: true, disabledByUser: true };
  await d.act({ kind: 'toggle-login' });
  assert.deepEqual(app.named('settings:set'), [{ launchAtLogin: false }], 'switched off by the person shows as on-but-off; toggling turns it off');
  rec.login = { enabled: false };
  await d.act({ kind: 'toggle-login' });
  assert.deepEqual(app.named('settings:set').at(-1), { launchAtLogin: true });
  rec.login = { enabled: true };
  await d.act({ kind: 'toggle-login' });
  const box = rec.trays.at(-1)!.menu.find((e) => e.type === 'checkbox') as Extract<MenuEntry, { type: 'checkbox' }>;
  assert.equal(box.checked, true);
});

test('notices for down, back and needs-a-person; closing the window says once that Burrow keeps running', async () => {
  const app = new RecordingApp([changed('a', 'connected')]);
  const { d, rec, t } = desktop(app);
  await d.start();
  assert.equal(rec.notices.length, 0, 'the state at start is not news');
  app.emit('sessions:changed', [changed('a', 'reconnecting')]);
  app.emit('sessions:changed', [changed('a', 'connected')]);
  t.advance(61_000);
  app.emit('sessions:changed', [changed('a', 'error')]);
  assert.deepEqual(
    rec.notices.map((n) => `${n.kind}: ${n.title}`),
    ['down: a is down', 'back: a is back', 'needsPerson: a needs you'],
  );
  app.emit('settings:changed', { ...SETTINGS, notifications: { down: false, back: true, needsPerson: true } });
  t.advance(61_000);
  app.emit('sessions:changed', [changed('a', 'connected')]);
  app.emit('sessions:changed', [changed('a', 'reconnecting')]);
  assert.deepEqual(
    rec.notices.map((n) => n.kind),
    ['down', 'back', 'needsPerson', 'back'],
    'down notices switched off in Settings',
  );
  d.windowClosed();
  d.windowClosed();
  assert.equal(rec.notices.filter((n) => n.title === 'Burrow keeps running').length, 1);
});

test('resume, unlock or network-up nudge every waiting tunnel at once and on a schedule', async () => {
  const app = new RecordingApp([]);
  const { d, t } = desktop(app);
  await d.start();
  d.wake();
  assert.equal(app.named('sessions:nudge-all').length, 1, 'at once');
  t.advance(60_000);
  assert.equal(app.named('sessions:nudge-all').length, 1 + NUDGE_AGAIN_S.length);
});

test('Quit stops every tunnel first and exits only after; twice is once', async () => {
  const app = new RecordingApp([changed('a', 'connected')]);
  const { d, rec } = desktop(app);
  await d.start();
  d.wake();
  const q1 = d.quit();
  const q2 = d.quit();
  await waitFor(() => app.stopAllDone !== undefined, 'stop-all');
  assert.equal(rec.exits, 0, 'not before the tunnels are stopped');
  app.stopAllDone!();
  await Promise.all([q1, q2]);
  assert.equal(rec.exits, 1);
  assert.equal(app.named('sessions:stop-all').length, 1);
});

test('when a service runs the tunnels, the menu says so and Quit leaves them running', async () => {
  const app = new RecordingApp([changed('a', 'connected')]);
  const { d, rec } = desktop(app);
  rec.runBy = { door: 'the Burrow service', pid: 4242 };
  await d.start();
  const menu = rec.trays.at(-1)!.menu;
  assert.deepEqual(menu[0], { type: 'item', label: 'Tunnels run in the Burrow service (pid 4242)', enabled: false });
  assert.equal((menu.at(-1) as { label: string }).label, 'Quit Burrow (the Burrow service keeps the tunnels up)');
  await d.quit();
  assert.equal(rec.exits, 1);
  assert.equal(app.named('sessions:stop-all').length, 0, "the service's tunnels were not stopped");
});

describe('the desktop over the real app', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  // DEBUG1: sshd logs the client's cancel-tcpip-forward, the proof the listener was cancelled, not dropped.
  before(async () => {
    sshd = await Sshd.start({ logLevel: 'DEBUG1' });
    echo = await echoServer();
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
  });

  test('at launch (as at login), the tunnels marked "start automatically" start, the others wait in the tray', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const dir = tempDir();
    const store = ConfigStore.open(path.join(dir, 'config.json'));
    for (const [name, port, autostart] of [
      ['warehouse', p1, true],
      ['crm', p2, false],
    ] as const) {
      await store.add({
        name,
        host: '127.0.0.1',
        port: sshd.port,
        user: sshd.user,
        autostart,
        auth: { identityFiles: [sshd.clientKeyPath] },
        hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
        forwards: [loopbackRemote(port, echo.port)],
      });
    }
    const app = new BurrowApp({ store, secrets: new FileSecretStore(path.join(dir, 'secrets')), mode: 'desktop', exporter: { offer: async () => ({}) } });
    const trays: string[] = [];
    const d = new DesktopController(app, {
      showTray: (_o, tooltip) => trays.push(tooltip),
      notify: () => {},
      showWindow: () => {},
      copy: () => {},
      loginState: () => undefined,
      exit: () => {},
      runBy: () => undefined,
      timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout), now: () => Date.now() },
    });
    try {
      // What main/electron/index.ts does at launch.
      await app.start({ autostart: true });
      await d.start();
      await waitFor(() => trays.at(-1) === 'Burrow: 1 tunnel up, 1 stopped', 'the tray to show one up, one stopped', 10_000);
      assert.equal((await roundTrip(p1, 'autostarted')).toString(), 'autostarted');
      const list = await app.call('sessions:list', {});
      assert.deepEqual(list.ok && (list.value as SessionView[]).map((v) => [v.config.name, v.snapshot.state]), [
        ['warehouse', 'connected'],
        ['crm', 'stopped'],
      ]);
    } finally {
      await d.quit();
      await app.close();
    }
  });

  test('Start from the tray brings the tunnel up and the icon to "up"; Quit cancels the remote listener before exiting', async () => {
    const port = await freePort();
    const dir = tempDir();
    const store = ConfigStore.open(path.join(dir, 'config.json'));
    await store.add({
      name: 'warehouse',
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      auth: { identityFiles: [sshd.clientKeyPath] },
      hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
      forwards: [loopbackRemote(port, echo.port)],
    });
    const app = new BurrowApp({ store, secrets: new FileSecretStore(path.join(dir, 'secrets')), mode: 'desktop', exporter: { offer: async () => ({}) } });
    await app.start();
    const rec: Recorded = { trays: [], notices: [], windows: [], copied: [], exits: 0, login: { enabled: false } };
    let portOpenAtExit: boolean | undefined;
    const listening = (): Promise<boolean> =>
      new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
    const d = new DesktopController(app, {
      showTray: (overall, tooltip, menu) => rec.trays.push({ overall, tooltip, menu }),
      notify: (n) => rec.notices.push(n),
      showWindow: () => {},
      copy: () => {},
      loginState: () => undefined,
      exit: () => {
        rec.exits++;
        void listening().then((open) => {
          portOpenAtExit = open;
        });
      },
      runBy: () => undefined,
      timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout), now: () => Date.now() },
    });
    try {
      await d.start();
      const id = store.sessions()[0]!.id;
      await d.act({ kind: 'start', id });
      await waitFor(() => rec.trays.at(-1)?.overall === 'up', 'the tray to show "up"', 10_000);
      assert.equal(rec.trays.at(-1)!.tooltip, 'Burrow: 1 tunnel up');
      assert.equal((await roundTrip(port, 'via the tray')).toString(), 'via the tray');
      await d.quit();
      assert.equal(rec.exits, 1);
      await waitFor(() => portOpenAtExit !== undefined, 'the port check');
      assert.equal(portOpenAtExit, false, "the vendor's port was released before exit");
      assert.match(sshd.log(), new RegExp(`cancel-tcpip-forward addr 127\\.0\\.0\\.1 port ${port}`));
    } finally {
      await app.close();
    }
  });
});
