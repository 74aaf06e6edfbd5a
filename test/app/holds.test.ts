/**
 * A window never starts a second copy of a tunnel another Burrow runs: here the other Burrow is a
 * real `burrow run` process on the same config, against a real sshd.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { SessionView } from '../../common/contract.js';
import { BurrowApp } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { runBurrow, startBurrow } from '../helpers/cli.js';
import { echoServer, freePort, roundTrip, waitFor } from '../helpers/net.js';
import { loopbackRemote } from '../helpers/session.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';

async function viewOf(app: BurrowApp): Promise<SessionView> {
  const r = await app.call('sessions:list', {});
  assert.ok(r.ok);
  return (r.value as SessionView[]).find((v) => v.config.id === 'warehouse')!;
}

describe('one Burrow per tunnel', { skip: sshdUnavailable() }, () => {
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

  test('the app shows who runs it, refuses to start it, leaves it out of autostart; once that Burrow stops, it starts here', async () => {
    const port = await freePort();
    const dir = path.join(sshd.dir, 'held');
    const file = path.join(dir, 'config.json');
    const store = ConfigStore.open(file);
    await store.add({
      name: 'warehouse',
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      autostart: true,
      auth: { identityFiles: [sshd.clientKeyPath] },
      hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
      forwards: [loopbackRemote(port, echo.port)],
    });
    const run = startBurrow(['run', '--json', '--config', file]);
    const app = new BurrowApp({ store, secrets: new FileSecretStore(path.join(dir, 'secrets')), mode: 'desktop', exporter: { offer: async () => ({}) } });
    try {
      await run.waitForLine((l) => l.session === 'warehouse' && l.state === 'connected');
      await app.start({ autostart: true });
      const view = await viewOf(app);
      assert.equal(view.snapshot.state, 'stopped', 'autostart left it to burrow run');
      assert.match(view.heldBy ?? '', new RegExp(`^burrow run \\(pid ${run.child.pid}\\)`));
      const logs = (await app.call('logs:get', { id: 'warehouse' })) as { ok: true; value: Array<{ message: string }> };
      assert.ok(logs.value.some((l) => /not started here: "warehouse" already runs in burrow run/.test(l.message)));

      const refused = await app.call('sessions:start', { id: 'warehouse' });
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.error.code, 'HELD_ELSEWHERE');
      assert.match(!refused.ok ? refused.error.message : '', /already runs in burrow run/);
      assert.match(!refused.ok ? (refused.error.hint ?? '') : '', /Stop it in burrow run/);
      assert.equal((await roundTrip(port, 'still one tunnel')).toString(), 'still one tunnel', 'the running tunnel was not disturbed');

      // A second `burrow run` of the same config leaves, naming the one that runs it.
      const second = await runBurrow(['run', '--config', file]);
      assert.equal(second.code, 1);
      assert.match(
        second.stderr,
        new RegExp(
          `burrow run \\(pid ${run.child.pid}\\) already runs the tunnels of ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\. See them with \`burrow status\``,
        ),
      );

      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
      const started = await app.call('sessions:start', { id: 'warehouse' });
      assert.equal(started.ok, true);
      assert.equal((await viewOf(app)).heldBy, undefined);
      await waitFor(async () => (await viewOf(app)).snapshot.state === 'connected', 'the app to connect', 10_000);
      assert.equal((await roundTrip(port, 'now from the app')).toString(), 'now from the app');
    } finally {
      run.child.kill('SIGKILL');
      await app.close();
    }
  });
});
