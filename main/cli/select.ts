/**
 * Which sessions a command works on (`burrow run`, `burrow diagnose`): a pasted ssh/autossh/plink
 * command line, or saved sessions by name or id (any case), all of them, or those marked
 * "start automatically".
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SessionConfig } from '../../common/config.js';
import { loadConfigFile, resolveConfigPath, secretsFolderFor } from '../core/config/config-file.js';
import { parseCommandLine } from '../core/config/importers/command-line.js';
import { FileSecretStore, type SecretStore } from '../core/keys/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';

export interface Selection {
  readonly sessions: SessionConfig[];
  /** Where stored keys (`auth.keyId`) live: beside the config file. Absent for a command line. */
  readonly secrets?: SecretStore;
  /** The folder of the config file the sessions were read from (absent for a command line). */
  readonly folder?: string;
  /** What the command line's parser noted (options accepted without effect). */
  readonly notes: ReadonlyArray<string>;
  /** `-v` in the command line. */
  readonly verbose: boolean;
}

/** Whether the words are a tunnel command (they start with an option or ssh/autossh/plink) rather than session names. */
export function isCommandLine(args: ParsedArgs, words: ReadonlyArray<string>): boolean {
  return args.rest !== undefined || (words.length > 0 && /^-|(^|[\\/])(ssh|autossh|plink)(\.exe)?$/i.test(words[0]!));
}

/** Finds saved sessions by name or id, ignoring case; a wrong name lists the right ones. */
export async function sessionsFromConfig(file: string, names: ReadonlyArray<string>): Promise<SessionConfig[]> {
  const cfg = await loadConfigFile(file);
  if (names.length === 0) return [...cfg.sessions];
  return names.map((n) => {
    const s = cfg.sessions.find((x) => x.id === n) ?? cfg.sessions.find((x) => x.name.toLowerCase() === n.toLowerCase() || x.id.toLowerCase() === n.toLowerCase());
    if (!s) throw new UsageError(`no session named "${n}" in ${file} (it has: ${cfg.sessions.map((x) => x.name).join(', ') || 'none'})`, false);
    return s;
  });
}

/**
 * Reads the selection from parsed arguments: `words` after `--` or as positionals. With
 * `autostart`, only the saved sessions marked "start automatically" (what the app at login and a
 * service run).
 */
export async function selectSessions(args: ParsedArgs, words: ReadonlyArray<string>, io: CliIo, opts: { readonly autostart?: boolean } = {}): Promise<Selection> {
  if (isCommandLine(args, words)) {
    if (args.values['--config'] !== undefined) throw new UsageError('give either --config FILE or a command line, not both');
    if (opts.autostart) throw new UsageError('--autostart selects saved sessions; it does not go with a command line');
    const parsed = parseCommandLine(words);
    return { sessions: [parsed.session], notes: parsed.notes, verbose: parsed.verbose };
  }
  const file = resolveConfigPath(args.values['--config'], io.env);
  if (opts.autostart && words.length > 0) throw new UsageError('give either --autostart or session names, not both');
  // A first run has no store yet: that is "no sessions", not a broken path.
  let sessions = args.values['--config'] === undefined && !existsSync(file) ? [] : await sessionsFromConfig(file, words);
  if (sessions.length === 0) {
    throw new UsageError(`${file} has no saved sessions: add one with \`burrow import '<the vendor's ssh/autossh/plink command>'\`, or give a command line directly after --`, false);
  }
  if (opts.autostart) {
    sessions = sessions.filter((s) => s.autostart);
    if (sessions.length === 0) {
      throw new UsageError(`no session in ${file} is marked "start automatically": import with --autostart, or set "autostart": true`, false);
    }
  }
  return { sessions, secrets: new FileSecretStore(secretsFolderFor(file)), folder: path.dirname(file), notes: [], verbose: false };
}
