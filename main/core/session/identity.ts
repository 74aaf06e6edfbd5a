/** Loading the private keys a session signs with (OpenSSH's IdentityFile). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { AuthConfig } from '../../../common/config.js';
import { BurrowError, burrowError } from './errors.js';

/** A key ready for ssh2: private material stays in this object and goes nowhere but ssh2. */
export interface LoadedIdentity {
  readonly file: string;
  /** Key text ssh2 can parse (OpenSSH or PEM). */
  readonly privateKey: Buffer;
  /** Only when `privateKey` is still encrypted: what ssh2 decrypts it with. */
  readonly passphrase?: string;
}

/** Reads one identity file; rejects with KEY_INVALID / KEY_PASSPHRASE BurrowErrors. */
export type IdentityLoader = (file: string, passphrase: string | undefined) => Promise<LoadedIdentity>;

/** OpenSSH's default identities, in the order `ssh` tries them. */
export function defaultIdentityFiles(home = homedir()): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => path.join(home, '.ssh', n));
}

/** `~/x` → home-relative, as OpenSSH expands IdentityFile and UserKnownHostsFile. */
export function expandHome(p: string, home = homedir()): string {
  if (p === '~') return home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(home, p.slice(2));
  return p;
}

/**
 * The engine's built-in loader: whatever ssh2 itself parses (OpenSSH new format, PEM PKCS#1/SEC1,
 * PPK v2 RSA). ssh2 decrypts with the passphrase here and keeps the parsed key, so we hand it the
 * file text and the passphrase once and re-check parsing before any connection is attempted.
 */
export const ssh2IdentityLoader: IdentityLoader = async (file, passphrase) => {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw burrowError('KEY_INVALID', `The key file ${file} cannot be read (${code ?? String(err)})`,
      code === 'ENOENT' ? 'Check the path given with -i / IdentityFile.' : 'Check the file\'s permissions.');
  }
  const parsed = ssh2.utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    if (/encrypted|passphrase|bad decrypt/i.test(parsed.message)) {
      throw burrowError('KEY_PASSPHRASE', passphrase === undefined
        ? `The key ${file} is protected by a passphrase`
        : `The passphrase for ${file} is wrong`,
        'Give the passphrase with --passphrase-file FILE or the BURROW_PASSPHRASE environment variable.');
    }
    throw burrowError('KEY_INVALID', `The key file ${file} is not a private key Burrow can read (${parsed.message})`,
      'Give the private key (not the .pub file) in OpenSSH, PEM or PuTTY format.');
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key.isPrivateKey?.() === false) {
    throw burrowError('KEY_INVALID', `${file} holds a public key, not a private key`, 'Give the private key file (the one without .pub).');
  }
  // ssh2's connect() takes key text, not a parsed key: hand it the file and the passphrase it
  // has just proved to work.
  return { file, privateKey: data, ...(passphrase !== undefined ? { passphrase } : {}) };
};

/** Reads a passphrase file as OpenSSH-style tools do: the first line, without its newline. */
export async function readPassphraseFile(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split(/\r?\n/)[0]!;
  } catch (err) {
    throw burrowError('KEY_PASSPHRASE', `The passphrase file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
      'Check the path given with --passphrase-file.');
  }
}

export interface LoadIdentitiesOptions {
  readonly home?: string;
  readonly loader?: IdentityLoader;
  /** Overrides `auth.passphraseFile` (a prompt's answer, or BURROW_PASSPHRASE). */
  readonly passphrase?: string;
  readonly onWarning?: (message: string) => void;
}

/**
 * Loads a session's identities: the configured files, or OpenSSH's defaults that exist. Like
 * OpenSSH, an identity that cannot be read is a warning while another one can still be tried.
 */
export async function loadIdentities(auth: AuthConfig, opts: LoadIdentitiesOptions = {}): Promise<LoadedIdentity[]> {
  const home = opts.home ?? homedir();
  const load = opts.loader ?? ssh2IdentityLoader;
  const files = auth.identityFiles.length > 0
    ? auth.identityFiles.map((f) => expandHome(f, home))
    : defaultIdentityFiles(home).filter((f) => existsSync(f));
  if (files.length === 0) {
    throw burrowError('KEY_INVALID', 'No private key to log in with: none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists',
      'Give one with -i FILE (or identityFiles in the config), or create one with `burrow key generate`.');
  }
  const passphrase = opts.passphrase ?? (auth.passphraseFile ? await readPassphraseFile(expandHome(auth.passphraseFile, home)) : undefined);
  const loaded: LoadedIdentity[] = [];
  let firstError: unknown;
  for (const f of files) {
    try {
      loaded.push(await load(f, passphrase));
    } catch (err) {
      firstError ??= err;
      opts.onWarning?.(err instanceof BurrowError ? err.message : String(err));
    }
  }
  if (loaded.length === 0) throw firstError;
  return loaded;
}
