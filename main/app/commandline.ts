/**
 * A pasted ssh, autossh or plink command line read into a session, with a vendor guide's
 * placeholders filled from the values given. A command that still has blanks says which, and
 * whether it is otherwise fine, so a door can show it again with a value asked for each.
 */
import type { ParsedCommandLine } from '../../common/contract.js';
import { fillPlaceholders, placeholderName } from '../../common/placeholders.js';
import { parseCommandLine, PlaceholderError } from '../core/config/importers/command-line.js';
import { AppFailure } from './errors.js';

/**
 * A command's blanks, as the contract's error: their names, and `onlyPlaceholders` when `retry`
 * (the same reading with a stand-in in every blank) succeeds, so nothing else is wrong.
 */
export async function placeholderFailure(err: PlaceholderError, retry: (standIns: ReadonlyMap<string, string>) => unknown): Promise<AppFailure> {
  const names = err.names;
  let only = false;
  try {
    await retry(new Map(names.map((n): [string, string] => [n, '1'])));
    only = true;
  } catch {
    only = false;
  }
  return new AppFailure({
    code: 'INVALID_INPUT',
    message: `${err.option}: ${err.problem}`,
    hint: "Give each the value from the vendor's instructions.",
    field: 'values',
    cause: 'PLACEHOLDERS',
    placeholders: names,
    onlyPlaceholders: only,
  });
}

/** Reads `words` (as a shell split them) with `values` in the placeholders. */
export async function parseWords(words: ReadonlyArray<string>, values: Readonly<Record<string, string>> = {}): Promise<ParsedCommandLine> {
  const given = new Map(Object.entries(values).map(([k, v]): [string, string] => [placeholderName(k), v]));
  const read = (vals: ReadonlyMap<string, string>): ReturnType<typeof parseCommandLine> => parseCommandLine(words.map((w) => fillPlaceholders(w, vals)));
  try {
    const p = read(given);
    return { session: p.session, program: p.program, notes: p.notes, verbosity: p.verbosity };
  } catch (err) {
    if (!(err instanceof PlaceholderError)) throw err;
    // Only when Burrow takes it as it is (with any value in the blanks) may a door repeat the
    // command: nothing it would refuse, a password included, is shown again.
    throw await placeholderFailure(err, (standIns) => read(new Map([...standIns, ...given])));
  }
}
