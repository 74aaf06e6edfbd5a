/**
 * The decision to give memory back after a busy spell (core/session/v8-flags.ts): one full
 * collection once the process has been quiet for a while and its heap grew past its slack — never
 * while it is busy, never twice for one spell. (What it returns is measured by `npm run bench`'s
 * footprint rows, not here.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quietCollector } from '../../../main/core/session/v8-flags.js';

const MiB = 1024 * 1024;
const every = 5000;
const busy = every * 1000 * 0.5; // half a core, in CPU microseconds per interval
const idle = every * 1000 * 0.001;

test('a busy process is never collected; a quiet one whose heap grew is, once per busy spell', () => {
  const c = quietCollector({ everyMs: every, quietChecks: 2, slackBytes: 8 * MiB, baseline: 30 * MiB });
  // Traffic: the heap grows, the process is busy.
  assert.equal(c.sample(busy, 60 * MiB), false);
  assert.equal(c.sample(busy, 62 * MiB), false);
  // Quiet, once: not yet (a pause between two bursts).
  assert.equal(c.sample(idle, 62 * MiB), false);
  // Busy again resets the count.
  assert.equal(c.sample(busy, 62 * MiB), false);
  assert.equal(c.sample(idle, 62 * MiB), false);
  // Quiet twice in a row, the heap 32 MiB above its baseline: collect.
  assert.equal(c.sample(idle, 62 * MiB), true);
  c.collected(28 * MiB);
  // Still quiet, the heap back near its baseline: nothing more to give back.
  for (let i = 0; i < 10; i++) assert.equal(c.sample(idle, 29 * MiB), false);
  // A small spell that grew the heap by less than the slack: left alone.
  assert.equal(c.sample(busy, 33 * MiB), false);
  assert.equal(c.sample(idle, 33 * MiB), false);
  assert.equal(c.sample(idle, 33 * MiB), false);
});

test('an idle tunnel (keepalives, timers: ~0.1 % of a core) counts as quiet; 1 % of a core does not', () => {
  const c = quietCollector({ everyMs: every, quietChecks: 2, slackBytes: 8 * MiB, baseline: 30 * MiB });
  assert.equal(c.sample(every * 1000 * 0.001, 50 * MiB), false);
  assert.equal(c.sample(every * 1000 * 0.001, 50 * MiB), true);
  const d = quietCollector({ everyMs: every, quietChecks: 2, slackBytes: 8 * MiB, baseline: 30 * MiB });
  assert.equal(d.sample(every * 1000 * 0.011, 50 * MiB), false);
  assert.equal(d.sample(every * 1000 * 0.011, 50 * MiB), false);
});
