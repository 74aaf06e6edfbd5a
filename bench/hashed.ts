/**
 * The long-haul check of the benchmark, in processes of its own: `hashed.js target` serves the
 * hashed-stream protocol (test/helpers/hashed-streams.ts) and prints its port; `hashed.js load
 * PORT BYTES STREAMS` sends and receives BYTES each way over STREAMS connections at once, checks
 * every byte by SHA-256 and prints one JSON result.
 */
import { exchange, hashingTarget } from '../test/helpers/hashed-streams.js';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'target') {
  const t = await hashingTarget();
  process.stdout.write(`${t.port}\n`);
  process.on('SIGTERM', () => process.exit(0));
} else if (mode === 'load') {
  const [port, bytes, streams] = args.map(Number) as [number, number, number];
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: streams }, () => exchange(port, Math.floor(bytes / streams))));
  const seconds = (performance.now() - t0) / 1000;
  const failed = results.filter((r) => !r.ok).map((r) => r.detail);
  process.stdout.write(JSON.stringify({ seconds, verified: failed.length === 0, failed }) + '\n');
  process.exit(0);
} else {
  process.stderr.write('usage: hashed.js target | load PORT BYTES STREAMS\n');
  process.exit(2);
}
