/**
 * The bounds every import is held to (common/limits.ts), checked before any importer reads the
 * input: a 50 MB single line, a NUL byte, or a file of a hundred thousand sessions is refused at
 * once with the limit it broke, instead of costing seconds and gigabytes first.
 */
import { IMPORT_LIMITS, sizeInWords } from '../../../../common/limits.js';
import { ConfigError } from '../config-error.js';

/** An input over one of the limits: which, and what to do. */
export class ImportLimitError extends ConfigError {
  constructor(where: string, problem: string, fix: string) {
    super(where, problem, fix);
    this.name = 'ImportLimitError';
  }
}

/** Refuses an input larger than the import limit, before it is read or decoded. */
export function checkImportSize(bytes: number, source = '(input)'): void {
  if (bytes > IMPORT_LIMITS.bytes) {
    throw new ImportLimitError(
      source,
      `is ${sizeInWords(bytes)}, more than the ${sizeInWords(IMPORT_LIMITS.bytes)} Burrow imports at once`,
      'Import it in parts (a PuTTY export can be split by session; an ssh config by Host block).',
    );
  }
}

/** Refuses NUL bytes and over-long lines, in one pass over the text. */
export function checkImportText(text: string, source = '(input)'): void {
  checkImportSize(text.length, source);
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const line = lineOf(text, nul);
    throw new ImportLimitError(
      `${source}: line ${line}`,
      'holds a NUL byte, which no path, host or command may contain',
      'Remove it; if this is a binary file, it is not one Burrow imports.',
    );
  }
  let start = 0;
  let line = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > IMPORT_LIMITS.lineChars) {
      throw new ImportLimitError(
        `${source}: line ${line}`,
        `is ${(end - start).toLocaleString('en')} characters long, more than the ${IMPORT_LIMITS.lineChars.toLocaleString('en')} Burrow reads in one line`,
        'No ssh command, ssh_config, PuTTY export or script has such a line: check that this is the file you meant.',
      );
    }
    start = end + 1;
    line++;
  }
}

/** Refuses a command line given as words (`burrow import -- ssh …`) that is over the limits. */
export function checkImportWords(words: ReadonlyArray<string>): void {
  checkImportText(words.join(' '), 'the command line');
}

/**
 * Refuses an import that found more sessions than one import may save; importers call it as they
 * go (`count` so far), so a file of a million hosts stops at the first one too many.
 */
export function checkSessionCount(count: number, source = '(input)'): void {
  if (count > IMPORT_LIMITS.sessions) {
    throw new ImportLimitError(
      source,
      `describes more than ${IMPORT_LIMITS.sessions.toLocaleString('en')} sessions, the most Burrow imports at once`,
      'Import it in parts.',
    );
  }
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
