/** One Burrow per session: holds beside the config, taken atomically, left-over ones taken over. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HeldElsewhereError, SessionHolds, STALE_MS } from '../../main/core/holds.js';
import { SessionManager } from '../../main/core/manager.js';
import { tempDir } from './config/fixtures.js';

test('a session held by one Burrow is refused to another, which is told who has it; released, it can be taken', () => {
  const dir = tempDir();
  const app = new SessionHolds(dir, 'the Burrow app');
  const web = new SessionHolds(dir, 'burrow web');
  assert.equal(app.acquire('warehouse'), undefined);
  assert.equal(app.acquire('warehouse'), undefined, "taking one's own hold again is fine");
  const other = web.acquire('warehouse');
  assert.equal(other?.door, 'the Burrow app');
  assert.equal(other?.pid, process.pid);
  assert.equal(web.holderOf('warehouse')?.door, 'the Burrow app');
  assert.equal(app.holderOf('warehouse'), undefined, 'a Burrow is not "elsewhere" to itself');
  assert.equal(web.acquire('crm'), undefined, 'other sessions are free');
  app.release('warehouse');
  assert.equal(web.holderOf('warehouse'), undefined);
  assert.equal(web.acquire('warehouse'), undefined);
  assert.equal(app.acquire('warehouse')?.door, 'burrow web');
  web.releaseAll();
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.json')),
    [],
    'every hold file is gone after releaseAll',
  );
});

test('a hold left by a Burrow that is gone (crash, kill -9) is taken over', () => {
  const dir = tempDir();
  const holds = new SessionHolds(dir, 'burrow run');
  holds.acquire('warehouse');
  const file = readdirSync(dir).find((f) => f.endsWith('.json'))!;
  const gone = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(path.join(dir, file), JSON.stringify({ id: 'warehouse', pid: gone, door: 'burrow run', since: new Date().toISOString(), token: 'x' }));
  const other = new SessionHolds(dir, 'the Burrow app');
  assert.equal(other.holderOf('warehouse'), undefined);
  assert.equal(other.acquire('warehouse'), undefined);
});

test('a hold not refreshed for STALE_MS (a reused pid, a reboot) is taken over; a refreshed one is not', () => {
  const dir = tempDir();
  let now = Date.now();
  const holder = new SessionHolds(dir, 'the Burrow service', () => now);
  const other = new SessionHolds(dir, 'the Burrow app', () => now);
  holder.acquire('warehouse');
  const file = path.join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.json'))!,
  );
  const old = new Date(Date.now() - STALE_MS - 60_000);
  utimesSync(file, old, old);
  holder.refresh();
  assert.equal(other.acquire('warehouse')?.door, 'the Burrow service', 'refreshed: still held');
  now += STALE_MS + 60_000;
  assert.equal(other.acquire('warehouse'), undefined, 'ten minutes without a refresh: taken over');
});

test('the manager starts only the sessions no other Burrow holds, and gives a hold back when its session stops', async () => {
  const dir = tempDir();
  const other = new SessionHolds(dir, 'burrow web');
  other.acquire('b');
  const mine = new SessionHolds(dir, 'burrow run');
  const m = new SessionManager({}, mine);
  // Unreachable servers: the sessions only try to connect, which is all this needs.
  for (const id of ['a', 'b'])
    m.add({
      id,
      name: id.toUpperCase(),
      host: '127.0.0.1',
      port: 9,
      user: 'u',
      auth: { identityFiles: [] },
      hostKey: { policy: 'yes' },
      keepalive: { intervalSeconds: 15, countMax: 3 },
      connectTimeoutSeconds: 1,
      compression: false,
      autostart: false,
      forwards: [],
    });
  const held = m.startAll();
  assert.equal(held.length, 1);
  assert.ok(held[0] instanceof HeldElsewhereError);
  assert.equal(held[0]!.sessionId, 'b');
  assert.match(held[0]!.message, /^"B" already runs in burrow web \(pid \d+\)/);
  assert.match(held[0]!.hint, /Stop it in burrow web/);
  assert.throws(() => m.start('b'), HeldElsewhereError);
  assert.notEqual(m.get('a')!.snapshot().state, 'stopped');
  assert.ok(mine.holds('a'));
  assert.equal(other.holderOf('a')?.door, 'burrow run');
  await m.stop('a');
  assert.ok(!mine.holds('a'));
  assert.equal(other.holderOf('a'), undefined);
});
