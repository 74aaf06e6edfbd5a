/**
 * `burrow trust`: checks a server's host key on purpose and records it, so that a saved session
 * runs unattended (a service has no terminal to ask on) without turning host-key checking off.
 */
import { CommandLineError } from '../core/config/importers/command-line.js';
import { ConfigError } from '../core/config/config-error.js';
import { fetchHostKey, recordHostKey, trustStatus, type PresentedHostKey } from '../core/trust.js';
import { BurrowError } from '../core/session/errors.js';
import { hostKeyName } from '../core/session/host-keys.js';
import { fingerprintOf } from '../core/keys/fingerprint.js';
import type { SessionConfig } from '../../common/config.js';
import { parseArgs, shellQuote, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { terminalHostKeyPrompt } from './prompts.js';
import { selectSessions, type Selection } from './select.js';
import { openStore } from './sessions.js';

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

export async function main(argv: string[], io: CliIo): Promise<number> {
  let selection: Selection;
  let yes: boolean;
  let replace: boolean;
  let config: string | undefined;
  try {
    const args = parseArgs(argv, { values: ['--config'], lists: ['--set'], flags: ['--yes', '--replace', '--help'] });
    if (args.flags.has('--help')) {
      io.out(USAGE);
      return 0;
    }
    const words = args.rest ?? args.positional;
    if (words.length === 0) throw new UsageError('name the saved session(s) to trust, or give a command line after --');
    yes = args.flags.has('--yes');
    replace = args.flags.has('--replace');
    config = args.values['--config'];
    selection = await selectSessions(args, words, io, { command: 'trust' });
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommandLineError || err instanceof ConfigError) {
      io.err(`burrow trust: ${err.message}`);
      if (err instanceof UsageError && err.showUsage) io.err(USAGE);
      return 2;
    }
    throw err;
  }
  let ok = true;
  for (const cfg of selection.sessions) ok = (await trustOne(cfg, selection, { yes, replace, config }, io)) && ok;
  return ok ? 0 : 1;
}

/** How to run this again for one session, in the words it was given. */
function again(cfg: SessionConfig, selection: Selection, flag: string): string {
  return selection.origin === 'saved' ? `\`burrow trust ${shellQuote(cfg.name)} ${flag}\`` : `\`burrow trust ${flag} -- <the same command>\``;
}

async function trustOne(
  cfg: SessionConfig,
  selection: Selection,
  o: { yes: boolean; replace: boolean; config: string | undefined },
  io: CliIo,
): Promise<boolean> {
  const where = hostKeyName(cfg.host, cfg.port);
  let key: PresentedHostKey;
  try {
    key = await fetchHostKey(cfg);
  } catch (err) {
    if (!(err instanceof BurrowError)) throw err;
    io.err(`burrow trust: ${cfg.name}: ${err.info.code}: ${err.message}`);
    if (err.info.hint) io.err(`  fix: ${err.info.hint}`);
    return false;
  }
  io.out(`${cfg.name}: ${where} presents this ${key.keyType} host key:\n  ${key.fingerprint}`);
  const status = await trustStatus(cfg, key);
  switch (status.kind) {
    case 'revoked':
      io.err(
        `burrow trust: ${cfg.name}: this key is marked @revoked in ${status.entry.file}:${status.entry.line}, so it is never trusted. The server needs a new host key.`,
      );
      return false;
    case 'known':
      io.out(`already trusted: ${status.entry.file} line ${status.entry.line} records it`);
      return true;
    case 'pinned':
      if (status.matches) {
        io.out('it is the key this session pins: nothing to record');
        return true;
      }
      io.out(`this session pins another key:\n  ${status.pinned} (pinned)\n  ${key.fingerprint} (presented now)`);
      if (!o.replace) {
        io.err(
          `burrow trust: ${cfg.name}: refused: the server presents a key other than the pinned one. Someone may be intercepting the connection; ask the vendor for its current fingerprint. If it is the new one: ${again(cfg, selection, '--replace')}.`,
        );
        return false;
      }
      if (selection.origin !== 'saved') {
        io.err(
          `burrow trust: ${cfg.name}: a command line's pin is part of the command: replace ${status.pinned} with ${key.fingerprint} in it (${selection.origin === 'plink' ? '-hostkey' : 'the pinned fingerprint'}).`,
        );
        return false;
      }
      await openStore(o.config, io).update({ ...cfg, hostKey: { ...cfg.hostKey, fingerprint: key.fingerprint } });
      io.out(`replaced: ${cfg.name} now pins ${key.fingerprint} (was ${status.pinned})`);
      return true;
    case 'changed': {
      io.out('HOST KEY CHANGED: the key recorded for this host is another one:');
      for (const e of status.entries) io.out(`  ${e.keyType} ${fingerprintOf(e.keyBlob)} (${e.file} line ${e.line})`);
      io.out(`  ${key.keyType} ${key.fingerprint} (presented now)`);
      if (!o.replace) {
        io.err(
          `burrow trust: ${cfg.name}: refused: someone may be intercepting the connection. If the server was really reinstalled and its owner confirms the new fingerprint: ${again(cfg, selection, '--replace')}.`,
        );
        return false;
      }
      const r = await recordHostKey(cfg, key, { replace: true });
      io.out(`replaced: ${r.removed} old line${r.removed === 1 ? '' : 's'} removed (the old file kept as .old); ${key.fingerprint} recorded in ${r.file}`);
      return true;
    }
    case 'unknown': {
      const accept =
        o.yes || (io.interactive && (await terminalHostKeyPrompt()({ host: cfg.host, port: cfg.port, keyType: key.keyType, fingerprint: key.fingerprint })));
      if (!accept) {
        io.err(
          `burrow trust: ${cfg.name}: not recorded. ${io.interactive ? 'Answer yes to record it' : `Compare it with the fingerprint the vendor publishes, then record it: ${again(cfg, selection, '--yes')}`}.`,
        );
        return false;
      }
      const r = await recordHostKey(cfg, key);
      io.out(`recorded in ${r.file}`);
      return true;
    }
  }
}
