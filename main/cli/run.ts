/**
 * `burrow run`: runs tunnels headless, from a pasted ssh/autossh/plink command line or from a
 * config file, with the app every other door uses. Stops cleanly on SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import type { AppInfo } from '../../common/contract.js';
import type { BurrowApp } from '../app/app.js';
import { asAppCallError, catchStrayErrors, openApp, openScratchApp, readSecretFile, resolveConfigPath, type OpenAppOptions } from '../app/platform.js';
import { AppCallError, askOf, ControlFolderError } from './connect.js';
import type { CliIo } from './io.js';
import { metricsOption, parseOptions, setValues, UsageError } from './options.js';
import type { ListenAddress } from '../../common/metrics.js';
import { MetricsHost } from '../metrics/host.js';
import { Reporter } from './reporter.js';
import { follow, metricsReport, runSaved } from './run-saved.js';
import { errorLines } from './say.js';
import { commandLineGiven, commandLineTargets, engineFor, savedTargets, TARGET_OPTIONS, unknownHostNotes, type Targets } from './targets.js';

const USAGE = `usage: burrow run [--json] [-v|-vv] [--passphrase-file FILE] [--metrics ADDR:PORT] [--set NAME=VALUE]... -- <ssh|autossh|plink command line>
       burrow run [--json] [-v|-vv] [--passphrase-file FILE] [--metrics ADDR:PORT] [--config FILE] [--service] [--autostart | NAME...]

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
and the server's answers), -vv ssh2's own debug output too.

--metrics ADDR:PORT (or PORT, on 127.0.0.1; or the BURROW_METRICS environment variable) serves
/metrics (Prometheus), /healthz and /readyz there; without it, Settings decide (off by default).
Another address than loopback is served only when named, e.g. 0.0.0.0:9876 in a container.`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  'passphrase-file': { type: 'string' },
  json: { type: 'boolean' },
  autostart: { type: 'boolean' },
  service: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  metrics: { type: 'string' },
} as const;

/** What every app this command opens shares. */
function appOptions(io: CliIo, door: string, passphrase: string | undefined, reporter: () => Reporter | undefined): Omit<OpenAppOptions, 'configFile'> {
  return {
    env: io.env,
    mode: 'run',
    door,
    ...(passphrase !== undefined ? { passphrase } : {}),
    exporter: {
      offer: async () => {
        throw new Error('key export is not offered by burrow run');
      },
    },
    noLoginItemReason: 'This Burrow runs from the command line; `burrow service install` starts it at boot.',
    logError: (m) => (reporter() ? reporter()!.note(`internal error: ${m}`) : io.err(`burrow run: internal error: ${m}`)),
  };
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let app: BurrowApp | undefined;
  let dispose: (() => void) | undefined;
  let reporter: Reporter | undefined;
  let targets: Targets;
  let file: string | undefined;
  let service = false;
  let json = false;
  let runs: (c: { id: string; autostart: boolean }) => boolean = () => true;
  let metrics: ListenAddress | undefined;
  try {
    const { values: v, positionals, rest } = parseOptions(argv, OPTIONS, true);
    if (v.help) {
      io.out(USAGE);
      return 0;
    }
    json = v.json === true;
    service = v.service === true;
    metrics = metricsOption(v.metrics, io.env);
    const asked = v.verbose?.length ?? 0;
    const words = rest ?? positionals;
    const values = setValues(v.set);
    const commandLine = commandLineGiven(rest, words, { config: v.config, values });
    if (commandLine && v.autostart) throw new UsageError('--autostart selects saved sessions; it does not go with a command line');
    if (commandLine && service) throw new UsageError('--service runs saved sessions; it does not go with a command line');
    const passphrase = v['passphrase-file'] !== undefined ? await readSecretFile(v['passphrase-file']) : io.env.BURROW_PASSPHRASE || undefined;
    const door = service ? 'the Burrow service' : 'burrow run';

    if (commandLine) {
      // A pasted command line runs as given, not saved (save it with `burrow import` to run it as
      // a service): an app over a throwaway store, which nothing but this terminal steers.
      const reader = openScratchApp(appOptions(io, door, passphrase, () => reporter));
      try {
        const parsed = await commandLineTargets(askOf(reader.app), words, values, { command: 'run', argv });
        targets = { ...parsed, verbosity: Math.max(asked, parsed.verbosity) };
      } finally {
        await reader.app.close();
        reader.dispose();
      }
      const scratch = openScratchApp({ ...appOptions(io, door, passphrase, () => reporter), engine: engineFor(targets.origin, targets.verbosity) });
      app = scratch.app;
      dispose = scratch.dispose;
      await app.start();
    } else {
      file = resolveConfigPath(v.config, io.env);
      // A first run has no store yet (that is "no sessions"); a file named outright must be there.
      if (v.config !== undefined && !existsSync(file))
        throw new UsageError(`${file} does not exist: check the path, or create the file as docs/config.md shows`, false);
      app = openApp({ ...appOptions(io, door, passphrase, () => reporter), configFile: file, engine: engineFor('saved', asked) });
      try {
        await app.start();
      } catch (err) {
        throw asUsage(asAppCallError(err));
      }
      const sessions = await savedTargets(askOf(app), file, words, { autostart: v.autostart === true, allowEmpty: service });
      targets = { sessions, origin: 'saved', notes: [], verbosity: asked };
      const ids = new Set(sessions.map((s) => s.id));
      runs = v.autostart ? (c) => c.autostart : words.length > 0 ? (c) => ids.has(c.id) : () => true;
    }
  } catch (err) {
    await app?.close();
    dispose?.();
    return setupFailure(err, io);
  }

  reporter = new Reporter(io, json, targets.verbosity > 0);
  try {
    for (const n of targets.notes) reporter.note(n);
    if (!io.interactive) for (const n of await unknownHostNotes(askOf(app), targets.sessions, targets.origin)) reporter.note(n);
    const info: AppInfo = await askOf(app)('app:info', {});
    if (!info.ssh2.patched)
      reporter.note(
        "ssh2 is missing Burrow's patch (patches/ssh2+1.17.0.patch; install with scripts enabled, e.g. npm ci): a server's key re-exchange can cut tunnels that are sending data, and RSA keys ignore PubkeyAcceptedAlgorithms",
      );
    if (!info.ssh2.nativeCrypto)
      reporter.note("ssh2's native crypto binding is missing: tunnels work but are several times slower (reinstall with a C++ compiler available)");
    if (info.memoryReturn === 'missing')
      reporter.note(
        "Burrow's heap-trim addon is missing: memory a busy spell used stays with this process until it is used again (reinstall with a C compiler available, e.g. npm ci)",
      );
  } catch (err) {
    await app.close();
    dispose?.();
    return setupFailure(err, io);
  }
  const uninstall = catchStrayErrors((f) => reporter!.fault(f));
  try {
    if (file !== undefined) return await runSaved({ app, file, runs, service, json, ...(metrics ? { metrics } : {}) }, io, reporter);
    const detach = follow(app, reporter, json, io.interactive);
    const endpoint = await MetricsHost.start(app, metricsReport(reporter), metrics);
    try {
      // The one session of the command line: saved in the throwaway store, then started.
      const { id: _id, ...config } = targets.sessions[0]!;
      const saved = await askOf(app)('sessions:create', { config });
      await askOf(app)('sessions:start', { id: saved.session.id });
      await io.stopSignal;
      await endpoint.close();
      await app.close();
    } finally {
      await endpoint.close();
      detach();
    }
    return 0;
  } catch (err) {
    // The control folder is not this user's own (another user made it): say who, run nothing.
    if (!(err instanceof ControlFolderError)) throw err;
    io.err(`burrow run: ${err.message}`);
    return 1;
  } finally {
    uninstall();
    await app.close();
    dispose?.();
  }
}

/** A store that cannot be read, when `burrow run` opens it: a mistake in what it was given (exit 2). */
function asUsage(err: unknown): unknown {
  if (err instanceof AppCallError) return new UsageError(errorLines(err.error).join('\n'), false);
  return err;
}

/** A failure before any tunnel starts: what was given is wrong (exit 2, with the fix), or the control folder is not this user's (1). */
function setupFailure(err: unknown, io: CliIo): number {
  if (err instanceof UsageError) {
    io.err(`burrow run: ${err.message}`);
    if (err.showUsage) io.err(USAGE);
    return 2;
  }
  if (err instanceof AppCallError) {
    const [first, ...more] = errorLines(err.error);
    io.err(`burrow run: ${first}`);
    for (const l of more) io.err(l);
    return 2;
  }
  if (err instanceof ControlFolderError) {
    io.err(`burrow run: ${err.message}`);
    return 1;
  }
  throw err;
}
