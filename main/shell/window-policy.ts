/**
 * What Burrow's window may do, decided here and only wired in main/electron: its web preferences
 * (isolated, sandboxed, no Node), the one origin it loads (`app://burrow/`, served with the same
 * CSP as browser mode), no navigation elsewhere and no new windows, and links out only as https
 * opened by the system browser.
 */
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';

/** The window's own origin: a custom scheme registered as standard and secure. */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://burrow`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** Whether a URL is one of Burrow's own pages. */
export function isOwnUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** A link the window asked to open outside: only plain https addresses go to the system browser. */
export function externalUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The headers of every file the app: protocol serves. */
export const APP_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
};

/** The renderer file for a request to the app: origin, or undefined when it is not one (no path escapes). */
export function appFile(url: string, rendererDir: string, join: (...p: string[]) => string, resolve: (p: string) => string, sep: string): string | undefined {
  if (!isOwnUrl(url)) return undefined;
  const pathname = decodeURIComponent(new URL(url).pathname);
  const root = resolve(rendererDir);
  const file = resolve(join(root, pathname === '/' ? 'index.html' : pathname));
  return file.startsWith(root + sep) ? file : undefined;
}
