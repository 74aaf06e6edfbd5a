/**
 * The app's session store: electron-store over the same file, format and rules as the CLI's conf
 * store (validation, migrations, atomic 0600 writes, broken files kept aside), so the tray and
 * `burrow sessions` see the same sessions.
 */
import ElectronStore from 'electron-store';
import { ConfigStore, confBackend, resolveConfigPath } from '../core/config/store.js';

/** Opens the shared store: $BURROW_CONFIG, else the platform config folder's burrow/config.json. */
export function openAppConfigStore(file = resolveConfigPath(undefined)): ConfigStore {
  // electron-store takes conf's options, with `name` for conf's `configName`.
  return new ConfigStore(confBackend(file, ({ configName, ...options }) => new ElectronStore({ ...options, name: configName })));
}
