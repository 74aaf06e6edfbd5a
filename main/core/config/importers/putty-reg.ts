/**
 * Imports PuTTY saved sessions from a regedit export of HKCU\Software\SimonTatham\PuTTY (UTF-16LE
 * with BOM as regedit writes it, or UTF-8), and the host keys PuTTY has cached (SshHostKeys), so
 * hosts trusted in PuTTY stay trusted. A session's proxy (Connection > Proxy) is read the way
 * PuTTY's proxy.c and sshproxy.c use it: SOCKS and HTTP proxies, a local proxy command, and "SSH
 * to proxy", PuTTY's jump host.
 */
import type { AlgorithmsConfig, ForwardConfig, JumpHostConfig, ProxyConfig, SessionConfig } from '../../../../common/config.js';
import { SESSION_DEFAULTS } from '../../../../common/config.js';
import { DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS } from '../../../../common/algorithms.js';
import type { KnownHostEntry } from '../../session/host-keys.js';
import { hostKeyName } from '../../session/host-keys.js';
import { wireMpint, wireString } from '../../keys/wire.js';
import { ConfigError } from '../config-error.js';
import { parseSessionConfig } from '../schema.js';
import { CommandLineError, parseForwardSpec } from './command-line.js';
import { checkSessionCount } from './limits.js';
import { fromPuttyCommand, type HopSpec, jumpHostOf, readProxyCommand, RouteError } from './proxy-route.js';
import { importedName, type ImportReport, type NotTaken, routeText } from './report.js';
import { localUserName } from './local-user.js';

const PUTTY_KEY = /^HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\(Sessions|SshHostKeys)(?:\\(.+))?$/i;

/** Text of a .reg file from its bytes: regedit writes UTF-16LE with a BOM; others write UTF-8. */
export function decodeRegFile(data: Buffer): string {
  if (data[0] === 0xff && data[1] === 0xfe) return data.subarray(2).toString('utf16le');
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return data.subarray(3).toString('utf8');
  return data.toString('utf8');
}

/** Whether text looks like a regedit export. */
export function isRegFile(text: string): boolean {
  return /^\s*(Windows Registry Editor Version 5\.00|REGEDIT4)\s*$/m.test(text.slice(0, 200));
}

type RegValue = string | number;

interface RegKey {
  readonly path: string;
  readonly line: number;
  readonly values: Map<string, { value: RegValue; line: number }>;
}

function unquote(s: string): string {
  return s.replace(/\\(["\\])/g, '$1');
}

/** Keys and their string and dword values; other value types (hex…) are kept out as PuTTY sessions do not use them. */
function parseReg(text: string): RegKey[] {
  const keys: RegKey[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let t = lines[i]!.trim();
    const line = i + 1;
    // hex values continue on the next line after a trailing backslash.
    while (t.endsWith('\\') && !t.endsWith('"') && i + 1 < lines.length) t = t.slice(0, -1) + lines[++i]!.trim();
    const section = /^\[(-?)(.+)\]$/.exec(t);
    if (section) {
      keys.push({ path: section[1] ? '' : section[2]!, line, values: new Map() });
      continue;
    }
    const value = /^"((?:[^"\\]|\\.)*)"=(?:"((?:[^"\\]|\\.)*)"|dword:([0-9a-fA-F]{8}))$/.exec(t);
    if (value && keys.length > 0) {
      keys[keys.length - 1]!.values.set(unquote(value[1]!), {
        value: value[2] !== undefined ? unquote(value[2]) : parseInt(value[3]!, 16),
        line,
      });
    }
  }
  return keys;
}

/** PuTTY writes session names with %XX escapes for spaces and other awkward bytes. */
function sessionName(escaped: string): string {
  return decodeURIComponent(escaped.replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
}

/** Parses PuTTY's PortForwardings: `[4|6]{L|R|D}[addr:]port[=host:port]`, comma separated, `\,` escaped. */
function forwardsOf(spec: string, localAll: boolean, remoteAll: boolean, where: string, couldNot: NotTaken[]): ForwardConfig[] {
  const out: ForwardConfig[] = [];
  const entries = spec
    .split(/(?<!\\),/)
    .map((e) => e.replace(/\\(.)/g, '$1'))
    .filter((e) => e !== '');
  for (const entry of entries) {
    const m = /^[46]?([LRD])([^=]+)(?:=(.*))?$/.exec(entry);
    try {
      if (!m) throw new CommandLineError(entry, 'is not a PuTTY forwarding', "Re-create it in PuTTY's Tunnels panel and export again.");
      const type = m[1] as 'L' | 'R' | 'D';
      const source = m[2]!;
      const dest = m[3];
      if (dest !== undefined && dest.includes('/')) throw new CommandLineError(entry, 'forwards to a Unix socket', 'Burrow forwards TCP ports only.');
      const explicitAddress = source.includes(':');
      if (type === 'D') {
        out.push(parseForwardSpec('D', source, localAll));
      } else if (dest === undefined || dest === '') {
        throw new CommandLineError(entry, 'has no destination', 'Give it a destination host:port in PuTTY.');
      } else {
        const f = parseForwardSpec(type, `${source}:${dest}`, localAll);
        // "Remote ports do the same": listen on all of the server's interfaces (OpenSSH's `-R *:port`).
        out.push(type === 'R' && remoteAll && !explicitAddress ? { ...f, bindAddress: '*' } : f);
      }
    } catch (err) {
      if (!(err instanceof CommandLineError)) throw err;
      couldNot.push({ what: `${where}: PortForwardings ${entry}`, why: err.message });
    }
  }
  return out;
}

/**
 * PuTTY's algorithm preference lists (Connection > SSH > Kex, Host keys, Cipher): families of
 * algorithms in order, and a WARN line. PuTTY uses the families above the line silently and asks
 * before using one below it, a question an unattended tunnel cannot answer, so only those above
 * it count here. MACs are not configurable in PuTTY.
 */
const PUTTY_LISTS: ReadonlyArray<{
  readonly kind: 'kex' | 'hostKey' | 'ciphers';
  readonly value: string;
  readonly families: Readonly<Record<string, ReadonlyArray<string>>>;
  /** Families below WARN in PuTTY's own default: one above it is the user's explicit choice. */
  readonly belowWarnByDefault: ReadonlyArray<string>;
}> = [
  {
    kind: 'kex',
    value: 'KEX',
    belowWarnByDefault: ['dh-group1-sha1'],
    families: {
      ecdh: ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521'],
      // PuTTY's historical names: "dh-gex-sha1" and "dh-group14-sha1" cover the SHA-256 variants too.
      'dh-gex-sha1': ['diffie-hellman-group-exchange-sha256', 'diffie-hellman-group-exchange-sha1'],
      'dh-group18-sha512': ['diffie-hellman-group18-sha512'],
      'dh-group17-sha512': ['diffie-hellman-group17-sha512'],
      'dh-group16-sha512': ['diffie-hellman-group16-sha512'],
      'dh-group15-sha512': ['diffie-hellman-group15-sha512'],
      'dh-group14-sha1': ['diffie-hellman-group14-sha256', 'diffie-hellman-group14-sha1'],
      'dh-group1-sha1': ['diffie-hellman-group1-sha1'],
    },
  },
  {
    kind: 'hostKey',
    value: 'HostKey',
    belowWarnByDefault: [],
    families: {
      ed25519: ['ssh-ed25519'],
      ecdsa: ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'],
      rsa: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
      dsa: ['ssh-dss'],
    },
  },
  {
    kind: 'ciphers',
    value: 'Cipher',
    belowWarnByDefault: ['des', 'blowfish', 'arcfour'],
    families: {
      aes: ['aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes256-cbc', 'aes192-cbc', 'aes128-cbc'],
      aesgcm: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'],
      chacha20: ['chacha20-poly1305@openssh.com'],
      '3des': ['3des-cbc'],
    },
  },
];

/**
 * What a PuTTY session's algorithm lists change from Burrow's defaults, in OpenSSH's syntax:
 * families moved below WARN (or dropped) take their algorithms out — as people did for
 * ChaCha20 against Terrapin — and families moved above WARN against PuTTY's default are added.
 * Families PuTTY allows by default that Burrow does not (SHA-1 key exchange, ssh-rsa) are not:
 * that would weaken every imported session; a server that needs one says so when connecting.
 */
function algorithmsOf(get: (k: string) => string): AlgorithmsConfig {
  const out: Record<string, string> = {};
  for (const list of PUTTY_LISTS) {
    const text = get(list.value);
    if (!text) continue;
    const names = text.split(',').map((n) => n.trim());
    const warn = names.indexOf('WARN');
    const above = warn < 0 ? names : names.slice(0, warn);
    const familyOf = (algo: string): string | undefined => Object.keys(list.families).find((f) => list.families[f]!.includes(algo));
    const defaults = DEFAULT_ALGORITHMS[list.kind];
    const removed = defaults.filter((a) => {
      const f = familyOf(a);
      return f !== undefined && !above.includes(f);
    });
    const added = above
      .filter((f) => list.belowWarnByDefault.includes(f))
      .flatMap((f) => list.families[f] ?? [])
      .filter((a) => SUPPORTED_ALGORITHMS[list.kind].includes(a) && !defaults.includes(a));
    if (removed.length > 0 && added.length > 0) out[list.kind] = [...defaults.filter((a) => !removed.includes(a)), ...added].join(',');
    else if (removed.length > 0) out[list.kind] = `-${removed.join(',')}`;
    else if (added.length > 0) out[list.kind] = `+${added.join(',')}`;
  }
  return out;
}

/** A saved session's values: strings and dwords, '' and 0 when not there (PuTTY's own reading of a missing value differs per setting). */
interface Values {
  readonly get: (k: string) => RegValue | undefined;
  readonly str: (k: string) => string;
  readonly num: (k: string) => number;
}

function valuesOf(key: RegKey): Values {
  const get = (k: string): RegValue | undefined => key.values.get(k)?.value;
  return {
    get,
    str: (k) => (typeof get(k) === 'string' ? (get(k) as string) : ''),
    num: (k) => (typeof get(k) === 'number' ? (get(k) as number) : 0),
  };
}

/**
 * PuTTY's ProxyMethod (CONF_ENUM proxy_type): 0 none, 1 SOCKS 4, 2 SOCKS 5, 3 HTTP, 4 Telnet, 5 a
 * local command, 6 SSH with port forwarding (a jump host), 7 SSH running a command, 8 SSH running
 * a subsystem. Sessions saved before ProxyMethod have ProxyType (0 none, 1 HTTP, 2 SOCKS with
 * ProxySOCKSVersion 4 or 5, 3 Telnet, 4 command), read as PuTTY reads it.
 */
function proxyMethodOf(v: Values): number {
  const method = v.get('ProxyMethod');
  if (typeof method === 'number') return method;
  const legacy = v.num('ProxyType');
  if (legacy === 0 || legacy === 1 || legacy === 3 || legacy === 4) return [0, 3, -1, 4, 5][legacy]!;
  const version = v.get('ProxySOCKSVersion');
  return version === undefined || version === 5 ? 2 : 1;
}

/** PuTTY's sk_hostname_is_local: connections to this machine skip the proxy unless ProxyLocalhost is on. */
function isLocalhost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * The ProxyExcludeList item that keeps `host` off the proxy, as PuTTY's proxy_for_destination
 * matches it: items are separated by commas or spaces; of each, PuTTY reads only the leading run
 * of letters, digits, `.`, `-` and `*` (so `10.0.0.0/8` is read as `10.0.0.0`: PuTTY has no
 * netmasks); `*.corp` matches the end of the name, `192.168.*` its start, and anything else is
 * compared over the entry's own length only (so `db` also keeps `db2.corp` off the proxy, and an
 * item PuTTY reads nothing of keeps every host off). The address the name resolves to is
 * compared too when PuTTY looks names up itself, which an import does not (see the caller).
 */
export function puttyExcluded(host: string, list: string): { readonly item: string; readonly entry: string } | undefined {
  const h = host.toLowerCase();
  for (const item of list.split(/[\s,]+/).filter(Boolean)) {
    const entry = /^[A-Za-z0-9.*-]*/.exec(item)![0];
    const e = entry.toLowerCase();
    const hit = e.startsWith('*') ? e.length - 1 <= h.length && h.endsWith(e.slice(1)) : e.endsWith('*') ? h.startsWith(e.slice(0, -1)) : h.startsWith(e);
    if (hit) return { item, entry };
  }
  return undefined;
}

/** How a PuTTY session reaches its server: jump hosts in order, and a proxy to the first. */
interface Way {
  readonly hops: ReadonlyArray<HopSpec>;
  /** Who a hop without a user logs in as: the local user for a hop of `ssh -W`, else the session's. */
  readonly hopUsers: ReadonlyArray<'local' | 'session'>;
  readonly proxy?: ProxyConfig;
}

const DIRECT: Way = { hops: [], hopUsers: [] };

/** Why a session's proxy settings cannot be taken (never quoting them: they may hold a password). */
class WayRefused extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'WayRefused';
  }
}

interface WayContext {
  /** The session being imported, for messages. */
  readonly where: string;
  /** Every saved session of the export, by name: "SSH to proxy" may name one as its jump host. */
  readonly saved: ReadonlyMap<string, RegKey>;
  readonly couldNot: NotTaken[];
  readonly warnings: string[];
  /** Saved sessions on the way, against circles. */
  readonly seen: Set<string>;
}

/**
 * `user@host` as PuTTY's prepare_session splits it, with a `:port` suffix dropped as it drops it:
 * only after the one colon of a name, never inside an unbracketed IPv6 address (two colons or more).
 */
function splitUserHost(text: string): { host: string; user?: string; password: boolean } {
  const at = text.lastIndexOf('@');
  let user = at >= 0 ? text.slice(0, at) : undefined;
  // No system allows a colon in a user name: what follows it is a password, and is dropped.
  const password = user?.includes(':') ?? false;
  if (user !== undefined && password) user = user.slice(0, user.indexOf(':'));
  const host = text.slice(at + 1).trim();
  const bare = host.startsWith('[') ? host.replace(/^\[([^\]]*)\].*$/, '$1') : host.split(':').length === 2 ? host.slice(0, host.indexOf(':')) : host;
  return { host: bare, ...(user ? { user } : {}), password };
}

/**
 * The way `v`'s proxy settings reach `host` (the session's server, or the jump host a saved
 * session stands for). `about` names whose settings they are in messages.
 */
function wayOf(v: Values, host: string, about: string, ctx: WayContext): Way {
  const method = proxyMethodOf(v);
  if (method === 0) return DIRECT;
  if (v.num('ProxyLocalhost') !== 1 && isLocalhost(host)) {
    ctx.couldNot.push({
      what: `${about}: proxy`,
      why: `is not used for ${host}: PuTTY never sends a connection to this machine through a proxy unless "Consider proxying local host connections" is on, and neither does Burrow`,
    });
    return DIRECT;
  }
  const excluded = puttyExcluded(host, v.str('ProxyExcludeList'));
  if (excluded) {
    const read =
      excluded.entry === excluded.item
        ? ''
        : ` as PuTTY reads it (${JSON.stringify(excluded.entry)}: PuTTY takes only letters, digits, ".", "-" and "*" of an entry, and knows no netmask)`;
    ctx.couldNot.push({
      what: `${about}: ProxyExcludeList`,
      why: `${host} matches ${JSON.stringify(excluded.item)}${read}, so PuTTY connected directly, and so does Burrow: the proxy was not imported`,
    });
    return DIRECT;
  }
  // ProxyDNS: 0 No (this machine looks names up), 1 Auto (the proxy does, except SOCKS 4), 2 Yes.
  const dns = v.get('ProxyDNS') === undefined ? 1 : v.num('ProxyDNS');
  const lookedUpHere = dns === 0 || (dns === 1 && method === 1);
  const ipEntries = v
    .str('ProxyExcludeList')
    .split(/[\s,]+/)
    .filter((e) => /^[0-9.*]*[0-9][0-9.*]*$/.test(e));
  if (lookedUpHere && ipEntries.length > 0 && !/^[0-9.]+$/.test(host) && !host.includes(':')) {
    ctx.warnings.push(
      `${about}: PuTTY also compared the address ${host} resolves to with ${ipEntries.join(', ')} of its ProxyExcludeList; Burrow does not look names up while importing, so the proxy was kept: if ${host} is in one of those ranges, remove the session's proxy`,
    );
  }
  const proxyPort = v.get('ProxyPort') === undefined ? 80 : v.num('ProxyPort');
  const rawHost = v.get('ProxyHost') === undefined ? 'proxy' : v.str('ProxyHost');
  const password = v.str('ProxyPassword') !== '';
  switch (method) {
    case 1:
    case 2:
    case 3: {
      const type = method === 1 ? 'socks4' : method === 2 ? 'socks5' : 'http';
      const at = splitUserHost(rawHost);
      if (at.host === '') throw new WayRefused('connects through a proxy without a host name (Connection > Proxy), so it was not imported');
      if (proxyPort < 1 || proxyPort > 65535)
        throw new WayRefused(`connects through a proxy on port ${proxyPort}, which is not a port, so it was not imported`);
      if (at.password) ctx.couldNot.push({ what: `${about}: ProxyHost`, why: 'holds a password (user:password@), which was not taken: give it in Burrow' });
      const user = v.str('ProxyUsername') || at.user;
      if (password || at.password) {
        ctx.couldNot.push({
          what: `${about}: ProxyPassword`,
          why:
            type === 'socks4'
              ? 'is never imported, and SOCKS 4 has no passwords (PuTTY sent none either)'
              : "is never imported into the config: if the proxy asks for one, give it in Burrow (the session's proxy settings), which keeps it in its secret store",
        });
      }
      const remoteDns = dns === 2 || (dns === 1 && type !== 'socks4');
      return { ...DIRECT, proxy: { type, host: at.host, port: proxyPort, ...(user ? { user } : {}), ...(remoteDns ? {} : { remoteDns: false }) } };
    }
    case 4:
      throw new WayRefused(
        'connects through a Telnet proxy (a command typed to the proxy), which Burrow does not speak, so it was not imported; use an HTTP or SOCKS proxy, or a local proxy command',
      );
    case 5: {
      let read: ReturnType<typeof readProxyCommand>;
      try {
        const command = fromPuttyCommand(v.str('ProxyTelnetCommand'), {
          ...(v.str('ProxyUsername') ? { proxyUser: v.str('ProxyUsername') } : {}),
          proxyHost: rawHost,
          proxyPort,
        });
        read = readProxyCommand(command);
      } catch (err) {
        if (!(err instanceof RouteError)) throw err;
        throw new WayRefused(`connects through a proxy command, but ${err.problem}, so it was not imported; ${err.fix}`);
      }
      if (read.kind === 'direct') return DIRECT;
      if (read.kind === 'jump') return { hops: read.hops, hopUsers: read.hops.map(() => (read.program === 'ssh' ? 'local' : 'session')) };
      if (read.kind === 'proxy') {
        for (const note of read.notes) ctx.couldNot.push({ what: `${about}: ProxyTelnetCommand`, why: note });
        return { ...DIRECT, proxy: read.proxy };
      }
      ctx.warnings.push(
        `${about}: this session runs the command ${JSON.stringify(read.command)} to reach the server (PuTTY's local proxy command, in OpenSSH's %h %p tokens); Burrow starts it at every connection, so check that it is the program you expect before saving`,
      );
      return { ...DIRECT, proxy: { type: 'command', command: read.command } };
    }
    case 6:
      return jumpWay(v, rawHost, proxyPort, about, ctx);
    default:
      throw new WayRefused(
        method === 7 || method === 8
          ? `connects through an SSH proxy that runs a ${method === 7 ? 'command' : 'subsystem'} there, which Burrow does not do, so it was not imported; use "SSH to proxy and use port forwarding" (a jump host)`
          : `uses a proxy type PuTTY ${method} that Burrow does not know, so it was not imported`,
      );
  }
}

/**
 * "SSH to proxy and use port forwarding" (sshproxy.c): ProxyHost names a saved session, whose
 * settings (and own proxy) reach the jump host, or else a host reached with Default Settings on
 * ProxyPort. ProxyUsername wins over the saved user, and a `user@` in the host name over both.
 */
function jumpWay(v: Values, rawHost: string, proxyPort: number, about: string, ctx: WayContext): Way {
  const target = ctx.saved.get(rawHost.toLowerCase());
  const base = target ?? ctx.saved.get('default settings');
  const b = base ? valuesOf(base) : undefined;
  const at = splitUserHost(target ? b!.str('HostName') : rawHost);
  if (at.host === '') throw new WayRefused('connects through an SSH jump host without a host name (Connection > Proxy), so it was not imported');
  const port = target ? b!.num('PortNumber') || 22 : proxyPort;
  if (port < 1 || port > 65535) throw new WayRefused(`connects through an SSH jump host on port ${port}, which is not a port, so it was not imported`);
  if (v.str('ProxyPassword') !== '' || at.password) {
    ctx.couldNot.push({
      what: `${about}: ProxyPassword`,
      why: "is the jump host's password, which is never imported: Burrow logs in to the jump host with keys (its own, or the session's)",
    });
  }
  const user = at.user ?? (v.str('ProxyUsername') || b?.str('UserName') || undefined);
  const key = b?.str('PublicKeyFile');
  const pin = b
    ?.str('SshManualHostKeys')
    .split(',')
    .map((p) => p.trim())
    .find((p) => /^SHA256:[A-Za-z0-9+/]{43}$/.test(p));
  const hop: HopSpec = { host: at.host, port, ...(user ? { user } : {}), ...(key ? { identityFiles: [key] } : {}), ...(pin ? { fingerprint: pin } : {}) };
  if (!base) return { hops: [hop], hopUsers: ['session'] };
  // The jump host's own settings may go through a proxy, or another jump host, in turn.
  const name = target ? rawHost : 'Default Settings';
  if (ctx.seen.has(name.toLowerCase())) throw new WayRefused(`reaches its jump host through itself (saved session "${name}" again), so it was not imported`);
  ctx.seen.add(name.toLowerCase());
  const before = wayOf(b!, at.host, `${ctx.where} (its jump host's saved session "${name}")`, ctx);
  return { hops: [...before.hops, hop], hopUsers: [...before.hopUsers, 'session'], ...(before.proxy ? { proxy: before.proxy } : {}) };
}

function sessionOf(name: string, key: RegKey, couldNot: NotTaken[], saved: ReadonlyMap<string, RegKey>, warnings: string[]): SessionConfig | undefined {
  const where = `PuTTY session "${name}"`;
  const values = valuesOf(key);
  const { str, num } = values;

  const protocol = str('Protocol') || 'ssh';
  if (protocol !== 'ssh') {
    couldNot.push({ what: where, why: `uses ${protocol}, not SSH` });
    return undefined;
  }
  let host = str('HostName');
  let user = str('UserName');
  // Fivetran's guide has people type user@host into the Host Name box.
  const at = host.lastIndexOf('@');
  if (at >= 0) {
    if (!user) user = host.slice(0, at);
    host = host.slice(at + 1);
  }
  if (!host) {
    couldNot.push({ what: where, why: 'has no host name' });
    return undefined;
  }
  const fwd = str('PortForwardings');
  if (!fwd) {
    couldNot.push({ what: where, why: 'has no port forwardings, so there is no tunnel to keep open' });
    return undefined;
  }
  if (!user) {
    couldNot.push({ what: where, why: 'has no user name (PuTTY asks for it at login); give one in HostName as user@host or in Connection > Data' });
    return undefined;
  }
  const forwards = forwardsOf(fwd, num('LocalPortAcceptAll') === 1, num('RemotePortAcceptAll') === 1, where, couldNot);
  if (forwards.length === 0) {
    couldNot.push({ what: where, why: 'none of its port forwardings could be used, so it was not imported' });
    return undefined;
  }
  // PingIntervalSecs is what PuTTY's "Seconds between keepalives" writes; PingInterval is the old minutes value.
  const interval = num('PingIntervalSecs') || num('PingInterval') * 60;
  if (interval === 0)
    couldNot.push({
      what: `${where}: keepalive 0`,
      why: `PuTTY sent no keepalives; Burrow uses ${SESSION_DEFAULTS.keepalive.intervalSeconds} s so a dead link is noticed`,
    });

  const pins = str('SshManualHostKeys')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const fingerprint = pins.find((p) => /^SHA256:[A-Za-z0-9+/]{43}$/.test(p));
  for (const p of pins.filter((p) => p !== fingerprint)) {
    couldNot.push({
      what: `${where}: manual host key ${p}`,
      why: fingerprint ? 'Burrow pins one key per session; the first SHA256 fingerprint was taken' : 'only SHA256 fingerprints can be pinned',
    });
  }
  // Said only of a session that is imported.
  const mine: string[] = [];
  let way: Way;
  try {
    way = wayOf(values, host, where, { where, saved, couldNot, warnings: mine, seen: new Set([name.toLowerCase()]) });
  } catch (err) {
    if (!(err instanceof WayRefused)) throw err;
    // No proxy setting is repeated: ProxyHost may be user:password@host, ProxyTelnetCommand a
    // command with a password, and ProxyPassword is what it says.
    couldNot.push({ what: `${where}: proxy`, why: err.why });
    return undefined;
  }
  const local = localUserName();
  const jumpHosts: JumpHostConfig[] = way.hops.map((h, i) => jumpHostOf(h, user, way.hopUsers[i] === 'local' ? local : undefined));
  const keyFile = str('PublicKeyFile');
  const algorithms = algorithmsOf(str);
  try {
    const session = parseSessionConfig(
      {
        name: importedName(name),
        host,
        port: num('PortNumber') || 22,
        user,
        auth: { identityFiles: keyFile ? [keyFile] : [] },
        // PuTTY asks on first connection (Fivetran: "click Accept to cache the host key").
        hostKey: fingerprint ? { policy: 'yes', fingerprint } : { policy: 'ask' },
        keepalive: interval ? { intervalSeconds: Math.min(interval, 3600) } : {},
        compression: num('Compression') === 1,
        ...(Object.keys(algorithms).length > 0 ? { algorithms } : {}),
        ...(jumpHosts.length > 0 ? { jumpHosts } : {}),
        ...(way.proxy !== undefined ? { proxy: way.proxy } : {}),
        forwards,
        notes: `Imported from PuTTY session "${name}".`,
      },
      where,
    );
    warnings.push(...mine);
    return session;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    couldNot.push({ what: err.field, why: `${err.problem}; ${err.fix}` });
    return undefined;
  }
}

/** A hex number as PuTTY stores it, as an SSH mpint. */
function mpint(hex: string): Buffer {
  return wireMpint(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
}

function fixed(hex: string, bytes: number): Buffer {
  return Buffer.from(hex.padStart(bytes * 2, '0'), 'hex');
}

const CURVE_BYTES: Record<string, number> = { nistp256: 32, nistp384: 48, nistp521: 66 };

/**
 * An OpenSSH public key blob from PuTTY's host-key cache text (PuTTY stores numbers, not blobs):
 * rsa2 `0xe,0xn`; ssh-ed25519 `0xx,0xy` (the point, stored as y little-endian with x's low bit
 * on top, RFC 8032); ecdsa `curve,0xx,0xy` (an uncompressed point).
 */
export function puttyHostKeyBlob(puttyType: string, value: string): { keyType: string; blob: Buffer } | undefined {
  const parts = value.split(',');
  const hex = parts.map((p) => p.replace(/^0x/i, ''));
  if (puttyType === 'rsa2' && parts.length === 2) {
    return { keyType: 'ssh-rsa', blob: Buffer.concat([wireString('ssh-rsa'), mpint(hex[0]!), mpint(hex[1]!)]) };
  }
  if (puttyType === 'ssh-ed25519' && parts.length === 2) {
    const y = fixed(hex[1]!, 32).reverse();
    if (BigInt(`0x${hex[0]}`) & 1n) y[31]! |= 0x80;
    return { keyType: 'ssh-ed25519', blob: Buffer.concat([wireString('ssh-ed25519'), wireString(y)]) };
  }
  const curve = /^ecdsa-sha2-(nistp\d+)$/.exec(puttyType)?.[1];
  if (curve && CURVE_BYTES[curve] && parts.length === 3 && parts[0] === curve) {
    const n = CURVE_BYTES[curve]!;
    const point = Buffer.concat([Buffer.from([4]), fixed(hex[1]!, n), fixed(hex[2]!, n)]);
    return { keyType: puttyType, blob: Buffer.concat([wireString(puttyType), wireString(curve), wireString(point)]) };
  }
  return undefined;
}

function hostKeysOf(key: RegKey, file: string, couldNot: NotTaken[]): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const [name, { value, line }] of key.values) {
    // `type@port:host`, e.g. ssh-ed25519@22:35.230.100.17
    const m = /^([^@]+)@(\d+):(.+)$/.exec(name);
    const converted = m && typeof value === 'string' ? puttyHostKeyBlob(m[1]!, value) : undefined;
    if (!m || !converted) {
      couldNot.push({ what: `PuTTY host key ${name}`, why: 'is a key type Burrow cannot convert (ed448, DSA or unknown)' });
      continue;
    }
    out.push({ file, line, hosts: hostKeyName(m[3]!, Number(m[2])), keyType: converted.keyType, keyBlob: converted.blob, comment: 'from PuTTY' });
  }
  return out;
}

/** Imports a .reg export's PuTTY sessions and cached host keys. */
export function importPuttyReg(data: Buffer | string, file = '(.reg)'): ImportReport {
  const text = typeof data === 'string' ? data : decodeRegFile(data);
  if (!isRegFile(text))
    throw new ConfigError(
      file,
      'is not a regedit export',
      'In regedit, select HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions and use File > Export.',
    );
  const sessions: SessionConfig[] = [];
  const hostKeys: KnownHostEntry[] = [];
  const took: string[] = [];
  const couldNot: NotTaken[] = [];
  const warnings: string[] = [];
  const keys = parseReg(text);
  // By name as PuTTY looks a saved session up (the registry ignores case): a jump host may be one.
  const saved = new Map<string, RegKey>();
  for (const key of keys) {
    const m = PUTTY_KEY.exec(key.path);
    if (m && m[1]!.toLowerCase() === 'sessions' && m[2] !== undefined) saved.set(sessionName(m[2]).toLowerCase(), key);
  }
  for (const key of keys) {
    const m = PUTTY_KEY.exec(key.path);
    if (!m) continue;
    if (m[1]!.toLowerCase() === 'sshhostkeys') {
      const keys = hostKeysOf(key, file, couldNot);
      hostKeys.push(...keys);
      for (const k of keys) took.push(`PuTTY host key: ${k.hosts} ${k.keyType}`);
      continue;
    }
    if (m[2] === undefined) continue;
    const name = sessionName(m[2]);
    if (name === 'Default Settings') {
      couldNot.push({ what: 'PuTTY session "Default Settings"', why: "holds PuTTY's defaults for new sessions, not a tunnel" });
      continue;
    }
    const s = sessionOf(name, key, couldNot, saved, warnings);
    if (!s) continue;
    sessions.push(s);
    checkSessionCount(sessions.length);
    took.push(
      `PuTTY session "${name}": ${s.user}@${s.host}:${s.port}, ${s.forwards.length} forward${s.forwards.length === 1 ? '' : 's'}, keepalive ${s.keepalive.intervalSeconds} s${routeText(s)}`,
    );
  }
  return { kind: 'putty-reg', sessions, hostKeys, took, couldNot, ...(warnings.length > 0 ? { warnings } : {}) };
}
