/**
 * The decision to give memory back after a busy spell (core/session/v8-flags.ts): one full
 * collection once the process has been quiet for a while and its heap (with the Buffers it holds)
 * grew past its slack — never while it is busy, never twice for one spell. (What it returns in a
 * tunnel is measured by `npm run bench`'s footprint rows.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { quietCollector } from '../../../main/core/session/v8-flags.js';

const run = promisify(execFile);
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

test('dead Buffers are given back once the process is quiet, though the heap itself hardly grew', async () => {
  // The shape a stream leaves behind: megabytes of read buffers whose small JS objects died young
  // and were never scavenged, because nothing allocates once the traffic stops. In a process of
  // its own: the test runner's own work would scavenge them and hide what this checks.
  const flags = new URL('../../../main/core/session/v8-flags.js', import.meta.url).href;
  const script = `
    import { returnMemoryWhenQuiet } from ${JSON.stringify(flags)};
    const MiB = 1 << 20;
    const stop = returnMemoryWhenQuiet({ everyMs: 200, quietChecks: 2, slackBytes: 8 * MiB });
    const before = process.memoryUsage().arrayBuffers;
    // 24 MiB: below the external growth (~32 MiB here) at which V8 collects by itself.
    for (let i = 0; i < 24; i++) Buffer.allocUnsafeSlow(MiB).fill(i);
    const held = () => (process.memoryUsage().arrayBuffers - before) / MiB;
    const start = held();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    console.log(JSON.stringify({ start, end: held() }));
    stop();
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  const { start, end } = JSON.parse(stdout) as { start: number; end: number };
  assert.ok(start >= 20, `the dead Buffers are held before the process is quiet (${start} MiB)`);
  assert.ok(end <= 8, `${end.toFixed(1)} MiB of dead Buffers still held 3 s after the process went quiet`);
});

test('the data path collects its dead buffers every few MiB it carries, not after ~32 MiB have piled up', async () => {
  const flags = new URL('../../../main/core/session/v8-flags.js', import.meta.url).href;
  const script = (withCarried: boolean): string => `
    import { carried, YOUNG_COLLECTION_BYTES } from ${JSON.stringify(flags)};
    const MiB = 1 << 20;
    const before = process.memoryUsage().arrayBuffers;
    let most = 0;
    // 24 packets' worth of 1 MiB, each dead once "written", as the SSH socket's flushes report them.
    for (let i = 0; i < 24; i++) {
      Buffer.allocUnsafeSlow(MiB).fill(i);
      ${withCarried ? 'carried(MiB);' : ''}
      most = Math.max(most, process.memoryUsage().arrayBuffers - before);
    }
    console.log(JSON.stringify({ most: most / MiB, every: YOUNG_COLLECTION_BYTES / MiB }));
  `;
  const measure = async (withCarried: boolean): Promise<{ most: number; every: number }> =>
    // With the V8 flag every tunnel process runs with (TUNNEL_V8_FLAGS): buffers freed by the collection itself.
    JSON.parse((await run(process.execPath, ['--no-concurrent-array-buffer-sweeping', '--input-type=module', '-e', script(withCarried)])).stdout) as {
      most: number;
      every: number;
    };
  const without = await measure(false);
  assert.ok(without.most >= 20, `without it, the dead buffers pile up (${without.most} MiB)`);
  const withIt = await measure(true);
  assert.ok(withIt.most <= withIt.every + 2, `at most ${withIt.most} MiB of dead buffers held, collected every ${withIt.every} MiB`);
});
