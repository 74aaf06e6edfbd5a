/**
 * How a session's path is written for people: `HTTP proxy proxy:3128 → jump host ops@bastion:22 →
 * db.example.com:22`. One wording for the log, the window and the command line.
 */
import type { SessionConfig } from './config.js';

/** `host:port`, an IPv6 address in brackets (`[::1]:22`). */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const PROXY_LABEL = { http: 'HTTP proxy', socks5: 'SOCKS5 proxy', socks4: 'SOCKS4 proxy' } as const;

/** The name of a proxy type as people read it. */
export function proxyLabel(type: keyof typeof PROXY_LABEL): string {
  return PROXY_LABEL[type];
}

/** Every step of the path, the server last; a session with no proxy and no jump host has one. */
export function routeSteps(cfg: Pick<SessionConfig, 'host' | 'port' | 'proxy' | 'jumpHosts'>): string[] {
  const steps: string[] = [];
  if (cfg.proxy?.type === 'command') steps.push(`the command "${cfg.proxy.command}"`);
  else if (cfg.proxy) steps.push(`${proxyLabel(cfg.proxy.type)} ${cfg.proxy.user ? `${cfg.proxy.user}@` : ''}${hostPort(cfg.proxy.host, cfg.proxy.port)}`);
  for (const j of cfg.jumpHosts ?? []) steps.push(`jump host ${j.user ? `${j.user}@` : ''}${hostPort(j.host, j.port)}`);
  steps.push(hostPort(cfg.host, cfg.port));
  return steps;
}

export function describeRoute(cfg: Pick<SessionConfig, 'host' | 'port' | 'proxy' | 'jumpHosts'>): string {
  return routeSteps(cfg).join(' → ');
}

/** `-J`'s syntax for a list of jump hosts: `[user@]host[:port][,…]`, an IPv6 address in brackets. */
export function jumpSpec(hops: ReadonlyArray<{ host: string; port: number; user?: string }>): string {
  return hops
    .map((j) => `${j.user ? `${j.user}@` : ''}${j.port === 22 ? (j.host.includes(':') ? `[${j.host}]` : j.host) : hostPort(j.host, j.port)}`)
    .join(',');
}

/**
 * Reads `-J`'s syntax; a hop that cannot be read comes back as its text in `bad`, so a form can
 * say which one. Ports outside 1–65535 are left to the validator, which names the field.
 */
export function parseJumpSpec(text: string): { hops: Array<{ host: string; port: number | string; user?: string }>; bad?: string } {
  const hops: Array<{ host: string; port: number | string; user?: string }> = [];
  for (const raw of text.split(',').map((s) => s.trim())) {
    if (raw === '') continue;
    const m = /^(?:([^@\s]+)@)?(?:\[([^\]]+)\]|([^:@\s[\]]+))(?::(\S+))?$/.exec(raw);
    if (!m) return { hops, bad: raw };
    const port = m[4] === undefined ? 22 : /^\d+$/.test(m[4]) ? Number(m[4]) : m[4];
    hops.push({ host: (m[2] ?? m[3])!, port, ...(m[1] !== undefined ? { user: m[1] } : {}) });
  }
  return { hops };
}
