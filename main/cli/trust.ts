/**
 * `burrow trust`: checks a server's host key on purpose and records it, so that a saved session
 * runs unattended (a service has no terminal to ask on) without turning host-key checking off.
 * The app checks and records (hostkeys:check, hostkeys:trust); this command shows and asks.
 */
import type { SessionConfig } from '../../common/config.js';
import type { HostKeyCheck } from '../../common/contract.js';
import { AppCallError, openDoor, type Ask } from './connect.js';
import type { CliIo } from './io.js';
import { shellQuote } from '../../common/shell.js';
import { parseOptions, setValues, UsageError } from './options.js';
import { reportFailure } from './say.js';
import { commandLineGiven, commandLineTargets, savedTargets, TARGET_OPTIONS, type Origin } from './targets.js';
import { askHostKey } from './terminal.js';

const USAGE = `usage: burrow trust [--yes] [--replace] [--config FILE] NAME...
       burrow trust [--yes] [--replace] [--set NAME=VALUE]... -- <ssh|autossh|plink command line>

Connects to the session's SSH server, shows the host key it presents (its type and SHA256
fingerprint, as ssh-keygen -lf prints it) and, once you confirm, records it in the session's
known_hosts file (its UserKnownHostsFile, else ~/.ssh/known_hosts). From then on the session runs
unattended with its host key checked. Compare the fingerprint with the one the vendor publishes
before you confirm.

--yes          record the key without asking (for scripts), after printing it
--replace      the server's key has changed and the vendor confirmed the new one: the recorded
               key is removed (the file kept as FILE.old) and the new one recorded; for a saved
               session that pins a fingerprint, the pin is replaced
--set N=V      fills a placeholder of a vendor's command (<NAME>, $NAME, [name])
--config FILE  the session store (default: $BURROW_CONFIG, else the platform's config folder)

Exits 0 when the key is trusted (now or already), 1 when it is not recorded.`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  yes: { type: 'boolean' },
  replace: { type: 'boolean' },
} as const;

export async function main(argv: string[], io: CliIo): Promise<number> {
  let door: Awaited<ReturnType<typeof openDoor>> | undefined;
  try {
    const { values: v, positionals, rest } = parseOptions(argv, OPTIONS, true);
    if (v.help) {
      io.out(USAGE);
      return 0;
    }
    const words = rest ?? positionals;
    if (words.length === 0) throw new UsageError('name the saved session(s) to trust, or give a command line after --');
    const values = setValues(v.set);
    const commandLine = commandLineGiven(rest, words, { config: v.config, values });
    door = await openDoor(io, { config: v.config });
    const ask = door.ask;
    const targets = commandLine
      ? await commandLineTargets(ask, words, values, { command: 'trust', argv })
      : { sessions: await savedTargets(ask, door.file, words), origin: 'saved' as const };
    let ok = true;
    for (const cfg of targets.sessions) ok = (await trustOne(ask, cfg, targets.origin, { yes: v.yes === true, replace: v.replace === true }, io)) && ok;
    return ok ? 0 : 1;
  } catch (err) {
    return reportFailure(err, io, 'burrow trust', USAGE);
  } finally {
    await door?.close();
  }
}

/** How to run this again for one session, in the words it was given. */
function again(cfg: SessionConfig, origin: Origin, flag: string): string {
  return origin === 'saved' ? `\`burrow trust ${shellQuote(cfg.name)} ${flag}\`` : `\`burrow trust ${flag} -- <the same command>\``;
}

/** The request's target: a saved session by id, or the command line's settings. */
function targetOf(cfg: SessionConfig, origin: Origin): { id: string } | { config: Record<string, unknown> } {
  if (origin === 'saved') return { id: cfg.id };
  const { id: _id, ...config } = cfg;
  return { config };
}

async function trustOne(ask: Ask, cfg: SessionConfig, origin: Origin, o: { yes: boolean; replace: boolean }, io: CliIo): Promise<boolean> {
  const target = targetOf(cfg, origin);
  let key: HostKeyCheck;
  try {
    key = await ask('hostkeys:check', target);
  } catch (err) {
    if (!(err instanceof AppCallError) || err.error.code === 'INVALID_INPUT' || err.error.code === 'INTERNAL_ERROR') throw err;
    io.err(`burrow trust: ${cfg.name}: ${err.error.code}: ${err.error.message}`);
    if (err.error.hint) io.err(`  fix: ${err.error.hint}`);
    return false;
  }
  io.out(`${cfg.name}: ${key.name} presents this ${key.keyType} host key:\n  ${key.fingerprint}`);
  const status = key.status;
  switch (status.kind) {
    case 'revoked':
      io.err(
        `burrow trust: ${cfg.name}: this key is marked @revoked in ${status.file}:${status.line}, so it is never trusted. The server needs a new host key.`,
      );
      return false;
    case 'known':
      io.out(`already trusted: ${status.file} line ${status.line} records it`);
      return true;
    case 'pinned': {
      if (status.matches) {
        io.out('it is the key this session pins: nothing to record');
        return true;
      }
      io.out(`this session pins another key:\n  ${status.pinned} (pinned)\n  ${key.fingerprint} (presented now)`);
      if (!o.replace) {
        io.err(
          `burrow trust: ${cfg.name}: refused: the server presents a key other than the pinned one. Someone may be intercepting the connection; ask the vendor for its current fingerprint. If it is the new one: ${again(cfg, origin, '--replace')}.`,
        );
        return false;
      }
      if (origin !== 'saved') {
        io.err(
          `burrow trust: ${cfg.name}: a command line's pin is part of the command: replace ${status.pinned} with ${key.fingerprint} in it (${origin === 'plink' ? '-hostkey' : 'the pinned fingerprint'}).`,
        );
        return false;
      }
      await ask('hostkeys:trust', { id: cfg.id, fingerprint: key.fingerprint, replace: true });
      io.out(`replaced: ${cfg.name} now pins ${key.fingerprint} (was ${status.pinned})`);
      return true;
    }
    case 'changed': {
      io.out('HOST KEY CHANGED: the key recorded for this host is another one:');
      for (const e of status.recorded) io.out(`  ${e.keyType} ${e.fingerprint} (${e.file} line ${e.line})`);
      io.out(`  ${key.keyType} ${key.fingerprint} (presented now)`);
      if (!o.replace) {
        io.err(
          `burrow trust: ${cfg.name}: refused: someone may be intercepting the connection. If the server was really reinstalled and its owner confirms the new fingerprint: ${again(cfg, origin, '--replace')}.`,
        );
        return false;
      }
      const r = await ask('hostkeys:trust', { ...target, fingerprint: key.fingerprint, replace: true });
      io.out(
        `replaced: ${r.removed ?? 0} old line${r.removed === 1 ? '' : 's'} removed (the old file kept as .old); ${key.fingerprint} recorded in ${r.file ?? 'known_hosts'}`,
      );
      return true;
    }
    case 'unknown': {
      const accept = o.yes || (io.interactive && (await askHostKey(key)));
      if (!accept) {
        io.err(
          `burrow trust: ${cfg.name}: not recorded. ${io.interactive ? 'Answer yes to record it' : `Compare it with the fingerprint the vendor publishes, then record it: ${again(cfg, origin, '--yes')}`}.`,
        );
        return false;
      }
      const r = await ask('hostkeys:trust', { ...target, fingerprint: key.fingerprint });
      io.out(`recorded in ${r.file ?? 'known_hosts'}`);
      return true;
    }
  }
}
