/**
 * The desktop app: a tray icon and one window around the same app the browser mode serves. Every
 * decision lives in plain modules (main/shell/, main/app/); this file only connects them to
 * Electron: single instance, the window and its IPC, the tray, notifications, launch at login, and
 * waking up after sleep.
 */
import { app, BrowserWindow, clipboard, ipcMain, net, Notification, powerMonitor } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catchStrayErrors, configFolderOf, fileExporter, openApp, prepareTunnelProcess, resolveConfigPath } from '../app/platform.js';
import { controlPath } from '../control/channel.js';
import { DoorApp } from '../control/door.js';
import { MetricsHost } from '../metrics/host.js';
import { cli, COMMAND_NAMES } from '../cli/commands.js';
import { processIo } from '../cli/io.js';
import { autostartFile, launchCommand, LinuxAutostart } from '../shell/autostart-linux.js';
import { DesktopController } from '../shell/desktop.js';
import type { TrayAction } from '../shell/tray-menu.js';
import { EVENT_CHANNEL, registerIpc } from '../shell/ipc.js';
import { cliArgsOf } from '../shell/launch.js';
import { startsHidden } from '../shell/login-item.js';
import { electronStoreReader } from './config-store.js';
import { useUtilityProcessForKeys } from './key-worker.js';
import { ElectronLoginItem } from './login-item.js';
import { electronSeal } from './secret-store.js';
import { BurrowTray } from './tray.js';
import { createWindow, registerAppScheme, serveRenderer } from './window.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../..');
const RENDERER = path.join(ROOT, 'dist', 'renderer');
const PRELOAD = path.join(ROOT, 'dist', 'preload', 'index.cjs');
// Packaged, build/ is copied into the app's resources (electron-builder.yml extraResources).
const ICONS = app.isPackaged ? path.join(process.resourcesPath, 'icons') : path.join(ROOT, 'build');

// This process carries the tunnels' data, as `burrow run` does (v8-flags.ts).
prepareTunnelProcess();

const cliArgs = cliArgsOf(process.argv, app.isPackaged, COMMAND_NAMES);
if (cliArgs) {
  // A command (`Burrow.AppImage run --service …`): the CLI, no window, no tray, no instance lock.
  app.dock?.hide();
  process.exitCode = await cli(cliArgs, processIo());
  app.exit(process.exitCode);
} else {
  registerAppScheme();
  if (!app.requestSingleInstanceLock()) {
    // A second launch: the first one shows its window (below) and this one leaves.
    app.quit();
  } else {
    void app.whenReady().then(start);
  }
}

let win: BrowserWindow | undefined;

async function start(): Promise<void> {
  // macOS: a menu-bar app, not a Dock app (LSUIElement in the packaged Info.plist does the same).
  app.dock?.hide();
  serveRenderer(RENDERER);
  useUtilityProcessForKeys();
  const configFile = resolveConfigPath(undefined);
  const login =
    process.platform === 'linux'
      ? new LinuxAutostart(
          autostartFile(process.env, app.getPath('home')),
          launchCommand({ execPath: process.execPath, appImage: process.env.APPIMAGE, packaged: app.isPackaged, appPath: app.getAppPath() }),
        )
      : new ElectronLoginItem();
  const local = openApp({
    configFile,
    reader: electronStoreReader,
    seal: await electronSeal(),
    mode: 'desktop',
    loginItem: login,
    exporter: fileExporter(app.getPath('downloads')),
    logError: (m) => console.error(`burrow: internal error: ${m}`),
  });
  catchStrayErrors((f) => console.error(`burrow: ${f.session ? `${f.session}: ` : ''}internal error: ${f.message}`));
  // Runs the tunnels marked "start automatically", or shows those of a service that already runs them.
  const burrow = new DoorApp(local, controlPath(configFolderOf(configFile)));

  const showWindow = (route?: string): void => {
    win ??= openWindow();
    if (route) void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(route)}`);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  let tray: BurrowTray | undefined;
  const desktop: DesktopController = new DesktopController(burrow, {
    showTray: (overall, tooltip, menu) => tray?.update(overall, tooltip, menu),
    notify: (n) => {
      if (Notification.isSupported()) new Notification({ title: n.title, body: n.body, silent: n.kind === 'back' }).show();
    },
    showWindow,
    // Electron 45's writeText returns a promise: a failed copy is said where the app's errors go.
    copy: (text) => void clipboard.writeText(text).catch((err: unknown) => console.error(`burrow: copy to the clipboard failed: ${(err as Error).message}`)),
    loginState: () => login.state(),
    exit: () => {
      void burrow.close().finally(() => app.exit(0));
    },
    runBy: () => burrow.runBy,
    timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout), now: () => Date.now() },
  });
  tray = new BurrowTray(
    ICONS,
    (a) => void desktop.act(a),
    () => showWindow(),
  );
  // For e2e/electron (Playwright's electronApp.evaluate runs in this process): what the tray
  // shows, and its menu's actions, as a person's click would run them.
  Object.assign(globalThis, { burrowDesktop: { tray: () => tray?.current, act: (a: TrayAction) => desktop.act(a) } });

  registerIpc(ipcMain, burrow, () => win?.webContents.id);
  burrow.attach((name, payload) => win?.webContents.send(EVENT_CHANNEL, name, payload));

  await burrow.start();
  await desktop.start();
  // The operator's endpoint, while Settings switch it on and this app (not a service) runs the
  // tunnels; it follows Settings changed in the window. It ends with the process (app.exit).
  await MetricsHost.start(burrow, {
    serving: (url) => console.log(`burrow: metrics at ${url}/metrics, /healthz, /readyz`),
    problem: (message, hint) => console.error(`burrow: ${message}: no metrics are served, the tunnels run on. ${hint}`),
  });

  powerMonitor.on('resume', () => desktop.wake());
  powerMonitor.on('unlock-screen', () => desktop.wake());
  // Electron has no "network up" event: its online state is cheap to read, so it is read every few seconds.
  let online = net.isOnline();
  setInterval(() => {
    const now = net.isOnline();
    if (now && !online) desktop.wake();
    online = now;
  }, 5_000).unref();
  app.on('second-instance', () => showWindow());
  app.on('window-all-closed', () => {
    /* Burrow lives in the tray: closing the window is not quitting. */
  });
  app.on('before-quit', (e) => {
    // Quitting from the OS (Cmd-Q, logout) stops every tunnel cleanly first.
    e.preventDefault();
    void desktop.quit();
  });

  app.on('activate', () => showWindow());
  const hidden = startsHidden({
    argv: process.argv,
    platform: process.platform,
    wasOpenedAtLogin: app.getLoginItemSettings().wasOpenedAtLogin,
    hasSessions: local.sessions.configs().length > 0,
  });
  if (!hidden) showWindow();

  function openWindow(): BrowserWindow {
    const w = createWindow(PRELOAD, path.join(ICONS, process.platform === 'win32' ? 'icon.ico' : 'icon.png'));
    w.once('ready-to-show', () => w.show());
    w.on('closed', () => {
      win = undefined;
      desktop.windowClosed();
    });
    return w;
  }
}
