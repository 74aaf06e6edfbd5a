/**
 * Which sessions a command works on (`burrow run`, `burrow diagnose`, `burrow trust`): a pasted
 * ssh/autossh/plink command line (its guide's placeholders filled with `--set`), or saved sessions
 * by name or id (any case), all of them, or those marked "start automatically". It also says, in
 * the words of the way the sessions were given, how to trust an unknown host.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SessionConfig } from '../../common/config.js';
import { loadConfigFile, resolveConfigPath, secretsFolderFor } from '../core/config/config-file.js';
import { parseCommandLine, PlaceholderError, type Program } from '../core/config/importers/command-line.js';
import { fillPlaceholders } from '../core/config/importers/shell.js';
import { findSession } from '../core/config/schema.js';
import { FileSecretStore, type SecretStore } from '../core/keys/index.js';
import { hostIsKnown, hostKeyName } from '../core/session/host-keys.js';
import type { SessionDeps } from '../core/session/session.js';
import { setValues, shellQuote, UsageError, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';

export interface Selection {
  readonly sessions: SessionConfig[];
  /** Where stored keys (`auth.keyId`) live: beside the config file. Absent for a command line. */
  readonly secrets?: SecretStore;
  /** The folder of the config file the sessions were read from (absent for a command line). */
  readonly folder?: string;
  /** The config file the sessions were read from (absent for a command line). */
  readonly file?: string;
  /** What the command line's parser noted (options accepted without effect), and hosts no one can be asked about. */
  readonly notes: ReadonlyArray<string>;
  /** `-v` given, to the command or in the command line. */
  readonly verbose: boolean;
  /** How many `-v`: 1 shows the handshake, 2 or more ssh2's own debug output too. */
  readonly verbosity: number;
  /** Saved sessions, or the program whose command line was given. */
  readonly origin: 'saved' | Program;
  /** What the engine needs from this door: the fix for an unknown host key in its words, ssh2's debug output. */
  readonly engine: Pick<SessionDeps, 'unknownHostHint' | 'ssh2Debug'>;
}

/** Whether the words are a tunnel command (they start with an option or ssh/autossh/plink) rather than session names. */
export function isCommandLine(args: ParsedArgs, words: ReadonlyArray<string>): boolean {
  return args.rest !== undefined || (words.length > 0 && /^-|(^|[\\/])(ssh|autossh|plink)(\.exe)?$/i.test(words[0]!));
}

/** `-v`, `-vv`…: how verbose a command was asked to be (such words are not session names). */
const VERBOSE = /^-v+$/;

/** Finds saved sessions by name or id, ignoring case; a wrong name lists the right ones. */
export async function sessionsFromConfig(file: string, names: ReadonlyArray<string>): Promise<SessionConfig[]> {
  const cfg = await loadConfigFile(file);
  if (names.length === 0) return [...cfg.sessions];
  return names.map((n) => {
    const s = findSession(cfg.sessions, n);
    if (!s) throw new UsageError(`no session named "${n}" in ${file} (it has: ${cfg.sessions.map((x) => x.name).join(', ') || 'none'})`, false);
    return s;
  });
}

/** The command's own arguments as a person would type them again (what `--set` lines are built from). */
function retyped(args: ParsedArgs): string[] {
  return [
    ...[...args.flags],
    ...Object.entries(args.values).flatMap(([k, v]) => [k, v]),
    ...Object.entries(args.lists).flatMap(([k, vs]) => vs.flatMap((v) => [k, v])),
    ...(args.rest !== undefined ? ['--', ...args.rest] : args.positional),
  ];
}

/**
 * The command line that fills every placeholder still missing, to copy and complete: `burrow
 * <command> --set NAME=… … <the same arguments>`.
 */
export function placeholderLine(command: string, argv: ReadonlyArray<string>, err: PlaceholderError): string {
  const sets = err.names.flatMap((n) => ['--set', `${n}=…`]);
  return ['burrow', command, ...sets, ...argv].map((w) => (w.endsWith('=…') ? w : shellQuote(w))).join(' ');
}

/** `values` with a stand-in for every placeholder still missing: to see whether anything else is wrong. */
export function withStandIns(values: ReadonlyMap<string, string>, err: PlaceholderError): Map<string, string> {
  return new Map([...err.names.map((n): [string, string] => [n, '1']), ...values]);
}

/** Whether `parse` succeeds: the input has nothing wrong but its placeholders. */
export async function takenAsIs(parse: () => unknown): Promise<boolean> {
  try {
    await parse();
    return true;
  } catch {
    return false;
  }
}

/** A PlaceholderError whose fix is the whole command to run again. */
export function withPlaceholderLine(err: PlaceholderError, command: string, argv: ReadonlyArray<string>): UsageError {
  return new UsageError(`${err.option}: ${err.problem}. Give each the value from the vendor's instructions:\n  ${placeholderLine(command, argv, err)}`, false);
}

/** How a person trusts an unknown host, in the words of the way the session was given. */
function trustAdvice(origin: Selection['origin'], name: string, fingerprint?: string): string {
  if (origin === 'saved')
    return `check and record it with \`burrow trust ${shellQuote(name)}\` (or trust it on first use: \`burrow sessions edit ${shellQuote(name)} --host-key-policy accept-new\`)`;
  if (origin === 'plink')
    return `pin it with -hostkey ${fingerprint ?? 'SHA256:…'} in the plink command${fingerprint ? '' : ' (`burrow trust -- <the same command>` shows the fingerprint)'}`;
  return 'add -o StrictHostKeyChecking=accept-new to trust it on first use, or check and record it first with `burrow trust -- <the same command>`';
}

/**
 * Reads the selection from parsed arguments: `words` after `--` or as positionals. With
 * `autostart`, only the saved sessions marked "start automatically" (what the app at login and a
 * service run). `command` names the command in the lines it suggests (`burrow run --set …`).
 */
export async function selectSessions(
  args: ParsedArgs,
  words: ReadonlyArray<string>,
  io: CliIo,
  opts: { readonly autostart?: boolean; readonly command?: string; readonly allowEmpty?: boolean } = {},
): Promise<Selection> {
  const given = args.rest === undefined ? words.filter((w) => !VERBOSE.test(w)) : words;
  const asked = args.positional.filter((w) => VERBOSE.test(w)).reduce((n, w) => n + w.length - 1, 0);
  const values = setValues(args);
  let selection: Omit<Selection, 'verbose' | 'engine'>;
  if (isCommandLine(args, given)) {
    if (args.values['--config'] !== undefined) throw new UsageError('give either --config FILE or a command line, not both');
    if (opts.autostart) throw new UsageError('--autostart selects saved sessions; it does not go with a command line');
    let parsed: ReturnType<typeof parseCommandLine>;
    try {
      parsed = parseCommandLine(given.map((w) => fillPlaceholders(w, values)));
    } catch (err) {
      if (!(err instanceof PlaceholderError)) throw err;
      // The line to run again repeats the command: only when Burrow takes it as it is (with any
      // value in the blanks), so that nothing it would refuse, a password included, is repeated.
      if (!(await takenAsIs(() => parseCommandLine(given.map((w) => fillPlaceholders(w, withStandIns(values, err))))))) throw err;
      throw withPlaceholderLine(err, opts.command ?? 'run', retyped(args));
    }
    selection = { sessions: [parsed.session], notes: parsed.notes, verbosity: Math.max(asked, parsed.verbosity), origin: parsed.program };
  } else {
    if (values.size > 0)
      throw new UsageError('--set fills the placeholders of a command line; saved sessions have none (change one with `burrow sessions edit`)');
    const file = resolveConfigPath(args.values['--config'], io.env);
    if (opts.autostart && given.length > 0) throw new UsageError('give either --autostart or session names, not both');
    // A first run has no store yet: that is "no sessions", not a broken path.
    let sessions = args.values['--config'] === undefined && !existsSync(file) ? [] : await sessionsFromConfig(file, given);
    // A service runs even with nothing to run yet: sessions saved later start on `burrow reload`.
    if (sessions.length === 0 && !opts.allowEmpty) {
      throw new UsageError(
        `${file} has no saved sessions: add one with \`burrow import '<the vendor's ssh/autossh/plink command>'\`, or give a command line directly after --`,
        false,
      );
    }
    if (opts.autostart) {
      sessions = sessions.filter((s) => s.autostart);
      if (sessions.length === 0 && !opts.allowEmpty) {
        throw new UsageError(
          `no session in ${file} is marked "start automatically": import with --autostart, or \`burrow sessions edit NAME --autostart\``,
          false,
        );
      }
    }
    selection = {
      sessions,
      secrets: new FileSecretStore(secretsFolderFor(file), { env: io.env }),
      folder: path.dirname(file),
      file,
      notes: [],
      verbosity: asked,
      origin: 'saved',
    };
  }
  const notes = [...selection.notes];
  if (!io.interactive) {
    for (const s of selection.sessions) {
      if (s.hostKey.policy !== 'ask' || (await hostIsKnown(s.hostKey, s.host, s.port))) continue;
      notes.push(
        `${s.name}: ${hostKeyName(s.host, s.port)} is not a known host and there is no terminal to ask about its key, so it will be refused: ${trustAdvice(selection.origin, s.name)}`,
      );
    }
  }
  const origin = selection.origin;
  return {
    ...selection,
    notes,
    verbose: selection.verbosity > 0,
    engine: {
      unknownHostHint: (cfg, key) =>
        `Compare ${key.fingerprint} with the fingerprint the vendor publishes, then ${trustAdvice(origin, cfg.name, key.fingerprint)}.`,
      ...(selection.verbosity >= 2 ? { ssh2Debug: true } : {}),
    },
  };
}
