/**
 * Where the operator's endpoint (/metrics, /healthz, /readyz) listens: one reading of
 * `ADDR:PORT` for every door (the command line's `--metrics`, Settings, the container's
 * environment), so the same text means the same address everywhere.
 */

/** Loopback by default: another address is served only when a person names it. */
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9876';

export interface ListenAddress {
  /** An IP literal (IPv6 without brackets) or `localhost`. */
  readonly host: string;
  readonly port: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/**
 * `PORT` (on 127.0.0.1), `ADDR:PORT` or `[IPv6]:PORT`, or a sentence saying what is wrong and
 * what to write instead.
 */
export function parseListenAddress(text: string): ListenAddress | { readonly problem: string } {
  const t = text.trim();
  let host = '127.0.0.1';
  let port = t;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(t);
  if (v6) {
    host = v6[1]!;
    port = v6[2]!;
    if (!IPV6.test(host) || !host.includes(':')) return { problem: `"${host}" is not an IPv6 address` };
  } else if (t.includes(':')) {
    const i = t.lastIndexOf(':');
    host = t.slice(0, i);
    port = t.slice(i + 1);
    if (host.includes(':')) return { problem: `write an IPv6 address in brackets: [${host}]:${port}` };
    if (host !== 'localhost' && !IPV4.test(host))
      return { problem: `"${host}" is not an IP address (give 127.0.0.1, 0.0.0.0, [::1] or this machine's own address)` };
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return { problem: `"${port}" is not a port: give a number from 1 to 65535` };
  return { host, port: Number(port) };
}

/** Whether an address is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The address as a URL's authority: `127.0.0.1:9876`, `[::1]:9876`. */
export function authority(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
