/**
 * Where Burrow keeps private keys and passphrases. The core depends only on the SecretStore
 * interface; the Electron shell supplies an OS-encrypted implementation (safeStorage: Keychain,
 * DPAPI, libsecret/kwallet), headless use this file-based one. See docs/keys.md.
 */
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { keyError } from './errors.js';
import { writeKeyFile } from './files.js';

/** Secret storage for private keys and passphrases, keyed by Burrow's own names (`key-<id>`, `passphrase-<id>`). */
export interface SecretStore {
  /** What protects the secrets, for the settings screen (e.g. "macOS Keychain (safeStorage)"). */
  readonly backend: string;
  /** What a person should know about that protection, e.g. that Linux has no keyring. Never hidden. */
  readonly warnings: ReadonlyArray<string>;
  get(name: string): Promise<string | undefined>;
  set(name: string, secret: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** The names of the secrets held, sorted (those given only in the environment are not listed: their names cannot be recovered). */
  list(): Promise<string[]>;
}

/** Turns secrets into opaque bytes and back (Electron's safeStorage, in the shell). */
export interface SecretSeal {
  seal(plain: string): Promise<Buffer>;
  /** `stale`: the OS rotated its key; the secret should be sealed again. */
  open(sealed: Buffer): Promise<{ readonly value: string; readonly stale: boolean }>;
}

/** Marks sealed files, so a store that cannot unseal says so instead of returning ciphertext. */
const SEALED = Buffer.from('burrow-sealed:1\n');

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** `key-abc.1` → `BURROW_SECRET_KEY_ABC_1`: how a container or service passes a secret in. */
export function secretEnvName(name: string): string {
  return 'BURROW_SECRET_' + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Secrets as files under a folder (the config folder's `secrets/`), each mode 0600 in a 0700
 * folder, written atomically. Without a seal the files are plain: as safe as `~/.ssh/id_*`, and
 * only that. A secret given in the environment as BURROW_SECRET_<NAME> wins over the file, so
 * headless installs (Docker, systemd) can inject a key or passphrase without writing it to disk.
 */
export class FileSecretStore implements SecretStore {
  readonly backend: string;
  readonly warnings: ReadonlyArray<string>;

  constructor(
    private readonly dir: string,
    private readonly options: {
      readonly env?: NodeJS.ProcessEnv;
      readonly seal?: SecretSeal;
      readonly backend?: string;
      readonly warnings?: ReadonlyArray<string>;
    } = {},
  ) {
    this.backend = options.backend ?? `files readable only by this user (${dir})`;
    this.warnings =
      options.warnings ??
      (process.platform === 'win32'
        ? ["On Windows, secret files rely on the folder's access rights; keep the Burrow config folder in your user profile."]
        : []);
  }

  async get(name: string): Promise<string | undefined> {
    const fromEnv = (this.options.env ?? process.env)[secretEnvName(check(name))];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    let data: Buffer;
    try {
      data = await readFile(this.file(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw keyError(
        'KEY_UNREADABLE',
        `the secret "${name}" cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        `Check the permissions of ${this.dir}.`,
      );
    }
    const sealed = data.subarray(0, SEALED.length).equals(SEALED);
    if (!sealed) return data.toString('utf8');
    if (!this.options.seal) {
      throw keyError(
        'KEY_UNREADABLE',
        `the secret "${name}" was encrypted by the system keychain, which is not available now`,
        'Unlock or start the keychain (GNOME Keyring, KWallet), or store the key again.',
      );
    }
    let opened: { readonly value: string; readonly stale: boolean };
    try {
      opened = await this.options.seal.open(data.subarray(SEALED.length));
    } catch {
      throw keyError(
        'KEY_UNREADABLE',
        `the secret "${name}" cannot be decrypted`,
        'It was stored under another user account or keyring; store the key again (import it in the key wizard).',
      );
    }
    if (opened.stale) await this.set(name, opened.value);
    return opened.value;
  }

  async set(name: string, secret: string): Promise<void> {
    const file = this.file(name);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const data = this.options.seal ? Buffer.concat([SEALED, await this.options.seal.seal(secret)]) : secret;
    await writeKeyFile(file, data, 0o600, true);
  }

  async delete(name: string): Promise<void> {
    await unlink(this.file(name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT')
        throw keyError('KEY_WRITE_FAILED', `the secret "${name}" cannot be deleted (${err.code ?? 'error'})`, `Check the permissions of ${this.dir}.`);
    });
  }

  async list(): Promise<string[]> {
    const names = new Set<string>();
    try {
      for (const n of await readdir(this.dir)) if (NAME.test(n)) names.add(n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw keyError(
          'KEY_UNREADABLE',
          `the secrets folder cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
          `Check the permissions of ${this.dir}.`,
        );
    }
    return [...names].sort();
  }

  private file(name: string): string {
    return path.join(this.dir, check(name));
  }
}

function check(name: string): string {
  if (!NAME.test(name)) {
    throw keyError(
      'KEY_OPTION_INVALID',
      `secret name ${JSON.stringify(name)} is not valid`,
      'Use letters, digits, ".", "_" and "-" (e.g. key-<session id>), at most 100.',
    );
  }
  return name;
}

/**
 * What to tell a person about Electron safeStorage on this machine, or undefined when all is well.
 * Linux's `basic_text` backend (no keyring running) "encrypts" with a fixed key: not protection.
 */
export function safeStorageWarning(platform: NodeJS.Platform, encryptionAvailable: boolean, linuxBackend?: string): string | undefined {
  if (!encryptionAvailable) {
    return 'The system keychain is not available, so Burrow protects stored keys and passphrases only with file permissions (0600).';
  }
  if (platform === 'linux' && linuxBackend === 'basic_text') {
    return 'No keyring (GNOME Keyring / KWallet) is running, so stored keys and passphrases are encrypted with a fixed key, which protects nothing. Start a keyring, or accept that file permissions (0600) are the only protection.';
  }
  if (platform === 'linux' && linuxBackend === 'unknown') {
    return 'Electron could not tell which keyring protects stored keys; they may be encrypted with a fixed key. Check that GNOME Keyring or KWallet is running.';
  }
  return undefined;
}
