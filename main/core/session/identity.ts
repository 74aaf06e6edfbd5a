/** Loading the private keys a session signs with (OpenSSH's IdentityFile). */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { burrowError } from './errors.js';

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
