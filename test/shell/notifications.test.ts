/** Desktop notices: down, back, needs a person; rate-limited per session; each switchable off. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotificationPolicy, NOTICE_GAP_MS } from '../../common/notifications.js';
import { Nudger, NUDGE_AGAIN_S } from '../../main/shell/nudger.js';
import { fakeTimers } from './fakes.js';

type Snap = Parameters<NotificationPolicy['onSnapshot']>[1];
const snap = (state: Snap['state'], code?: string): Snap => ({
  id: 'a',
  state,
  ...(code ? { lastError: { code: code as never, message: `${code} happened`, hint: 'fix it' } } : {}),
});

test('down, back and needs-a-person, each once per change of state', () => {
  let now = 0;
  const p = new NotificationPolicy(
    () => ({ down: true, back: true, needsPerson: true }),
    () => now,
  );
  assert.equal(p.onSnapshot('Fivetran', snap('connecting')), undefined);
  assert.equal(p.onSnapshot('Fivetran', snap('connected')), undefined, 'a first connection is not news');
  const down = p.onSnapshot('Fivetran', snap('reconnecting', 'CONNECTION_LOST'));
  assert.deepEqual([down?.kind, down?.title], ['down', 'Fivetran is down']);
  assert.match(down!.body, /CONNECTION_LOST happened Burrow reconnects by itself/);
  assert.equal(p.onSnapshot('Fivetran', snap('reconnecting', 'CONNECTION_LOST')), undefined, 'the same state again is no news');
  now += 1000;
  assert.equal(p.onSnapshot('Fivetran', snap('connected'))?.kind, 'back');
  const person = p.onSnapshot('Fivetran', snap('error', 'HOST_KEY_MISMATCH'));
  assert.deepEqual([person?.kind, person?.title], ['needsPerson', 'Fivetran needs you']);
  assert.match(person!.body, /fix it/);
});

test('at most one notice of a kind per session a minute: a flapping link does not bury the desktop', () => {
  let now = 0;
  const p = new NotificationPolicy(
    () => ({ down: true, back: true, needsPerson: true }),
    () => now,
  );
  p.onSnapshot('x', snap('connected'));
  const kinds: string[] = [];
  for (let i = 0; i < 20; i++) {
    now += 2000;
    for (const s of [snap('reconnecting', 'CONNECTION_LOST'), snap('connected')]) {
      const n = p.onSnapshot('x', s);
      if (n) kinds.push(n.kind);
    }
  }
  assert.deepEqual(kinds, ['down', 'back'], '40 s of flapping: one down, one back');
  now += NOTICE_GAP_MS;
  assert.equal(p.onSnapshot('x', snap('reconnecting', 'CONNECTION_LOST'))?.kind, 'down', 'a minute later it may tell again');
});

test('each kind can be switched off in Settings', () => {
  const settings = { down: false, back: true, needsPerson: false };
  const p = new NotificationPolicy(
    () => settings,
    () => 0,
  );
  p.onSnapshot('x', snap('connected'));
  assert.equal(p.onSnapshot('x', snap('reconnecting', 'CONNECTION_LOST')), undefined);
  assert.equal(p.onSnapshot('x', snap('connected'))?.kind, 'back');
  assert.equal(p.onSnapshot('x', snap('error', 'AUTH_FAILED')), undefined);
});

test('after resume, unlock or network-up, waiting tunnels are nudged at once and again over half a minute', () => {
  const t = fakeTimers();
  const at: number[] = [];
  const n = new Nudger(() => at.push(t.now()), t);
  n.wake();
  t.advance(60_000);
  assert.deepEqual(at, [0, ...NUDGE_AGAIN_S.map((s) => s * 1000)]);
  // A new event restarts the schedule rather than piling up a second one.
  at.length = 0;
  n.wake();
  t.advance(3000);
  n.wake();
  t.advance(60_000);
  assert.equal(at.filter((x) => x === 60_000 + 2000).length, 1);
  assert.equal(at.length, 1 + 1 + 1 + NUDGE_AGAIN_S.length);
});
