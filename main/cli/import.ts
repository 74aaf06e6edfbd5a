/** `burrow import`: turns what people already have into saved sessions, detecting the kind of input. */
import { readFile, stat } from 'node:fs/promises';
import { applyImport } from '../core/config/apply-import.js';
import { ConfigError } from '../core/config/config-error.js';
import { detectKind, importInput, textOf } from '../core/config/importers/detect.js';
import type { ImportReport } from '../core/config/importers/report.js';
import { nextStepsFor } from '../core/config/presets.js';
import { importBundle } from '../core/config/transfer.js';
import { readPassphraseFile } from '../core/keys/index.js';
import { parseArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { forwardSpec, openStore, reportError, secretsBeside } from './sessions.js';

const USAGE = `usage: burrow import FILE [options]
       burrow import 'COMMAND LINE' [options]
       burrow import [options] -- ssh|autossh|plink ARGS...

options: --name NAME        name of the session (when the input describes one)
         --autostart        start it with the app / at login
         --set NAME=VALUE   fill a placeholder of a vendor's command (<NAME>, $NAME, [name]); repeatable
         --known-hosts FILE where host keys go (default ~/.ssh/known_hosts)
         --passphrase-file F  opens a \`burrow sessions export --with-secrets\` file
         --config FILE      the session store (default: $BURROW_CONFIG, else the platform's config folder)
         --json             print the result as one JSON object

FILE may be ~/.ssh/config, a PuTTY .reg export (HKCU\\Software\\SimonTatham\\PuTTY), a known_hosts
file, Secoda's docker-compose environment or autossh script, a shell script or systemd unit that
starts tunnels, or a \`burrow sessions export\` file.
Each import says what it took, and what it could not take and why.`;

/** Pulls every `--set NAME=VALUE` out of argv (the shared reader keeps one value per option). */
function takeValues(argv: string[]): { rest: string[]; values: Map<string, string> } {
  const values = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { rest.push(...argv.slice(i)); break; }
    if (a === '--set' || a.startsWith('--set=')) {
      const v = a === '--set' ? argv[++i] : a.slice('--set='.length);
      const m = v === undefined ? null : /^([^=]+)=(.*)$/s.exec(v);
      if (!m) throw new UsageError('--set needs NAME=VALUE');
      values.set(m[1]!.replace(/^[<$[{]+|[>\]}]+$/g, ''), m[2]!);
      continue;
    }
    rest.push(a);
  }
  return { rest, values };
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/** Runs `burrow import`; 0 when something was imported, 1 when nothing could be, 2 on a usage error. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    if (argv[0] === '--help' || argv[0] === '-h') {
      io.out(USAGE);
      return 0;
    }
    const { rest, values } = takeValues(argv);
    const args = parseArgs(rest, { values: ['--config', '--name', '--known-hosts', '--passphrase-file'], flags: ['--autostart', '--json'] });
    const store = openStore(args.values['--config'], io);
    let report: ImportReport;
    let source: string;
    if (args.rest !== undefined) {
      if (args.positional.length > 0) throw new UsageError('give the command after --, or one FILE / quoted command, not both');
      report = importInput(args.rest, { values });
      source = 'command line';
    } else if (args.positional.length === 1 && await isFile(args.positional[0]!)) {
      source = args.positional[0]!;
      const data = await readFile(source);
      if (detectKind(textOf(data)) === 'burrow-export') {
        const file = args.values['--passphrase-file'];
        const env = io.env.BURROW_EXPORT_PASSPHRASE;
        const passphrase = file !== undefined ? await readPassphraseFile(file) : env || undefined;
        report = await importBundle(textOf(data), { store, ...(passphrase !== undefined ? { passphrase } : {}) });
      } else {
        report = importInput(data, { values, source, ...(args.values['--name'] !== undefined ? { name: args.values['--name'] } : {}) });
      }
    } else if (args.positional.length > 0) {
      // One quoted paste, or the words of a command typed without --.
      const input = args.positional.length === 1 ? args.positional[0]! : args.positional;
      if (typeof input === 'string' && !/\s/.test(input)) {
        // Not repeated: a lone word may be user:password@host as well as a mistyped path.
        throw new ConfigError('(input)', 'is neither a file nor a command line', 'Check the path, or quote the whole command.');
      }
      report = importInput(input, { values, ...(args.values['--name'] !== undefined ? { name: args.values['--name'] } : {}) });
      source = 'command line';
    } else {
      throw new UsageError('give a FILE, a quoted command line, or a command after --');
    }

    const result = await applyImport(store, report, {
      ...(args.values['--name'] !== undefined ? { name: args.values['--name'] } : {}),
      ...(args.flags.has('--autostart') ? { autostart: true } : {}),
      ...(args.values['--known-hosts'] !== undefined ? { knownHostsFile: args.values['--known-hosts'] } : {}),
      secrets: secretsBeside(store, io),
    });
    const couldNot = [...report.couldNot, ...result.skipped];
    if (args.flags.has('--json')) {
      io.out(JSON.stringify({ kind: report.kind, source, store: store.path, saved: result.saved, took: report.took, couldNot,
        hostKeysAdded: result.hostKeysAdded, hostKeysKnown: result.hostKeysKnown, knownHostsFile: result.knownHostsFile }));
    } else {
      io.out(`${source} (${report.kind}):`);
      for (const t of report.took) io.out(`  took: ${t}`);
      for (const n of couldNot) io.out(`  not taken: ${n.what}: ${n.why}`);
      for (const s of result.saved) {
        io.out(`saved "${s.name}" in ${store.path}: ${s.user}@${s.host}:${s.port} ${s.forwards.map(forwardSpec).join(', ')}`);
        for (const step of nextStepsFor(s).nextSteps) io.out(`  next: ${step}`);
      }
      if (result.knownHostsFile) io.out(`host keys: ${result.hostKeysAdded} added to ${result.knownHostsFile}, ${result.hostKeysKnown} already there`);
    }
    return result.saved.length > 0 || result.hostKeysAdded + result.hostKeysKnown > 0 ? 0 : 1;
  } catch (err) {
    return reportError(err, io, 'burrow import', USAGE);
  }
}
