/**
 * Launch at login on macOS and Windows through Electron's login-item API, read back as it really
 * is: macOS 13+ may hold a new login item for the person's approval (status "requires-approval"),
 * and on both systems the person can switch it off outside Burrow (System Settings, Task Manager).
 */
import type { LoginItemState } from './tray-menu.js';

/** The fields of Electron's `app.getLoginItemSettings()` this reads. */
export interface ElectronLoginSettings {
  readonly openAtLogin: boolean;
  /** macOS 13+: 'enabled', 'requires-approval', 'not-registered', 'not-found'. */
  readonly status?: string;
  /** Windows: whether the registered item will really run (false when disabled in Task Manager). */
  readonly executableWillLaunchAtLogin?: boolean;
}

export function loginStateOf(s: ElectronLoginSettings, platform: NodeJS.Platform): LoginItemState {
  if (platform === 'darwin') {
    return { enabled: s.openAtLogin || s.status === 'enabled' || s.status === 'requires-approval', needsApproval: s.status === 'requires-approval' };
  }
  if (platform === 'win32') {
    return { enabled: s.openAtLogin, disabledByUser: s.openAtLogin && s.executableWillLaunchAtLogin === false };
  }
  return { enabled: s.openAtLogin };
}

/** The arguments a login launch passes, so Burrow starts in the tray without a window. */
export const HIDDEN_ARG = '--hidden';

/** Whether this launch starts in the tray without its window. */
export function startsHidden(o: {
  readonly argv: ReadonlyArray<string>;
  readonly platform: NodeJS.Platform;
  readonly wasOpenedAtLogin: boolean;
  readonly hasSessions: boolean;
}): boolean {
  // Linux and Windows pass --hidden from the login item; older macOS says wasOpenedAtLogin.
  if (o.argv.includes(HIDDEN_ARG) || o.wasOpenedAtLogin) return true;
  // macOS 13+ login items (SMAppService) pass no arguments and no longer report wasOpenedAtLogin.
  // Burrow is a menu-bar app there, so it starts in the menu bar: the window opens on a first run
  // (no tunnel yet, the person needs the wizard), and whenever the app is opened again ('activate').
  return o.platform === 'darwin' && o.hasSessions;
}
