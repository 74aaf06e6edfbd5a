/** JSON text in and out of config files, with parse errors that say where (line and column). */
import { ConfigError } from './config-error.js';
import { giveWay } from '../give-way.js';

/** Whether JSON.parse of `prefix` fails only because the text ends too early (or succeeds). */
function failsOnlyAtEnd(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    if (at) return Number(at[1]) >= prefix.length;
    return /end of JSON input|Unterminated string/.test(message);
  }
}

/**
 * Index of the first character JSON cannot accept. Node 20's messages do not always give a
 * position ("Unexpected token 'x', … is not valid JSON"), so this finds the shortest prefix that
 * fails for a reason other than ending early: every longer prefix fails too, hence the bisection.
 */
function errorOffset(text: string): number {
  if (failsOnlyAtEnd(text)) return text.length;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failsOnlyAtEnd(text.slice(0, mid))) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** 1-based line and column of a character index. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** Parses config JSON; a syntax error becomes a ConfigError naming the line and column. */
export function parseJsonText(text: string): unknown {
  // A UTF-8 BOM, as some Windows editors write, is not a JSON error worth stopping for.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    if (body.trim() === '') throw new ConfigError('(file)', 'is empty', 'Restore it from the backup, or delete it to start with no sessions.');
    const offset = errorOffset(body);
    const { line, column } = lineAndColumn(body, offset);
    const near = offset < body.length ? ` near ${JSON.stringify(body.slice(offset, offset + 12))}` : ' (the text ends too early)';
    // V8's own message without its position (ours is better) or its quote of the whole text.
    const why = (err as Error).message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*$/s, '');
    throw new ConfigError(
      `(file) line ${line}, column ${column}`,
      `is not valid JSON${near}: ${why}`,
      'Fix the JSON there (a missing comma or quote, or a trailing comma, is the usual cause).',
    );
  }
}

/** How Burrow writes config JSON: two-space indent and a final newline, friendly to diffs and editors. */
export function formatJson(doc: unknown): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/**
 * formatJson of a config file, made a few hundred sessions at a time with the event loop free in
 * between, as the pieces to write: the same text (two-space indent, final newline), for a store
 * of 10,000 sessions that would take 30 ms to format in one go.
 */
export async function formatConfigPieces(doc: { readonly version: number; readonly sessions: ReadonlyArray<unknown> }, slice = 500): Promise<string[]> {
  if (doc.sessions.length === 0) return [formatJson(doc)];
  const pieces = [`{\n  "version": ${JSON.stringify(doc.version)},\n  "sessions": [\n`];
  for (let i = 0; i < doc.sessions.length; i += slice) {
    if (i > 0) await giveWay();
    const part = doc.sessions
      .slice(i, i + slice)
      .map((s) => `    ${JSON.stringify(s, null, 2).replace(/\n/g, '\n    ')}`)
      .join(',\n');
    pieces.push(i + slice < doc.sessions.length ? `${part},\n` : part);
  }
  pieces.push('\n  ]\n}\n');
  return pieces;
}
