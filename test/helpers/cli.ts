/** Runs the built `burrow` command as a real child process and reads its JSON lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { toolsMissing } from './tools.js';

export const BURROW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../main/cli/burrow.js');

export interface Running {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the first JSON line matching `pred` (already printed or to come). */
  waitForLine(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * The environment a CLI under test gets: this process's, minus every BURROW_* variable (a
 * developer's BURROW_CONFIG or BURROW_PASSPHRASE must not leak into a test), plus the test's own.
 */
export function cleanEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BURROW_')));
  return { ...base, ...env };
}

/** Where a command runs: its working folder (default: the test's). */
export interface RunOptions {
  readonly cwd?: string;
}

/** Starts `burrow ...args` with stdin closed (no terminal, as under a service manager or CI). */
export function startBurrow(args: string[], env: NodeJS.ProcessEnv = {}, opts: RunOptions = {}): Running {
  const child = spawn(process.execPath, [BURROW, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  const lines: Array<Record<string, unknown>> = [];
  let err = '';
  let buf = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ raw: line });
      }
    }
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      for (const w of waiters.splice(0)) w();
      resolve(code);
    }),
  );
  return {
    child,
    lines,
    exited,
    stderr: () => err,
    async waitForLine(pred, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find(pred);
        if (hit) return hit;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no matching line (exit ${child.exitCode}); lines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${err}`);
        }
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}

/** Runs `burrow ...args` to completion. */
export async function runBurrow(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  opts: RunOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BURROW, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

/** Why a test cannot give a command a terminal here (util-linux `script`), or undefined. */
export function terminalUnavailable(): string | undefined {
  return toolsMissing('script');
}

/**
 * Runs `burrow ...args` on a terminal of its own (a pty, through util-linux `script`), as a person
 * at a keyboard would: each time the terminal shows `question` (default: a yes/no question), the
 * next of `answers` is typed. Resolves with everything the terminal showed (stdout and stderr).
 */
export async function runOnTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
  answers: ReadonlyArray<string>,
  question = /\(yes\/no\)\? /g,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BURROW, ...args].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: cleanEnv(env) });
  let output = '';
  let typed = 0;
  const onData = (d: Buffer): void => {
    output += d.toString();
    const shown = output.match(question)?.length ?? 0;
    while (typed < Math.min(shown, answers.length)) child.stdin.write(`${answers[typed++]}\n`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}
