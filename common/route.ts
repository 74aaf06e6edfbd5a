/**
 * How a session's path is written for people: `HTTP proxy proxy:3128 → jump host ops@bastion:22 →
 * db.example.com:22`. One wording for the log, the window and the command line.
 */
import type { DefaultProxyConfig, SessionConfig } from './config.js';
import { MAX_JUMP_HOSTS } from './config-schema.js';

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

/** One hop as the input names it; what it leaves out is filled in by the importer. */
export interface HopSpec {
  readonly host: string;
  readonly port?: number;
  /** `%r` (OpenSSH's token in a ProxyCommand) is the session's own user. */
  readonly user?: string;
  readonly identityFiles?: ReadonlyArray<string>;
  readonly fingerprint?: string;
}

/** Why a route cannot be taken. `problem` never quotes the input. */
export class RouteError extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}. ${fix}`);
    this.name = 'RouteError';
  }
}

export const HOP_FIX = 'Write each hop as [user@]host[:port], hops separated by commas.';
export const NO_PASSWORD_FIX =
  "Remove the password: Burrow logs in to jump hosts with keys, and keeps a proxy's password in its secret store (give it in the session's proxy settings), never in the config.";

/** `[user@]host[:port]`, `[user@][v6]:port` or `ssh://[user@]host[:port]`, as OpenSSH's parse_jump reads a hop. */
export function parseHop(word: string): HopSpec {
  let user: string | undefined;
  let host: string;
  let port: string | undefined;
  const uri = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^:/@[\]]+)(?::([^/]*))?\/?$/i.exec(word);
  if (uri) {
    [, user, host, port] = uri as unknown as [string, string | undefined, string, string | undefined];
  } else {
    const at = word.lastIndexOf('@');
    if (at >= 0) user = word.slice(0, at);
    const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(.*))?$/.exec(word.slice(at + 1));
    if (!m) throw new RouteError('a hop is not [user@]host[:port]', HOP_FIX);
    [, host, port] = m as unknown as [string, string, string | undefined];
  }
  // No system allows a colon in a user name: what follows it is a password.
  if (user?.includes(':')) throw new RouteError('a hop carries a password (user:password@host)', NO_PASSWORD_FIX);
  if (user === '') throw new RouteError('a hop has nothing before its @', HOP_FIX);
  host = host.replace(/^\[(.*)\]$/, '$1');
  if (host === '' || /[\s@/]/.test(host)) throw new RouteError('a hop has no host name', HOP_FIX);
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new RouteError("a hop's port is not a number from 1 to 65535", HOP_FIX);
  }
  return { host, ...(port !== undefined ? { port: Number(port) } : {}), ...(user !== undefined ? { user } : {}) };
}

/** OpenSSH's `-J`/ProxyJump value: hops in the order they are crossed, or "none" (connect directly). */
export function parseJumpList(value: string): HopSpec[] | 'none' {
  const v = value.trim();
  if (v.toLowerCase() === 'none') return 'none';
  const hops = v.split(',').map((h) => h.trim());
  if (hops.some((h) => h === '')) throw new RouteError('a hop is empty', HOP_FIX);
  if (hops.length > MAX_JUMP_HOSTS) {
    throw new RouteError(`names ${hops.length} jump hosts, more than the ${MAX_JUMP_HOSTS} Burrow crosses`, 'Give the jump hosts this server really needs.');
  }
  return hops.map(parseHop);
}

/** The secret store's name for the default proxy's password. */
export const DEFAULT_PROXY_SECRET = 'proxy-default';

/** A host a default proxy never carries: this machine. */
function isLocal(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\./.test(h);
}

/** Each exclusion list's patterns, compiled once: a sync of 10,000 sessions checks every one of them. */
const compiled = new WeakMap<ReadonlyArray<string>, ReadonlyArray<{ readonly pattern: string; readonly re: RegExp }>>();

/** `*.corp.example`, `10.*`, `db1`: a name or pattern of a proxy's exclusion list, case-insensitive. */
export function excludedBy(host: string, patterns: ReadonlyArray<string>): string | undefined {
  let res = compiled.get(patterns);
  if (!res) {
    res = patterns.map((pattern) => ({
      pattern,
      re: new RegExp(
        `^${pattern
          .toLowerCase()
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')}$`,
      ),
    }));
    compiled.set(patterns, res);
  }
  const h = host.toLowerCase();
  return res.find((x) => x.re.test(h))?.pattern;
}

/**
 * The session as it runs: its own settings, plus Settings' default proxy when it has no proxy of
 * its own and its first host (a jump host, or the server) is not this machine or excluded.
 */
export function withDefaultProxy(cfg: SessionConfig, def: DefaultProxyConfig | null | undefined): SessionConfig {
  if (!def || cfg.proxy) return cfg;
  const first = cfg.jumpHosts?.[0]?.host ?? cfg.host;
  if (isLocal(first) || excludedBy(first, def.exclude) !== undefined) return cfg;
  const { exclude: _exclude, ...proxy } = def;
  return { ...cfg, proxy: { ...proxy, passwordSecret: DEFAULT_PROXY_SECRET } };
}
