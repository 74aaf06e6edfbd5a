/**
 * How a door builds the app, and what it hands the app from its platform. A door (the CLI, the
 * browser mode, the desktop app, the service) never reaches into the core for this: it says which
 * config, which way secrets are sealed, how a key export reaches the person, and gets a BurrowApp.
 * Everything a door needs of the process itself (V8 settings for tunnel traffic, the last-resort
 * error handler) is here too, so a door's entry point is a few calls to this module.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfigPath, resolveConfigPath, secretsFolderFor } from '../core/config/config-file.js';
import { ConfigStore, confBackend, fileBackend, type ConfLike, type ConfOptions } from '../core/config/store.js';
import { installLastResort, type Fault } from '../core/faults.js';
import {
  FileSecretStore,
  readPassphraseFile,
  safeStorageWarning,
  setWorkerLauncher,
  writeKeyFile,
  type SecretSeal,
  type WorkerLauncher,
} from '../core/keys/index.js';
import { returnMemoryWhenQuiet, tuneV8ForTunnels } from '../core/session/v8-flags.js';
import { LogFiles } from '../core/logs/log-files.js';
import { AppCallError } from '../../common/api.js';
import { BurrowApp, type AppDeps } from './app.js';
import { toAppError } from './errors.js';
import type { Exporter } from './keys.js';

export { defaultConfigPath, resolveConfigPath };

/**
 * The first line of a passphrase file (`--passphrase-file`); a file that cannot be read is an
 * AppCallError in the contract's words (code KEY_ERROR, the key layer's cause, the fix).
 */
export async function readSecretFile(file: string): Promise<string> {
  try {
    return await readPassphraseFile(file);
  } catch (err) {
    throw new AppCallError(toAppError(err).error);
  }
}
export type { ConfLike, ConfOptions, Fault, SecretSeal, WorkerLauncher };

/** How the OS seals secrets for this door (the desktop app's safeStorage); absent: plain 0600 files. */
export interface PlatformSeal {
  /** Whether the OS can seal at all, and (Linux) which keyring it would use. */
  readonly available: boolean;
  readonly linuxBackend?: string;
  /** "macOS Keychain (Electron safeStorage)", for the window to show. */
  readonly backend: string;
  readonly seal: SecretSeal;
}

export interface OpenAppOptions extends Omit<AppDeps, 'store' | 'secrets'> {
  /** The store: --config, $BURROW_CONFIG, else the platform's default. */
  readonly configFile: string;
  /** How the store's file is read: the file itself unless a door brings its own (electron-store). */
  readonly reader?: (options: ConfOptions) => ConfLike;
  readonly seal?: PlatformSeal;
  /** Environment for the file secret store's BURROW_SECRET_* overrides (the CLI's own). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The app over the store at `configFile`, with its secrets in `secrets/` beside it. */
export function openApp(o: OpenAppOptions): BurrowApp {
  const { configFile, reader, seal, env, ...deps } = o;
  const store = new ConfigStore(reader ? confBackend(configFile, reader) : fileBackend(configFile));
  const dir = secretsFolderFor(configFile);
  const warning = seal ? safeStorageWarning(process.platform, seal.available, seal.linuxBackend) : undefined;
  const secrets = seal?.available
    ? new FileSecretStore(dir, { backend: seal.backend, warnings: warning ? [warning] : [], seal: seal.seal, ...(env ? { env } : {}) })
    : new FileSecretStore(dir, { ...(warning ? { warnings: [warning] } : {}), ...(env ? { env } : {}) });
  // Each session's log beside the store, so it outlives a restart (core/logs/log-files.ts).
  const logFiles = new LogFiles(path.join(configFolderOf(configFile), 'logs'));
  return new BurrowApp({ ...deps, store, secrets, logFiles });
}

/**
 * An app over a throwaway store (a private temporary folder, removed by `dispose`): for sessions
 * run as given and never saved (`burrow run -- ssh …`). The engine, the questions and the reports
 * are the app's as for a saved session; nothing is left behind, and no other Burrow can see it.
 */
export function openScratchApp(o: Omit<OpenAppOptions, 'configFile'>): { readonly app: BurrowApp; readonly dispose: () => void } {
  // mkdtemp makes the folder 0700: another user cannot read what goes in it.
  const folder = mkdtempSync(path.join(os.tmpdir(), 'burrow-run-'));
  const app = openApp({ ...o, configFile: path.join(folder, 'config.json') });
  return { app, dispose: () => rmSync(folder, { recursive: true, force: true }) };
}

/** Anything the app's layers threw outside a request (loading a store at start), as the AppCallError a request would have returned. */
export function asAppCallError(err: unknown): unknown {
  const { error, unexpected } = toAppError(err);
  return unexpected ? err : new AppCallError(error);
}

/** The folder of the config file, where its control channel and secrets live. */
export function configFolderOf(configFile: string): string {
  return path.dirname(path.resolve(configFile));
}

/**
 * Sets up a process that carries tunnel data (V8's array buffers swept where they are freed, and
 * memory given back after busy spells: core/session/v8-flags.ts). Call first thing, before data flows.
 */
export function prepareTunnelProcess(): void {
  tuneV8ForTunnels();
  // And the heap a burst of traffic grew, given back once the process is quiet (issue 24).
  returnMemoryWhenQuiet();
}

/**
 * The last resort of a long-running door: an error nobody caught is logged with its session, that
 * session's attempt fails and retries, and every other tunnel keeps running. Returns the uninstaller.
 */
export function catchStrayErrors(log: (fault: Fault) => void): () => void {
  return installLastResort(log);
}

/** How key jobs run in this door's process (the desktop app: Electron's utility process). */
export function useKeyWorkerLauncher(launcher: WorkerLauncher): void {
  setWorkerLauncher(launcher);
}

/**
 * Writes a private file (an export of sessions, which names hosts and users and may carry sealed
 * keys) as the store is written: a temporary file, synced and renamed over `file`, 0600 even where
 * an older file was 0644. A crash leaves the old file or the new one.
 */
export async function writePrivateFile(file: string, data: string | Buffer): Promise<void> {
  try {
    await writeKeyFile(file, data, 0o600, true);
  } catch (err) {
    throw new AppCallError(toAppError(err).error);
  }
}

/** A key export written as a file in `folder` (the desktop app's Downloads), 0600. */
export function fileExporter(folder: string): Exporter {
  return {
    async offer(fileName, data) {
      const target = path.join(folder, fileName);
      await writeKeyFile(target, data, 0o600);
      return { savedTo: target };
    },
  };
}
