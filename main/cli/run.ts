/**
 * `burrow run`: runs tunnels headless, from a pasted ssh/autossh/plink command line or from a
 * config file, with the same engine the app uses. Stops cleanly on SIGINT/SIGTERM.
 */
import { ConfigError } from '../core/config/schema.js';
import { CommandLineError } from '../core/config/importers/command-line.js';
import { installLastResort } from '../core/faults.js';
import { SessionManager } from '../core/manager.js';
import { KeyError, readPassphraseFile } from '../core/keys/index.js';
import { BurrowError } from '../core/session/errors.js';
import { ssh2NativeCrypto, ssh2Patched } from '../core/session/native-crypto.js';
import { parseArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { askPassphraseUpFront, terminalHostKeyPrompt } from './prompts.js';
import { Reporter } from './reporter.js';
import { runSaved } from './run-saved.js';
import { selectSessions, type Selection } from './select.js';
import type { SessionConfig } from '../../common/config.js';

const USAGE = `usage: burrow run [--json] [-v|-vv] [--passphrase-file FILE] [--set NAME=VALUE]... -- <ssh|autossh|plink command line>
       burrow run [--json] [-v|-vv] [--passphrase-file FILE] [--config FILE] [--service] [--autostart | NAME...]

Without a command line, runs the saved sessions NAME... (all of them when none is named, or
those marked "start automatically" with --autostart) from --config FILE, else $BURROW_CONFIG,
else the default store (see docs/config.md). It answers on the config's control channel, so
\`burrow status|start|stop|logs|reload\` and the app's window see and steer it; SIGHUP or
\`burrow reload\` re-reads the config (added sessions start, removed ones stop, changed ones
restart, the others are not touched). Only one Burrow runs a config's tunnels: if another already
does, this one says so and exits 1, or with --service (what \`burrow service install\` runs)
waits and takes over when that one stops.

Runs the tunnels until SIGINT/SIGTERM, reconnecting by itself. With --json, prints one JSON
object per line for every change. A key's passphrase comes from its session's passphrase file or
stored secret; for keys without one, from --passphrase-file, the BURROW_PASSPHRASE environment
variable, or a prompt on a terminal.

--set NAME=VALUE fills a placeholder of a vendor's command (<NAME>, $NAME, [name]); every one
missing is named at once. -v shows each connection's handshake (algorithms agreed, keys offered
and the server's answers), -vv ssh2's own debug output too.`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  let selection: Selection;
  let json: boolean;
  let passphrase: string | undefined;
  let autostart = false;
  let service = false;
  let named = false;
  try {
    const args = parseArgs(argv, { values: ['--config', '--passphrase-file'], lists: ['--set'], flags: ['--json', '--help', '--autostart', '--service'] });
    if (args.flags.has('--help')) {
      io.out(USAGE);
      return 0;
    }
    json = args.flags.has('--json');
    const words = args.rest ?? args.positional.filter((p) => !/^-v+$/.test(p));
    autostart = args.flags.has('--autostart');
    service = args.flags.has('--service');
    named = words.length > 0;
    selection = await selectSessions(args, words, io, { autostart, allowEmpty: service });
    if (service && selection.file === undefined) throw new UsageError('--service runs saved sessions; it does not go with a command line');
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
  if (!ssh2Patched())
    reporter.note(
      "ssh2 is missing Burrow's patch (patches/ssh2+1.17.0.patch; install with scripts enabled, e.g. npm ci): a server's key re-exchange can cut tunnels that are sending data, and RSA keys ignore PubkeyAcceptedAlgorithms",
    );
  if (!ssh2NativeCrypto())
    reporter.note("ssh2's native crypto binding is missing: tunnels work but are several times slower (reinstall with a C++ compiler available)");
  if (passphrase === undefined && io.interactive) {
    // Ask once up front for an encrypted key rather than failing the first attempt.
    const answer = await askPassphraseUpFront(selection.sessions);
    if (answer === null) return 130;
    passphrase = answer;
  }
  if (selection.file !== undefined && selection.folder !== undefined && selection.secrets) {
    const ids = new Set(selection.sessions.map((s) => s.id));
    const runs = autostart ? (c: SessionConfig) => c.autostart : named ? (c: SessionConfig) => ids.has(c.id) : () => true;
    try {
      return await runSaved(
        { file: selection.file, folder: selection.folder, secrets: selection.secrets, runs, passphrase, service, json, engine: selection.engine },
        io,
        reporter,
      );
    } catch (err) {
      // The control folder is not this user's own (another user made it): say who, run nothing.
      if (!(err instanceof ConfigError)) throw err;
      io.err(`burrow run: ${err.message}`);
      return 1;
    } finally {
      uninstall();
    }
  }

  // A pasted command line: run as given, not saved, so no other Burrow can hold it and nothing
  // steers it but this terminal (save it with `burrow import` to run it as a service).
  const manager = new SessionManager({
    ...selection.engine,
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(io.interactive ? { prompt: terminalHostKeyPrompt() } : {}),
  });
  let last = new Map<string, string>();
  for (const cfg of selection.sessions) manager.add(cfg);
  manager.on('changed', (s) => {
    // One line per state or error change, not per counter tick; programs also get each new retry time.
    const key = `${s.state}|${s.lastError?.code ?? ''}${json ? `|${s.nextAttemptAt ?? ''}` : ''}`;
    if (last.get(s.id) === key) return;
    last.set(s.id, key);
    reporter.state(s.name, s.state, s.lastError, s.nextAttemptAt);
  });
  manager.on('forward', (id, f) => reporter.forward(manager.get(id)!.config.name, f.spec, f.state, f.boundPort, f.lastError));
  manager.on('log', (id, l) => reporter.log(manager.get(id)!.config.name, l.level, l.message));
  manager.startAll();

  await io.stopSignal;
  last = new Map();
  await manager.stopAll();
  uninstall();
  return 0;
}
