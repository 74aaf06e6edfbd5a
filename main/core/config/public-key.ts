/** The public key of the key a session logs in with: what the vendor must be sent. */
import type { SessionConfig } from '../../../common/config.js';
import { importKey, inspectKey, inspectKeyFile, KeyError } from '../keys/index.js';
import type { SecretStore } from '../keys/secret-store.js';
import { expandHome, keySecretName, passphraseSecretName } from '../session/identity.js';
import { nextStepsFor } from './presets.js';

/**
 * The OpenSSH public key line of the session's first key (its stored key, else its first key
 * file), or undefined when there is none or it cannot be read without a passphrase nobody gave.
 * Never reads more than the public half when the format keeps it in the clear.
 */
export async function sessionPublicKey(
  session: Pick<SessionConfig, 'auth'>,
  opts: { readonly secrets?: SecretStore; readonly home?: string } = {},
): Promise<string | undefined> {
  try {
    if (session.auth.keyId !== undefined && opts.secrets) {
      const text = await opts.secrets.get(keySecretName(session.auth.keyId));
      if (text === undefined) return undefined;
      try {
        return (await inspectKey(text)).publicKey;
      } catch (err) {
        // PEM and PKCS#8 keep the public half encrypted too: the stored passphrase opens it.
        const passphrase = await opts.secrets.get(passphraseSecretName(session.auth.keyId));
        if (!(err instanceof KeyError) || passphrase === undefined) throw err;
        return (await importKey(text, { passphrase })).info.publicKey;
      }
    }
    const file = session.auth.identityFiles[0];
    return file !== undefined ? (await inspectKeyFile(expandHome(file, opts.home))).publicKey : undefined;
  } catch (err) {
    if (err instanceof KeyError) return undefined;
    throw err;
  }
}

/**
 * The vendor's next steps for a session made from a preset, led by the public key to send when
 * the guide has you make the key (nextStepsFor).
 */
export async function nextStepsWithKey(
  session: SessionConfig,
  secrets?: SecretStore,
): Promise<{ readonly nextSteps: ReadonlyArray<string>; readonly troubleshooting: ReadonlyArray<string> }> {
  return nextStepsFor(session, session.preset !== undefined ? await sessionPublicKey(session, secrets ? { secrets } : {}) : undefined);
}
