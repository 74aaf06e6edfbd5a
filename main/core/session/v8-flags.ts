/**
 * V8 settings for a process that carries tunnel data (the CLI and the desktop app's main process).
 *
 * Every SSH packet and every read of the SSH socket is an ArrayBuffer: about two GiB of them per
 * GiB carried, each freed by the next young-generation collection. V8 frees their memory on a
 * helper thread ("concurrent array buffer sweeping") and subtracts it from its count of external
 * memory only when that thread has run. On a busy machine — two cores shared with sshd, the
 * database and the vendor's connections — the thread runs late, the count climbs past V8's limit
 * and sets off a full mark-compact of the old generation, again and again: 25–60 per GiB in
 * `--trace-gc`, and CPU per GiB up to twice OpenSSH's client. Sweeping on the main thread, at the
 * end of each young collection, costs little (the memory is freed either way) and keeps the count
 * true: 0 mark-compacts per GiB in the same runs (README, Benchmark).
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cHeap, type CHeap } from './c-heap.js';

export const TUNNEL_V8_FLAGS: readonly string[] = ['--no-concurrent-array-buffer-sweeping'];

/**
 * Node options for a process that lives long carrying tunnels, given on its command line by
 * whatever starts it so (the service's unit, the container's entry point, `npm start`): they
 * cannot be set once the process runs.
 *
 * `--v8-pool-size=1`: one helper thread for V8 instead of four (issue 24). Every helper thread
 * that takes part in a collection or a compilation gets a glibc arena of its own, and after a
 * busy spell each arena keeps its free top — ~1.5 MiB apiece, which `malloc_trim` does not give
 * back (glibc trims a thread arena's top only on a free() in it). A tunnel's heap is ~15 MiB and
 * its work is on the main thread: one helper is enough. Measured with the short footprint
 * benchmark (README, Footprint), RSS a minute after the load, above idle: +9.3–10.8 MiB with four,
 * +6.1–6.9 with one, CPU per GiB within the runs' spread.
 */
export const TUNNEL_NODE_FLAGS: readonly string[] = ['--v8-pool-size=1'];

/** Applies TUNNEL_V8_FLAGS to this process; call before data flows. */
export function tuneV8ForTunnels(): void {
  for (const flag of TUNNEL_V8_FLAGS) v8.setFlagsFromString(flag);
}

/**
 * What a tunnel process holds after a busy spell, given back once it is quiet again (issue 24).
 *
 * V8 grows its heap for a burst of traffic (a GiB through the tunnel, a thousand connections) and
 * keeps it: its next full collection, which shrinks the heap, comes only when allocation asks for
 * one, and an idle tunnel allocates almost nothing — so a tray app or a service sat at the burst's
 * size for hours (measured: 126 MiB an idle minute after the load, 95 MiB after one full
 * collection of 13 ms). This watches the process every `everyMs`: when it has used almost no CPU
 * for `quietChecks` checks in a row and what a collection can free is more than `slackBytes` above
 * what it was after the last collection, it collects once. A busy process is never interrupted;
 * an idle one pays one collection per busy spell.
 *
 * "What a collection can free" is the heap and the memory outside it that heap objects hold (V8's
 * external memory: every Buffer's bytes). A stream through the tunnel leaves megabytes of read
 * buffers whose small JS objects died young but were never scavenged, because the tunnel stopped
 * allocating when the traffic stopped: measured, 256 MiB each way left the heap 1 MiB larger
 * and 18 MiB of dead buffers held until a collection that, watching the heap alone, never came.
 *
 * The collection also shrinks V8's young generation, which concurrent streams and connections
 * grow to 32 MiB: V8 shrinks it only in a collection that follows a quiet stretch of 5 s or more
 * (it judges by the allocation rate since the collection before), which this one does.
 *
 * Then, once per busy spell, when the process has been quiet as long again, the C library's free
 * memory is given back too (`trimDue`), where the platform has a way (core/session/c-heap.ts): a
 * collection frees the buffers' bytes into glibc's heap, which keeps what lies between live
 * allocations; only a trim returns it to the system.
 */
export interface QuietCollector {
  /** Whether this sample (CPU microseconds since the last one, the heap and external memory now) calls for a collection. */
  sample(cpuMicros: number, collectableBytes: number): boolean;
  /** After a collection: the heap and external memory it left are the new baseline. */
  collected(collectableBytes: number): void;
  /** Whether to give the C library's free memory back: quiet now, and busy at some point since the last time (or since start). */
  trimDue(): boolean;
  /** After giving it back. */
  trimmed(): void;
}

export function quietCollector(o: {
  readonly everyMs: number;
  readonly quietChecks: number;
  readonly slackBytes: number;
  readonly baseline: number;
}): QuietCollector {
  // "Quiet": under 1 % of one core over the interval (an idle tunnel's keepalives and timers use ~0.1 %).
  const quietMicros = o.everyMs * 1000 * 0.01;
  let quiet = 0;
  let baseline = o.baseline;
  // Start-up (loading code, connecting) is the first busy spell.
  let busySinceTrim = true;
  return {
    sample(cpuMicros, bytes) {
      quiet = cpuMicros < quietMicros ? quiet + 1 : 0;
      if (quiet === 0) busySinceTrim = true;
      return quiet >= o.quietChecks && bytes > baseline + o.slackBytes;
    },
    collected(bytes) {
      baseline = bytes;
      quiet = 0;
    },
    trimDue() {
      return busySinceTrim && quiet >= o.quietChecks;
    },
    trimmed() {
      busySinceTrim = false;
    },
  };
}

/**
 * V8's collector, reached only when first needed: every `burrow` command starts the watch below,
 * and most (an import, a key) end long before a collection could be due.
 */
type Gc = (o?: { type: 'minor' | 'major' }) => void;
let exposedGc: Gc | undefined;
function collector(): Gc {
  if (!exposedGc) {
    v8.setFlagsFromString('--expose-gc');
    exposedGc = runInNewContext('gc') as Gc;
  }
  return exposedGc;
}

/** Bytes of SSH traffic after which the data path's dead buffers are collected (see `carried`). */
export const YOUNG_COLLECTION_BYTES = 4 * 1024 * 1024;
let carriedSince = 0;

/**
 * The data path's dead buffers collected as it makes them (issue 24): called with the bytes an SSH
 * socket carried since the last call, it runs a young-generation collection (a scavenge, ~0.1 ms)
 * once every YOUNG_COLLECTION_BYTES, across every session of the process.
 *
 * Why: each SSH packet and each read slab is an ArrayBuffer whose bytes live in the C library's
 * heap, outside V8's; V8 notices them only after ~32 MiB have piled up, and collects then. On
 * Linux, glibc's main heap grows to hold that pile and cannot shrink past the live allocations the
 * burst left between the freed ones — measured, 27–37 MiB of free memory kept there after 256 MiB
 * each way, given back only by `malloc_trim`. Collected every 4 MiB, the pile never grows so large.
 */
export function carried(bytes: number): void {
  carriedSince += bytes;
  if (carriedSince < YOUNG_COLLECTION_BYTES) return;
  carriedSince = 0;
  collectYoung();
}

/**
 * A young-generation collection now: bulk work calls it between slices (give-way.ts), so what a
 * slice keeps is copied by a scavenge of its own size rather than piled up for one of V8's size.
 */
export function collectYoung(): void {
  collector()({ type: 'minor' });
}

/** Starts giving memory back after busy spells (see quietCollector); returns the function that stops it. */
export function returnMemoryWhenQuiet(o: { everyMs?: number; quietChecks?: number; slackBytes?: number; heap?: CHeap | null } = {}): () => void {
  const everyMs = o.everyMs ?? 5000;
  const heap = o.heap === undefined ? cHeap() : o.heap;
  // The heap and the Buffers' bytes it holds (see above): what a full collection can give back.
  const collectable = (): number => {
    const h = v8.getHeapStatistics();
    return h.total_heap_size + h.external_memory;
  };
  const watch = quietCollector({ everyMs, quietChecks: o.quietChecks ?? 2, slackBytes: o.slackBytes ?? 8 * 1024 * 1024, baseline: collectable() });
  let last = process.cpuUsage();
  const timer = setInterval(() => {
    const now = process.cpuUsage();
    const used = now.user - last.user + (now.system - last.system);
    last = now;
    if (watch.sample(used, collectable())) {
      collector()();
      watch.collected(collectable());
      last = process.cpuUsage(); // the collection's own CPU is not traffic
      // No trim in the same check: the collection goes on after gc() returns (V8's helper
      // threads sweep, freeing what they free after it). collected() starts the count of quiet
      // checks again, so the trim comes once the process has been quiet as long again.
    } else if (heap && watch.trimDue()) {
      heap.trim();
      watch.trimmed();
      last = process.cpuUsage();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
