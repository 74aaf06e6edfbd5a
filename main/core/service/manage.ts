/**
 * Carrying out a service plan (plan.ts) on this machine: whose service it is, writing its file and
 * running the service manager's commands, removing them again, and asking how it stands. Every
 * step is reported, so a door can show what was done and, after a failure, what is left to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shellWords } from '../../../common/shell.js';
import { defaultConfigPath } from '../config/config-file.js';
import { isOurs, serviceCommand, serviceFile, type Plan, type Scope, type Where } from './plan.js';
import { checkUnitWord } from './units.js';

/** A service that cannot be set up as asked: what is wrong, what to do, and which choice it is about. */
export class ServiceChoiceError extends Error {
  /** `reason` says which choice went wrong, for a door that says it in its own words (the CLI's flags). */
  constructor(
    message: string,
    readonly hint: string,
    readonly field: 'scope' | 'as' | 'configFile',
    readonly reason: 'ROOT_UNASKED' | 'NO_ACCOUNT' | 'AS_WITH_USER' | 'WINDOWS_SYSTEM' | 'FOREIGN_FILE' | 'CANNOT_WRITE',
  ) {
    super(message);
    this.name = 'ServiceChoiceError';
  }
}

/** A local account's home and uid, from /etc/passwd (Linux). */
export function accountOf(user: string): { user: string; home: string; uid: number } | undefined {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`));
    if (!line) return undefined;
    const f = line.split(':');
    return { user, uid: Number(f[2]), home: f[5]! };
  } catch {
    return undefined;
  }
}

export interface ServiceChoice {
  readonly scope?: Scope;
  /** A system unit that runs as this account, with its own sessions. */
  readonly as?: string;
  /** The store the service runs; default: `as`'s own, else `defaultFile`. */
  readonly configFile?: string;
}

/**
 * Who the service runs as and how it starts this Burrow. Under sudo a system service is still the
 * person's (SUDO_USER), not root's. As root without sudo, installing without saying whose service
 * it is (system scope, or an account) is refused: root's own sessions are rarely what was meant.
 */
export function chooseWhere(c: ServiceChoice, defaultFile: string, env: NodeJS.ProcessEnv, action: 'install' | 'uninstall' | 'status'): Where {
  const root = process.getuid?.() === 0 && process.platform !== 'win32';
  const sudo = env.SUDO_USER !== undefined && env.SUDO_USER !== '' && env.SUDO_USER !== 'root';
  if (c.as !== undefined && c.scope === 'user')
    throw new ServiceChoiceError('a service that runs as another account is a system service', 'Leave the user scope out.', 'as', 'AS_WITH_USER');
  const scope: Scope = c.scope ?? (c.as !== undefined || root ? 'system' : 'user');
  if (action === 'install' && root && !sudo && c.as === undefined && c.scope === undefined) {
    throw new ServiceChoiceError(
      `you are root, not under sudo: a system unit would run Burrow as root, with root's sessions (${path.resolve(c.configFile ?? defaultFile)})`,
      "Choose the system scope to install it so, or name the account it runs as (with that account's sessions), or install it as that user.",
      'scope',
      'ROOT_UNASKED',
    );
  }
  if (scope === 'system' && process.platform === 'win32') {
    throw new ServiceChoiceError(
      'on Windows the task always runs as you, at boot and logged on or not',
      'Leave the system scope out.',
      'scope',
      'WINDOWS_SYSTEM',
    );
  }
  let configFile = path.resolve(c.configFile ?? defaultFile);
  if (c.as !== undefined) {
    const account = accountOf(c.as);
    if (!account) throw new ServiceChoiceError(`there is no user "${c.as}" on this machine`, 'Name an account that exists.', 'as', 'NO_ACCOUNT');
    configFile = path.resolve(c.configFile ?? defaultConfigPath({}, process.platform, account.home));
  }
  const me = os.userInfo();
  const sudoUser = scope === 'system' && sudo ? env.SUDO_USER! : undefined;
  const named = c.as ?? sudoUser;
  const account = named
    ? (accountOf(named) ?? { user: named, home: path.join(path.dirname(me.homedir), named), uid: Number(env.SUDO_UID ?? -1) })
    : { user: me.username, home: os.homedir(), uid: me.uid };
  checkUnitWord('the config file', configFile);
  const script = process.argv[1] ? realpathSync(process.argv[1]) : undefined;
  const command = serviceCommand({
    execPath: process.execPath,
    configFile,
    ...(env.APPIMAGE ? { appImage: env.APPIMAGE } : {}),
    ...(process.versions.electron ? { electron: true } : script ? { script } : {}),
  });
  return {
    platform: process.platform,
    scope,
    configFile,
    home: account.home,
    user: account.user,
    uid: account.uid,
    command,
    ...(process.platform === 'win32' ? { windowsUser: `${env.USERDOMAIN ?? os.hostname()}\\${me.username}` } : {}),
  };
}

/** A service file's text (Task Scheduler's are UTF-16). */
export function fileText(content: Buffer): string {
  return content[0] === 0xff && content[1] === 0xfe ? content.subarray(2).toString('utf16le') : content.toString('utf8');
}

/** Whether a planned file is absent, Burrow's own, or someone else's. */
export function fileState(file: string): 'no' | 'ours' | 'foreign' {
  if (!existsSync(file)) return 'no';
  return isOurs(readFileSync(file)) ? 'ours' : 'foreign';
}

export interface Step {
  readonly kind: 'wrote' | 'removed' | 'ran' | 'failed' | 'note';
  readonly text: string;
}

export interface Outcome {
  readonly ok: boolean;
  readonly steps: ReadonlyArray<Step>;
  /** After a failure: the commands still to run, by hand. */
  readonly left: ReadonlyArray<ReadonlyArray<string>>;
}

/** Runs commands in order until one fails. */
function runAll(commands: ReadonlyArray<ReadonlyArray<string>>, steps: Step[]): Outcome | undefined {
  for (const [i, cmd] of commands.entries()) {
    steps.push({ kind: 'ran', text: shellWords(cmd) });
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status === 0) continue;
    const why = r.error
      ? `${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd[0]} is not installed here` : r.error.message}`
      : (r.stderr || r.stdout).trim() || `exit ${r.status}`;
    steps.push({ kind: 'failed', text: `\`${shellWords(cmd)}\` failed: ${why}` });
    return { ok: false, steps, left: commands.slice(i) };
  }
  return undefined;
}

/** Writes the plan's files (never over one Burrow did not write) and runs its commands. */
export function carryOutInstall(plan: Plan): Outcome {
  for (const f of plan.files) {
    if (fileState(f.path) === 'foreign') {
      throw new ServiceChoiceError(
        `${f.path} exists and was not written by Burrow: it is left as it is`,
        'Remove or rename it yourself if Burrow should replace it.',
        'configFile',
        'FOREIGN_FILE',
      );
    }
  }
  const steps: Step[] = [];
  for (const f of plan.files) {
    try {
      mkdirSync(path.dirname(f.path), { recursive: true });
      writeFileSync(`${f.path}.tmp`, f.content, { mode: f.mode });
      renameSync(`${f.path}.tmp`, f.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ServiceChoiceError(
        `cannot write ${f.path} (${code ?? (err as Error).message})`,
        code === 'EACCES' || code === 'EPERM'
          ? 'A system-wide service needs root: install it with sudo, or for your user.'
          : 'Check that the folder may be written.',
        'scope',
        'CANNOT_WRITE',
      );
    }
    steps.push({ kind: 'wrote', text: f.path });
  }
  return runAll(plan.commands, steps) ?? { ok: true, steps, left: [] };
}

/** Stops the service and removes Burrow's own file (never another's). */
export function carryOutUninstall(plan: Plan): Outcome & { readonly removedNothing: boolean; readonly foreign: ReadonlyArray<string> } {
  const ours = plan.files.filter((f) => fileState(f.path) === 'ours');
  const foreign = plan.files.filter((f) => fileState(f.path) === 'foreign').map((f) => f.path);
  if (ours.length === 0) return { ok: foreign.length === 0, steps: [], left: [], removedNothing: true, foreign };
  const steps: Step[] = [];
  // Stopping may fail when it was never started (or the manager is gone): removing still goes on.
  for (const c of plan.commands) {
    steps.push({ kind: 'ran', text: shellWords(c) });
    const r = spawnSync(c[0]!, c.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) {
      steps.push({
        kind: 'note',
        text: `\`${shellWords(c)}\` failed (${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`}); removing the file anyway`,
      });
    }
  }
  for (const f of ours) {
    unlinkSync(f.path);
    steps.push({ kind: 'removed', text: f.path });
  }
  return { ...(runAll(plan.after, steps) ?? { ok: true, steps, left: [] }), removedNothing: false, foreign };
}

/** Whether the service is installed, and (systemd) whether it is enabled and active. */
export function serviceStatus(w: Where): {
  file: string;
  configFile: string;
  state: 'not installed' | 'installed' | 'foreign';
  systemd?: { enabled: string; active: string };
  journal?: { lines: string[] } | { unavailable: string };
} {
  const file = serviceFile(w);
  const s = fileState(file);
  const state = s === 'no' ? 'not installed' : s === 'ours' ? 'installed' : 'foreign';
  if (w.platform !== 'linux' || s === 'no') return { file, configFile: w.configFile, state };
  const ctl = w.scope === 'user' ? ['--user'] : [];
  const q = (what: string): string =>
    spawnSync('systemctl', [...ctl, what, 'burrow.service'], { encoding: 'utf8' }).stdout?.trim() || 'unknown (systemctl did not answer)';
  return { file, configFile: w.configFile, state, systemd: { enabled: q('is-enabled'), active: q('is-active') }, journal: journalTail(ctl) };
}

/** How many of the service's last journal lines `status` shows. */
export const JOURNAL_LINES = 10;

/** The service's last lines in the journal, as `journalctl -u burrow.service -n 10` prints them. */
function journalTail(ctl: ReadonlyArray<string>): { lines: string[] } | { unavailable: string } {
  const r = spawnSync('journalctl', [...ctl, '-u', 'burrow.service', '-n', String(JOURNAL_LINES), '--no-pager', '-o', 'short-iso'], {
    encoding: 'utf8',
    timeout: 5_000,
    maxBuffer: 1024 * 1024,
  });
  if (r.error) return { unavailable: `journalctl could not run (${r.error.message})` };
  const lines = (r.stdout ?? '').split('\n').filter((l) => l !== '' && !l.startsWith('-- '));
  if (r.status !== 0 && lines.length === 0) return { unavailable: (r.stderr ?? '').trim() || `journalctl exited ${r.status}` };
  return { lines: lines.slice(-JOURNAL_LINES) };
}
