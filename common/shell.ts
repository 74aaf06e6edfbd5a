/**
 * A command as a POSIX shell reads it back: the words a person copies into a terminal. One
 * spelling for every side (the service plan the app reports, the command line's hints, the
 * window's "run this by hand"), so a command shown in one door pastes the same in another.
 */

/** A word as a POSIX shell needs it written to mean itself. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command's words, each quoted as needed, joined by spaces. */
export function shellWords(cmd: ReadonlyArray<string>): string {
  return cmd.map(shellQuote).join(' ');
}
