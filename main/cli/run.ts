/**
 * `burrow run`: runs tunnels headless, from a pasted ssh/autossh/plink command line or from a
 * config file, with the same engine the app uses. Stops cleanly on SIGINT/SIGTERM.
 */
import { ConfigError } from '../core/config/schema.js';
import { CommandLineError } from '../core/config/importers/command-line.js';
import { installLastResort } from '../core/faults.js';
import { holdsFolderFor, SessionHolds } from '../core/holds.js';
import { SessionManager } from '../core/manager.js';
import { KeyError, readPassphraseFile } from '../core/keys/index.js';
import { BurrowError } from '../core/session/errors.js';
import { ssh2NativeCrypto, ssh2Patched } from '../core/session/native-crypto.js';
import { parseArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { askPassphraseUpFront, terminalHostKeyPrompt } from './prompts.js';
import { Reporter } from './reporter.js';
import { selectSessions, type Selection } from './select.js';

const USAGE = `usage: burrow run [--json] [-v] [--passphrase-file FILE] -- <ssh|autossh|plink command line>
       burrow run [--json] [-v] [--passphrase-file FILE] [--config FILE] [--autostart | NAME...]

Without a command line, runs the saved sessions NAME... (all of them when none is named, or
those marked "start automatically" with --autostart) from --config FILE, else $BURROW_CONFIG,
else the default store (see docs/config.md).

Runs the tunnels until SIGINT/SIGTERM, reconnecting by itself. With --json, prints one JSON
object per line for every change. A key's passphrase comes from its session's passphrase file or
stored secret; for keys without one, from --passphrase-file, the BURROW_PASSPHRASE environment
variable, or a prompt on a terminal.`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  let selection: Selection;
  let json: boolean;
  let passphrase: string | undefined;
  try {
    const args = parseArgs(argv, { values: ['--config', '--passphrase-file'], flags: ['--json', '--help', '--autostart'] });
    if (args.flags.has('--help')) { io.out(USAGE); return 0; }
    json = args.flags.has('--json');
    const verboseFlag = args.positional.includes('-v');
    const words = args.rest ?? args.positional.filter((p) => p !== '-v');
    selection = await selectSessions(args, words, io, { autostart: args.flags.has('--autostart') });
    if (verboseFlag) selection = { ...selection, verbose: true };
    const pf = args.values['--passphrase-file'];
    passphrase = pf !== undefined ? await readPassphraseFile(pf) : io.env.BURROW_PASSPHRASE;
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommandLineError || err instanceof ConfigError || err instanceof BurrowError || err instanceof KeyError) {
      io.err(`burrow run: ${err.message}${err instanceof KeyError && err.hint ? ` ${err.hint}` : ''}`);
      if (err instanceof UsageError && err.showUsage) io.err(USAGE);
      return 2;
    }
    throw err;
  }

  const reporter = new Reporter(io, json, selection.verbose);
  for (const n of selection.notes) reporter.note(n);
  const uninstall = installLastResort((f) => reporter.fault(f));
  if (!ssh2Patched()) reporter.note('ssh2 is missing Burrow\'s patch (patches/ssh2+1.17.0.patch; install with scripts enabled, e.g. npm ci): a server\'s key re-exchange can cut tunnels that are sending data, and RSA keys ignore PubkeyAcceptedAlgorithms');
  if (!ssh2NativeCrypto()) reporter.note('ssh2\'s native crypto binding is missing: tunnels work but are several times slower (reinstall with a C++ compiler available)');
  if (passphrase === undefined && io.interactive) {
    // Ask once up front for an encrypted key rather than failing the first attempt.
    const answer = await askPassphraseUpFront(selection.sessions);
    if (answer === null) return 130;
    passphrase = answer;
  }
  const manager = new SessionManager({
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(selection.secrets ? { secrets: selection.secrets } : {}),
    ...(io.interactive ? { prompt: terminalHostKeyPrompt() } : {}),
  }, selection.folder !== undefined ? new SessionHolds(holdsFolderFor(selection.folder), 'burrow run') : undefined);
  let last = new Map<string, string>();
  for (const cfg of selection.sessions) {
    if (cfg.hostKey.policy === 'ask' && !io.interactive) {
      reporter.note(`${cfg.name}: no terminal to ask about an unknown host key, so unknown keys are refused (use -o StrictHostKeyChecking=accept-new to trust on first use)`);
    }
    manager.add(cfg);
  }
  manager.on('changed', (s) => {
    // One line per state or error change, not per counter tick; programs also get each new retry time.
    const key = `${s.state}|${s.lastError?.code ?? ''}${json ? `|${s.nextAttemptAt ?? ''}` : ''}`;
    if (last.get(s.id) === key) return;
    last.set(s.id, key);
    reporter.state(s.name, s.state, s.lastError, s.nextAttemptAt);
  });
  manager.on('forward', (id, f) => reporter.forward(manager.get(id)!.config.name, f.spec, f.state, f.boundPort, f.lastError));
  manager.on('log', (id, l) => reporter.log(manager.get(id)!.config.name, l.level, l.message));
  const held = manager.startAll();
  for (const h of held) reporter.held(h.sessionName, `${h.message}. ${h.hint}`);
  if (held.length === selection.sessions.length) {
    uninstall();
    return 1;
  }

  await io.stopSignal;
  last = new Map();
  await manager.stopAll();
  uninstall();
  return 0;
}
