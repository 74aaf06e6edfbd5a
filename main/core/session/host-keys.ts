/**
 * OpenSSH known_hosts, read and written the way `ssh` does (plain and hashed `|1|` names,
 * `[host]:port`, patterns with `*`, `?` and `!`, `@revoked`), and the host-key policies
 * (StrictHostKeyChecking yes / accept-new / no / ask, plus a pinned SHA256 fingerprint).
 */
import { hostKeyName } from '../../../common/known-hosts.js';
import { createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { HostKeyConfig } from '../../../common/config.js';
import type { ErrorInfo } from '../../../common/session.js';
import { globToRegExp } from '../glob.js';
import { fingerprintOf } from '../keys/fingerprint.js';
import { wireStrings } from '../keys/wire.js';
import { expandHome } from './identity.js';

export interface KnownHostEntry {
  readonly file: string;
  readonly line: number;
  readonly marker?: '@revoked' | '@cert-authority';
  /** The host field as written: a pattern list, or `|1|salt|hash`. */
  readonly hosts: string;
  readonly keyType: string;
  readonly keyBlob: Buffer;
  readonly comment?: string;
}

export interface KnownHostsParse {
  readonly entries: ReadonlyArray<KnownHostEntry>;
  /** Lines that could not be read; OpenSSH skips them too, but we say so. */
  readonly problems: ReadonlyArray<{ readonly line: number; readonly message: string }>;
}

/** Parses the text of a known_hosts file. Comments and blank lines are skipped. */
export function parseKnownHosts(text: string, file = '(text)'): KnownHostsParse {
  const entries: KnownHostEntry[] = [];
  const problems: { line: number; message: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const fields = t.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m !== '@revoked' && m !== '@cert-authority') {
        problems.push({ line, message: `unknown marker ${m}` });
        return;
      }
      marker = m;
    }
    const [hosts, keyType, b64, ...rest] = fields;
    if (!hosts || !keyType || !b64) {
      problems.push({ line, message: 'expected "host-patterns key-type base64-key"' });
      return;
    }
    const keyBlob = Buffer.from(b64, 'base64');
    if (!wellFormedKey(keyType, keyBlob)) {
      problems.push({ line, message: `the ${keyType} key is truncated or is not a ${keyType} key` });
      return;
    }
    entries.push({ file, line, ...(marker ? { marker } : {}), hosts, keyType, keyBlob, ...(rest.length ? { comment: rest.join(' ') } : {}) });
  });
  return { entries, problems };
}

const EC_POINT_LENGTH: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };

/**
 * Whether a blob is a whole public key of the named type: it starts with its own type name and
 * has exactly that type's fields, so a truncated or mis-pasted line is caught, not trusted.
 */
export function wellFormedKey(keyType: string, blob: Buffer): boolean {
  const f = wireStrings(blob);
  if (!f || f[0]?.toString() !== keyType) return false;
  switch (keyType) {
    case 'ssh-ed25519':
      return f.length === 2 && f[1]!.length === 32;
    case 'ssh-rsa':
      return f.length === 3 && f[2]!.length >= 64;
    case 'ssh-dss':
      return f.length === 5;
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      const curve = keyType.slice('ecdsa-sha2-'.length);
      return f.length === 3 && f[1]!.toString() === curve && f[2]!.length === EC_POINT_LENGTH[curve];
    }
    default:
      return f.length >= 2; // certificates and security keys: structure only
  }
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(blob: Buffer): string {
  return blob.length >= 4 && blob.readUInt32BE(0) <= blob.length - 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString() : 'unknown';
}

/** `SHA256:` + unpadded base64, exactly as `ssh-keygen -lf` prints it (the key layer's one definition). */
export { fingerprintOf } from '../keys/fingerprint.js';

/** How OpenSSH names a host in known_hosts: bare for port 22, `[host]:port` otherwise. */
export { hostKeyName };

/** Whether an entry's host field names host:port (OpenSSH's match_hostname, negation wins). */
export function entryMatches(entry: Pick<KnownHostEntry, 'hosts'>, host: string, port: number): boolean {
  const name = hostKeyName(host, port);
  if (entry.hosts.startsWith('|1|')) {
    const [, , salt, hash] = entry.hosts.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let positive = false;
  for (const p of entry.hosts.split(',')) {
    const negated = p.startsWith('!');
    const pat = negated ? p.slice(1) : p;
    if (globToRegExp(pat).test(name)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

/** `ssh-rsa` keys are negotiated as rsa-sha2-*; the others under their own name. */
function algorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/** The known_hosts files a session reads, the first being the one it writes (OpenSSH's order). */
export function knownHostsFiles(cfg: HostKeyConfig, home = homedir()): string[] {
  if (cfg.knownHostsFiles && cfg.knownHostsFiles.length > 0) return cfg.knownHostsFiles.map((f) => expandHome(f, home));
  return [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2')];
}

async function readEntries(files: ReadonlyArray<string>): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch {
      continue; // A missing file is normal (OpenSSH treats it as empty).
    }
    all.push(...parseKnownHosts(text, f).entries);
  }
  return all;
}

/** Appends `host key` to a known_hosts file, creating it (and ~/.ssh) privately if needed. */
export async function addKnownHost(file: string, host: string, port: number, keyBlob: Buffer, opts: { hash?: boolean } = {}): Promise<void> {
  let name = hostKeyName(host, port);
  if (opts.hash) {
    const salt = randomBytes(20);
    name = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  await appendKnownHosts(file, [`${name} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`]);
}

/**
 * Appends lines to a known_hosts file as ssh itself records keys: a new file (and its folder)
 * is created private, and the file stays line-structured when its last line has no newline.
 */
export async function appendKnownHosts(file: string, lines: ReadonlyArray<string>): Promise<void> {
  if (lines.length === 0) return;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const add = lines.join('\n') + '\n';
  let existing = '';
  try {
    existing = await readFile(file, 'utf8');
  } catch {
    /* new file */
  }
  if (existing === '') await writeFile(file, add, { mode: 0o600 });
  else await appendFile(file, (existing.endsWith('\n') ? '' : '\n') + add);
}

export type HostKeyVerdict =
  { readonly ok: true; readonly fingerprint: string; readonly note?: string } | { readonly ok: false; readonly fingerprint: string; readonly error: ErrorInfo };

/** A person's answer to "trust this new host key?"; absent when nobody is there to ask. */
export type HostKeyPrompt = (q: { host: string; port: number; keyType: string; fingerprint: string }) => Promise<boolean>;

/** What to tell a person about an unknown key: the fix, in the words of the door they used. */
export type UnknownHostHint = (q: { keyType: string; fingerprint: string }) => string;

/**
 * What the known_hosts files and the session's pin say about a presented key, without deciding or
 * writing anything: what HostKeyChecker decides on, and what `burrow trust` shows.
 */
export type HostKeyStatus =
  /** Marked @revoked for this host: refused even when pinned. */
  | { readonly kind: 'revoked'; readonly entry: KnownHostEntry }
  /** The session pins a fingerprint (`-hostkey`, a vendor's published key). */
  | { readonly kind: 'pinned'; readonly pinned: string; readonly matches: boolean }
  | { readonly kind: 'known'; readonly entry: KnownHostEntry }
  /** Other keys are recorded for this host: the key changed (or someone intercepts). */
  | { readonly kind: 'changed'; readonly entries: ReadonlyArray<KnownHostEntry> }
  | { readonly kind: 'unknown' };

/** Reads `files` and tells what they (and `cfg`'s pin) say about `keyBlob` for host:port. */
export async function hostKeyStatus(cfg: HostKeyConfig, host: string, port: number, keyBlob: Buffer, files: ReadonlyArray<string>): Promise<HostKeyStatus> {
  // @revoked is checked first: a revoked key stays refused even when a session pins it.
  const entries = await readEntries(files);
  const revoked = entries.find((e) => e.marker === '@revoked' && e.keyBlob.equals(keyBlob) && entryMatches(e, host, port));
  if (revoked) return { kind: 'revoked', entry: revoked };
  if (cfg.fingerprint !== undefined) return { kind: 'pinned', pinned: cfg.fingerprint, matches: fingerprintOf(keyBlob) === cfg.fingerprint };
  const known = entries.filter((e) => !e.marker && entryMatches(e, host, port));
  const same = known.find((e) => e.keyBlob.equals(keyBlob));
  if (same) return { kind: 'known', entry: same };
  return known.length > 0 ? { kind: 'changed', entries: known } : { kind: 'unknown' };
}

/** Whether a session's host is known or pinned, so that no person needs to be asked about its key. */
export async function hostIsKnown(cfg: HostKeyConfig, host: string, port: number, home = homedir()): Promise<boolean> {
  if (cfg.fingerprint !== undefined) return true;
  return (await readEntries(knownHostsFiles(cfg, home))).some((e) => !e.marker && entryMatches(e, host, port));
}

/**
 * Removes every key recorded for host:port from a known_hosts file (as `ssh-keygen -R` does,
 * keeping the old file as `FILE.old`); `@revoked` lines stay. Returns how many lines went.
 */
export async function removeKnownHost(file: string, host: string, port: number): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const gone = new Set(
    parseKnownHosts(text, file)
      .entries.filter((e) => !e.marker && entryMatches(e, host, port))
      .map((e) => e.line),
  );
  if (gone.size === 0) return 0;
  const kept = text.split(/\r?\n/).filter((_, i) => !gone.has(i + 1));
  await writeFile(`${file}.old`, text, { mode: 0o600 });
  await writeFile(file, kept.join('\n'));
  return gone.size;
}

/**
 * Removes line `line` of a known_hosts file if it still holds the key with `fingerprint` (the one
 * a person was shown), keeping the old file as FILE.old; false when the line is not that key now.
 */
export async function removeKnownHostLine(file: string, line: number, fingerprint: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const entry = parseKnownHosts(text, file).entries.find((e) => e.line === line);
  if (!entry || fingerprintOf(entry.keyBlob) !== fingerprint) return false;
  const kept = text.split(/\r?\n/).filter((_, i) => i + 1 !== line);
  await writeFile(`${file}.old`, text, { mode: 0o600 });
  await writeFile(file, kept.join('\n'));
  return true;
}

/** The hint for an unknown key when the door says nothing better: both ways to trust it. */
const DEFAULT_UNKNOWN_HINT: UnknownHostHint = () =>
  'Compare the fingerprint with the one the vendor publishes, then trust it: set the host-key policy to accept-new (-o StrictHostKeyChecking=accept-new) or pin the fingerprint.';

/**
 * Decides whether a presented host key is acceptable for host:port under a session's policy.
 * Reads the known_hosts files on every call, so an edit by the user takes effect on the next
 * attempt without a restart.
 */
export class HostKeyChecker {
  private readonly files: string[];

  constructor(
    private readonly cfg: HostKeyConfig,
    private readonly host: string,
    private readonly port: number,
    private readonly prompt?: HostKeyPrompt,
    home = homedir(),
    private readonly unknownHint: UnknownHostHint = DEFAULT_UNKNOWN_HINT,
  ) {
    this.files = knownHostsFiles(cfg, home);
  }

  /**
   * The host key algorithms `allowed` (the session's HostKeyAlgorithms), the known key types
   * first: as OpenSSH does, so that a server with several host keys presents the one we already
   * trust rather than a "new" one. (OpenSSH reorders only its default list; Burrow reorders any,
   * as a known key is the one a tunnel can check without a person.)
   */
  async preferredAlgorithms(allowed: ReadonlyArray<string>): Promise<string[]> {
    const known = (await readEntries(this.files)).filter((e) => !e.marker && entryMatches(e, this.host, this.port));
    const first = [...new Set(known.flatMap((e) => algorithmsFor(e.keyType)))].filter((a) => allowed.includes(a));
    return [...first, ...allowed.filter((a) => !first.includes(a))];
  }

  async check(keyBlob: Buffer): Promise<HostKeyVerdict> {
    const fingerprint = fingerprintOf(keyBlob);
    const keyType = keyTypeOf(keyBlob);
    const where = hostKeyName(this.host, this.port);
    const fail = (error: ErrorInfo): HostKeyVerdict => ({ ok: false, fingerprint, error });

    const status = await hostKeyStatus(this.cfg, this.host, this.port, keyBlob, this.files);
    switch (status.kind) {
      case 'revoked':
        return fail({
          code: 'HOST_KEY_REVOKED',
          message: `${where} presented a revoked host key ${fingerprint} (${status.entry.file}:${status.entry.line})`,
          hint: 'The server must get a new host key; this one is marked @revoked.',
        });
      case 'pinned':
        if (status.matches) return { ok: true, fingerprint };
        return fail({
          code: 'HOST_KEY_MISMATCH',
          message: `${where} presented host key ${fingerprint}, but this session is pinned to ${status.pinned}`,
          hint: 'Someone may be intercepting the connection. Ask the vendor for the current fingerprint before changing the pinned one.',
        });
      case 'known':
        return this.cfg.policy === 'no'
          ? { ok: true, fingerprint, note: `host key checking of ${where} is off (StrictHostKeyChecking "no"): only a changed key would be refused` }
          : { ok: true, fingerprint };
      case 'changed': {
        // A key that contradicts known_hosts is refused under every policy, "no" included: OpenSSH
        // with StrictHostKeyChecking=no still disables all port forwarding for a changed key, which
        // for a tunnel means the same thing, and vendor guides often carry that option.
        const sameType = status.entries.find((e) => e.keyType === keyType) ?? status.entries[0]!;
        return fail({
          code: 'HOST_KEY_MISMATCH',
          message: `HOST KEY CHANGED for ${where}: it presented ${keyType} ${fingerprint}, but ${sameType.file}:${sameType.line} records ${sameType.keyType} ${fingerprintOf(sameType.keyBlob)}`,
          hint: `Someone may be intercepting the connection. If the server was really reinstalled, confirm the new fingerprint with its owner, then remove the old entry: ssh-keygen -R '${where}' -f '${sameType.file}'.`,
        });
      }
      case 'unknown':
        break;
    }
    // "no" records new keys too, as OpenSSH does, so that a later change is caught.
    const accept =
      this.cfg.policy === 'accept-new' ||
      this.cfg.policy === 'no' ||
      (this.cfg.policy === 'ask' && this.prompt !== undefined && (await this.prompt({ host: this.host, port: this.port, keyType, fingerprint })));
    if (accept) {
      const file = this.files[0]!;
      await addKnownHost(file, this.host, this.port, keyBlob);
      const note = `new host ${where}: ${keyType} ${fingerprint} recorded in ${file}`;
      return { ok: true, fingerprint, note: this.cfg.policy === 'no' ? `${note}; it was NOT checked (StrictHostKeyChecking is "no")` : note };
    }
    return fail({
      code: 'HOST_KEY_UNKNOWN',
      message: `${where} is not a known host (its ${keyType} key is ${fingerprint})`,
      hint: this.unknownHint({ keyType, fingerprint }),
    });
  }
}
