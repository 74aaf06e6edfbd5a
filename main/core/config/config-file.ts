/**
 * Finding and reading the config file without the store's writer. Kept apart from store.ts so that
 * `burrow run` does not load conf: conf's atomic writes pull in when-exit, which re-raises SIGINT
 * and SIGTERM on its own and would kill the process before its tunnels are closed.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ConfigFile } from '../../../common/config.js';
import { ConfigError } from './config-error.js';
import { parseJsonText } from './json-text.js';
import { parseConfigFile } from './schema.js';

/** The environment variable that points every door at another store. */
export const CONFIG_ENV = 'BURROW_CONFIG';

/**
 * The platform config folder's `burrow/config.json`, the folder conf computes for the project
 * "burrow" without a suffix: `$XDG_CONFIG_HOME/burrow` (default `~/.config/burrow`) on Linux,
 * `~/Library/Preferences/burrow` on macOS, `%APPDATA%\burrow\Config` on Windows. The Electron shell
 * uses the same file, so the app and the CLI see the same sessions.
 */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  let dir: string;
  if (platform === 'darwin') dir = p.join(home, 'Library', 'Preferences', 'burrow');
  else if (platform === 'win32') dir = p.join(env.APPDATA || p.join(home, 'AppData', 'Roaming'), 'burrow', 'Config');
  else dir = p.join(env.XDG_CONFIG_HOME || p.join(home, '.config'), 'burrow');
  return p.join(dir, 'config.json');
}

/** `--config FILE`, else `$BURROW_CONFIG`, else the platform default. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env[CONFIG_ENV] || undefined);
  return chosen !== undefined ? path.resolve(chosen) : defaultConfigPath(env);
}

/**
 * Where the file-based SecretStore keeps the keys a config's sessions reference by `auth.keyId`
 * (as `key-<keyId>`): `secrets/` beside the config file, so a config and its keys travel together.
 */
export function secretsFolderFor(configFile: string): string {
  return path.join(path.dirname(configFile), 'secrets');
}

/**
 * Reads, migrates and validates a config file without changing it (what `burrow run --config`
 * uses). Throws ConfigError naming the file and the field, or the line and column of bad JSON.
 */
export async function loadConfigFile(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      file,
      code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`,
      code === 'ENOENT' ? 'Check the path, or create the file as docs/config.md shows.' : "Check the file's permissions.",
    );
  }
  try {
    return parseConfigFile(parseJsonText(text));
  } catch (err) {
    throw inFile(err, file);
  }
}

function inFile(err: unknown, file: string): unknown {
  return err instanceof ConfigError ? new ConfigError(`${file}: ${err.field}`, err.problem, err.fix) : err;
}
