/** Launch at login on macOS and Windows: Electron's login-item API, read back with its real state (shell/login-item.ts). */
import { app } from 'electron';
import type { LoginItem } from '../app/settings.js';
import { HIDDEN_ARG, loginStateOf } from '../shell/login-item.js';
import type { LoginItemState } from '../shell/tray-menu.js';

export class ElectronLoginItem implements LoginItem {
  state(): LoginItemState {
    return loginStateOf(app.getLoginItemSettings({ args: [HIDDEN_ARG] }), process.platform);
  }

  async get(): Promise<boolean> {
    const s = this.state();
    return s.enabled && !s.disabledByUser;
  }

  async set(enabled: boolean): Promise<void> {
    // Windows passes `args` to the program; macOS starts the app and says so in wasOpenedAtLogin.
    app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_ARG] });
  }
}
