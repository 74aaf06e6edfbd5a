/** `burrow import`: turns what people already have into saved sessions, detecting the kind of input. */
import { readFile, stat } from 'node:fs/promises';
import type { SessionConfig } from '../../common/config.js';
import { applyImport } from '../core/config/apply-import.js';
import { ConfigError } from '../core/config/config-error.js';
import { PlaceholderError } from '../core/config/importers/command-line.js';
import { importOffThread } from '../core/config/importers/background.js';
import { isBurrowExport, textOf } from '../core/config/importers/detect.js';
import { checkImportSize } from '../core/config/importers/limits.js';
import type { ImportReport } from '../core/config/importers/report.js';
import { nextStepsWithKey } from '../core/config/public-key.js';
import { importBundle } from '../core/config/transfer.js';
import { encryptedKeyFiles, warningsForMany } from '../core/config/warnings.js';
import { readPassphraseFile } from '../core/keys/index.js';
import { parseArgs, setValues, shellQuote, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { takenAsIs, withPlaceholderLine, withStandIns } from './select.js';
import { forwardSpec, openStore, reportError, secretsBeside } from './sessions.js';

const USAGE = `usage: burrow import FILE [options]
       burrow import 'COMMAND LINE' [options]
       burrow import [options] -- ssh|autossh|plink ARGS...

options: --name NAME        name of the session (when the input describes one)
         --autostart        start it with the app / at login / with \`burrow run --autostart\`
         --set NAME=VALUE   fill a placeholder of a vendor's command (<NAME>, $NAME, [name]); repeatable
         --key-passphrase-file F  the passphrase of the session's encrypted key: the key and its
                            passphrase are kept in Burrow's secret store, never in the config
         --known-hosts FILE where host keys go (default ~/.ssh/known_hosts)
         --passphrase-file F  opens a \`burrow sessions export --with-secrets\` file
         --config FILE      the session store (default: $BURROW_CONFIG, else the platform's config folder)
         --json             print the result as one JSON object

FILE may be ~/.ssh/config, a PuTTY .reg export (HKCU\\Software\\SimonTatham\\PuTTY), a known_hosts
file, Secoda's docker-compose environment or autossh script, a shell script or systemd unit that
starts tunnels, or a \`burrow sessions export\` file.
Relative key and known_hosts paths are saved absolute, against the folder you run this in.
Each import says what it took, and what it could not take and why. Every placeholder still to
fill is named at once, with the line to run.`;

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** What is worth knowing about a session just saved: missing or passphrase-protected key files, a remote port claimed twice. */
async function warningsFor(s: SessionConfig, portsAndFiles: ReadonlyArray<string>): Promise<string[]> {
  const encrypted = await encryptedKeyFiles(s);
  return [
    ...portsAndFiles,
    ...encrypted.map(
      (f) =>
        `The key file ${f} is protected by a passphrase, which nobody will be there to type when the tunnel runs unattended: keep it in Burrow's secret store with \`burrow sessions edit ${shellQuote(s.name)} --key-passphrase-file FILE\`.`,
    ),
  ];
}

/** Runs `burrow import`; 0 when something was imported, 1 when nothing could be, 2 on a usage error. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    if (argv[0] === '--help' || argv[0] === '-h') {
      io.out(USAGE);
      return 0;
    }
    const args = parseArgs(argv, {
      values: ['--config', '--name', '--known-hosts', '--passphrase-file', '--key-passphrase-file'],
      lists: ['--set'],
      flags: ['--autostart', '--json'],
    });
    const given = setValues(args);
    const store = openStore(args.values['--config'], io);
    const secrets = secretsBeside(store, io);
    const name = args.values['--name'];
    /** Reads the input into a report (and where it came from), with `values` in its placeholders. */
    const load = async (values: ReadonlyMap<string, string>): Promise<{ report: ImportReport; source: string }> => {
      const pairs = [...values];
      if (args.rest !== undefined) {
        if (args.positional.length > 0) throw new UsageError('give the command after --, or one FILE / quoted command, not both');
        return { report: await importOffThread({ source: { words: args.rest }, options: { values: pairs } }), source: 'command line' };
      }
      if (args.positional.length === 1 && (await isFile(args.positional[0]!))) {
        const source = args.positional[0]!;
        checkImportSize((await stat(source)).size, source);
        const data = await readFile(source);
        if (isBurrowExport(data)) {
          const file = args.values['--passphrase-file'];
          const env = io.env.BURROW_EXPORT_PASSPHRASE;
          const passphrase = file !== undefined ? await readPassphraseFile(file) : env || undefined;
          return { report: await importBundle(textOf(data), { store, ...(passphrase !== undefined ? { passphrase } : {}) }), source };
        }
        return {
          report: await importOffThread({ source: { bytes: data }, options: { values: pairs, source, ...(name !== undefined ? { name } : {}) } }),
          source,
        };
      }
      if (args.positional.length > 0) {
        // One quoted paste, or the words of a command typed without --.
        const input = args.positional.length === 1 ? args.positional[0]! : args.positional;
        if (typeof input === 'string' && !/\s/.test(input)) {
          // Not repeated: a lone word may be user:password@host as well as a mistyped path.
          throw new ConfigError('(input)', 'is neither a file nor a command line', 'Check the path, or quote the whole command.');
        }
        const from = typeof input === 'string' ? { text: input } : { words: input };
        return { report: await importOffThread({ source: from, options: { values: pairs, ...(name !== undefined ? { name } : {}) } }), source: 'command line' };
      }
      throw new UsageError('give a FILE, a quoted command line, or a command after --');
    };
    let loaded: { report: ImportReport; source: string };
    try {
      loaded = await load(given);
    } catch (err) {
      if (!(err instanceof PlaceholderError)) throw err;
      // The line to run again repeats the command: only when Burrow takes it as it is (with any
      // value in the blanks), so that nothing it would refuse, a password included, is repeated.
      if (!(await takenAsIs(() => load(withStandIns(given, err))))) throw err;
      io.err(`burrow import: ${withPlaceholderLine(err, 'import', argv).message}`);
      return 1;
    }
    const { report, source } = loaded;
    if (args.values['--passphrase-file'] !== undefined && report.kind !== 'burrow-export') {
      throw new UsageError(
        "--passphrase-file opens a `burrow sessions export --with-secrets` file; for the passphrase of the session's key, use --key-passphrase-file",
        false,
      );
    }
    const keyPassphraseFile = args.values['--key-passphrase-file'];
    const keyPassphrase = keyPassphraseFile !== undefined ? await readPassphraseFile(keyPassphraseFile) : undefined;

    const result = await applyImport(store, report, {
      ...(name !== undefined ? { name } : {}),
      ...(args.flags.has('--autostart') ? { autostart: true } : {}),
      ...(args.values['--known-hosts'] !== undefined ? { knownHostsFile: args.values['--known-hosts'] } : {}),
      ...(keyPassphrase !== undefined ? { keyPassphrase } : {}),
      secrets,
      cwd: process.cwd(),
    });
    const couldNot = [...report.couldNot, ...result.skipped];
    const all = store.sessions();
    const general = warningsForMany(result.saved, all);
    const saved = await Promise.all(
      result.saved.map(async (s) => ({ session: s, warnings: await warningsFor(s, general.get(s.id) ?? []), steps: await nextStepsWithKey(s, secrets) })),
    );
    const warnings = [...(report.warnings ?? []), ...saved.flatMap((s) => s.warnings)];
    if (args.flags.has('--json')) {
      io.out(
        JSON.stringify({
          kind: report.kind,
          source,
          store: store.path,
          saved: result.saved,
          took: report.took,
          couldNot,
          warnings,
          keptKeys: result.keptKeys,
          hostKeysAdded: result.hostKeysAdded,
          hostKeysKnown: result.hostKeysKnown,
          knownHostsFile: result.knownHostsFile,
        }),
      );
    } else {
      io.out(`${source} (${report.kind}):`);
      for (const t of report.took) io.out(`  took: ${t}`);
      for (const n of couldNot) io.out(`  not taken: ${n.what}: ${n.why}`);
      for (const w of report.warnings ?? []) io.out(`  warning: ${w}`);
      for (const { session: s, warnings: ws, steps } of saved) {
        io.out(
          `saved "${s.name}" in ${store.path}: ${s.user}@${s.host}:${s.port} ${s.forwards.map(forwardSpec).join(', ')}${s.autostart ? ' [autostart]' : ''}`,
        );
        for (const k of result.keptKeys.filter((k) => k.session === s.name)) {
          io.out(`  key: ${k.file} and its passphrase are kept in Burrow's secret store as "${k.keyId}" (the session no longer reads the file)`);
        }
        for (const w of ws) io.out(`  warning: ${w}`);
        for (const step of steps.nextSteps) io.out(`  next: ${step}`);
      }
      if (result.knownHostsFile) io.out(`host keys: ${result.hostKeysAdded} added to ${result.knownHostsFile}, ${result.hostKeysKnown} already there`);
    }
    return result.saved.length > 0 || result.hostKeysAdded + result.hostKeysKnown > 0 ? 0 : 1;
  } catch (err) {
    return reportError(err, io, 'burrow import', USAGE);
  }
}
