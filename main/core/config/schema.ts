/** Validation of stored and hand-written session configs, with errors that name the field. */
import type { ConfigFile, ForwardConfig, HostKeyPolicy, SessionConfig } from '../../../common/config.js';
import { SESSION_DEFAULTS } from '../../../common/config.js';

export const CONFIG_VERSION = 1;

/** A config problem: `field` is a path like `sessions[2].forwards[0].bindPort`. */
export class ConfigError extends Error {
  constructor(readonly field: string, readonly problem: string, readonly fix: string) {
    super(`${field}: ${problem}. ${fix}`);
    this.name = 'ConfigError';
  }
}

const POLICIES: ReadonlyArray<HostKeyPolicy> = ['yes', 'accept-new', 'no', 'ask'];
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Json, key: string, path: string, fix: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || (!optional && v.trim() === '')) {
    throw new ConfigError(`${path}.${key}`, v === undefined ? 'is missing' : 'must be a non-empty string', fix);
  }
  return v;
}

/** A TCP port; `allowZero` where 0 means "let the other side choose". */
export function checkPort(v: unknown, field: string, allowZero: boolean): number {
  const min = allowZero ? 0 : 1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 65535) {
    throw new ConfigError(field, `must be a whole number from ${min} to 65535 (got ${JSON.stringify(v)})`,
      allowZero ? 'Use 0 to let the server pick a free port.' : 'Use the port the service listens on.');
  }
  return v;
}

function num(o: Json, key: string, path: string, def: number, min: number, max: number): number {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`${path}.${key}`, `must be a number from ${min} to ${max} (got ${JSON.stringify(v)})`,
      `Remove it to use the default (${def}).`);
  }
  return v;
}

function parseForward(v: unknown, path: string): ForwardConfig {
  if (!isObject(v)) throw new ConfigError(path, 'must be an object', 'Give {"type":"remote","bindPort":…,"targetHost":…,"targetPort":…}.');
  const type = v.type;
  const bindAddress = str(v, 'bindAddress', path, 'Use an address such as "localhost", "0.0.0.0" or "*", or leave it out.', true);
  switch (type) {
    case 'remote':
    case 'local': {
      const bindPort = checkPort(v.bindPort, `${path}.bindPort`, type === 'remote');
      const targetHost = str(v, 'targetHost', path, 'Name the host that runs the service, e.g. "localhost".')!;
      const targetPort = checkPort(v.targetPort, `${path}.targetPort`, false);
      return { type, ...(bindAddress !== undefined ? { bindAddress } : {}), bindPort, targetHost, targetPort };
    }
    case 'remote-dynamic':
    case 'local-dynamic': {
      const bindPort = checkPort(v.bindPort, `${path}.bindPort`, type === 'remote-dynamic');
      return { type, ...(bindAddress !== undefined ? { bindAddress } : {}), bindPort };
    }
    default:
      throw new ConfigError(`${path}.type`, `is ${JSON.stringify(type)}`, 'Use one of "remote", "remote-dynamic", "local", "local-dynamic".');
  }
}

/** Validates one session, filling in defaults for what may be left out. */
export function parseSessionConfig(v: unknown, path = 'session'): SessionConfig {
  if (!isObject(v)) throw new ConfigError(path, 'must be an object', 'See the README section "Config file".');
  const name = str(v, 'name', path, 'Give the session a name, e.g. "fivetran".')!;
  const id = str(v, 'id', path, 'Leave it out to use the name.', true) ?? name;
  const host = str(v, 'host', path, 'Give the SSH server name or address the vendor gave you.')!;
  const port = v.port === undefined ? SESSION_DEFAULTS.port : checkPort(v.port, `${path}.port`, false);
  const user = str(v, 'user', path, 'Give the SSH user name the vendor gave you (e.g. "fivetran", "tunnel").')!;

  const authRaw = v.auth ?? {};
  if (!isObject(authRaw)) throw new ConfigError(`${path}.auth`, 'must be an object', 'Give {"identityFiles":["~/.ssh/id_ed25519"]}.');
  const files = authRaw.identityFiles ?? [];
  if (!Array.isArray(files) || files.some((f) => typeof f !== 'string' || f === '')) {
    throw new ConfigError(`${path}.auth.identityFiles`, 'must be a list of file paths', 'Give e.g. ["~/.ssh/id_ed25519"], or [] for the OpenSSH defaults.');
  }
  const passphraseFile = str(authRaw, 'passphraseFile', `${path}.auth`, 'Give the path of a file holding the passphrase, or leave it out.', true);

  const hkRaw = v.hostKey ?? { policy: 'yes' };
  if (!isObject(hkRaw)) throw new ConfigError(`${path}.hostKey`, 'must be an object', 'Give {"policy":"accept-new"}.');
  const policy = hkRaw.policy ?? 'yes';
  if (typeof policy !== 'string' || !POLICIES.includes(policy as HostKeyPolicy)) {
    throw new ConfigError(`${path}.hostKey.policy`, `is ${JSON.stringify(policy)}`, 'Use "yes", "accept-new", "no" or "ask".');
  }
  const khf = hkRaw.knownHostsFiles;
  if (khf !== undefined && (!Array.isArray(khf) || khf.some((f) => typeof f !== 'string' || f === ''))) {
    throw new ConfigError(`${path}.hostKey.knownHostsFiles`, 'must be a list of file paths', 'Leave it out to use ~/.ssh/known_hosts.');
  }
  const fingerprint = str(hkRaw, 'fingerprint', `${path}.hostKey`, 'Give the SHA256:… fingerprint the vendor publishes.', true);
  if (fingerprint !== undefined && !FINGERPRINT.test(fingerprint)) {
    throw new ConfigError(`${path}.hostKey.fingerprint`, `is not a SHA256 fingerprint (${JSON.stringify(fingerprint)})`,
      'Copy it as `ssh-keygen -lf` prints it: SHA256: followed by 43 characters.');
  }

  const kaRaw = v.keepalive ?? {};
  if (!isObject(kaRaw)) throw new ConfigError(`${path}.keepalive`, 'must be an object', 'Give {"intervalSeconds":15,"countMax":3}.');
  const keepalive = {
    intervalSeconds: num(kaRaw, 'intervalSeconds', `${path}.keepalive`, SESSION_DEFAULTS.keepalive.intervalSeconds, 0, 3600),
    countMax: num(kaRaw, 'countMax', `${path}.keepalive`, SESSION_DEFAULTS.keepalive.countMax, 1, 100),
  };
  const connectTimeoutSeconds = num(v, 'connectTimeoutSeconds', path, SESSION_DEFAULTS.connectTimeoutSeconds, 1, 600);
  const compression = v.compression === undefined ? SESSION_DEFAULTS.compression : v.compression;
  if (typeof compression !== 'boolean') throw new ConfigError(`${path}.compression`, 'must be true or false', 'Leave it out for no compression.');
  const autostart = v.autostart === undefined ? SESSION_DEFAULTS.autostart : v.autostart;
  if (typeof autostart !== 'boolean') throw new ConfigError(`${path}.autostart`, 'must be true or false', 'Leave it out to start the session by hand.');

  if (!Array.isArray(v.forwards)) {
    throw new ConfigError(`${path}.forwards`, v.forwards === undefined ? 'is missing' : 'must be a list',
      'Give at least one forward, e.g. [{"type":"remote","bindPort":15432,"targetHost":"localhost","targetPort":5432}].');
  }
  const forwards = v.forwards.map((f, i) => parseForward(f, `${path}.forwards[${i}]`));

  return {
    id, name, host, port, user,
    auth: { identityFiles: files as string[], ...(passphraseFile !== undefined ? { passphraseFile } : {}) },
    hostKey: {
      policy: policy as HostKeyPolicy,
      ...(khf !== undefined ? { knownHostsFiles: khf as string[] } : {}),
      ...(fingerprint !== undefined ? { fingerprint } : {}),
    },
    keepalive, connectTimeoutSeconds, compression, autostart, forwards,
  };
}

/** Validates a whole config file; session names must be unique (they are how people pick them). */
export function parseConfigFile(v: unknown): ConfigFile {
  if (!isObject(v)) throw new ConfigError('(file)', 'must be a JSON object', 'Start from the example in the README section "Config file".');
  const version = v.version ?? CONFIG_VERSION;
  if (version !== CONFIG_VERSION) {
    throw new ConfigError('version', `is ${JSON.stringify(version)}, this Burrow reads version ${CONFIG_VERSION}`, 'Open the file with the Burrow version that wrote it, or upgrade Burrow.');
  }
  if (!Array.isArray(v.sessions)) throw new ConfigError('sessions', 'must be a list', 'Give {"version":1,"sessions":[…]}.');
  const sessions = v.sessions.map((s, i) => parseSessionConfig(s, `sessions[${i}]`));
  const seen = new Set<string>();
  sessions.forEach((s, i) => {
    if (seen.has(s.id)) throw new ConfigError(`sessions[${i}].id`, `repeats ${JSON.stringify(s.id)}`, 'Give every session its own name (or id).');
    seen.add(s.id);
  });
  return { version: CONFIG_VERSION, sessions };
}
