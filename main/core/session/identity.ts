/** Loading the private keys a session signs with (OpenSSH's IdentityFile, or a stored key). */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { AuthConfig, SessionConfig } from '../../../common/config.js';
import { importKey, KeyError, readKeyFile, readPassphraseFile } from '../keys/index.js';
import type { SecretStore } from '../keys/secret-store.js';
import { BurrowError, burrowError } from './errors.js';

/** A key ready for ssh2: private material stays in this object and goes nowhere but ssh2. */
export interface LoadedIdentity {
  /** Where it came from, for messages: a file path or "stored key <id>". */
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

/** The SecretStore names of a stored key and its passphrase (`auth.keyId`). */
export const keySecretName = (keyId: string): string => `key-${keyId}`;
/**
 * Where a session's proxy password is kept (the secret store allows letters, digits, `._-`): its id
 * with anything else as `_`, so a container can give it as BURROW_SECRET_PROXY_<ID>.
 */
export const proxyPasswordSecretName = (sessionId: string): string => `proxy-${sessionId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 90)}`;
/** Where the password of a session's proxy is: the default proxy's own name, else the session's. */
export function proxyPasswordSecret(cfg: Pick<SessionConfig, 'id' | 'proxy'>): string {
  return (cfg.proxy && cfg.proxy.type !== 'command' && cfg.proxy.passwordSecret) || proxyPasswordSecretName(cfg.id);
}
export const passphraseSecretName = (keyId: string): string => `passphrase-${keyId}`;

/** The key layer's errors in the engine's terms: KEY_PASSPHRASE or KEY_INVALID, with the fix. */
function asBurrowError(err: unknown): unknown {
  if (!(err instanceof KeyError)) return err;
  const code = err.code === 'KEY_PASSPHRASE_NEEDED' || err.code === 'KEY_PASSPHRASE_WRONG' ? 'KEY_PASSPHRASE' : 'KEY_INVALID';
  return burrowError(code, err.message, err.hint, err.code);
}

/**
 * The engine's identity loader: any format the key layer reads, parsed in its worker with a time
 * limit, handed to ssh2 as an unencrypted OpenSSH private key. Errors are KEY_INVALID or
 * KEY_PASSPHRASE BurrowErrors with a hint, and never contain key material.
 */
export const loadIdentity: IdentityLoader = async (file, passphrase) => {
  try {
    const key = await readKeyFile(file, passphrase !== undefined ? { passphrase } : {});
    return { file, privateKey: key.privateKeyForSsh2() };
  } catch (err) {
    throw asBurrowError(err);
  }
};

export interface LoadIdentitiesOptions {
  readonly home?: string;
  /** Default: the key layer's loader (every format, parsed in its time-limited worker). */
  readonly loader?: IdentityLoader;
  /**
   * The passphrase given for the whole run (a prompt's answer, --passphrase-file,
   * BURROW_PASSPHRASE): only a fallback for keys whose session has no passphrase of its own
   * (`auth.passphraseFile`, or a stored key's stored passphrase), so sessions with differently
   * protected keys run side by side.
   */
  readonly passphrase?: string;
  /** Where `auth.keyId` keys live. */
  readonly secrets?: SecretStore;
  /**
   * Keys already loaded, by file and modification time, so a reconnect does not run an
   * encrypted key's KDF again, while an edited or replaced file is read afresh.
   */
  readonly cache?: Map<string, LoadedIdentity>;
  readonly onWarning?: (message: string) => void;
  /**
   * Asks a person for a key's passphrase when none opened it (a window's question); undefined
   * means nobody answered. Asked again, up to three times, while the answer is wrong.
   */
  readonly askPassphrase?: PassphraseQuestion;
  /**
   * The session logs in through an agent too: no key file is not an error (OpenSSH then offers the
   * agent's keys alone), and a key file that cannot be read is a warning.
   */
  readonly agentToo?: boolean;
}

/** Asks for the passphrase of `key` (a file, or a stored key with its `keyId`); `wrong` when the last one did not open it. */
export type PassphraseQuestion = (q: { readonly key: string; readonly keyId?: string; readonly wrong: boolean }) => Promise<string | undefined>;

async function loadStored(keyId: string, opts: LoadIdentitiesOptions & { ownPassphrase?: string }): Promise<LoadedIdentity> {
  const label = `stored key "${keyId}"`;
  if (!opts.secrets) {
    throw burrowError(
      'KEY_INVALID',
      `The session uses the ${label}, but no secret store is open`,
      'Run it from the app, or with `burrow run NAME` (which opens the store beside the config file).',
    );
  }
  const cached = opts.cache?.get(label);
  if (cached) return cached;
  const text = await opts.secrets.get(keySecretName(keyId));
  if (text === undefined) {
    throw burrowError(
      'KEY_INVALID',
      `The ${label} is not in the secret store (${opts.secrets.backend})`,
      'Import the key again (burrow import, or the key wizard), or point the session at a key file.',
    );
  }
  const passphrase = opts.ownPassphrase ?? (await opts.secrets.get(passphraseSecretName(keyId))) ?? opts.passphrase;
  try {
    const key = await importKey(text, passphrase !== undefined ? { passphrase } : {});
    const loaded = { file: label, privateKey: key.privateKeyForSsh2() };
    opts.cache?.set(label, loaded);
    return loaded;
  } catch (err) {
    throw asBurrowError(err);
  }
}

/**
 * Loads a session's identities: a stored key (`auth.keyId`) first, then the configured files, or
 * OpenSSH's defaults that exist. Like OpenSSH, an identity that cannot be read is a warning while
 * another one can still be tried.
 */
export async function loadIdentities(auth: AuthConfig, opts: LoadIdentitiesOptions = {}): Promise<LoadedIdentity[]> {
  const home = opts.home ?? homedir();
  const load = opts.loader ?? loadIdentity;
  const files =
    auth.identityFiles.length > 0 || auth.keyId !== undefined
      ? auth.identityFiles.map((f) => expandHome(f, home))
      : defaultIdentityFiles(home).filter((f) => existsSync(f));
  if (files.length === 0 && auth.keyId === undefined) {
    if (opts.agentToo) return [];
    throw burrowError(
      'KEY_INVALID',
      'No private key to log in with: none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists',
      'Give one with -i FILE (or identityFiles in the config), or create one with `burrow key generate`.',
    );
  }
  let own: string | undefined;
  if (auth.passphraseFile) {
    try {
      own = await readPassphraseFile(expandHome(auth.passphraseFile, home));
    } catch (err) {
      throw asBurrowError(err);
    }
  }
  const passphrase = own ?? opts.passphrase;
  const loaded: LoadedIdentity[] = [];
  let firstError: unknown;
  /** Loads one identity; a passphrase error asks a person (when one can be asked) and tries their answer. */
  const attempt = async (
    key: string,
    keyId: string | undefined,
    first: string | undefined,
    fn: (pass: string | undefined) => Promise<LoadedIdentity>,
  ): Promise<void> => {
    let pass = first;
    for (let asked = 0; ; asked++) {
      try {
        loaded.push(await fn(pass));
        return;
      } catch (err) {
        if (opts.askPassphrase && asked < 3 && err instanceof BurrowError && err.info.code === 'KEY_PASSPHRASE') {
          const answer = await opts.askPassphrase({ key, ...(keyId !== undefined ? { keyId } : {}), wrong: asked > 0 || pass !== undefined });
          if (answer !== undefined) {
            pass = answer;
            continue;
          }
        }
        firstError ??= err;
        opts.onWarning?.(err instanceof BurrowError ? err.message : String(err));
        return;
      }
    }
  };
  if (auth.keyId !== undefined) {
    const keyId = auth.keyId;
    await attempt(`stored key "${keyId}"`, keyId, own, (p) => loadStored(keyId, { ...opts, ...(p !== undefined ? { ownPassphrase: p } : {}) }));
  }
  for (const f of files) {
    await attempt(f, undefined, passphrase, async (p) => {
      const st = await stat(f).catch(() => undefined);
      const key = st ? `${f}\0${st.mtimeMs}\0${st.size}` : undefined;
      const cached = key !== undefined ? opts.cache?.get(key) : undefined;
      if (cached) return cached;
      const identity = await load(f, p);
      if (key !== undefined) opts.cache?.set(key, identity);
      return identity;
    });
  }
  if (loaded.length === 0 && !opts.agentToo) throw firstError;
  return loaded;
}
