/**
 * The app and the browser mode on a config a service already runs: they show and steer the
 * service's tunnels through its control channel instead of starting copies, hear its events live,
 * answer its questions, leave its tunnels up when they quit — and run the tunnels themselves when
 * the service stops. A real `burrow run --service`, a real sshd, the real app behind the door.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppInfo, EventName, Question, SessionView } from '../../common/contract.js';
import { BurrowApp } from '../../main/app/app.js';
import { controlPath } from '../../main/control/channel.js';
import { DoorApp } from '../../main/control/door.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { runBurrow, startBurrow } from '../helpers/cli.js';
import { echoServer, freePort, roundTrip, waitFor } from '../helpers/net.js';
import { loopbackRemote } from '../helpers/session.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';

describe('a door on a config a service runs', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
  });

  test("shows the service's tunnels live and steers them; runs nothing itself; takes over when the service stops", async () => {
    const dir = path.join(sshd.dir, 'door');
    mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, 'config.json');
    const [pa, pb] = [await freePort(), await freePort()];
    const mk = (name: string, port: number, autostart: boolean): object => ({
      name,
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      autostart,
      auth: { identityFiles: [sshd.clientKeyPath] },
      hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
      forwards: [loopbackRemote(port, echo.port)],
    });
    writeFileSync(file, JSON.stringify({ version: 3, sessions: [mk('warehouse', pa, true), mk('crm', pb, false)] }));
    const service = startBurrow(['run', '--json', '--service', '--autostart', '--config', file]);
    await service.waitForLine((l) => l.session === 'warehouse' && l.state === 'connected');

    const local = new BurrowApp({
      store: ConfigStore.open(file),
      secrets: new FileSecretStore(path.join(dir, 'secrets')),
      mode: 'desktop',
      exporter: { offer: async () => ({}) },
    });
    const door = new DoorApp(local, controlPath(dir));
    const events: Array<[EventName, unknown]> = [];
    let detach: (() => void) | undefined;
    try {
      await door.start();
      detach = door.attach((name, payload) => events.push([name, payload]));
      assert.deepEqual(door.runBy, { door: 'the Burrow service', pid: service.child.pid });
      const info = await door.call('app:info', {});
      assert.deepEqual(info.ok && (info.value as AppInfo).runBy, { door: 'the Burrow service', pid: service.child.pid });
      assert.equal(info.ok && (info.value as AppInfo).mode, 'desktop', "app info is still this door's own");

      const views = async (): Promise<Array<[string, string]>> => {
        const r = await door.call('sessions:list', {});
        assert.ok(r.ok);
        return (r.value as SessionView[]).map((v) => [v.config.name, v.snapshot.state]);
      };
      assert.deepEqual(
        await views(),
        [
          ['warehouse', 'connected'],
          ['crm', 'stopped'],
        ],
        "the service's live states",
      );
      assert.equal(
        local.sessions.manager.list().every((s) => s.state === 'stopped'),
        true,
        'the door started no copy',
      );

      // Start crm from the window: the service runs it, and its events reach the window.
      const started = await door.call('sessions:start', { id: 'crm' });
      assert.ok(started.ok, JSON.stringify(started));
      await waitFor(
        () => events.some(([n, p]) => n === 'sessions:changed' && (p as SessionView[]).some((v) => v.config.id === 'crm' && v.snapshot.state === 'connected')),
        'crm connected, as an event',
        10_000,
      );
      assert.equal((await roundTrip(pb, 'crm')).toString(), 'crm');
      const st = await runBurrow(['status', '--json', '--config', file]);
      assert.deepEqual(
        (JSON.parse(st.stdout) as { sessions: Array<{ state: string }> }).sessions.map((s) => s.state),
        ['connected', 'connected'],
        'the service runs both',
      );

      // A question the service has for a person reaches the window and its answer goes back.
      const q = events.length;
      writeFileSync(
        file,
        JSON.stringify({
          version: 3,
          sessions: [
            mk('warehouse', pa, true),
            mk('crm', pb, false),
            { ...mk('ask', await freePort(), false), hostKey: { policy: 'ask', knownHostsFiles: [path.join(dir, 'empty_known_hosts')] } },
          ],
        }),
      );
      const reload = await door.call('sessions:reload', {});
      assert.deepEqual(reload.ok && reload.value, { added: ['ask'], removed: [], changed: [], unchanged: ['warehouse', 'crm'] });
      await door.call('sessions:start', { id: 'ask' });
      await waitFor(() => events.slice(q).some(([n]) => n === 'questions:asked'), 'the host-key question', 10_000);
      const asked = events.slice(q).find(([n]) => n === 'questions:asked')![1] as Question;
      assert.equal(asked.kind, 'host-key');
      const answered = await door.call('questions:answer', { id: asked.id, accept: false });
      assert.ok(answered.ok, JSON.stringify(answered));
      await door.call('sessions:stop', { id: 'ask' });

      // The service stops (an admin, an upgrade): the door runs the tunnels marked "start automatically".
      service.child.kill('SIGTERM');
      assert.equal(await service.exited, 0);
      await waitFor(() => events.some(([n, p]) => n === 'app:changed' && (p as AppInfo).runBy === undefined), 'the door to say it took over', 10_000);
      assert.equal(door.runBy, undefined);
      await waitFor(
        async () => (await roundTrip(pa, 'taken over').catch(() => Buffer.alloc(0))).toString() === 'taken over',
        'warehouse up again, run by the door',
        15_000,
      );
      const mine = await runBurrow(['status', '--config', file]);
      assert.match(mine.stdout, new RegExp(`^the Burrow app \\(pid ${process.pid}\\) runs the tunnels of `));
    } finally {
      detach?.();
      service.child.kill('SIGKILL');
      await door.close();
    }
  });
});
