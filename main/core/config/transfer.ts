/**
 * Moving sessions to another machine: one JSON file holding the sessions, and, only when asked,
 * their keys and passphrases encrypted with a passphrase (scrypt + AES-256-GCM). Without secrets
 * the file holds what the config holds: key file paths and SecretStore ids, never key material.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SessionConfig } from '../../../common/config.js';
import { writeKeyFile } from '../keys/files.js';
import type { SecretStore } from '../keys/secret-store.js';
import { expandHome } from '../session/identity.js';
import { keySecretName, passphraseSecretName } from './apply-import.js';
import { ConfigError } from './config-error.js';
import type { ImportReport, NotTaken } from './importers/report.js';
import { PendingKey } from './importers/report.js';
import { formatJson, parseJsonText } from './json-text.js';
import { CONFIG_VERSION, parseConfigFile } from './schema.js';
import type { ConfigStore } from './store.js';

const MARK = 'sessions-export';
const FORMAT = 1;
// scrypt at N = 2^15 costs ~32 MiB and ~0.1 s: cheap once, expensive for a guesser.
const SCRYPT = { N: 32768, r: 8, p: 1 } as const;
const AAD = Buffer.from(`burrow-${MARK}:${FORMAT}`);

/** The decrypted secrets section: SecretStore entries by key id, and the contents of key and passphrase files by path. */
interface Secrets {
  readonly keys: Record<string, string>;
  readonly passphrases: Record<string, string>;
  readonly files: Record<string, string>;
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

function deriveKey(passphrase: string, salt: Buffer, n: number, r: number, p: number): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { N: n, r, p, maxmem: 256 * n * r });
}

function seal(secrets: Secrets, passphrase: string): Sealed {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(passphrase, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p), iv);
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  return {
    kdf: 'scrypt', ...SCRYPT, salt: salt.toString('base64'), cipher: 'aes-256-gcm',
    iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64'),
  };
}

function unseal(sealed: Sealed, passphrase: string): Secrets {
  if (sealed.kdf !== 'scrypt' || sealed.cipher !== 'aes-256-gcm' || !(sealed.N > 1 && sealed.N <= 2 ** 20) || !(sealed.r >= 1 && sealed.r <= 32) || sealed.p !== 1) {
    throw new ConfigError('secrets', 'uses an encryption this Burrow does not read', 'Export again with this version of Burrow.');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(passphrase, Buffer.from(sealed.salt, 'base64'), sealed.N, sealed.r, sealed.p), Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(AAD);
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Secrets;
  } catch {
    throw new ConfigError('passphrase', 'does not open the secrets in this export (or the file was changed)',
      'Give the passphrase that was used with `burrow sessions export --with-secrets`.');
  }
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

async function readIfPossible(file: string): Promise<string | undefined> {
  try {
    return await readFile(expandHome(file), 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes sessions as an export file; with a passphrase, their keys and passphrases too, encrypted. */
export async function exportSessions(sessions: ReadonlyArray<SessionConfig>, options: ExportOptions = {}): Promise<ExportResult> {
  const included: string[] = [];
  const left: NotTaken[] = [];
  let sealed: Sealed | undefined;
  if (options.secretsPassphrase !== undefined) {
    if (options.secretsPassphrase.length < 8) {
      throw new ConfigError('passphrase', 'is shorter than 8 characters', 'Use a longer passphrase: the file may travel by e-mail or USB stick.');
    }
    const secrets: { keys: Record<string, string>; passphrases: Record<string, string>; files: Record<string, string> } = { keys: {}, passphrases: {}, files: {} };
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
          secrets.files[file] = content;
          included.push(`${s.name}: ${file}`);
        } else left.push({ what: `${s.name}: ${file}`, why: 'cannot be read here, so it is not in the export' });
      }
    }
    sealed = seal(secrets, options.secretsPassphrase);
  } else {
    for (const s of sessions) {
      for (const f of s.auth.identityFiles) left.push({ what: `${s.name}: ${f}`, why: 'key files are not exported without --with-secrets; copy them yourself' });
      if (s.auth.keyId !== undefined) left.push({ what: `${s.name}: key ${s.auth.keyId}`, why: 'stored keys are not exported without --with-secrets' });
    }
  }
  const doc = {
    burrow: MARK,
    format: FORMAT,
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
  /** Where key and passphrase files from the export are written (0600); default `<store folder>/keys`. */
  readonly keyDir?: string;
}

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'key';
}

/**
 * Reads an export file into an import report (apply it with applyImport). Key files travel as
 * new 0600 files under `keyDir` and the sessions point at them; SecretStore keys travel as
 * PendingKeys. Throws ConfigError on a file that is not an export, or a wrong passphrase.
 */
export async function importBundle(text: string, options: BundleOptions): Promise<ImportReport> {
  const doc = parseJsonText(text) as Record<string, unknown>;
  if (typeof doc !== 'object' || doc === null || doc.burrow !== MARK) {
    throw new ConfigError('(file)', 'is not a Burrow sessions export', 'Make one with `burrow sessions export FILE`.');
  }
  if (doc.format !== FORMAT) throw new ConfigError('format', `is ${JSON.stringify(doc.format)}, this Burrow reads ${FORMAT}`, 'Export again with this version of Burrow.');
  const config = parseConfigFile(doc.config);
  const sealed = doc.secrets as Sealed | undefined;
  if (sealed !== undefined && options.passphrase === undefined) {
    throw new ConfigError('passphrase', 'is needed: this export holds encrypted keys', 'Give it with --passphrase-file FILE or BURROW_EXPORT_PASSPHRASE.');
  }
  const secrets = sealed ? unseal(sealed, options.passphrase!) : undefined;
  const keyDir = options.keyDir ?? path.join(options.store.folder, 'keys');
  const sessions: SessionConfig[] = [];
  const keys: PendingKey[] = [];
  const took: string[] = [];
  const couldNot: NotTaken[] = [];
  for (const s of config.sessions) {
    if (options.store.find(s.name)) {
      couldNot.push({ what: `session "${s.name}"`, why: 'a saved session already has this name; remove it first to import this one' });
      continue;
    }
    const moved = async (file: string): Promise<string> => {
      const content = secrets?.files[file];
      if (content === undefined) return file;
      const target = path.join(keyDir, `${safeFileName(s.name)}-${safeFileName(path.basename(file))}`);
      await mkdir(keyDir, { recursive: true, mode: 0o700 });
      await writeKeyFile(target, content, 0o600, true);
      return target;
    };
    const identityFiles: string[] = [];
    for (const f of s.auth.identityFiles) identityFiles.push(await moved(f));
    const passphraseFile = s.auth.passphraseFile !== undefined ? await moved(s.auth.passphraseFile) : undefined;
    const keyId = s.auth.keyId;
    if (keyId !== undefined && secrets?.keys[keyId] !== undefined) keys.push(new PendingKey(keyId, secrets.keys[keyId]!, secrets.passphrases[keyId]));
    else if (keyId !== undefined) couldNot.push({ what: `${s.name}: key ${keyId}`, why: 'is not in this export; store the key again on this machine' });
    sessions.push({ ...s, auth: { ...s.auth, identityFiles, ...(passphraseFile !== undefined ? { passphraseFile } : {}) } });
    took.push(`session "${s.name}": ${s.user}@${s.host}:${s.port}${secrets ? ', with its keys' : ''}`);
  }
  return { kind: 'burrow-export', sessions, hostKeys: [], keys, took, couldNot };
}
