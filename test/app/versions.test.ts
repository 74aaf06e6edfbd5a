/**
 * A save never silently overwrites a newer version (issue: "the doors under attack", 7): every
 * update names the version it was made to; a session changed since is refused with what changed,
 * through the contract (the window) and in the store (the command line's edits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { SessionView } from '../../common/contract.js';
import { BurrowApp } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { SessionChangedError, sessionVersion } from '../../main/core/config/versions.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { tempDir } from '../core/config/fixtures.js';

const SESSION = {
  name: 'warehouse',
  host: 'tunnel.example.com',
  user: 'tunnel',
  forwards: [{ type: 'remote', bindPort: 15432, targetHost: 'db', targetPort: 5432 }],
};

test('an update made to an older version is refused (CONFLICT) with what changed since, and the newer settings stay', async () => {
  const dir = tempDir();
  const store = ConfigStore.open(path.join(dir, 'config.json'));
  const app = new BurrowApp({ store, secrets: new FileSecretStore(path.join(dir, 'secrets')), mode: 'web', exporter: { offer: async () => ({}) } });
  await app.start();
  try {
    const created = await app.call('sessions:create', { config: SESSION });
    assert.ok(created.ok);
    const opened = await app.call('sessions:get', { id: 'warehouse' });
    assert.ok(opened.ok);
    const { config, version } = opened.value;
    // Elsewhere (the command line, another window): keepalive 33.
    const other = ConfigStore.open(store.path);
    await other.update({ ...other.find('warehouse')!, keepalive: { intervalSeconds: 33, countMax: 3 } });
    const stale = await app.call('sessions:update', { config: { ...config, notes: 'mine' }, version });
    assert.equal(stale.ok, false);
    assert.ok(!stale.ok);
    assert.equal(stale.error.code, 'CONFLICT');
    assert.equal(stale.error.field, 'version');
    assert.match(
      stale.error.message,
      /^"warehouse" was changed elsewhere since this change was started \(keepalive\.intervalSeconds: 15 → 33\); your change was not saved$/,
    );
    assert.match(stale.error.hint!, /Reload it/);
    assert.equal(store.find('warehouse')!.keepalive.intervalSeconds, 33, 'the newer settings stay');
    assert.equal(store.find('warehouse')!.notes, undefined);
    // Made to the current version, the same change is saved.
    await app.call('sessions:reload', {});
    const list = await app.call('sessions:list', {});
    assert.ok(list.ok);
    const now = (list.value as SessionView[]).find((v) => v.config.id === 'warehouse')!;
    assert.equal(now.version, sessionVersion(store.find('warehouse')!));
    const fresh = await app.call('sessions:update', { config: { ...now.config, notes: 'mine' }, version: now.version });
    assert.ok(fresh.ok, JSON.stringify(fresh));
    assert.deepEqual([store.find('warehouse')!.notes, store.find('warehouse')!.keepalive.intervalSeconds], ['mine', 33]);
    // A version nobody handed out: refused too, without a list of changes.
    const unknown = await app.call('sessions:update', { config: { ...now.config, notes: 'x' }, version: 'not-a-version' });
    assert.ok(!unknown.ok);
    assert.match(unknown.error.message, /^"warehouse" was changed elsewhere since this change was started; your change was not saved$/);
  } finally {
    await app.close();
  }
});

test("the store refuses an update based on an older version even when the change happened a moment before, in another process's write", async () => {
  const file = path.join(tempDir(), 'config.json');
  const a = ConfigStore.open(file);
  const saved = await a.add(SESSION);
  const b = ConfigStore.open(file);
  await b.update({ ...saved, port: 2222 });
  await assert.rejects(
    () => a.update({ ...saved, user: 'other' }, { version: sessionVersion(saved), known: saved }),
    (e: unknown) => e instanceof SessionChangedError && e.changes.join() === 'port: 22 → 2222',
  );
  assert.equal(a.find('warehouse')!.port, 2222);
});
