/** Numbers, times and states in words people read at a glance. */
import type { ErrorCode, SessionState } from '../../common/session.js';

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

/** "up 3 h 12 min", "retry in 4 s", as the session list says it. */
export function since(iso: string | undefined, now: number): string | undefined {
  return iso ? duration(now - Date.parse(iso)) : undefined;
}

export function until(iso: string | undefined, now: number): string | undefined {
  return iso ? duration(Date.parse(iso) - now) : undefined;
}

/** The word for a state: never a colour alone. */
export const STATE_WORD: Record<SessionState, string> = {
  connected: 'Connected',
  connecting: 'Connecting',
  reconnecting: 'Reconnecting',
  error: 'Needs attention',
  stopped: 'Stopped',
};

/**
 * What went wrong, in a few words, before the engine's own message; the stable code follows it
 * for searching and for support. Keyed by string, so a code added later still shows, by its code.
 */
const ERROR_TITLE: Readonly<Record<string, string>> = {
  HOST_KEY_UNKNOWN: 'Server key not known',
  HOST_KEY_MISMATCH: 'Server key changed',
  HOST_KEY_REVOKED: 'Server key revoked',
  AUTH_FAILED: 'Login refused',
  AUTH_PARTIAL: 'Login needs more than a key',
  KEY_INVALID: 'Key unusable',
  KEY_PASSPHRASE: 'Key passphrase needed',
  FORWARD_REFUSED: 'Server refused the port',
  LOCAL_BIND_FAILED: 'Local port in use',
  CONNECT_REFUSED: 'Server refused the connection',
  CONNECT_TIMEOUT: 'Server did not answer in time',
  DNS_FAILED: 'Server name not found',
  NETWORK_UNREACHABLE: 'Network unreachable',
  KEEPALIVE_TIMEOUT: 'Link went silent',
  CONNECTION_LOST: 'Connection lost',
  PROTOCOL_ERROR: 'SSH protocol error',
  ALGORITHM_MISMATCH: 'No SSH algorithm in common',
  CONFIG_INVALID: 'Settings invalid',
  PROXY_AUTH: 'Proxy wants a login',
  PROXY_REFUSED: 'Proxy refused the server',
  PROXY_FAILED: 'Proxy failed',
  INTERNAL_ERROR: 'Burrow failed',
};

export function errorTitle(code: ErrorCode): string {
  return ERROR_TITLE[code] ?? code;
}

export function time(iso: string): string {
  return new Date(iso).toLocaleTimeString();
}

/**
 * Text written for every door names the command line's commands (`burrow diagnose`, `burrow key
 * generate`); shown in the window, each becomes the window's own button or screen, so a person is
 * never sent to a terminal for something the window does. A command the window has no counterpart
 * for is left as it is.
 */
const WINDOW_WORDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/`burrow diagnose[^`]*`/g, '"Test connection"'],
  [/`burrow key generate[^`]*`/g, 'Keys → "Create a key"'],
  [/\brun `burrow import[^`]*`/g, 'paste it in New tunnel → "Paste a command"'],
  [/`burrow import[^`]*`/g, 'New tunnel → "Paste a command"'],
  [/`burrow trust[^`]*`/g, `"Check the server's key…" on the tunnel's page`],
  [/`burrow sessions edit[^`]*`/g, `"Edit" on the tunnel's page`],
  [/`burrow sessions list`/g, 'the Tunnels list'],
  [/`burrow service install[^`]*`/g, 'Settings → "Start at boot"'],
  [/`burrow authorize[^`]*`/g, 'Keys → "Vendor keys let in"'],
  [/`burrow run[^`]*`/g, '"Start"'],
  [/\(burrow run -v\)/g, "(the Log on the tunnel's page)"],
  [/see the README section "burrow run"/g, 'see the options Burrow takes in the README, section "burrow run"'],
];

export function inWindowWords(text: string): string {
  let out = text;
  for (const [pattern, words] of WINDOW_WORDS) out = out.replace(pattern, words);
  return out;
}
