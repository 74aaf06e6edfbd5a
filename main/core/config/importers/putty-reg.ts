/**
 * Imports PuTTY saved sessions from a regedit export of HKCU\Software\SimonTatham\PuTTY (UTF-16LE
 * with BOM as regedit writes it, or UTF-8), and the host keys PuTTY has cached (SshHostKeys), so
 * hosts trusted in PuTTY stay trusted.
 */
import type { AlgorithmsConfig, ForwardConfig, SessionConfig } from '../../../../common/config.js';
import { SESSION_DEFAULTS } from '../../../../common/config.js';
import { DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS } from '../../../../common/algorithms.js';
import type { KnownHostEntry } from '../../session/host-keys.js';
import { hostKeyName } from '../../session/host-keys.js';
import { wireMpint, wireString } from '../../keys/wire.js';
import { ConfigError } from '../config-error.js';
import { parseSessionConfig } from '../schema.js';
import { CommandLineError, parseForwardSpec } from './command-line.js';
import { checkSessionCount } from './limits.js';
import { importedName, type ImportReport, type NotTaken } from './report.js';

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

function sessionOf(name: string, key: RegKey, couldNot: NotTaken[]): SessionConfig | undefined {
  const where = `PuTTY session "${name}"`;
  const get = (k: string): RegValue | undefined => key.values.get(k)?.value;
  const str = (k: string): string => (typeof get(k) === 'string' ? (get(k) as string) : '');
  const num = (k: string): number => (typeof get(k) === 'number' ? (get(k) as number) : 0);

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
  if (num('ProxyMethod') !== 0) {
    // No proxy setting is repeated: ProxyHost may be user:password@host, ProxyTelnetCommand a
    // command with a password, and ProxyUsername and ProxyPassword are what they say.
    couldNot.push({
      what: `${where}: proxy`,
      why: 'connects through a proxy, which Burrow does not do yet, so it was not imported; run Burrow where the SSH server is reachable directly',
    });
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
  const keyFile = str('PublicKeyFile');
  const algorithms = algorithmsOf(str);
  try {
    return parseSessionConfig(
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
        forwards,
        notes: `Imported from PuTTY session "${name}".`,
      },
      where,
    );
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
  for (const key of parseReg(text)) {
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
    const s = sessionOf(name, key, couldNot);
    if (!s) continue;
    sessions.push(s);
    checkSessionCount(sessions.length);
    took.push(
      `PuTTY session "${name}": ${s.user}@${s.host}:${s.port}, ${s.forwards.length} forward${s.forwards.length === 1 ? '' : 's'}, keepalive ${s.keepalive.intervalSeconds} s`,
    );
  }
  return { kind: 'putty-reg', sessions, hostKeys, took, couldNot };
}
