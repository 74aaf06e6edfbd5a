/**
 * A key's passphrase kept for unattended use the way Burrow keeps every per-session passphrase:
 * in the secret store as `passphrase-<keyId>`, beside the key itself as `key-<keyId>` (identity.ts
 * reads them; the app's key library writes them the same way). Never in the config file.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SessionConfig } from '../../../common/config.js';
import { importKey, KeyError } from '../keys/index.js';
import type { SecretStore } from '../keys/secret-store.js';
import { defaultIdentityFiles, expandHome, keySecretName, passphraseSecretName } from '../session/identity.js';
import { ConfigError } from './config-error.js';
import { PendingKey } from './importers/report.js';

/** Stores a pending key under a free name (reusing one that holds the same key); returns the key id used. */
export async function storeKey(secrets: SecretStore, key: PendingKey): Promise<{ keyId: string; created: boolean }> {
  for (let n = 1; ; n++) {
    const keyId = n === 1 ? key.keyId : `${key.keyId}-${n}`;
    const existing = await secrets.get(keySecretName(keyId));
    if (existing !== undefined && existing !== key.reveal()) continue;
    if (existing === undefined) await secrets.set(keySecretName(keyId), key.reveal());
    const passphrase = key.revealPassphrase();
    if (passphrase !== undefined && (await secrets.get(passphraseSecretName(keyId))) === undefined) {
      await secrets.set(passphraseSecretName(keyId), passphrase);
    }
    return { keyId, created: existing === undefined };
  }
}

/** A key id from a key file's name: `~/.ssh/id_rsa` → `id-rsa`, `acme.pem` → `acme`. */
function keyIdFor(file: string): string {
  const base = path
    .basename(file, path.extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return base.slice(0, 60) || 'key';
}

/** Why a passphrase cannot be kept for a key: as a ConfigError naming `option` and the fix. */
function refuse(option: string, problem: string, fix: string): never {
  throw new ConfigError(option, problem, fix);
}

/**
 * Takes the session's encrypted key file that `passphrase` opens into a PendingKey carrying its
 * passphrase, and points the session at it (`auth.keyId`) instead of the file; applyImport or
 * storeKey then puts both in the secret store. The key is stored as it is (still encrypted).
 * Throws ConfigError naming `option` when no key file of the session is opened by it.
 */
export async function keyWithPassphrase<T extends Pick<SessionConfig, 'auth'>>(
  session: T,
  passphrase: string,
  option: string,
  home?: string,
): Promise<{ session: T; key: PendingKey; file: string }> {
  const given = session.auth.identityFiles.map((f) => expandHome(f, home));
  const files = given.length > 0 ? given : defaultIdentityFiles(home);
  const problems: string[] = [];
  for (const [i, file] of files.entries()) {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      if (given.length === 0) continue; // OpenSSH's defaults that do not exist are not an error
      problems.push(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    try {
      const key = await importKey(data, { passphrase });
      if (!key.info.encrypted) {
        problems.push(`${file} has no passphrase`);
        continue;
      }
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
      problems.push(err.code === 'KEY_PASSPHRASE_WRONG' ? `the passphrase does not open ${file}` : `${file}: ${err.message}`);
      continue;
    }
    const keyId = keyIdFor(file);
    const rest = session.auth.identityFiles.filter((_, j) => given.length === 0 || j !== i);
    const { passphraseFile: _unused, ...auth } = session.auth;
    return { session: { ...session, auth: { ...auth, identityFiles: rest, keyId } }, key: new PendingKey(keyId, data.toString('utf8'), passphrase), file };
  }
  return refuse(
    option,
    problems.length > 0
      ? `opens no key of the session (${problems.join('; ')})`
      : 'has no key file to open (none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists)',
    "Give the passphrase of the session's encrypted key file (-i FILE / --identity FILE), or leave the option out for a key without one.",
  );
}

/**
 * Keeps `passphrase` for a key already in the secret store (`auth.keyId`), after checking that it
 * opens it. Throws ConfigError naming `option` otherwise.
 */
export async function keepStoredKeyPassphrase(secrets: SecretStore, keyId: string, passphrase: string, option: string): Promise<void> {
  const text = await secrets.get(keySecretName(keyId));
  if (text === undefined)
    refuse(
      option,
      `is for the stored key "${keyId}", which is not in the secret store`,
      'Import the key again, or point the session at a key file with --identity.',
    );
  try {
    const key = await importKey(text, { passphrase });
    if (!key.info.encrypted) refuse(option, `is for the stored key "${keyId}", which has no passphrase`, 'Leave the option out.');
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    refuse(
      option,
      err.code === 'KEY_PASSPHRASE_WRONG' ? `does not open the stored key "${keyId}"` : `cannot open the stored key "${keyId}": ${err.message}`,
      'Give the passphrase the key was protected with.',
    );
  }
  await secrets.set(passphraseSecretName(keyId), passphrase);
}

/**
 * Keeps the session's encrypted key file and its passphrase in the secret store (keyWithPassphrase,
 * storeKey) and saves the session, now pointing at the stored key, with `save`. If saving fails, a
 * key stored just now is removed again: nothing is kept half.
 */
export async function saveWithKeptKey<T extends Pick<SessionConfig, 'auth'>, R>(
  secrets: SecretStore,
  session: T,
  passphrase: string,
  option: string,
  save: (session: T) => Promise<R>,
  home?: string,
): Promise<{ saved: R; session: T; file: string; keyId: string }> {
  const kept = await keyWithPassphrase(session, passphrase, option, home);
  const stored = await storeKey(secrets, kept.key);
  const next = { ...kept.session, auth: { ...kept.session.auth, keyId: stored.keyId } };
  try {
    return { saved: await save(next), session: next, file: kept.file, keyId: stored.keyId };
  } catch (err) {
    if (stored.created) {
      await secrets.delete(keySecretName(stored.keyId));
      await secrets.delete(passphraseSecretName(stored.keyId));
    }
    throw err;
  }
}
