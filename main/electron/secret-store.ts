/** The Electron shell's SecretStore: secrets sealed by the OS through safeStorage, in files beside the config. */
import { safeStorage } from 'electron';
import { resolveConfigPath, secretsFolderFor } from '../core/config/config-file.js';
import type { SecretStore } from '../core/keys/index.js';
import { FileSecretStore, safeStorageWarning } from '../core/keys/index.js';

const BACKENDS: Readonly<Record<string, string>> = {
  darwin: 'macOS Keychain',
  win32: 'Windows DPAPI',
  gnome_libsecret: 'GNOME Keyring (libsecret)',
  kwallet: 'KWallet',
  kwallet5: 'KWallet 5',
  kwallet6: 'KWallet 6',
  basic_text: 'a fixed key (no keyring running)',
};

/**
 * Keychain (macOS), DPAPI (Windows) or libsecret/KWallet (Linux) seal each secret; the sealed
 * bytes live in 0600 files in the `secrets/` folder beside the config file — the folder the CLI
 * uses too, so keys imported by either door belong to the same sessions (the CLI cannot unseal
 * what the keychain sealed, and says so). Without a keychain it falls back to plain
 * 0600 files. Either way `warnings` says what protection is missing (Linux `basic_text` included),
 * for the UI to show. Call after the app is ready: before that Linux reports `unknown`.
 */
export async function createSecretStore(dir = secretsFolderFor(resolveConfigPath(undefined))): Promise<SecretStore> {
  const available = await safeStorage.isAsyncEncryptionAvailable();
  const linuxBackend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined;
  const warning = safeStorageWarning(process.platform, available, linuxBackend);
  const warnings = warning ? [warning] : [];
  if (!available) return new FileSecretStore(dir, { warnings });
  return new FileSecretStore(dir, {
    backend: `${BACKENDS[linuxBackend ?? process.platform] ?? linuxBackend ?? process.platform} (Electron safeStorage)`,
    warnings,
    seal: {
      seal: (plain) => safeStorage.encryptStringAsync(plain),
      open: async (sealed) => {
        const r = await safeStorage.decryptStringAsync(sealed);
        return { value: r.result, stale: r.shouldReEncrypt };
      },
    },
  });
}
