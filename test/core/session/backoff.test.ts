/** Backoff in isolation: an injected random source and clock make every delay exact. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, DEFAULT_BACKOFF } from '../../../main/core/session/backoff.js';

function make(random = 0, over: Partial<typeof DEFAULT_BACKOFF> = {}): { b: Backoff; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  return {
    b: new Backoff(
      { ...DEFAULT_BACKOFF, ...over },
      () => random,
      () => clock.t,
    ),
    clock,
  };
}

test('delays double from initialMs up to maxMs', () => {
  const { b } = make();
  assert.deepEqual(
    Array.from({ length: 9 }, () => b.next()),
    [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000],
  );
});

test('jitter draws each delay from [d·(1−jitter), d]', () => {
  assert.equal(make(0).b.next(), 1_000);
  assert.equal(make(1).b.next(), 700);
  assert.equal(make(0.5).b.next(), 850);
});

test('reset() after a stable connection starts the growth again', () => {
  const { b } = make();
  b.next();
  b.next();
  b.next();
  b.reset();
  assert.equal(b.next(), 1_000);
});

test('a failure that needs a person waits personMs and counts towards the growth', () => {
  const { b } = make();
  assert.equal(b.slow(), 300_000);
  assert.equal(b.next(), 2_000);
});

test('refused connections take the fast lane for the first two minutes of an outage, then the usual growth', () => {
  const { b, clock } = make();
  const delays: number[] = [];
  while (clock.t < 1_000_000 + 120_000) {
    const d = b.refused();
    delays.push(d);
    clock.t += d;
  }
  assert.ok(
    delays.every((d) => d === 250),
    'every refusal in the window is retried after 250 ms',
  );
  assert.equal(delays.length, 480);
  // The window is over: the growth starts from the beginning, since fast retries did not count.
  assert.deepEqual([b.refused(), b.refused(), b.refused()], [1_000, 2_000, 4_000]);
});

test('the outage clock starts at its first failure, and up() ends it', () => {
  const { b, clock } = make();
  b.next(); // the link was lost: the outage begins
  clock.t += 119_000;
  assert.equal(b.refused(), 250, 'still in the window');
  clock.t += 2_000;
  assert.notEqual(b.refused(), 250, 'past the window');
  b.up(); // connected again
  clock.t += 1;
  assert.equal(b.refused(), 250, 'a new outage gets its own window');
});

test('the options are what Burrow documents: 1 s doubling to 60 s, −30 % jitter, 250 ms refused retries, 1 s between handshakes, a held port asked for every 1.5 s for 3 min', () => {
  assert.deepEqual(
    { ...DEFAULT_BACKOFF },
    {
      initialMs: 1_000,
      maxMs: 60_000,
      factor: 2,
      jitter: 0.3,
      stableMs: 60_000,
      personMs: 300_000,
      refusedMs: 250,
      refusedWindowMs: 120_000,
      minGapMs: 1_000,
      stalePortWindowMs: 180_000,
      stalePortRetryMs: 1_500,
    },
  );
  assert.equal(make().b.minGapMs, 1_000);
  assert.equal(make().b.stableMs, 60_000);
});
