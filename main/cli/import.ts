/** `burrow import`: turns what people already have into saved sessions, through the app's import:preview and import:apply. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppCallError } from '../../common/api.js';
import { forwardSpec } from '../../common/forward-spec.js';
import { readSecretFile } from '../app/platform.js';
import { openDoor, type CliDoor } from './connect.js';
import type { CliIo } from './io.js';
import { parseOptions, setValues, UsageError } from './options.js';
import { reportFailure, tookTheChange, warningText } from './say.js';
import { commandLineMistake } from './targets.js';
import { importVia, type ImportInput } from './transfer.js';

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
         --allow-commands   save sessions that run a program to connect (a ProxyCommand Burrow
                            does not speak itself); without it they are shown and not saved
         --config FILE      the session store (default: $BURROW_CONFIG, else the platform's config folder)
         --json             print the result as one JSON object

FILE may be ~/.ssh/config, a PuTTY .reg export (HKCU\\Software\\SimonTatham\\PuTTY), a known_hosts
file, Secoda's docker-compose environment or autossh script, a shell script or systemd unit that
starts tunnels, or a \`burrow sessions export\` file.
Relative key and known_hosts paths are saved absolute, against the folder you run this in.
Each import says what it took, and what it could not take and why. Every placeholder still to
fill is named at once, with the line to run.`;

const OPTIONS = {
  config: { type: 'string' },
  name: { type: 'string' },
  'known-hosts': { type: 'string' },
  'passphrase-file': { type: 'string' },
  'key-passphrase-file': { type: 'string' },
  set: { type: 'string', multiple: true },
  autostart: { type: 'boolean' },
  'allow-commands': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** What the words name: a command after `--`, a file, one quoted paste, or the words of a command typed without `--`. */
async function inputOf(positionals: ReadonlyArray<string>, rest: ReadonlyArray<string> | undefined): Promise<{ input: ImportInput; source: string }> {
  if (rest !== undefined) {
    if (positionals.length > 0) throw new UsageError('give the command after --, or one FILE / quoted command, not both');
    return { input: { words: rest }, source: 'command line' };
  }
  if (positionals.length === 1 && (await isFile(positionals[0]!))) return { input: { file: positionals[0]!, name: positionals[0]! }, source: positionals[0]! };
  if (positionals.length === 1) {
    const only = positionals[0]!;
    // Not repeated: a lone word may be user:password@host as well as a mistyped path.
    if (!/\s/.test(only)) {
      throw new AppCallError({
        code: 'INVALID_INPUT',
        message: '(input) is neither a file nor a command line',
        field: '(input)',
        problem: 'is neither a file nor a command line',
        hint: 'Check the path, or quote the whole command.',
      });
    }
    return { input: { text: only }, source: 'command line' };
  }
  if (positionals.length > 1) return { input: { words: positionals }, source: 'command line' };
  throw new UsageError('give a FILE, a quoted command line, or a command after --');
}

/** Says how many more a list had than it shows. */
function more(io: CliIo, n: number, what: string): void {
  if (n > 0) io.out(`  … and ${n} more ${what}`);
}

/** Runs `burrow import`; 0 when something was imported, 1 when nothing could be, 2 on a usage error. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let door: CliDoor | undefined;
  try {
    const { values: v, positionals, rest } = parseOptions(argv, OPTIONS, true);
    if (v.help) {
      io.out(USAGE);
      return 0;
    }
    const values = setValues(v.set);
    const { input, source } = await inputOf(positionals, rest);
    const exportFile = v['passphrase-file'];
    const passphrase = exportFile !== undefined ? await readSecretFile(exportFile) : io.env.BURROW_EXPORT_PASSPHRASE || undefined;
    const keyPassphrase = v['key-passphrase-file'] !== undefined ? await readSecretFile(v['key-passphrase-file']) : undefined;
    door = await openDoor(io, { config: v.config });
    let done;
    try {
      done = await importVia(
        door.ask,
        input,
        {
          ...(Object.keys(values).length > 0 ? { values } : {}),
          ...(v.name !== undefined ? { name: v.name } : {}),
          ...(passphrase !== undefined ? { passphrase } : {}),
        },
        {
          ...(v.name !== undefined ? { name: v.name } : {}),
          ...(v.autostart ? { autostart: true } : {}),
          ...(v['known-hosts'] !== undefined ? { knownHostsFile: path.resolve(v['known-hosts']) } : {}),
          ...(keyPassphrase !== undefined ? { keyPassphrase } : {}),
          ...(v['allow-commands'] ? { runCommands: true } : {}),
          cwd: process.cwd(),
        },
        (preview) => {
          // Each program the sessions would run, in full, before the app refuses to save them unasked
          // (its refusal names the first; with several, each is listed here).
          if (!v['allow-commands'] && preview.commands.length > 1)
            for (const c of preview.commands) io.err(`burrow import: "${c.session}" would run on this machine at every connection: ${c.command}`);
          if (exportFile !== undefined && preview.kind !== 'burrow-export') {
            throw new UsageError(
              "--passphrase-file opens a `burrow sessions export --with-secrets` file; for the passphrase of the session's key, use --key-passphrase-file",
              false,
            );
          }
        },
      );
    } catch (err) {
      // Blanks still to fill: the line to run, with a --set for each (exit 1: nothing was imported).
      const said = commandLineMistake(err, 'import', argv);
      if (said instanceof UsageError && err instanceof AppCallError && err.error.cause === 'PLACEHOLDERS') {
        io.err(`burrow import: ${said.message}`);
        return 1;
      }
      throw err;
    }
    const { preview, result } = done;
    const couldNot = [...preview.couldNot, ...result.skipped];
    const saved = result.saved.map((s) => ({
      session: s,
      warnings: (result.about[s.id]?.warnings ?? []).map((w) => warningText(w, s.name)),
      steps: result.about[s.id]?.nextSteps ?? [],
    }));
    if (v.json) {
      io.out(
        JSON.stringify({
          kind: preview.kind,
          source,
          store: door.file,
          saved: result.saved,
          savedCount: result.savedCount,
          took: preview.took,
          tookCount: preview.tookCount,
          couldNot,
          couldNotCount: preview.couldNotCount + result.skipped.length,
          warnings: [...result.warnings, ...saved.flatMap((s) => s.warnings)],
          keptKeys: result.keptKeys,
          hostKeysAdded: result.hostKeysAdded,
          hostKeysKnown: result.hostKeysKnown,
          knownHostsFile: result.knownHostsFile,
        }),
      );
    } else {
      io.out(`${source} (${preview.kind}):`);
      for (const t of preview.took) io.out(`  took: ${t}`);
      more(io, preview.tookCount - preview.took.length, 'taken');
      for (const n of couldNot) io.out(`  not taken: ${n.what}: ${n.why}`);
      more(io, preview.couldNotCount - preview.couldNot.length, 'not taken');
      for (const w of result.warnings) io.out(`  warning: ${w}`);
      for (const { session: s, warnings, steps } of saved) {
        io.out(
          `saved "${s.name}" in ${door.file}: ${s.user}@${s.host}:${s.port} ${s.forwards.map(forwardSpec).join(', ')}${s.autostart ? ' [autostart]' : ''}`,
        );
        for (const k of result.keptKeys.filter((k) => k.session === s.name)) {
          io.out(`  key: ${k.file} and its passphrase are kept in Burrow's secret store as "${k.keyId}" (the session no longer reads the file)`);
        }
        for (const w of warnings) io.out(`  warning: ${w}`);
        for (const step of steps) io.out(`  next: ${step}`);
      }
      if (result.savedCount > result.saved.length)
        io.out(`… and ${result.savedCount - result.saved.length} more sessions saved: \`burrow sessions list\` shows them all`);
      if (result.knownHostsFile) io.out(`host keys: ${result.hostKeysAdded} added to ${result.knownHostsFile}, ${result.hostKeysKnown} already there`);
    }
    tookTheChange(io, door.runBy, [['added', result.saved.map((s) => s.name)]]);
    return result.savedCount > 0 || result.hostKeysAdded + result.hostKeysKnown > 0 ? 0 : 1;
  } catch (err) {
    return reportFailure(err, io, 'burrow import', USAGE);
  } finally {
    await door?.close();
  }
}
