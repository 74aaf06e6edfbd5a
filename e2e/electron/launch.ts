/**
 * Finding and launching the real Electron app for the `_electron` tests: its binary (never
 * downloaded by a test), a display, and a launch with its own HOME and config.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from '@playwright/test';
import { cleanEnv } from '../../test/helpers/cli.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Electron's binary, or why these tests cannot run here. Requiring the `electron` package would
 * download the binary (electron 42+ fetches it on first use), so this only looks where it would be.
 */
export function electronBinary(): { path: string; why?: undefined } | { path?: undefined; why: string } {
  const override = process.env.BURROW_ELECTRON;
  if (override) return existsSync(override) ? { path: override } : { why: `BURROW_ELECTRON=${override} does not exist` };
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  const bin = existsSync(pathFile)
    ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist'), readFileSync(pathFile, 'utf8').trim())
    : undefined;
  if (!bin || !existsSync(bin)) {
    return {
      why: 'no Electron binary here: electron 42+ downloads it on first launch (`npm start` does), and this machine cannot reach its download site. Set BURROW_ELECTRON to a binary to run them',
    };
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { why: 'no display ($DISPLAY and $WAYLAND_DISPLAY are unset); run under xvfb-run' };
  }
  return { path: bin };
}

export interface Launched {
  readonly app: ElectronApplication;
  /** What the tray shows now. */
  tray(): Promise<{ overall: string; tooltip: string; menu: unknown[] } | undefined>;
  /** Runs a tray menu action as a click would. */
  act(action: Record<string, unknown>): Promise<void>;
}

/** Starts the app on `dir`'s HOME and config, with `args` (e.g. `--hidden`). */
export async function launch(bin: string, dir: string, args: string[] = []): Promise<Launched> {
  const home = path.join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const app = await _electron.launch({
    executablePath: bin,
    args: [ROOT, ...args],
    env: cleanEnv({ HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), BURROW_CONFIG: path.join(dir, 'config', 'config.json') }) as Record<
      string,
      string
    >,
    timeout: 60_000,
  });
  type Probe = { burrowDesktop?: { tray(): unknown; act(a: unknown): Promise<void> } };
  return {
    app,
    tray: () => app.evaluate(() => (globalThis as Probe).burrowDesktop?.tray() as { overall: string; tooltip: string; menu: unknown[] } | undefined),
    act: (action) => app.evaluate((_e, a) => (globalThis as Probe).burrowDesktop!.act(a), action),
  };
}
