/**
 * One entry point for everything people paste or pick: tells which kind of input it is and runs
 * the matching importer. Command lines go through the engine's parser, after the clean-ups vendor
 * pages need (placeholders filled in, `sudo su user -c '…'` unwrapped).
 */
import { ConfigError } from '../config-error.js';
import { parseCommandLine, splitCommandLine } from './command-line.js';
import { importKnownHosts, isKnownHosts } from './known-hosts.js';
import { decodeRegFile, importPuttyReg, isRegFile } from './putty-reg.js';
import type { ImportKind, ImportReport } from './report.js';
import { importSecodaEnv, isSecodaEnv } from './secoda-env.js';
import { importSshConfig } from './ssh-config.js';

/** The text of a picked file, decoding regedit's UTF-16LE. */
export function textOf(data: Buffer): string {
  const text = decodeRegFile(data);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Which importer fits the text. */
export function detectKind(text: string): ImportKind {
  if (isRegFile(text)) return 'putty-reg';
  if (/^\s*\{/.test(text) && /"burrow"\s*:\s*"sessions-export"/.test(text)) return 'burrow-export';
  // Before command lines: Secoda's script also holds an autossh command, built from these variables.
  if (isSecodaEnv(text)) return 'secoda-env';
  if (isKnownHosts(text)) return 'known-hosts';
  if (/^\s*(Host|Match)\s+\S/im.test(text) && /^\s*(HostName|RemoteForward|LocalForward|DynamicForward|User|Port|IdentityFile)[\s=]/im.test(text)) return 'ssh-config';
  return 'command-line';
}

/**
 * Replaces a vendor guide's placeholders with given values: `<NAME>`, `$NAME`, `${NAME}`,
 * `${NAME:-default}` (the default when no value is given) and `[name]` (Holistics' style).
 */
export function fillPlaceholders(text: string, values: ReadonlyMap<string, string>): string {
  return text
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\}/g, (_, n: string, def: string) => values.get(n) ?? def)
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a?: string, b?: string) => values.get((a ?? b)!) ?? m)
    .replace(/<([^<>\s]+)>/g, (m, n: string) => values.get(n) ?? m)
    .replace(/\[([A-Za-z_][A-Za-z0-9_-]*)\]/g, (m, n: string) => values.get(n) ?? m);
}

/** `sudo …`, `sudo -u user …` and `sudo su user -c '…'` around the tunnel command, as Holistics' macOS steps write it. */
function unwrapSudo(words: string[], notes: string[]): string[] {
  if (words[0] !== 'sudo') return words;
  const rest = words.slice(1);
  if (rest[0] === 'su' && rest.length >= 4 && rest[2] === '-c') {
    notes.push(`sudo su ${rest[1]} -c: Burrow runs as the user who starts it; use that user's key (not taken)`);
    return splitCommandLine(rest[3]!);
  }
  if (rest[0] === '-u' && rest.length > 2) {
    notes.push(`sudo -u ${rest[1]}: Burrow runs as the user who starts it (not taken)`);
    return rest.slice(2);
  }
  notes.push('sudo: Burrow needs no root rights for a tunnel to a high port (not taken)');
  return rest;
}

/** Refuses inputs that look like a command but cannot be one, saying what to do instead. */
function refuseLookalikes(text: string): void {
  if (/\[email(?:&#160;|\s)protected\]/i.test(text)) {
    throw new ConfigError('(command)', 'holds "[email protected]" where the page showed user@host (its e-mail protection hid it)',
      'Copy the command from the vendor\'s e-mail or the page\'s source, or type user@host in its place.');
  }
  if (/^\s*(?:"?[^"\s]*[\\/])?putty(?:\.exe)?"?\s/i.test(text)) {
    const load = /-load\s+['"]?([^'"]+)['"]?/.exec(text)?.[1];
    throw new ConfigError('(command)', 'starts PuTTY, whose settings live in the Windows registry, not on the command line',
      `Export ${load ? `the saved session "${load}"` : 'the saved session'} with regedit (HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions, File > Export) and import the .reg file.`);
  }
  if (/^\s*(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-\S+)\s+\S+/.test(text)) {
    throw new ConfigError('(command)', 'is a public key, the kind that goes in an SSH server\'s authorized_keys',
      'Add it to ~/.ssh/authorized_keys of the SSH user on your server (the QueryCanary preset lists the steps); Burrow has nothing to run for it.');
  }
}

/** Imports a pasted or given command line (`burrow run`'s parser), with placeholders filled in from `values`. */
export function importCommandLine(input: string | ReadonlyArray<string>, values: ReadonlyMap<string, string> = new Map()): ImportReport {
  const notes: string[] = [];
  const text = typeof input === 'string' ? input : input.join(' ');
  refuseLookalikes(text);
  const words = typeof input === 'string'
    ? splitCommandLine(fillPlaceholders(input.trim().replace(/^\$\s+/, ''), values))
    : input.map((w) => fillPlaceholders(w, values));
  const parsed = parseCommandLine(unwrapSudo(words, notes));
  const s = parsed.session;
  return {
    kind: 'command-line',
    sessions: [s],
    hostKeys: [],
    took: [`${parsed.program}: ${s.user}@${s.host}:${s.port}, ${s.forwards.length} forward${s.forwards.length === 1 ? '' : 's'}, keepalive ${s.keepalive.intervalSeconds} s × ${s.keepalive.countMax}, host keys: ${s.hostKey.policy}`],
    couldNot: [...notes, ...parsed.notes].map((n) => {
      const cut = n.indexOf(': ');
      return cut > 0 ? { what: n.slice(0, cut), why: n.slice(cut + 2) } : { what: n, why: 'not needed by Burrow' };
    }),
  };
}

export interface ImportOptions {
  /** Values for the placeholders of a command from a vendor guide (`SSH_HIGH_PORT` → `11433`). */
  readonly values?: ReadonlyMap<string, string>;
  /** Where the text came from, for messages. */
  readonly source?: string;
  /** A name for the session, where the input names none (Secoda). */
  readonly name?: string;
}

/** Detects the kind of input and imports it. Burrow export bundles go to importBundle() (they may need a passphrase). */
export function importInput(input: string | Buffer | ReadonlyArray<string>, options: ImportOptions = {}): ImportReport {
  if (Array.isArray(input)) return importCommandLine(input as ReadonlyArray<string>, options.values);
  const text = Buffer.isBuffer(input) ? textOf(input) : input as string;
  const kind = detectKind(text);
  switch (kind) {
    case 'putty-reg': return importPuttyReg(text, options.source);
    case 'secoda-env': return importSecodaEnv(text, options.name);
    case 'known-hosts': return importKnownHosts(text, options.source);
    case 'ssh-config': return importSshConfig(text);
    case 'command-line': return importCommandLine(text, options.values);
    case 'burrow-export':
      throw new ConfigError(options.source ?? '(input)', 'is a Burrow sessions export', 'Import it with `burrow sessions import FILE`.');
  }
}
