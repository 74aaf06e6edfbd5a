/**
 * Which sessions a command works on (`burrow run`, `burrow diagnose`, `burrow trust`): a pasted
 * ssh/autossh/plink command line (its guide's placeholders filled with `--set`), read by the app
 * (commandline:parse), or saved sessions by name or id (any case), resolved by the app — all of
 * them, or those marked "start automatically". It also says, in the words of the way the sessions
 * were given, how to trust an unknown host.
 */
import type { SessionConfig } from '../../common/config.js';
import { hostKeyName } from '../../common/known-hosts.js';
import type { AppDeps } from '../app/app.js';
import { AppCallError, type Ask } from './connect.js';
import { shellQuote } from '../../common/shell.js';
import { UsageError } from './options.js';

export type Origin = 'saved' | 'ssh' | 'autossh' | 'plink';

export interface Targets {
  readonly sessions: ReadonlyArray<SessionConfig>;
  /** Saved sessions, or the program whose command line was given. */
  readonly origin: Origin;
  /** What the command line's reader noted (options accepted without effect). */
  readonly notes: ReadonlyArray<string>;
  /** How many `-v`: 1 shows the handshake, 2 or more ssh2's own debug output too. */
  readonly verbosity: number;
}

/** A word that starts a pasted command: an option, or ssh/autossh/plink (a path to one, a .exe). */
const COMMAND_WORD = /^-|(^|[\\/])(ssh|autossh|plink)(\.exe)?$/i;

/** Whether the words are a tunnel command (after `--`, or starting with an option or a program) rather than session names. */
export function isCommandLine(rest: ReadonlyArray<string> | undefined, words: ReadonlyArray<string>): boolean {
  return rest !== undefined || (words.length > 0 && COMMAND_WORD.test(words[0]!));
}

/** The options of every command that works on targets (run, diagnose, trust): a store, or a command line's blanks. */
export const TARGET_OPTIONS = {
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  help: { type: 'boolean' },
} as const;

/**
 * Whether the words are a command line (else saved session names), with the options that go
 * with each refused with the other: --config names a store of saved sessions, --set fills a
 * command line's blanks.
 */
export function commandLineGiven(
  rest: ReadonlyArray<string> | undefined,
  words: ReadonlyArray<string>,
  o: { config?: string | undefined; values: Readonly<Record<string, string>> },
): boolean {
  const commandLine = isCommandLine(rest, words);
  if (commandLine && o.config !== undefined) throw new UsageError('give either --config FILE or a command line, not both');
  if (!commandLine && Object.keys(o.values).length > 0) {
    throw new UsageError('--set fills the placeholders of a command line; saved sessions have none (change one with `burrow sessions edit`)');
  }
  return commandLine;
}

/**
 * The command line that fills every placeholder still missing, to copy and complete: `burrow
 * <command> --set NAME=… … <the same arguments>`.
 */
export function placeholderLine(command: string, argv: ReadonlyArray<string>, names: ReadonlyArray<string>): string {
  const sets = names.flatMap((n) => ['--set', `${n}=…`]);
  return ['burrow', command, ...sets, ...argv].map((w) => (w.endsWith('=…') ? w : shellQuote(w))).join(' ');
}

/**
 * An app error about a command line as the command line says it (exit 2: the command given is
 * what is wrong). Blanks and nothing else: the whole command to run again with a `--set` for each
 * (never for a command Burrow would refuse anyway, so a password in it is not repeated).
 */
export function commandLineMistake(err: unknown, command: string, argv: ReadonlyArray<string>): unknown {
  if (!(err instanceof AppCallError) || err.error.code !== 'INVALID_INPUT') return err;
  const e = err.error;
  if (e.cause === 'PLACEHOLDERS') {
    const names = e.placeholders ?? [];
    if (e.onlyPlaceholders) {
      return new UsageError(`${e.message}. Give each the value from the vendor's instructions:\n  ${placeholderLine(command, argv, names)}`, false);
    }
    const one = names.length === 1;
    return new UsageError(
      `${e.message}. Give ${one ? 'it' : 'each'} the value from the vendor's instructions: ${names.map((n) => `--set ${n}=…`).join(' ')}`,
      false,
    );
  }
  if (e.cause === 'COMMAND_LINE') return new UsageError(e.message, false);
  // The session the command line makes is refused by the store's validator (a port out of range…).
  if (e.field?.startsWith('config')) return new UsageError(`${e.message}${e.hint ? `. ${e.hint}` : ''}`, false);
  return err;
}

/** A pasted command line, read by the app with `values` in its placeholders. */
export async function commandLineTargets(
  ask: Ask,
  words: ReadonlyArray<string>,
  values: Readonly<Record<string, string>>,
  retype: { command: string; argv: ReadonlyArray<string> },
): Promise<Targets> {
  try {
    const p = await ask('commandline:parse', { words: [...words], values: { ...values } });
    return { sessions: [p.session], origin: p.program, notes: p.notes, verbosity: p.verbosity };
  } catch (err) {
    throw commandLineMistake(err, retype.command, retype.argv);
  }
}

/**
 * Saved sessions by name or id (any case), as the app resolves them; none named: all of them.
 * A name it does not know lists the ones it does.
 */
export async function savedTargets(
  ask: Ask,
  file: string,
  names: ReadonlyArray<string>,
  opts: { readonly autostart?: boolean; readonly allowEmpty?: boolean } = {},
): Promise<ReadonlyArray<SessionConfig>> {
  if (opts.autostart && names.length > 0) throw new UsageError('give either --autostart or session names, not both');
  let sessions: SessionConfig[];
  if (names.length === 0) {
    sessions = (await ask('sessions:list', {})).map((v) => v.config);
  } else {
    sessions = [];
    for (const n of names) {
      try {
        sessions.push((await ask('sessions:get', { id: n })).config);
      } catch (err) {
        if (!(err instanceof AppCallError) || err.error.code !== 'NOT_FOUND') throw err;
        const all = (await ask('sessions:list', {})).map((v) => v.config.name);
        throw new UsageError(`no session named "${n}" in ${file} (it has: ${all.join(', ') || 'none'})`, false);
      }
    }
  }
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
  return sessions;
}

/** How a person trusts an unknown host, in the words of the way the session was given. */
export function trustAdvice(origin: Origin, name: string, fingerprint?: string): string {
  if (origin === 'saved')
    return `check and record it with \`burrow trust ${shellQuote(name)}\` (or trust it on first use: \`burrow sessions edit ${shellQuote(name)} --host-key-policy accept-new\`)`;
  if (origin === 'plink')
    return `pin it with -hostkey ${fingerprint ?? 'SHA256:…'} in the plink command${fingerprint ? '' : ' (`burrow trust -- <the same command>` shows the fingerprint)'}`;
  return 'add -o StrictHostKeyChecking=accept-new to trust it on first use, or check and record it first with `burrow trust -- <the same command>`';
}

/** What the engine says, in the command line's words, about an unknown host key; ssh2's own debug output with -vv. */
export function engineFor(origin: Origin, verbosity: number): NonNullable<AppDeps['engine']> {
  return {
    unknownHostHint: (cfg, key) =>
      `Compare ${key.fingerprint} with the fingerprint the vendor publishes, then ${trustAdvice(origin, cfg.name, key.fingerprint)}.`,
    ...(verbosity >= 2 ? { ssh2Debug: true } : {}),
  };
}

/**
 * Without a terminal nobody can be asked about an unknown host key: each session whose key is
 * not known and whose policy would ask gets a note saying how to trust it beforehand.
 */
export async function unknownHostNotes(ask: Ask, sessions: ReadonlyArray<SessionConfig>, origin: Origin): Promise<string[]> {
  const notes: string[] = [];
  for (const s of sessions) {
    if (s.hostKey.policy !== 'ask') continue;
    const { id: _id, ...config } = s;
    const status = await ask('hostkeys:status', origin === 'saved' ? { id: s.id } : { config });
    if (status.known) continue;
    notes.push(
      `${s.name}: ${hostKeyName(s.host, s.port)} is not a known host and there is no terminal to ask about its key, so it will be refused: ${trustAdvice(origin, s.name)}`,
    );
  }
  return notes;
}
