/** SessionManager: the one object every door talks to. Sessions aim at a closed port, so no server is needed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionConfig } from '../../common/config.js';
import { SessionManager } from '../../main/core/manager.js';
import { freePort, waitFor } from '../helpers/net.js';

async function config(id: string): Promise<SessionConfig> {
  return {
    id,
    name: id,
    host: '127.0.0.1',
    port: await freePort(),
    user: 'u',
    auth: { identityFiles: ['/nonexistent/key'] },
    hostKey: { policy: 'yes' },
    keepalive: { intervalSeconds: 15, countMax: 3 },
    connectTimeoutSeconds: 5,
    compression: false,
    autostart: false,
    forwards: [{ type: 'remote', bindPort: 0, targetHost: '127.0.0.1', targetPort: 1 }],
  };
}

test('add, get, list and remove; a second session with the same id is refused', async () => {
  const m = new SessionManager();
  const a = m.add(await config('a'));
  m.add(await config('b'));
  assert.equal(m.get('a'), a);
  assert.deepEqual(
    m.list().map((s) => [s.id, s.state]),
    [
      ['a', 'stopped'],
      ['b', 'stopped'],
    ],
  );
  assert.throws(() => m.add({ ...a.config }), /a session with id "a" already exists/);
  await m.remove('a');
  assert.equal(m.get('a'), undefined);
  assert.deepEqual(
    m.list().map((s) => s.id),
    ['b'],
  );
  await m.remove('nope'); // removing what is not there is not an error
  assert.equal(m.list().length, 1);
});

test('start and stop by id; an unknown id is an error naming it', async () => {
  const m = new SessionManager({ backoff: { initialMs: 50, jitter: 0 } });
  m.add(await config('a'));
  assert.throws(() => m.start('zz'), /no session with id "zz"/);
  await assert.rejects(m.stop('zz'), /no session with id "zz"/);
  m.start('a');
  // The key file does not exist: a failure that needs a person, shown as such.
  await waitFor(() => m.get('a')!.snapshot().state === 'error', 'a to report its key error');
  assert.equal(m.get('a')!.snapshot().lastError?.code, 'KEY_INVALID');
  await m.stop('a');
  assert.equal(m.get('a')!.snapshot().state, 'stopped');
});

test('startAll, stopAll and nudgeAll reach every session; events carry the session id', async () => {
  const m = new SessionManager({ backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0, personMs: 60_000 } });
  m.add(await config('a'));
  m.add(await config('b'));
  const changed: string[] = [];
  const logs: string[] = [];
  m.on('changed', (s) => changed.push(`${s.id}:${s.state}`));
  m.on('log', (id) => logs.push(id));
  m.startAll();
  await waitFor(() => m.list().every((s) => s.state === 'error'), 'both sessions to fail their first attempt');
  const before = logs.length;
  m.nudgeAll(); // both wait 60 s; a nudge retries now
  await waitFor(
    () =>
      logs.filter((id) => id === 'a').length > logs.slice(0, before).filter((id) => id === 'a').length &&
      logs.filter((id) => id === 'b').length > logs.slice(0, before).filter((id) => id === 'b').length,
    'both to retry at once',
  );
  await m.stopAll();
  assert.deepEqual(
    m.list().map((s) => s.state),
    ['stopped', 'stopped'],
  );
  assert.ok(
    changed.includes('a:connecting') && changed.includes('b:connecting') && changed.includes('a:stopped') && changed.includes('b:stopped'),
    changed.join(' '),
  );
});
