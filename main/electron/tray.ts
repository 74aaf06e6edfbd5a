/** The tray icon and its menu, built from shell/tray-menu.ts's template; rebuilds are coalesced (shell/coalesce.ts). */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { menuTemplate, type MenuEntry, type TrayAction } from '../shell/tray-menu.js';
import type { Overall } from '../shell/overall.js';
import { trayIconFile } from '../shell/tray-icon.js';

export class BurrowTray {
  private readonly tray: Tray;
  private shown: Overall | undefined;
  /** What the tray shows now (read by e2e/electron: Electron has no API that lists a tray's menu). */
  current: { overall: Overall; tooltip: string; menu: ReadonlyArray<MenuEntry> } = { overall: 'stopped', tooltip: 'Burrow', menu: [] };

  constructor(
    private readonly iconDir: string,
    private readonly act: (a: TrayAction) => void,
    onClick: () => void,
  ) {
    this.tray = new Tray(this.image('stopped'));
    this.shown = 'stopped';
    // Windows and Linux open the window on a click; macOS shows the menu.
    if (process.platform !== 'darwin') this.tray.on('click', onClick);
  }

  update(overall: Overall, tooltip: string, menu: ReadonlyArray<MenuEntry>): void {
    if (overall !== this.shown) {
      this.tray.setImage(this.image(overall));
      this.shown = overall;
    }
    this.current = { overall, tooltip, menu };
    this.tray.setToolTip(tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(menuTemplate(menu, this.act) as MenuItemConstructorOptions[]));
  }

  destroy(): void {
    this.tray.destroy();
  }

  private image(overall: Overall): Electron.NativeImage {
    const img = nativeImage.createFromPath(trayIconFile(this.iconDir, overall, process.platform));
    if (process.platform === 'darwin') img.setTemplateImage(true);
    return img;
  }
}
