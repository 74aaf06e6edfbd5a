/**
 * How the command line says what the app answered: errors with their fix, the warnings of a
 * saved session in the command line's own words (it names commands, as the window names its
 * buttons), and the note that a running Burrow took a change.
 */
import { AppCallError } from '../../common/api.js';
import type { AppError, SavedSession, SessionWarning } from '../../common/contract.js';
import { ControlFolderError } from '../control/channel.js';
import type { CliIo } from './io.js';
import { shellQuote } from '../../common/shell.js';
import { UsageError } from './options.js';

/** A warning about the session `name`, with what to run about it. */
export function warningText(w: SessionWarning, name: string): string {
  if (w.kind === 'key-file-encrypted') {
    return `The key file ${w.file} is protected by a passphrase, which nobody will be there to type when the tunnel runs unattended: keep it in Burrow's secret store with \`burrow sessions edit ${shellQuote(name)} --key-passphrase-file FILE\`.`;
  }
  return w.text;
}

/** An app error, as the command line prints it: what went wrong (about `field` as `named`), then `fix:`. */
export function errorLines(e: AppError, named?: (field: string) => string | undefined): string[] {
  if (e.cause === 'COMMAND_LINE') return [e.message];
  if (e.code === 'KEY_ERROR') return [`${e.message}${e.cause ? ` [${e.cause}]` : ''}`, ...(e.hint ? [`  fix: ${e.hint}`] : [])];
  const field = e.field !== undefined && e.problem !== undefined ? (named?.(e.field) ?? e.field) : undefined;
  const first = field !== undefined ? `${field}: ${e.problem}` : e.message;
  // Every other problem the validator found, each with its fix: one run says all that is wrong.
  const more = (e.problems ?? []).slice(1).flatMap((p) => [`${named?.(p.field) ?? p.field}: ${p.problem}`, `  fix: ${p.fix}`]);
  return [first, ...(e.hint ? [`  fix: ${e.hint}`] : []), ...more];
}

/**
 * What every command prints for a failure, and its exit code: a usage mistake (2, with the usage
 * when it helps), an answer of the app (1, with the fix), a control folder that is not this
 * user's (1). Anything else is a bug, thrown on.
 */
export function reportFailure(err: unknown, io: CliIo, prefix: string, usage: string, named?: (field: string) => string | undefined): number {
  if (err instanceof UsageError) {
    io.err(`${prefix}: ${err.message}`);
    if (err.showUsage) io.err(usage);
    return 2;
  }
  if (err instanceof AppCallError) {
    const [first, ...rest] = errorLines(err.error, named);
    io.err(`${prefix}: ${first}`);
    for (const l of rest) io.err(l);
    return 1;
  }
  if (err instanceof ControlFolderError) {
    io.err(`${prefix}: ${err.message}`);
    return 1;
  }
  throw err;
}

/** After a change of the store: a Burrow that runs the config took it (it made it). */
export function tookTheChange(io: CliIo, runBy: { door: string } | undefined, parts: ReadonlyArray<[string, ReadonlyArray<string>]>): void {
  if (!runBy) return;
  const said = parts.filter(([, names]) => names.length > 0).map(([what, names]) => `${what} ${names.join(', ')}`);
  if (said.length > 0) io.err(`note: ${runBy.door} took the change: ${said.join('; ')}`);
}

/**
 * A session the command names that is not saved, said as this command says it (`what`: "is not
 * saved", "is not a saved session"); other errors pass.
 */
export function notSaved(err: unknown, name: string, what = 'is not saved'): unknown {
  if (err instanceof AppCallError && err.error.code === 'NOT_FOUND' && err.error.field === 'id') {
    return new AppCallError({
      code: 'NOT_FOUND',
      message: `session ${JSON.stringify(name)} ${what}`,
      field: `session ${JSON.stringify(name)}`,
      problem: what,
      hint: 'See `burrow sessions list` for the names.',
    });
  }
  return err;
}

/** What is worth knowing about a session just saved, in the command line's words. */
export function printWarnings(saved: SavedSession, io: CliIo, prefix = 'warning: '): void {
  for (const w of saved.warnings) io.out(`${prefix}${warningText(w, saved.session.name)}`);
}
