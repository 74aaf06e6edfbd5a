/** The Electron shell's way of sealing secrets: the OS's, through safeStorage (app/platform.ts stores them). */
import { safeStorage } from 'electron';
import type { PlatformSeal } from '../app/platform.js';

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
 * what the keychain sealed, and says so). Without a keychain the app falls back to plain 0600
 * files, and says what protection is missing (Linux `basic_text` included) for the UI to show.
 * Call after the app is ready: before that Linux reports `unknown`.
 */
export async function electronSeal(): Promise<PlatformSeal> {
  const available = await safeStorage.isAsyncEncryptionAvailable();
  const linuxBackend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined;
  return {
    available,
    ...(linuxBackend !== undefined ? { linuxBackend } : {}),
    backend: `${BACKENDS[linuxBackend ?? process.platform] ?? linuxBackend ?? process.platform} (Electron safeStorage)`,
    seal: {
      seal: (plain) => safeStorage.encryptStringAsync(plain),
      open: async (sealed) => {
        const r = await safeStorage.decryptStringAsync(sealed);
        return { value: r.result, stale: r.shouldReEncrypt };
      },
    },
  };
}
