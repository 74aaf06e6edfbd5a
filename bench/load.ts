/**
 * The vendor side in benchmarks: connects to the tunnel's remote port and measures. Runs in its
 * own process; prints one JSON result. Usage: load.js <port> <workload> [args…]
 *
 * Workloads: `stream BYTES N` (vendor → target over N connections), `pull BYTES N` (target →
 * vendor), `pull-mib BYTES N` (the same, the target writing 1 MiB at a time), `rtt COUNT`, `connect COUNT`, `burst N REPEAT`, `churn COUNT`
 * (COUNT short connections, 100 at a time, no pause: the soak's), and `hold N`: opens N echoing
 * connections, prints its result once all are open and holds them until its stdin closes.
 */
import net from 'node:net';
import { once } from 'node:events';

const [portArg, workload, ...args] = process.argv.slice(2);
const port = Number(portArg);
const CHUNK = Buffer.alloc(256 * 1024, 0x5a);

async function connect(): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.setNoDelay(true);
  await once(s, 'connect');
  return s;
}

/** Sends `bytes` through one connection and waits for the target's acknowledgement. */
async function stream(bytes: number): Promise<void> {
  const s = await connect();
  const header = Buffer.alloc(9);
  header[0] = 0x53;
  header.writeBigUInt64BE(BigInt(bytes), 1);
  s.write(header);
  const acked = once(s, 'data');
  let sent = 0;
  while (sent < bytes) {
    const n = Math.min(CHUNK.length, bytes - sent);
    sent += n;
    if (!s.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) await once(s, 'drain');
  }
  await acked;
  s.destroy();
}

/** Asks the target for `bytes` through one connection and reads them all (`mode` M: written 1 MiB at a time). */
async function pull(bytes: number, mode: 'R' | 'M' = 'R'): Promise<void> {
  const s = await connect();
  const header = Buffer.alloc(9);
  header[0] = mode.charCodeAt(0);
  header.writeBigUInt64BE(BigInt(bytes), 1);
  let got = 0;
  s.on('data', (d: Buffer) => {
    got += d.length;
  });
  s.write(header);
  await once(s, 'end');
  s.destroy();
  if (got !== bytes) throw new Error(`pulled ${got} of ${bytes} bytes`);
}

/** Opens a connection in echo mode and times until the first echoed byte comes back. */
async function connectRoundTrip(): Promise<number> {
  const t0 = performance.now();
  const s = await connect();
  s.write('Ex');
  await once(s, 'data');
  const ms = performance.now() - t0;
  s.destroy();
  return ms;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<unknown> {
  switch (workload) {
    case 'stream':
    case 'pull':
    case 'pull-mib': {
      const total = Number(args[0]);
      const streams = Number(args[1] ?? 1);
      const one = workload === 'stream' ? stream : workload === 'pull' ? pull : (n: number) => pull(n, 'M');
      const t0 = performance.now();
      await Promise.all(Array.from({ length: streams }, () => one(Math.floor(total / streams))));
      const s = (performance.now() - t0) / 1000;
      return { mbPerS: total / 1e6 / s, seconds: s };
    }
    case 'hold': {
      // Opened 50 at a time: sshd's listener has a backlog of 128, and a dropped SYN costs 1 s.
      const n = Number(args[0]);
      const open: net.Socket[] = [];
      for (let i = 0; i < n; i += 50) {
        open.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(50, n - i) }, async () => {
              const s = await connect();
              s.write('Ex');
              await once(s, 'data');
              return s;
            }),
          )),
        );
      }
      process.stdout.write(JSON.stringify({ open: open.length }) + '\n');
      process.stdin.resume();
      await once(process.stdin, 'end');
      for (const s of open) s.destroy();
      return undefined;
    }
    case 'rtt': {
      const n = Number(args[0]);
      const s = await connect();
      s.write('E');
      const times: number[] = [];
      const one = Buffer.from('p');
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        s.write(one);
        await once(s, 'data');
        times.push((performance.now() - t0) * 1000);
      }
      s.destroy();
      times.sort((a, b) => a - b);
      return { p50us: pct(times, 50), p99us: pct(times, 99) };
    }
    case 'connect': {
      const n = Number(args[0]);
      const times: number[] = [];
      for (let i = 0; i < n; i++) times.push(await connectRoundTrip());
      times.sort((a, b) => a - b);
      return { p50ms: pct(times, 50), p99ms: pct(times, 99) };
    }
    case 'churn': {
      // Short connections as fast as the tunnel takes them, 100 in flight (below sshd's backlog of 128).
      const n = Number(args[0]);
      let next = 0;
      let failed = 0;
      const worker = async (): Promise<void> => {
        while (next < n) {
          next++;
          await connectRoundTrip().catch(() => failed++);
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: Math.min(100, n) }, worker));
      return { seconds: (performance.now() - t0) / 1000, failed };
    }
    case 'burst': {
      // `repeat` bursts of n simultaneous connections, each done when all n have echoed. sshd
      // listens with a backlog of 128, so a burst of 200 sometimes overflows it and the kernel's
      // 1 s SYN retry shows up in the total whichever tunnel is used: report the median burst and
      // how many bursts took that retry.
      const n = Number(args[0]);
      const repeat = Number(args[1] ?? 1);
      const totals: number[] = [];
      let failed = 0;
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now();
        const results = await Promise.allSettled(Array.from({ length: n }, connectRoundTrip));
        totals.push(performance.now() - t0);
        failed += results.filter((r) => r.status === 'rejected').length;
        await new Promise((r) => setTimeout(r, 200));
      }
      totals.sort((a, b) => a - b);
      return { totalMs: pct(totals, 50), slowBursts: totals.filter((t) => t > 900).length, failed };
    }
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

main().then(
  (r) => {
    if (r !== undefined) process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(String(e) + '\n');
    process.exit(1);
  },
);
