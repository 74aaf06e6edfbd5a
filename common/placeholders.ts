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
  // A placeholder the guide follows with a file's extension (Espresso Logic's `<private-key-file>.pem`):
  // a value that already ends with it (the real file's name, `espresso_tunnel.pem`) is not given
  // the extension a second time.
  const withSuffix = (m: string, n: string, suffix: string | undefined): string => {
    const v = values.get(n);
    if (v === undefined) return m;
    return suffix !== undefined && !v.toLowerCase().endsWith(suffix.toLowerCase()) ? v + suffix : v;
  };
  return text
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\}/g, (_, n: string, def: string) => values.get(n) ?? def)
    .replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)\}(\.[A-Za-z0-9]{1,5}(?=$|[\s"',;)]))?|\$([A-Za-z_][A-Za-z0-9_]*)(\.[A-Za-z0-9]{1,5}(?=$|[\s"',;)]))?/g,
      (m, a?: string, sa?: string, b?: string, sb?: string) => withSuffix(m, (a ?? b)!, sa ?? sb),
    )
    .replace(/<([^<>\s]+)>(\.[A-Za-z0-9]{1,5}(?=$|[\s"',;)]))?/g, (m, n: string, suffix?: string) => withSuffix(m, n, suffix))
    .replace(/\[([A-Za-z_][A-Za-z0-9_-]*)\]/g, (m, n: string) => values.get(n) ?? m);
}

/** A placeholder in a word: the whole word, or the word with an extension after it (`<key>.pem`). */
const KEY_WORD = /^(?:<[^<>\s]+>|\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|\[[A-Za-z_][A-Za-z0-9_-]*\])(?:\.(?:pem|ppk|key))?$/i;

/**
 * The placeholders that stand for a private key file: the argument of `-i` (ssh, autossh, plink),
 * a word like `<private-key-file>.pem` or `<key>.ppk`, a `.reg`'s `"PublicKeyFile"="<…>"`, or a
 * placeholder whose name says key (`<path_to_your_private_key_file>`) where a file is named. A
 * window shows a key chooser for them instead of a box for a path.
 */
export function keyPlaceholderNames(text: string): string[] {
  const out = new Set<string>();
  const add = (word: string): void => {
    for (const p of placeholdersOf(word)) out.add(placeholderName(p));
  };
  const words = text.split(/[\s"'=]+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-i' && words[i + 1] !== undefined && placeholdersOf(words[i + 1]!).length > 0) add(words[i + 1]!);
    else if (/^-i./.test(w) && placeholdersOf(w.slice(2)).length > 0) add(w.slice(2));
    else if (KEY_WORD.test(w) && /\.(pem|ppk|key)$/i.test(w)) add(w);
    else if (/^PublicKeyFile$/i.test(w) && words[i + 1] !== undefined && placeholdersOf(words[i + 1]!).length > 0) add(words[i + 1]!);
  }
  for (const p of placeholdersOf(text)) {
    const n = placeholderName(p);
    if (/private[_-]?key|key[_-]?file|identity[_-]?file/i.test(n)) out.add(n);
  }
  return [...out];
}
