/**
 * `burrow service install|uninstall|status`: Burrow started at boot by the system's own service
 * manager (systemd, launchd, Task Scheduler), running the sessions marked "start automatically"
 * in the same store the app uses. Replaces autossh + an init script, NSSM and Task Scheduler by
 * hand. The app plans and carries it out (service:*); this command says it in its flags' words.
 */
import path from 'node:path';
import { AppCallError } from '../../common/api.js';
import type { ServicePlanView, ServiceResult } from '../../common/contract.js';
import { configFolderOf } from '../app/platform.js';
import { ControlClient, ControlFolderError, controlPath } from '../control/channel.js';
import { openDoor, type CliDoor } from './connect.js';
import type { CliIo } from './io.js';
import { shellWords } from '../../common/shell.js';
import { parseOptions, UsageError } from './options.js';

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

const OPTIONS = {
  config: { type: 'string' },
  as: { type: 'string' },
  user: { type: 'boolean' },
  system: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** The app's refusal of a choice, in the words of this command's flags: a usage mistake (2), or what is in the way (1). */
function said(err: AppCallError, as: string | undefined, io: CliIo): number {
  const e = err.error;
  const usage = (message: string): number => {
    io.err(`burrow service: ${message}`);
    return 2;
  };
  switch (e.cause) {
    case 'ROOT_UNASKED':
      return usage(
        `${e.message}. Give --system to install it so, --as USER to run it as USER with USER's sessions, or run \`burrow service install\` as that user`,
      );
    case 'NO_ACCOUNT':
      return usage(`--as ${as}: there is no such user on this machine`);
    case 'AS_WITH_USER':
      return usage('--as USER makes a system unit that runs as USER; it does not go with --user');
    case 'WINDOWS_SYSTEM':
      return usage(`${e.message}: leave --system out`);
    case 'CANNOT_WRITE':
      io.err(
        `burrow service: ${e.message}${e.hint?.startsWith('A system-wide') ? ': a system-wide service needs root — run it with sudo, or use --user' : ''}`,
      );
      return 1;
    default:
      io.err(`burrow service: ${e.message}${e.hint ? `. ${e.hint}` : ''}`);
      return 1;
  }
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let door: CliDoor | undefined;
  let as: string | undefined;
  try {
    const { values: v, positionals } = parseOptions(argv, OPTIONS);
    if (v.help) {
      io.out(USAGE);
      return 0;
    }
    if (positionals.length !== 1 || !['install', 'uninstall', 'status'].includes(positionals[0]!)) {
      throw new UsageError(
        positionals.length === 0 ? 'say install, uninstall or status' : `unknown subcommand "${positionals.join(' ')}" (install, uninstall or status)`,
      );
    }
    if (v.user && v.system) throw new UsageError('give --user or --system, not both');
    const verb = positionals[0] as 'install' | 'uninstall' | 'status';
    as = v.as;
    const where = {
      ...(v.system ? { scope: 'system' as const } : v.user ? { scope: 'user' as const } : {}),
      ...(as !== undefined ? { as } : {}),
      ...(v.config !== undefined ? { configFile: path.resolve(v.config) } : {}),
    };
    // The service's plan belongs to this machine: the app in this process makes it.
    door = await openDoor(io, { config: v.config, sessions: false });
    if (verb === 'status') {
      const { as: _as, ...of } = where;
      return await status(door, of, io);
    }
    if (v['dry-run']) return dryRun(await door.ask('service:plan', { action: verb, ...where }), io);
    if (verb === 'install') return installed(await door.ask('service:install', where), io);
    return uninstalled(await door.ask('service:uninstall', where), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`burrow service: ${err.message}`);
      if (err.showUsage) io.err(USAGE);
      return 2;
    }
    if (err instanceof AppCallError) return said(err, as, io);
    throw err;
  } finally {
    await door?.close();
  }
}

function foreignFiles(plan: ServicePlanView): string[] {
  return plan.files.filter((f) => f.exists === 'foreign').map((f) => f.path);
}

function dryRun(plan: ServicePlanView, io: CliIo): number {
  if (plan.action === 'install') {
    for (const f of foreignFiles(plan)) {
      io.err(`burrow service: ${f} exists and was not written by Burrow: it is left as it is. Remove or rename it yourself if Burrow should replace it.`);
      return 1;
    }
    io.out(`would install ${plan.name}, running as ${plan.runsAs} with the sessions of ${plan.configFile}`);
    for (const f of plan.files) {
      io.out(
        `would write ${f.path} (mode ${f.mode.toString(8)}):\n${f.text
          .split(/\r?\n/)
          .map((l) => `    ${l}`)
          .join('\n')}`,
      );
    }
    for (const c of plan.commands) io.out(`would run: ${shellWords(c)}`);
    return 0;
  }
  const ours = plan.files.filter((f) => f.exists === 'ours');
  for (const f of foreignFiles(plan)) io.err(`burrow service: ${f} was not written by Burrow: it is left as it is.`);
  if (ours.length === 0) return nothingToRemove(plan, io);
  for (const c of plan.commands) io.out(`would run: ${shellWords(c)}`);
  for (const f of ours) io.out(`would remove ${f.path}`);
  for (const c of plan.after) io.out(`would run: ${shellWords(c)}`);
  return 0;
}

function nothingToRemove(plan: ServicePlanView, io: CliIo): number {
  const foreign = foreignFiles(plan).length > 0;
  io.out(foreign ? "Nothing of Burrow's to remove." : `Not installed: there is no ${plan.files[0]!.path}.`);
  return foreign ? 1 : 0;
}

/** Each step as it was done; after a failure, what is left to run by hand. */
function steps(r: ServiceResult, io: CliIo): boolean {
  for (const s of r.steps) {
    if (s.kind === 'wrote') io.out(`wrote ${s.text}`);
    else if (s.kind === 'removed') io.out(`removed ${s.text}`);
    else if (s.kind === 'ran') io.out(`running: ${s.text}`);
    else if (s.kind === 'note') io.err(`note: ${s.text}`);
    else io.err(`burrow service: ${s.text}`);
  }
  if (r.ok) return true;
  if (r.left.length > 0) io.err(`Fix that, then run what is left yourself:\n${r.left.map((c) => `  ${shellWords(c)}`).join('\n')}`);
  return false;
}

function installed(r: ServiceResult, io: CliIo): number {
  if (!steps(r, io)) return 1;
  io.out(`Installed: ${r.plan.name} starts Burrow at boot with the sessions marked "start automatically".`);
  io.out(`It runs as ${r.plan.runsAs}, with the sessions of ${r.plan.configFile}.`);
  for (const n of r.plan.notes) io.out(n);
  return 0;
}

function uninstalled(r: ServiceResult, io: CliIo): number {
  for (const f of foreignFiles(r.plan)) io.err(`burrow service: ${f} was not written by Burrow: it is left as it is.`);
  if (!r.plan.files.some((f) => f.exists === 'ours')) return nothingToRemove(r.plan, io);
  if (!steps(r, io)) return 1;
  io.out(`Uninstalled ${r.plan.name}. Your sessions are kept; \`burrow run\` or the app runs them.`);
  return 0;
}

async function status(door: CliDoor, where: { scope?: 'user' | 'system'; configFile?: string }, io: CliIo): Promise<number> {
  const s = await door.ask('service:status', where);
  const state = s.state === 'foreign' ? 'a service file Burrow did not write is there' : s.state;
  io.out(`service (${s.scope}): ${state}: ${s.file}`);
  if (s.systemd) io.out(`systemd: ${s.systemd.enabled}, ${s.systemd.active}`);
  if (s.journal && 'lines' in s.journal) {
    io.out(
      s.journal.lines.length > 0
        ? `last lines in the journal (journalctl${s.scope === 'user' ? ' --user' : ''} -u burrow.service):`
        : 'the journal has no lines of burrow.service yet',
    );
    for (const l of s.journal.lines) io.out(`  ${l}`);
  } else if (s.journal) io.out(`journal: ${s.journal.unavailable}`);
  let runner: ControlClient | undefined;
  try {
    runner = await ControlClient.connect(controlPath(configFolderOf(s.configFile)));
  } catch (err) {
    if (!(err instanceof ControlFolderError)) throw err;
    io.err(`tunnels: refused to talk to the Burrow on ${s.configFile}: ${err.message}`);
    return 1;
  }
  if (!runner) {
    io.out(`tunnels: no Burrow is running on ${s.configFile}`);
    return s.state === 'installed' ? 1 : 0;
  }
  try {
    const info = await runner.call('app:info', {});
    io.out(`tunnels: ${info.ok ? `${info.value.door} (pid ${info.value.pid})` : 'a Burrow'} runs them — \`burrow status\` shows each`);
  } finally {
    runner.close();
  }
  return 0;
}
