/**
 * The control channel answers or closes, never hangs (issue: "the doors under attack", 5 and 6):
 * a frame that is not a message of the contract ends the connection; a reply of any size arrives
 * whole (the status of 10,000 sessions is several MiB, over the old 4 MiB limit), through the
 * channel itself and through `burrow status`, `burrow logs` and a running `burrow run`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { SessionView } from '../../common/contract.js';
import { BurrowApp } from '../../main/app/app.js';
import { ControlClient, ControlServer, controlPath } from '../../main/control/channel.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { runBurrow, startBurrow } from '../helpers/cli.js';
import { tempDir } from '../core/config/fixtures.js';

function many(n: number): object[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `tunnel-${String(i).padStart(5, '0')}`,
    host: `bastion-${i % 50}.example.com`,
    user: 'svc',
    forwards: [{ type: 'remote', bindPort: 10000 + (i % 50000), targetHost: `db-${i}.internal`, targetPort: 5432 }],
    notes: "Imported from a PuTTY export of the whole team's sessions, kept for the record.",
  }));
}

/** Sends raw lines on the channel (through the folder's descriptor, as Burrow does); resolves with what came back before it closed, or '<hung>'. */
function rawLines(fd: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(`/proc/self/fd/${fd}/burrow.sock`);
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(`${got}<hung>`);
    }, 3000);
    s.on('data', (d) => {
      got += d.toString();
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.on('error', () => undefined);
    s.write(text);
  });
}

test('a frame that is not a message of the contract ends the connection: null, an array, a number, a half call, not JSON', async () => {
  const dir = tempDir();
  const store = ConfigStore.open(path.join(dir, 'config.json'));
  const app = new BurrowApp({ store, secrets: new FileSecretStore(path.join(dir, 'secrets')), mode: 'run', exporter: { offer: async () => ({}) } });
  await app.start();
  const endpoint = controlPath(dir);
  const server = (await ControlServer.listen(endpoint, app))!;
  const fd = openSync(endpoint.folder, 'r');
  try {
    for (const frame of [
      'null',
      '[]',
      '42',
      '"call"',
      '{}',
      '{"type":"call","seq":1}',
      '{"type":"call","seq":"1","name":"app:info"}',
      'not json',
      '{"type":"hello","token":"x"}',
    ]) {
      const got = await rawLines(fd, `${frame}\n`);
      assert.equal(got, '', `${frame}: closed without a word`);
    }
    // A good call gets its reply (and the connection stays for more: the probe ends it by timing out).
    const ok = await rawLines(fd, '{"type":"call","seq":7,"name":"app:info","args":{}}\n');
    assert.match(ok, /^\{"type":"reply","seq":7,"ok":true,"value":\{"version":/);
  } finally {
    closeSync(fd);
    await server.close();
    await app.close();
  }
});

test('replies of any size: the list of 10,000 sessions through the channel, and burrow status, logs and stop through a running burrow run', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'config.json');
  const store = ConfigStore.open(file);
  await store.addMany(many(10_000));
  const app = new BurrowApp({ store, secrets: new FileSecretStore(path.join(dir, 'secrets')), mode: 'run', exporter: { offer: async () => ({}) } });
  await app.start();
  const server = (await ControlServer.listen(controlPath(dir), app))!;
  try {
    const client = (await ControlClient.connect(controlPath(dir)))!;
    const r = await client.call('sessions:list', {});
    assert.ok(r.ok);
    const views = r.value as SessionView[];
    assert.equal(views.length, 10_000);
    assert.ok(JSON.stringify(views).length > 4 * 1024 * 1024, 'over the old 4 MiB line limit');
    client.close();
  } finally {
    await server.close();
    await app.close();
  }
  // The same store run by `burrow run --service` (nothing starts: no session is marked autostart).
  const run = startBurrow(['run', '--json', '--service', '--autostart', '--config', file]);
  try {
    let status = await runBurrow(['status', '--json', '--config', file]);
    for (let i = 0; i < 50 && status.code !== 0; i++) {
      await new Promise((res) => setTimeout(res, 200));
      status = await runBurrow(['status', '--json', '--config', file]);
    }
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { sessions: unknown[] }).sessions.length, 10_000);
    const text = await runBurrow(['status', '--config', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout.split('\n').filter((l) => /^tunnel-\d{5}: stopped$/.test(l)).length, 10_000);
    const logs = await runBurrow(['logs', 'tunnel-09999', '--config', file]);
    assert.equal(logs.code, 0, logs.stderr);
    const stop = await runBurrow(['stop', 'tunnel-04242', '--config', file]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /^tunnel-04242: stopped$/m);
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
  }
});
