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

test("the C library's free memory is given back once per busy spell, once quiet, and never while busy", () => {
  const c = quietCollector({ everyMs: every, quietChecks: 2, slackBytes: 8 * MiB, baseline: 30 * MiB });
  // Start-up counts as a busy spell: once quiet, the first time.
  c.sample(idle, 30 * MiB);
  assert.equal(c.trimDue(), false, 'quiet once is not yet quiet');
  c.sample(idle, 30 * MiB);
  assert.equal(c.trimDue(), true);
  c.trimmed();
  // An idle tunnel: never again.
  for (let i = 0; i < 10; i++) {
    c.sample(idle, 30 * MiB);
    assert.equal(c.trimDue(), false);
  }
  // Traffic: not while busy; once quiet twice after it, once.
  c.sample(busy, 60 * MiB);
  assert.equal(c.trimDue(), false);
  c.sample(idle, 60 * MiB);
  assert.equal(c.trimDue(), false);
  // The check that finds the process quiet again collects (the heap grew past its slack); the trim
  // waits until the process has been quiet as long again (returnMemoryWhenQuiet asks trimDue only
  // in a check without a collection: V8's helper threads go on sweeping after it).
  assert.equal(c.sample(idle, 60 * MiB), true);
  c.collected(31 * MiB);
  assert.equal(c.sample(idle, 31 * MiB), false);
  assert.equal(c.trimDue(), false, 'one quiet check since the collection is not yet quiet');
  assert.equal(c.sample(idle, 31 * MiB), false);
  assert.equal(c.trimDue(), true);
  c.trimmed();
  c.sample(idle, 31 * MiB);
  c.sample(idle, 31 * MiB);
  assert.equal(c.trimDue(), false);
});

test("glibc's free memory between live allocations goes back to the system once the process is quiet (Linux)", async (t) => {
  const heap = new URL('../../../main/core/session/c-heap.js', import.meta.url).href;
  const flags = new URL('../../../main/core/session/v8-flags.js', import.meta.url).href;
  // What a burst leaves in glibc's main heap: 64 KiB buffers (socket reads, SSH packets) freed,
  // with small live allocations between them, so the heap's top cannot shrink past them.
  const script = (trim: boolean): string => `
    import { returnMemoryWhenQuiet } from ${JSON.stringify(flags)};
    import { memoryReturn } from ${JSON.stringify(heap)};
    const MiB = 1 << 20;
    const rss = () => process.memoryUsage().rss / MiB;
    const stop = returnMemoryWhenQuiet({ everyMs: 200, quietChecks: 2, slackBytes: 8 * MiB${trim ? '' : ', heap: null'} });
    const start = rss();
    let drop = [];
    const keep = [];
    for (let i = 0; i < 1600; i++) {
      drop.push(Buffer.allocUnsafeSlow(64 * 1024).fill(1));
      keep.push(Buffer.allocUnsafeSlow(1024).fill(2));
    }
    const peak = rss();
    drop = null;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    stop();
    console.log(JSON.stringify({ state: memoryReturn(), grew: peak - start, kept: rss() - start, live: keep.length }));
  `;
  type Out = { state: string; grew: number; kept: number };
  const measure = async (trim: boolean): Promise<Out> =>
    JSON.parse((await run(process.execPath, ['--no-concurrent-array-buffer-sweeping', '--input-type=module', '-e', script(trim)])).stdout) as Out;
  const withTrim = await measure(true);
  if (withTrim.state === 'allocator') {
    t.skip(`this platform's allocator gives free memory back itself (${process.platform}); nothing to trim`);
    return;
  }
  assert.equal(withTrim.state, 'trim', 'on Linux with glibc the heap-trim addon is built at install (npm ci), and loads');
  const without = await measure(false);
  assert.ok(without.grew >= 80, `the burst grew the process (${without.grew.toFixed(0)} MiB)`);
  assert.ok(without.kept >= 60, `without the trim, glibc keeps the freed memory (${without.kept.toFixed(0)} MiB kept)`);
  // What stays: the pages the 1,600 live allocations sit on (a page or two each), and V8's heap.
  // Measured here: 15 MiB with the trim, 110 without.
  assert.ok(withTrim.kept <= 25, `${withTrim.kept.toFixed(0)} MiB of the ${withTrim.grew.toFixed(0)} MiB burst still held 2 s after the process went quiet`);
});

test("V8's young generation, grown by a burst, shrinks back once the process is quiet", async () => {
  // Objects that survive a scavenge or two, as data in flight on many streams does, grow V8's
  // young generation to its 32 MiB. V8 shrinks it only in a collection that follows a quiet
  // stretch of 5 s or more (it judges by the allocation rate since the collection before): a
  // collection right after the burst leaves it grown; the quiet collector's, after two quiet
  // checks, shrinks it.
  const flags = new URL('../../../main/core/session/v8-flags.js', import.meta.url).href;
  const script = (quiet: boolean): string => `
    import v8 from 'node:v8';
    import { runInNewContext } from 'node:vm';
    import { returnMemoryWhenQuiet } from ${JSON.stringify(flags)};
    const MiB = 1 << 20;
    const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').physical_space_size / MiB;
    const stop = ${quiet ? 'returnMemoryWhenQuiet({ everyMs: 3000, quietChecks: 2, slackBytes: 8 * MiB })' : '() => undefined'};
    const ring = new Array(20000);
    for (let i = 0; i < 3e6; i++) ring[i % ring.length] = { i, s: 'x'.repeat(8) + i, a: [i] };
    const grown = young();
    ${quiet ? '' : "v8.setFlagsFromString('--expose-gc'); runInNewContext('gc')();"}
    await new Promise((resolve) => setTimeout(resolve, 9000));
    stop();
    console.log(JSON.stringify({ grown, end: young(), held: ring.length }));
  `;
  type Out = { grown: number; end: number };
  const measure = async (quiet: boolean): Promise<Out> => JSON.parse((await run(process.execPath, ['--input-type=module', '-e', script(quiet)])).stdout) as Out;
  const [atOnce, quiet] = await Promise.all([measure(false), measure(true)]);
  assert.ok(atOnce.grown >= 16 && quiet.grown >= 16, `the burst grew the young generation (${atOnce.grown}, ${quiet.grown} MiB)`);
  assert.ok(atOnce.end >= 16, `a collection right after the burst leaves it grown (${atOnce.end} MiB)`);
  assert.ok(quiet.end <= 4, `collected once quiet, it is ${quiet.end.toFixed(1)} MiB`);
});
