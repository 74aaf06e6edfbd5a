/**
 * Burrow's one window: the renderer served from the `app://burrow` origin with the browser mode's
 * CSP, isolated and sandboxed (shell/window.ts and shell/window-policy.ts decide; this only wires them).
 */
import { BrowserWindow, net, protocol, shell } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_HEADERS, APP_SCHEME, appFile } from '../shell/window-policy.js';
import { createWindow as createShellWindow } from '../shell/window.js';

/** Must run before the app is ready: `app:` is a standard, secure scheme (a real origin, no mixed content). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves dist/renderer on app://burrow, with the CSP as a header; nothing outside it. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFile(request.url, rendererDir, path.join, path.resolve, path.sep);
    if (!file) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    for (const [k, v] of Object.entries(APP_HEADERS)) headers.set(k, v);
    return new Response(res.body, { status: res.status, headers });
  });
}

export function createWindow(preload: string, icon: string | undefined): BrowserWindow {
  return createShellWindow({ BrowserWindow, openExternal: (url) => shell.openExternal(url) }, preload, icon);
}
