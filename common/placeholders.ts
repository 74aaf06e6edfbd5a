/**
 * The placeholders vendors' guides leave in their commands for the reader's own values, written
 * once for every side: `<SSH_HIGH_PORT>`, `$SSH_HOST`, `${SSH_HOST}`, `${PORT:-22}` (with a
 * default), `[tunnel_port]`. The importers find and fill them; the window asks for each; the
 * command line takes `--set NAME=VALUE` with NAME written either way.
 */

/** One placeholder anywhere in a word or a line. */
export const PLACEHOLDER = /<[^<>\s]+>|\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|\[[A-Za-z_][A-Za-z0-9_-]*\]/g;

/** The name a value is given under: `<SSH_HIGH_PORT>` → `SSH_HIGH_PORT`, `${X:-22}` → `X`. */
export function placeholderName(placeholder: string): string {
  return placeholder
    .replace(/^(<|\$\{|\$|\[)+/, '')
    .replace(/(>|\}|\])+$/, '')
    .replace(/:-.*$/s, '');
}

/** The placeholders of a text as written, each once, in order. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[0]))];
}

/** The names of a text's placeholders, each once, in order (what a form asks a value for). */
export function placeholderNames(text: string): string[] {
  return [...new Set(placeholdersOf(text).map(placeholderName))];
}

/**
 * Fills the placeholders that have a value; `${X:-default}` takes its default when X has none;
 * the rest stay as they are (to be reported).
 */
export function fillPlaceholders(text: string, values: ReadonlyMap<string, string>): string {
  return text
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\}/g, (_, n: string, def: string) => values.get(n) ?? def)
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a?: string, b?: string) => values.get((a ?? b)!) ?? m)
    .replace(/<([^<>\s]+)>/g, (m, n: string) => values.get(n) ?? m)
    .replace(/\[([A-Za-z_][A-Za-z0-9_-]*)\]/g, (m, n: string) => values.get(n) ?? m);
}
