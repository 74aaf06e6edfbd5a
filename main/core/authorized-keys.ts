/**
 * A vendor's public key allowed in through this machine's SSH server (QueryCanary's guide: "add
 * our key to ~/.ssh/authorized_keys"), with the least it needs: one connection to one database
 * port and nothing else. The guide's own step gives the key everything the account can do (a
 * shell, every port on the network); this writes the line with OpenSSH's options instead:
 *
 *   restrict                      no pty, no agent or X11 forwarding, no ~/.ssh/rc, no forwarding…
 *   port-forwarding               …but forwarding again (restrict took it away),
 *   permitopen="HOST:PORT"        local forwarding (direct-tcpip, `ssh -L`/`-W`) to that port only,
 *   permitlisten="localhost:1"    remote forwarding (`-R`): `port-forwarding` lets the key listen
 *                                 on any port, and this key option has no "none" (sshd 9.2:
 *                                 "invalid permission port"); sshd itself refuses a port below
 *                                 1024 to any account but root, and a vendor's key is never put
 *                                 in root's file (app/authorized.ts), so it may listen nowhere,
 *   command="false"               `restrict` alone still lets the key run commands and a shell:
 *                                 every session the key asks for runs `false` instead (a shell
 *                                 builtin, so it exists wherever the account's shell does),
 *   from="…"                      when given: only from the vendor's published addresses.
 *
 * Each line Burrow writes follows a comment line of its own (sshd skips comments), which is how it
 * lists and removes its entries and never touches another line of the file. The file is written
 * whole (temporary file, rename), `~/.ssh` created 700 and the file 600 as the guide does, owned by
 * the account when another account's file is written as root; a `~/.ssh` or file that is a
 * symbolic link is refused, so nobody can point Burrow's write at another file.
 */
import { chown, lstat, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { VendorKeyView } from '../../common/contract.js';
import { writeFileAtomic } from './config/atomic-write.js';
import { fingerprintOf } from './keys/fingerprint.js';
import { keyTypeOf, wellFormedKey } from './session/host-keys.js';

/** A field of a request that is wrong, with its fix (the app turns it into its INVALID_INPUT). */
export class AuthorizeError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
    readonly kind: 'input' | 'conflict' | 'file' = 'input',
  ) {
    super(`${field}: ${problem}`);
    this.name = 'AuthorizeError';
  }
}

/** What a person gives to let a vendor's key in. */
export interface VendorKeyInput {
  /** The vendor's public key as it shows it: `ecdsa-sha2-nistp256 AAAA… querycanary.com`. */
  readonly publicKey: string;
  /** What the entry is called in lists ("QueryCanary – prod"); defaults to the key's comment. */
  readonly name?: string;
  /** The database as the SSH server reaches it. */
  readonly host: string;
  readonly port: number;
  /** The vendor's published addresses or networks (`203.0.113.7`, `198.51.100.0/24`). */
  readonly from?: ReadonlyArray<string>;
}

/** One entry Burrow wrote, as the file holds it now: what every door shows (common/contract.ts). */
export type VendorKeyEntry = VendorKeyView;

export interface AuthorizedKeysFile {
  readonly file: string;
  readonly exists: boolean;
  readonly entries: ReadonlyArray<VendorKeyEntry>;
  /** Key lines Burrow did not write (left as they are). */
  readonly otherKeys: number;
}

const MARK = /^# Added by Burrow on (\d{4}-\d{2}-\d{2}) for "([^"]*)"/;
const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** A host as permitopen takes it: a name or an address, no quotes, spaces or commas. IPv6 goes in brackets. */
function hostForOption(host: string): string {
  const h = host.trim();
  if (h === '') throw new AuthorizeError('host', 'is empty', 'Give the database host as the SSH server reaches it (localhost when it runs there).');
  if (/^\[.*\]$/.test(h)) return hostForOption(h.slice(1, -1));
  if (h.includes(':')) {
    if (!/^[0-9a-fA-F:.]+$/.test(h))
      throw new AuthorizeError(
        'host',
        `${JSON.stringify(host)} is not a host name or address`,
        'Give a name such as db.internal or an address such as 10.0.0.5 or ::1.',
      );
    return `[${h}]`;
  }
  if (!/^[A-Za-z0-9._-]{1,253}$/.test(h)) {
    throw new AuthorizeError(
      'host',
      `${JSON.stringify(host)} is not a host name or address`,
      'Give a name such as db.internal or an address such as 10.0.0.5, without spaces, quotes or a port.',
    );
  }
  return h;
}

/** One `from=` pattern: an address, a CIDR network or a host name pattern (`*.example.com`). */
function fromPattern(p: string): string {
  const t = p.trim();
  if (!/^!?[A-Za-z0-9._:*?/-]{1,255}$/.test(t) || /\/(?!\d{1,3}$)/.test(t)) {
    throw new AuthorizeError(
      'from',
      `${JSON.stringify(p)} is not an address, network or host pattern`,
      'Give addresses or networks such as 203.0.113.7 or 198.51.100.0/24, separated by commas.',
    );
  }
  return t;
}

/** The key's type, blob and comment from what a person pasted; refuses private keys and broken lines. */
export function parseVendorKey(text: string): { keyType: string; blob: Buffer; comment: string } {
  const t = text.trim();
  if (t === '')
    throw new AuthorizeError(
      'publicKey',
      'is empty',
      'Paste the public key the vendor shows, a line starting with ecdsa-sha2-nistp256, ssh-ed25519 or ssh-rsa.',
    );
  if (/PRIVATE KEY|PuTTY-User-Key-File/.test(t)) {
    throw new AuthorizeError(
      'publicKey',
      'is a private key',
      "Paste the vendor's public key (one line starting with its type); a private key never leaves the machine it was made on.",
    );
  }
  if (/[\r\n]/.test(t)) throw new AuthorizeError('publicKey', 'has more than one line', 'Paste one public key: one line, its type, the key, and a comment.');
  const words = t.split(/\s+/);
  // A line copied from another authorized_keys may carry options before the type: those are not the vendor's to set.
  const at = words.findIndex((w) => KEY_TYPE.test(w));
  if (at < 0)
    throw new AuthorizeError(
      'publicKey',
      `does not start with a key type (${JSON.stringify(words[0]!.slice(0, 40))})`,
      'Paste the whole line the vendor shows, starting with ecdsa-sha2-nistp256, ssh-ed25519 or ssh-rsa.',
    );
  const keyType = words[at]!;
  const b64 = words[at + 1] ?? '';
  const blob = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
  if (keyTypeOf(blob) !== keyType || !wellFormedKey(keyType, blob)) {
    throw new AuthorizeError('publicKey', `the ${keyType} key is cut short or is not a ${keyType} key`, 'Copy the key again, whole: it is one long line.');
  }
  if (keyType === 'ssh-dss')
    throw new AuthorizeError('publicKey', 'is a DSA key, which OpenSSH no longer accepts', 'Ask the vendor for an Ed25519, ECDSA or RSA key.');
  const comment = words
    .slice(at + 2)
    .join(' ')
    .replace(/[^\x20-\x7e]/g, '');
  return { keyType, blob, comment };
}

/** A name for lists: printable, one line, no double quote (it ends the comment's quoted name). */
function entryName(name: string | undefined, comment: string): string {
  const n = (name ?? '').trim() || comment || 'vendor key';
  if (n.length > 100 || /["\r\n\p{Cc}]/u.test(n)) {
    throw new AuthorizeError('name', 'must be one line of at most 100 characters without double quotes', 'Give a short name such as "QueryCanary – prod".');
  }
  return n;
}

/** The two lines Burrow writes for a vendor's key: its comment line and the key with its limits. */
export function vendorKeyLines(input: VendorKeyInput, today: string): { mark: string; line: string; fingerprint: string } {
  const key = parseVendorKey(input.publicKey);
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) {
    throw new AuthorizeError('port', `${String(input.port)} is not a port`, 'Give the database port from 1 to 65535 (5432 for PostgreSQL, 3306 for MySQL).');
  }
  const opens = `${hostForOption(input.host)}:${input.port}`;
  const from = (input.from ?? [])
    .flatMap((f) => f.split(','))
    .filter((f) => f.trim() !== '')
    .map(fromPattern);
  const name = entryName(input.name, key.comment);
  const options = [
    'restrict',
    'port-forwarding',
    `permitopen="${opens}"`,
    'permitlisten="localhost:1"',
    'command="false"',
    ...(from.length ? [`from="${from.join(',')}"`] : []),
  ];
  const mark = `# Added by Burrow on ${today} for "${name}": may open ${opens} only, nothing else. Remove it in Burrow (burrow authorize --remove), not by hand.`;
  const line = `${options.join(',')} ${key.keyType} ${key.blob.toString('base64')}${key.comment ? ` ${key.comment}` : ''}`;
  return { mark, line, fingerprint: fingerprintOf(key.blob) };
}

/** The options, key type, blob and comment of one authorized_keys line (quotes respected, as sshd reads it). */
function splitKeyLine(raw: string): { options: string; keyType: string; blob: Buffer; comment: string } | undefined {
  const t = raw.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  let options = '';
  let rest = t;
  const first = t.split(/\s/, 1)[0]!;
  if (!KEY_TYPE.test(first)) {
    let quoted = false;
    let i = 0;
    for (; i < t.length; i++) {
      const c = t[i]!;
      if (c === '\\' && quoted) i++;
      else if (c === '"') quoted = !quoted;
      else if (!quoted && /\s/.test(c)) break;
    }
    options = t.slice(0, i);
    rest = t.slice(i).trim();
  }
  const [keyType, b64, ...comment] = rest.split(/\s+/);
  if (!keyType || !b64) return undefined;
  return { options, keyType, blob: Buffer.from(b64, 'base64'), comment: comment.join(' ') };
}

/** The values of one option (`permitopen`, `from`) in an options string. */
function optionValues(options: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`(?:^|,)${name}="((?:[^"\\\\]|\\\\.)*)"`, 'gi');
  for (const m of options.matchAll(re)) out.push(m[1]!);
  return out;
}

/** Reads an authorized_keys text: Burrow's entries, and how many other keys it holds. */
export function parseAuthorizedKeys(text: string, file: string, exists = true): AuthorizedKeysFile & { readonly fingerprints: ReadonlyMap<string, number> } {
  const lines = text.split('\n');
  const entries: VendorKeyEntry[] = [];
  const fingerprints = new Map<string, number>(); // every key's first line, Burrow's or not
  let otherKeys = 0;
  for (let i = 0; i < lines.length; i++) {
    const k = splitKeyLine(lines[i]!);
    if (!k) continue;
    const fp = fingerprintOf(k.blob);
    if (!fingerprints.has(fp)) fingerprints.set(fp, i + 1);
    const mark = i > 0 ? MARK.exec(lines[i - 1]!.trim()) : null;
    if (!mark) {
      otherKeys++;
      continue;
    }
    entries.push({
      name: mark[2]!,
      added: mark[1]!,
      keyType: k.keyType,
      fingerprint: fp,
      comment: k.comment,
      opens: optionValues(k.options, 'permitopen'),
      from: optionValues(k.options, 'from').flatMap((f) => f.split(',')),
      line: i + 1,
      text: lines[i]!.replace(/\r$/, ''),
    });
  }
  return { file, exists, entries, otherKeys, fingerprints };
}

/** Where a person's authorized_keys is, and who owns it. */
export interface Account {
  readonly name: string;
  readonly home: string;
  /** Set when the file is written for another account (as root): the owner given to what is created. */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

export function authorizedKeysPath(account: Account): string {
  return path.join(account.home, '.ssh', 'authorized_keys');
}

async function notALink(p: string, what: string): Promise<boolean> {
  try {
    const st = await lstat(p);
    if (st.isSymbolicLink()) {
      throw new AuthorizeError(
        'account',
        `${p} is a symbolic link`,
        `Burrow writes ${what} only where it is a real one; look at where the link points and make it a plain ${what === '~/.ssh' ? 'folder' : 'file'} again.`,
        'file',
      );
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function readAuthorized(file: string): Promise<{ text: string; exists: boolean }> {
  if (!(await notALink(file, 'authorized_keys'))) return { text: '', exists: false };
  const st = await lstat(file);
  if (!st.isFile()) throw new AuthorizeError('account', `${file} is not a file`, 'Move it aside: authorized_keys must be a plain file.', 'file');
  if (st.size > MAX_FILE_BYTES)
    throw new AuthorizeError(
      'account',
      `${file} is larger than 16 MiB`,
      'An authorized_keys file this large is not one sshd is meant to read; look at it first.',
      'file',
    );
  return { text: await readFile(file, 'utf8'), exists: true };
}

/** The account's authorized_keys as Burrow sees it. */
export async function listVendorKeys(account: Account): Promise<AuthorizedKeysFile> {
  const file = authorizedKeysPath(account);
  await notALink(path.dirname(file), '~/.ssh');
  const { text, exists } = await readAuthorized(file);
  const { fingerprints: _f, ...view } = parseAuthorizedKeys(text, file, exists);
  return view;
}

/** Writes the new text of the file: ~/.ssh 700 and the file 600, owned by the account. */
async function writeAuthorized(account: Account, text: string): Promise<void> {
  const file = authorizedKeysPath(account);
  const dir = path.dirname(file);
  if (!(await notALink(dir, '~/.ssh'))) {
    await mkdir(dir, { mode: 0o700 });
    if (account.owner) await chown(dir, account.owner.uid, account.owner.gid);
  }
  await notALink(file, 'authorized_keys');
  await writeFileAtomic(file, [text], 0o600, account.owner);
}

/**
 * Adds a vendor's key with its limits, or replaces the entry Burrow wrote for that key earlier.
 * Refuses a key the file already holds on a line Burrow did not write: sshd uses the first line
 * that matches a key, so that line's freedom would win over these limits.
 */
export async function addVendorKey(
  account: Account,
  input: VendorKeyInput,
  today: string,
): Promise<{ entry: VendorKeyEntry; replaced: boolean; file: string }> {
  const { mark, line, fingerprint } = vendorKeyLines(input, today);
  const file = authorizedKeysPath(account);
  await notALink(path.dirname(file), '~/.ssh');
  const { text } = await readAuthorized(file);
  const parsed = parseAuthorizedKeys(text, file);
  const ours = parsed.entries.find((e) => e.fingerprint === fingerprint);
  const first = parsed.fingerprints.get(fingerprint);
  if (first !== undefined && (!ours || first < ours.line)) {
    throw new AuthorizeError(
      'publicKey',
      `this key is already on line ${first} of ${file}, without Burrow's limits`,
      'sshd would use that line and its freedom: remove it from the file first, then authorize the key here.',
      'conflict',
    );
  }
  let lines = text === '' ? [] : text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (ours) lines.splice(ours.line - 2, 2);
  lines = [...lines, mark, line];
  await writeAuthorized(account, lines.join('\n') + '\n');
  const after = parseAuthorizedKeys(lines.join('\n') + '\n', file).entries.find((e) => e.fingerprint === fingerprint)!;
  return { entry: after, replaced: ours !== undefined, file };
}

/** Removes the entry Burrow wrote for the key with this fingerprint (its two lines, nothing else). */
export async function removeVendorKey(account: Account, which: string): Promise<{ entry: VendorKeyEntry; file: string }> {
  const file = authorizedKeysPath(account);
  await notALink(path.dirname(file), '~/.ssh');
  const { text } = await readAuthorized(file);
  const ours = parseAuthorizedKeys(text, file).entries.find((e) => e.fingerprint === which || e.name === which);
  if (!ours) {
    throw new AuthorizeError(
      'fingerprint',
      `no key Burrow authorized in ${file} has the fingerprint or name ${JSON.stringify(which)}`,
      'List the keys Burrow authorized and pick one of them; lines Burrow did not write are not its to remove.',
      'conflict',
    );
  }
  const lines = text.split('\n');
  lines.splice(ours.line - 2, 2);
  await writeAuthorized(account, lines.join('\n'));
  return { entry: ours, file };
}
