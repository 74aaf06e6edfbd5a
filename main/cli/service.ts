/**
 * `burrow service install|uninstall|status`: Burrow started at boot by the system's own service
 * manager (systemd, launchd, Task Scheduler), running the sessions marked "start automatically"
 * in the same store the app uses. Replaces autossh + an init script, NSSM and Task Scheduler by hand.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppInfo } from '../../common/contract.js';
import { defaultConfigPath, resolveConfigPath } from '../core/config/config-file.js';
import { installPlan, isOurs, serviceCommand, serviceFile, uninstallPlan, type Plan, type Scope, type Where } from '../core/service/plan.js';
import { checkUnitWord, UnitWordError } from '../core/service/units.js';
import { ControlClient, ControlFolderError, controlPath } from '../control/channel.js';
import { parseArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';

const USAGE = `usage: burrow service install|uninstall|status [--user | --system [--as USER]] [--config FILE] [--dry-run]

Starts Burrow at every boot with the system's own service manager, running the sessions marked
"start automatically" in --config FILE (default: $BURROW_CONFIG, else your default store — the
one the app uses): Linux a systemd unit, macOS a launchd agent (--user) or daemon (--system),
Windows a scheduled task that runs at boot, logged on or not.

  --user     as you, from your service manager (the default, except as root)
  --system   system-wide, still running as you (sudo keeps you as the account: $SUDO_USER)
  --as USER  with --system: run it as USER, with USER's sessions (as root, without sudo, say
             --as USER or --system: Burrow does not pick root's own sessions unasked)
  --dry-run  print every file and command, write and run nothing

install refuses to overwrite a service file it did not write; uninstall removes only its own.
After changing sessions, \`burrow reload\` applies them to the running service.`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  let verb: string;
  let asUser: string | undefined;
  let scope: Scope;
  let dryRun: boolean;
  let configFile: string;
  try {
    const args = parseArgs(argv, { values: ['--config', '--as'], flags: ['--user', '--system', '--dry-run', '--help'] });
    if (args.flags.has('--help')) {
      io.out(USAGE);
      return 0;
    }
    if (args.positional.length !== 1 || !['install', 'uninstall', 'status'].includes(args.positional[0]!)) {
      throw new UsageError(
        args.positional.length === 0 ? 'say install, uninstall or status' : `unknown subcommand "${args.positional.join(' ')}" (install, uninstall or status)`,
      );
    }
    if (args.flags.has('--user') && args.flags.has('--system')) throw new UsageError('give --user or --system, not both');
    verb = args.positional[0]!;
    asUser = args.values['--as'];
    if (asUser !== undefined && args.flags.has('--user')) throw new UsageError('--as USER makes a system unit that runs as USER; it does not go with --user');
    const root = process.getuid?.() === 0 && process.platform !== 'win32';
    const sudo = io.env.SUDO_USER !== undefined && io.env.SUDO_USER !== '' && io.env.SUDO_USER !== 'root';
    scope = args.flags.has('--system') || asUser !== undefined ? 'system' : args.flags.has('--user') ? 'user' : root ? 'system' : 'user';
    if (verb === 'install' && root && !sudo && asUser === undefined && !args.flags.has('--system') && !args.flags.has('--user')) {
      // Root's own sessions are rarely what was meant: say whose unit this would be, and ask.
      throw new UsageError(
        `you are root, not under sudo: a system unit would run Burrow as root, with root's sessions (${path.resolve(resolveConfigPath(args.values['--config'], io.env))}). ` +
          "Give --system to install it so, --as USER to run it as USER with USER's sessions, or run `burrow service install` as that user",
        false,
      );
    }
    if (scope === 'system' && process.platform === 'win32')
      throw new UsageError('on Windows the task always runs as you, at boot and logged on or not: leave --system out');
    dryRun = args.flags.has('--dry-run');
    if (asUser !== undefined) {
      const account = accountOf(asUser);
      if (!account) throw new UsageError(`--as ${asUser}: there is no such user on this machine`, false);
      // That account's own store, unless another is named.
      configFile = path.resolve(args.values['--config'] ?? defaultConfigPath({}, process.platform, account.home));
    } else {
      configFile = path.resolve(resolveConfigPath(args.values['--config'], io.env));
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`burrow service: ${err.message}`);
    if (err.showUsage) io.err(USAGE);
    return 2;
  }
  let where: Where;
  try {
    where = whereFor(scope, configFile, io.env, asUser);
  } catch (err) {
    if (!(err instanceof UnitWordError)) throw err;
    io.err(`burrow service: ${err.message}. Move the config (or Burrow) to a path without one.`);
    return 1;
  }
  if (verb === 'status') return status(where, io);
  const plan = verb === 'install' ? installPlan(where) : uninstallPlan(where);
  return verb === 'install' ? install(plan, dryRun, io) : uninstall(plan, dryRun, io);
}

/** Who the service runs as and how it starts this Burrow. */
function whereFor(scope: Scope, configFile: string, env: NodeJS.ProcessEnv, asUser: string | undefined): Where {
  const me = os.userInfo();
  // Under sudo the service is still the person's, not root's; --as names the account outright.
  const sudoUser = scope === 'system' && env.SUDO_USER && env.SUDO_USER !== 'root' ? env.SUDO_USER : undefined;
  const named = asUser ?? sudoUser;
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

/** A local account's home and uid, from /etc/passwd (Linux). */
function accountOf(user: string): { user: string; home: string; uid: number } | undefined {
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

const shown = (cmd: ReadonlyArray<string>): string => cmd.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');

function text(content: Buffer): string {
  return content[0] === 0xff && content[1] === 0xfe ? content.subarray(2).toString('utf16le') : content.toString('utf8');
}

/** Runs the plan's commands in order; on the first failure says what failed and what is left to do. */
function runAll(commands: ReadonlyArray<ReadonlyArray<string>>, io: CliIo): boolean {
  for (const [i, cmd] of commands.entries()) {
    io.out(`running: ${shown(cmd)}`);
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status === 0) continue;
    const why = r.error
      ? `${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd[0]} is not installed here` : r.error.message}`
      : (r.stderr || r.stdout).trim() || `exit ${r.status}`;
    io.err(`burrow service: \`${shown(cmd)}\` failed: ${why}`);
    const rest = commands.slice(i);
    io.err(`Fix that, then run what is left yourself:\n${rest.map((c) => `  ${shown(c)}`).join('\n')}`);
    return false;
  }
  return true;
}

function install(plan: Plan, dryRun: boolean, io: CliIo): number {
  for (const f of plan.files) {
    if (existsSync(f.path) && !isOurs(readFileSync(f.path))) {
      io.err(`burrow service: ${f.path} exists and was not written by Burrow: it is left as it is. Remove or rename it yourself if Burrow should replace it.`);
      return 1;
    }
  }
  if (dryRun) {
    io.out(`would install ${plan.name}, running as ${plan.runsAs} with the sessions of ${plan.configFile}`);
    for (const f of plan.files)
      io.out(
        `would write ${f.path} (mode ${f.mode.toString(8)}):\n${text(f.content)
          .split(/\r?\n/)
          .map((l) => `    ${l}`)
          .join('\n')}`,
      );
    for (const c of plan.commands) io.out(`would run: ${shown(c)}`);
    return 0;
  }
  for (const f of plan.files) {
    try {
      mkdirSync(path.dirname(f.path), { recursive: true });
      writeFileSync(`${f.path}.tmp`, f.content, { mode: f.mode });
      renameSync(`${f.path}.tmp`, f.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      io.err(
        `burrow service: cannot write ${f.path} (${code ?? (err as Error).message})${code === 'EACCES' || code === 'EPERM' ? ': a system-wide service needs root — run it with sudo, or use --user' : ''}`,
      );
      return 1;
    }
    io.out(`wrote ${f.path}`);
  }
  if (!runAll(plan.commands, io)) return 1;
  io.out(`Installed: ${plan.name} starts Burrow at boot with the sessions marked "start automatically".`);
  io.out(`It runs as ${plan.runsAs}, with the sessions of ${plan.configFile}.`);
  for (const n of plan.notes) io.out(n);
  return 0;
}

function uninstall(plan: Plan, dryRun: boolean, io: CliIo): number {
  const ours = plan.files.filter((f) => existsSync(f.path) && isOurs(readFileSync(f.path)));
  const foreign = plan.files.filter((f) => existsSync(f.path) && !ours.includes(f));
  for (const f of foreign) io.err(`burrow service: ${f.path} was not written by Burrow: it is left as it is.`);
  if (ours.length === 0) {
    io.out(foreign.length > 0 ? "Nothing of Burrow's to remove." : `Not installed: there is no ${plan.files[0]!.path}.`);
    return foreign.length > 0 ? 1 : 0;
  }
  if (dryRun) {
    for (const c of plan.commands) io.out(`would run: ${shown(c)}`);
    for (const f of ours) io.out(`would remove ${f.path}`);
    for (const c of plan.after) io.out(`would run: ${shown(c)}`);
    return 0;
  }
  // Stopping may fail when it was never started (or the manager is gone): removing still goes on.
  for (const c of plan.commands) {
    io.out(`running: ${shown(c)}`);
    const r = spawnSync(c[0]!, c.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) io.err(`note: \`${shown(c)}\` failed (${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`}); removing the file anyway`);
  }
  for (const f of ours) {
    unlinkSync(f.path);
    io.out(`removed ${f.path}`);
  }
  if (!runAll(plan.after, io)) return 1;
  io.out(`Uninstalled ${plan.name}. Your sessions are kept; \`burrow run\` or the app runs them.`);
  return 0;
}

async function status(w: Where, io: CliIo): Promise<number> {
  const file = serviceFile(w);
  const state = !existsSync(file) ? 'not installed' : isOurs(readFileSync(file)) ? 'installed' : 'a service file Burrow did not write is there';
  io.out(`service (${w.scope}): ${state}: ${file}`);
  if (w.platform === 'linux' && existsSync(file)) {
    const ctl = w.scope === 'user' ? ['--user'] : [];
    const q = (what: string): string =>
      spawnSync('systemctl', [...ctl, what, 'burrow.service'], { encoding: 'utf8' }).stdout?.trim() || 'unknown (systemctl did not answer)';
    io.out(`systemd: ${q('is-enabled')}, ${q('is-active')}`);
  }
  let runner: ControlClient | undefined;
  try {
    runner = await ControlClient.connect(controlPath(path.dirname(w.configFile)));
  } catch (err) {
    if (!(err instanceof ControlFolderError)) throw err;
    io.err(`tunnels: refused to talk to the Burrow on ${w.configFile}: ${err.message}`);
    return 1;
  }
  if (!runner) {
    io.out(`tunnels: no Burrow is running on ${w.configFile}`);
    return state === 'installed' ? 1 : 0;
  }
  try {
    const info = await runner.call('app:info', {});
    io.out(
      `tunnels: ${info.ok ? `${(info.value as AppInfo).door} (pid ${(info.value as AppInfo).pid})` : 'a Burrow'} runs them — \`burrow status\` shows each`,
    );
  } finally {
    runner.close();
  }
  return 0;
}
