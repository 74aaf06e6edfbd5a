/**
 * `burrow … | head -1`: a reader that goes away is not an error. Every command stops quietly,
 * without a stack trace, and exits 0 as other Unix tools do; `run` first closes its tunnels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BURROW, cleanEnv, runBurrow } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { world } from '../helpers/newcomer.js';

/** Runs `burrow ...args` with its stdout closed before it writes a byte (the reader is gone). */
async function withClosedStdout(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BURROW, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env) });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return { code, stderr };
}

test('every command whose reader goes away stops quietly and exits 0', async () => {
  const w = world();
  const closed = await freePort();
  const tunnel = ['ssh', '-N', '-R', '1:h:2', '-p', String(closed), 'u@127.0.0.1'];
  assert.equal((await runBurrow(['import', '--name', 'x', '--', ...tunnel], w.env)).code, 0);
  assert.equal((await runBurrow(['diagnose', 'x'], w.env)).code, 1, 'read to its end, the check fails');
  const commands: string[][] = [
    // Each of these would exit 1 if it ran to its end: the exit 0 shows the closed pipe ended it.
    ['diagnose', 'x'],
    ['diagnose', '--json', '--', ...tunnel],
    // Printing commands.
    ['sessions', 'show', 'x'],
    ['sessions', 'list'],
    ['sessions', 'presets'],
    ['import', '--name', 'y', '--', ...tunnel],
    ['key', 'generate', '--out', `${w.work}/k`],
    ['run', '--help'],
    ['trust', '--help'],
    // A tunnel that runs until stopped: the closed pipe stops it.
    ['run', '--json', '--', ...tunnel],
    ['run', '--json', 'x'],
  ];
  assert.equal(commands.length, 11);
  for (const args of commands) {
    const t0 = Date.now();
    const r = await withClosedStdout(args, w.env);
    assert.equal(r.code, 0, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at |Error:/, `${args.join(' ')} printed a failure`);
    assert.ok(Date.now() - t0 < 15_000, `${args.join(' ')} took ${Date.now() - t0} ms`);
  }
});
