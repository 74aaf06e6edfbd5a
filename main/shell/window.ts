/**
 * Burrow's one window, with Electron's BrowserWindow and shell passed in (so the options it
 * really passes are tested here): isolated and sandboxed, no Node, its own origin only, no new
 * windows, https links to the system browser and nothing else.
 */
import { APP_URL, externalUrl, isOwnUrl } from './window-policy.js';

/** The parts of Electron this uses. */
export interface WindowDeps<W extends WindowLike> {
  readonly BrowserWindow: new (options: Record<string, unknown>) => W;
  readonly openExternal: (url: string) => Promise<void>;
}

export interface WindowLike {
  readonly webContents: {
    on(event: 'will-navigate' | 'will-redirect', listener: (e: { preventDefault(): void }, url: string) => void): void;
    on(event: 'will-attach-webview', listener: (e: { preventDefault(): void }) => void): void;
    setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
    readonly session: { setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void };
  };
  loadURL(url: string): Promise<void>;
}

export function createWindow<W extends WindowLike>(deps: WindowDeps<W>, preload: string, icon: string | undefined): W {
  const BrowserWindow = deps.BrowserWindow;
  const win = new BrowserWindow({
    width: 1100,
    height: 800,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Burrow',
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // A middle click would open a link in a new window, around the open handler below.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  // Navigation stays on Burrow's pages; new windows are refused; https links go to the browser.
  win.webContents.on('will-navigate', (e, url) => {
    if (!isOwnUrl(url)) e.preventDefault();
  });
  win.webContents.on('will-redirect', (e, url) => {
    if (!isOwnUrl(url)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    const external = externalUrl(url);
    if (external) void deps.openExternal(external);
    return { action: 'deny' };
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  // The window needs no camera, location or notification permission; copying to the clipboard is all.
  win.webContents.session.setPermissionRequestHandler((_wc, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
  void win.loadURL(APP_URL);
  return win;
}
