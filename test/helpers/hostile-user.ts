/**
 * A second, unprivileged local user, made by the test and removed after it: what another person
 * on the same machine can do to Burrow (FACTS.md "Networks and users in tests"). It cannot enter
 * the test's root-owned 0700 temporary folders, so what it runs and writes lives in a 1777 folder
 * of its own. Tests that need one ask `hostileUserUnavailable()` for their skip reason: not root,
 * or no useradd/runuser. Under CI=true that throws instead, since CI must prove everything.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export interface HostileUser {
  readonly name: string;
  readonly uid: number;
  /** A 1777 folder both the test and this user can write. */
  readonly shared: string;
  /** Runs a command as this user and waits for it. */
  run(argv: ReadonlyArray<string>, opts?: { input?: string; timeoutMs?: number }): SpawnSyncReturns<string>;
  /** Starts a command as this user. */
  start(argv: ReadonlyArray<string>): ChildProcess;
  /** Runs a Node script (the text of an ES module) as this user; its output is stdout. */
  node(script: string, timeoutMs?: number): SpawnSyncReturns<string>;
  /** Starts a Node script as this user. */
  startNode(script: string): ChildProcess;
  dispose(): void;
}

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** Why no second user can be made here, or undefined when one can. Throws under CI=true. */
export function hostileUserUnavailable(): string | undefined {
  const why =
    process.getuid?.() !== 0
      ? 'not root: a second local user cannot be made'
      : !has('useradd') || !has('runuser')
        ? 'useradd or runuser is missing (Debian: passwd, util-linux)'
        : undefined;
  if (why !== undefined && process.env.CI === 'true') throw new Error(`CI must run every test, but this one cannot: ${why}`);
  return why;
}

/**
 * Makes the user, and opens the way to `reach` (every folder above it gets the "others may pass"
 * bit) so the user's attempts reach Burrow's own checks rather than stopping at the test's folders.
 */
export function createHostileUser(reach: ReadonlyArray<string> = []): HostileUser {
  const name = `burrow-h-${randomBytes(3).toString('hex')}`;
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`useradd ${name} failed: ${made.stderr}`);
  const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
  const shared = mkdtempSync('/tmp/burrow-shared-');
  chmodSync(shared, 0o1777);
  for (const target of reach) {
    for (let d = path.dirname(path.resolve(target)); d !== path.dirname(d); d = path.dirname(d)) {
      const mode = statSync(d).mode;
      if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o001);
    }
  }
  const as = (argv: ReadonlyArray<string>): string[] => ['-u', name, '--', ...argv];
  let scripts = 0;
  const scriptFile = (script: string): string => {
    const file = path.join(shared, `script-${++scripts}.mjs`);
    spawnSync('sh', ['-c', 'cat > "$1" && chmod 644 "$1"', 'sh', file], { input: script });
    return file;
  };
  return {
    name,
    uid,
    shared,
    run: (argv, opts = {}) =>
      spawnSync('runuser', as(argv), {
        encoding: 'utf8',
        cwd: shared,
        timeout: opts.timeoutMs ?? 60_000,
        ...(opts.input !== undefined ? { input: opts.input } : {}),
      }),
    start: (argv) => spawn('runuser', as(argv), { cwd: shared, stdio: ['ignore', 'pipe', 'pipe'] }),
    node(script, timeoutMs = 60_000) {
      return spawnSync('runuser', as([process.execPath, scriptFile(script)]), { encoding: 'utf8', cwd: shared, timeout: timeoutMs });
    },
    startNode(script) {
      return spawn('runuser', as([process.execPath, scriptFile(script)]), { cwd: shared, stdio: ['ignore', 'pipe', 'pipe'] });
    },
    dispose() {
      spawnSync('pkill', ['-KILL', '-u', name]);
      spawnSync('userdel', [name]);
      rmSync(shared, { recursive: true, force: true });
    },
  };
}
