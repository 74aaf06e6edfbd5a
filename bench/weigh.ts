/**
 * What each layer a `burrow run` process loads adds to a bare Node process (`npm run bench`,
 * before the tunnel tables; BENCH_WEIGH=0 skips it): the floor under the idle figure (issue 24).
 *
 * Run as `node --expose-gc weigh.js`: imports the layers one after another, in the order a tunnel
 * process reaches them, and after each (two full collections) reads RSS and its two parts from
 * /proc/self/status — pages of files (the node binary itself, shared with every other Node
 * process) and private memory — and V8's heap. Each row is what that import added, so a row
 * counts only what the rows above had not already loaded.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = (p: string): string => pathToFileURL(path.resolve(here, '..', p)).href;

/** In the order a `burrow run -- ssh …` process loads them. */
const LAYERS: ReadonlyArray<readonly [string, string]> = [
  ['ssh2 (the SSH library, its native binding and WebAssembly Poly1305)', 'ssh2'],
  ['zod (the validator of the contract and the config)', 'zod'],
  ["the config's schema and the contract", dist('common/contract.js')],
  ['the store (migrations, atomic writes, the file reader)', dist('main/core/config/store.js')],
  ['the engine (sessions, forwards, host keys, routes)', dist('main/core/session/session.js')],
  ['the app (every request of the contract, importers included)', dist('main/app/app.js')],
  ['the command line (`burrow run`, the control channel)', dist('main/cli/run.js')],
];

interface Reading {
  readonly rss: number;
  readonly file: number;
  readonly anon: number;
  readonly heap: number;
}

function read(): Reading {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kib('VmRSS'), file: kib('RssFile'), anon: kib('RssAnon') + kib('RssShmem'), heap: v8.getHeapStatistics().used_heap_size / 2 ** 20 };
}

const f = (n: number): string => n.toFixed(1);
const lines = [
  'What a `burrow run` process is made of: each layer imported into a bare Node process in the order the process loads them, after two full collections (MiB)',
  '',
  '| layer | RSS after it | added: RSS | of which pages of files (the node binary) | of which private | V8 heap in use, added |',
  '|---|---:|---:|---:|---:|---:|',
];
let last = read();
lines.push(`| a bare \`node\` (Node ${process.versions.node}, this script loaded) | ${f(last.rss)} | | ${f(last.file)} | ${f(last.anon)} | ${f(last.heap)} |`);
for (const [name, spec] of LAYERS) {
  await import(spec);
  const now = read();
  lines.push(
    `| ${name} | ${f(now.rss)} | +${f(now.rss - last.rss)} | +${f(now.file - last.file)} | +${f(now.anon - last.anon)} | +${f(now.heap - last.heap)} |`,
  );
  last = now;
}
process.stdout.write(lines.join('\n') + '\n');
