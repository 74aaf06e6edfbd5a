/**
 * Moving sessions to another machine: one JSON file holding the sessions, and, only when asked,
 * their keys and passphrases encrypted with a passphrase (scrypt + AES-256-GCM). Without secrets
 * the file holds what the config holds: key file paths and SecretStore ids, never key material.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SessionConfig } from '../../../common/config.js';
import type { SecretStore } from '../keys/secret-store.js';
import { expandHome } from '../session/identity.js';
import { keySecretName, numberedPath, passphraseSecretName } from './apply-import.js';
import { ConfigError } from './config-error.js';
import type { ImportReport, NotTaken } from './importers/report.js';
import { PendingFile, PendingKey } from './importers/report.js';
import { formatJson, parseJsonText } from './json-text.js';
import { CONFIG_VERSION, parseConfigFile } from './schema.js';
import type { ConfigStore } from './store.js';

const MARK = 'sessions-export';
/** Every file travels as text. */
const FORMAT_TEXT = 1;
/**
 * Adds binary files (DER keys) as `{ "encoding": "base64", "data": … }`. Written only when such a
 * file travels: other exports stay readable by a Burrow that knows format 1 only, which refuses
 * this one instead of writing the key out as text.
 */
const FORMAT_BINARY = 2;
// scrypt at N = 2^15 costs ~32 MiB and ~0.1 s: cheap once, expensive for a guesser. Reading
// accepts exactly these (and the sizes below): parameters taken from the file would let a crafted
// one make scrypt take gigabytes and minutes, and a short GCM tag (Node accepts 4 bytes) would let
// a changed file pass with a guessable tag.
const SCRYPT = { N: 32768, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The additional data GCM authenticates: the format, so a file cannot be passed off as another format. */
function aad(format: number): Buffer {
  return Buffer.from(`burrow-${MARK}:${format}`);
}

/** A file's content in the secrets: text as it is (readable once decrypted), binary as base64. */
type FileContent = string | { readonly encoding: 'base64'; readonly data: string };

/** The secrets section before encryption: SecretStore entries by key id, and the contents of key and passphrase files by path. */
interface Secrets {
  readonly keys: Record<string, string>;
  readonly passphrases: Record<string, string>;
  readonly files: Record<string, FileContent>;
}

interface Sealed {
  readonly kdf: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
  readonly cipher: 'aes-256-gcm';
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

function deriveKey(passphrase: string, salt: Buffer): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { ...SCRYPT, maxmem: 256 * SCRYPT.N * SCRYPT.r });
}

function seal(secrets: Secrets, passphrase: string, format: number): Sealed {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(passphrase, salt), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(format));
  const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  return {
    kdf: 'scrypt',
    ...SCRYPT,
    salt: salt.toString('base64'),
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

const SEALED_FIX = 'This file was not written by Burrow or was changed since: export the sessions again with `burrow sessions export --with-secrets`.';

/** Bytes from canonical base64 only: Buffer.from skips what is not base64, so a changed length could pass unseen. */
function base64Field(sealed: Record<string, unknown>, field: string, bytes?: number): Buffer {
  const v = sealed[field];
  if (typeof v !== 'string' || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
    throw new ConfigError(`secrets.${field}`, 'must be base64 text', SEALED_FIX);
  }
  const b = Buffer.from(v, 'base64');
  if (bytes !== undefined && b.length !== bytes) throw new ConfigError(`secrets.${field}`, `must be ${bytes} bytes, the size Burrow writes`, SEALED_FIX);
  return b;
}

/** The parts of a `secrets` section that passed checkSealed. */
interface SealedParts {
  readonly salt: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly data: Buffer;
}

/** The `secrets` section exactly as seal() writes it, and nothing else (see SCRYPT for why). */
function checkSealed(v: unknown): SealedParts {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError('secrets', 'must be an object', SEALED_FIX);
  const sealed = v as Record<string, unknown>;
  for (const [field, value] of [
    ['kdf', 'scrypt'],
    ['cipher', 'aes-256-gcm'],
  ] as const) {
    if (sealed[field] !== value) throw new ConfigError(`secrets.${field}`, `must be "${value}", the only one Burrow writes`, SEALED_FIX);
  }
  for (const [field, value] of Object.entries(SCRYPT)) {
    if (sealed[field] !== value) {
      throw new ConfigError(
        `secrets.${field}`,
        `must be ${value}, the scrypt cost Burrow writes (another could make reading take gigabytes of memory and minutes)`,
        SEALED_FIX,
      );
    }
  }
  return {
    salt: base64Field(sealed, 'salt', SALT_BYTES),
    iv: base64Field(sealed, 'iv', IV_BYTES),
    tag: base64Field(sealed, 'tag', TAG_BYTES),
    data: base64Field(sealed, 'data'),
  };
}

/** Text files travel as text, as format 1 carried every file; anything that is not UTF-8 text (a DER key) as base64. */
function encodeFile(content: Buffer): FileContent {
  const text = content.toString('utf8');
  return !text.includes('\0') && Buffer.from(text, 'utf8').equals(content) ? text : { encoding: 'base64', data: content.toString('base64') };
}

function decodeFile(v: unknown): Buffer | undefined {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  const o = v as { encoding?: unknown; data?: unknown } | null;
  return typeof o === 'object' && o !== null && o.encoding === 'base64' && typeof o.data === 'string' ? Buffer.from(o.data, 'base64') : undefined;
}

/** The decrypted secrets, as maps: ids and paths from the file must not reach Object.prototype (`constructor`). */
interface Opened {
  readonly keys: ReadonlyMap<string, string>;
  readonly passphrases: ReadonlyMap<string, string>;
  readonly files: ReadonlyMap<string, Buffer>;
}

function stringMap(v: unknown, field: string): Map<string, string> {
  const entries = typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.entries(v) : undefined;
  if (!entries || entries.some(([, x]) => typeof x !== 'string')) throw new ConfigError(`secrets (${field})`, 'are not as Burrow writes them', SEALED_FIX);
  return new Map(entries as Array<[string, string]>);
}

function unseal(sealed: SealedParts, passphrase: string, format: number): Opened {
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(passphrase, sealed.salt), sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(format));
    decipher.setAuthTag(sealed.tag);
    plain = Buffer.concat([decipher.update(sealed.data), decipher.final()]);
  } catch {
    throw new ConfigError(
      'passphrase',
      'does not open the secrets in this export (or the file was changed)',
      'Give the passphrase that was used with `burrow sessions export --with-secrets`.',
    );
  }
  // Authentic, so made with this passphrase; still checked, so that no odd entry is written out as a key.
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ConfigError('secrets', 'are not as Burrow writes them', SEALED_FIX);
  }
  const files = new Map<string, Buffer>();
  const fileEntries = typeof doc.files === 'object' && doc.files !== null ? Object.entries(doc.files) : [];
  for (const [file, content] of fileEntries) {
    const bytes = decodeFile(content);
    if (!bytes)
      throw new ConfigError(
        `secrets (file ${file})`,
        'is in an encoding this Burrow does not read',
        'Export again with this version of Burrow, or copy the file by hand.',
      );
    files.set(file, bytes);
  }
  return { keys: stringMap(doc.keys, 'keys'), passphrases: stringMap(doc.passphrases, 'passphrases'), files };
}

export interface ExportOptions {
  /** Include keys and passphrases, encrypted with this passphrase. */
  readonly secretsPassphrase?: string;
  /** Where `auth.keyId` keys live; needed with secrets. */
  readonly secrets?: SecretStore;
}

export interface ExportResult {
  readonly text: string;
  /** Secrets that were included, named (never shown). */
  readonly included: ReadonlyArray<string>;
  /** What the receiving machine will need from elsewhere, and why. */
  readonly left: ReadonlyArray<NotTaken>;
}

async function readIfPossible(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(expandHome(file));
  } catch {
    return undefined;
  }
}

/** Writes sessions as an export file; with a passphrase, their keys and passphrases too, encrypted. */
export async function exportSessions(sessions: ReadonlyArray<SessionConfig>, options: ExportOptions = {}): Promise<ExportResult> {
  const included: string[] = [];
  const left: NotTaken[] = [];
  let sealed: Sealed | undefined;
  let format = FORMAT_TEXT;
  if (options.secretsPassphrase !== undefined) {
    if (options.secretsPassphrase.length < 8) {
      throw new ConfigError('passphrase', 'is shorter than 8 characters', 'Use a longer passphrase: the file may travel by e-mail or USB stick.');
    }
    const secrets: { keys: Record<string, string>; passphrases: Record<string, string>; files: Record<string, FileContent> } = {
      keys: {},
      passphrases: {},
      files: {},
    };
    for (const s of sessions) {
      const keyId = s.auth.keyId;
      if (keyId !== undefined && options.secrets) {
        const key = await options.secrets.get(keySecretName(keyId));
        if (key !== undefined) {
          secrets.keys[keyId] = key;
          included.push(`${s.name}: key ${keyId}`);
        } else left.push({ what: `${s.name}: key ${keyId}`, why: 'is not in the secret store here' });
        const pass = await options.secrets.get(passphraseSecretName(keyId));
        if (pass !== undefined) secrets.passphrases[keyId] = pass;
      }
      for (const file of [...s.auth.identityFiles, ...(s.auth.passphraseFile ? [s.auth.passphraseFile] : [])]) {
        const content = await readIfPossible(file);
        if (content !== undefined) {
          secrets.files[file] = encodeFile(content);
          included.push(`${s.name}: ${file}`);
        } else left.push({ what: `${s.name}: ${file}`, why: 'cannot be read here, so it is not in the export' });
      }
    }
    format = Object.values(secrets.files).some((f) => typeof f !== 'string') ? FORMAT_BINARY : FORMAT_TEXT;
    sealed = seal(secrets, options.secretsPassphrase, format);
  } else {
    for (const s of sessions) {
      for (const f of s.auth.identityFiles)
        left.push({ what: `${s.name}: ${f}`, why: 'key files are not exported without --with-secrets; copy them yourself' });
      if (s.auth.keyId !== undefined) left.push({ what: `${s.name}: key ${s.auth.keyId}`, why: 'stored keys are not exported without --with-secrets' });
    }
  }
  const doc = {
    burrow: MARK,
    format,
    exportedAt: new Date().toISOString(),
    config: { version: CONFIG_VERSION, sessions },
    ...(sealed ? { secrets: sealed } : {}),
  };
  return { text: formatJson(doc), included, left };
}

export interface BundleOptions {
  /** Opens the secrets, when the export has them. */
  readonly passphrase?: string;
  /** Saved sessions are not touched: an export session with a taken name is reported, not imported. */
  readonly store: ConfigStore;
  /** Where key and passphrase files from the export go (0600, by applyImport); default `<store folder>/keys`. */
  readonly keyDir?: string;
}

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'key';
}

/**
 * Reads an export file into an import report (apply it with applyImport). Key files travel as
 * PendingFiles under `keyDir` that the sessions point at, written only when their session is
 * saved; SecretStore keys travel as PendingKeys. Writes nothing itself. Throws ConfigError on a
 * file that is not an export, a changed or crafted secrets section, or a wrong passphrase.
 */
export async function importBundle(text: string, options: BundleOptions): Promise<ImportReport> {
  const doc = parseJsonText(text) as Record<string, unknown>;
  if (typeof doc !== 'object' || doc === null || doc.burrow !== MARK) {
    throw new ConfigError('(file)', 'is not a Burrow sessions export', 'Make one with `burrow sessions export FILE`.');
  }
  const format = doc.format;
  if (format !== FORMAT_TEXT && format !== FORMAT_BINARY) {
    throw new ConfigError(
      'format',
      `is ${JSON.stringify(format)}, this Burrow reads ${FORMAT_TEXT} and ${FORMAT_BINARY}`,
      'Export again with this version of Burrow.',
    );
  }
  const config = parseConfigFile(doc.config);
  const sealed = doc.secrets === undefined ? undefined : checkSealed(doc.secrets);
  if (sealed !== undefined && options.passphrase === undefined) {
    throw new ConfigError('passphrase', 'is needed: this export holds encrypted keys', 'Give it with --passphrase-file FILE or BURROW_EXPORT_PASSPHRASE.');
  }
  const secrets = sealed ? unseal(sealed, options.passphrase!, format) : undefined;
  const keyDir = options.keyDir ?? path.join(options.store.folder, 'keys');
  const sessions: SessionConfig[] = [];
  const keys: PendingKey[] = [];
  const files: PendingFile[] = [];
  const took: string[] = [];
  const couldNot: NotTaken[] = [];
  for (const s of config.sessions) {
    if (options.store.find(s.name)) {
      couldNot.push({ what: `session "${s.name}"`, why: 'a saved session already has this name; remove it first to import this one' });
      continue;
    }
    const moved = (file: string): string => {
      const content = secrets?.files.get(file);
      if (content === undefined) return file;
      // Each pending file gets its own path, as the sessions find theirs by it.
      const wanted = path.join(keyDir, `${safeFileName(s.name)}-${safeFileName(path.basename(file))}`);
      let target = wanted;
      for (let n = 2; files.some((f) => f.path === target); n++) target = numberedPath(wanted, n);
      files.push(new PendingFile(target, content));
      return target;
    };
    const identityFiles = s.auth.identityFiles.map(moved);
    const passphraseFile = s.auth.passphraseFile !== undefined ? moved(s.auth.passphraseFile) : undefined;
    const keyId = s.auth.keyId;
    const key = keyId !== undefined ? secrets?.keys.get(keyId) : undefined;
    if (key !== undefined) keys.push(new PendingKey(keyId!, key, secrets!.passphrases.get(keyId!)));
    else if (keyId !== undefined) couldNot.push({ what: `${s.name}: key ${keyId}`, why: 'is not in this export; store the key again on this machine' });
    sessions.push({ ...s, auth: { ...s.auth, identityFiles, ...(passphraseFile !== undefined ? { passphraseFile } : {}) } });
    took.push(`session "${s.name}": ${s.user}@${s.host}:${s.port}${secrets ? ', with its keys' : ''}`);
  }
  return { kind: 'burrow-export', sessions, hostKeys: [], keys, files, took, couldNot };
}
