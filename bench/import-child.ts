/**
 * One `burrow import` for bench/imports.ts, run in this process through the command line's own
 * entry (main/cli/commands.ts), so its wall time and its CPU time (every thread: the import reads in
 * a worker) are this process's own. Prints one JSON line on fd 3: { wallMs, cpuMs, code }.
 */
import { writeSync } from 'node:fs';
import { cli } from '../main/cli/commands.js';

const t = performance.now();
const c = process.cpuUsage();
const code = await cli(process.argv.slice(2), {
  out: () => undefined,
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
  interactive: false,
  stopSignal: new Promise(() => undefined),
});
const used = process.cpuUsage(c);
writeSync(3, `${JSON.stringify({ wallMs: performance.now() - t, cpuMs: (used.user + used.system) / 1000, code })}\n`);
process.exit(code);
