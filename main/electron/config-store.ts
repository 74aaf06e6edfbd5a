/**
 * The app reads its session store with electron-store: the same file, format and rules as the
 * CLI's reader (core/config/store.ts fileBackend, which reads the file itself), so the tray and
 * `burrow sessions` see the same sessions (writes go through Burrow's own atomic writer for both,
 * core/config/atomic-write.ts).
 */
import ElectronStore from 'electron-store';
import type { ConfLike, ConfOptions } from '../app/platform.js';

/** electron-store takes conf's options, with `name` for conf's `configName`. */
export function electronStoreReader({ configName, ...options }: ConfOptions): ConfLike {
  return new ElectronStore({ ...options, name: configName });
}
