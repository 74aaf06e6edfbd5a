/**
 * The one validator of a session's settings, shared by every side: the store on load and save,
 * the app at its boundary (whatever a window or the control channel sends), and the window's
 * forms for inline errors. Errors name the field and the fix.
 */
import { IMPORT_LIMITS } from './limits.js';
import type { AlgorithmsConfig, ForwardConfig, HostKeyPolicy, RekeyLimitConfig, SessionConfig } from './config.js';
import { SESSION_DEFAULTS } from './config.js';
import { ALGORITHM_KINDS, AlgorithmListError, OPENSSH_OPTION, resolveAlgorithms } from './algorithms.js';

/** A config problem: `field` is a path like `sessions[2].forwards[0].bindPort`. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${field}: ${problem}. ${fix}`);
    this.name = 'ConfigError';
  }
}

const POLICIES: ReadonlyArray<HostKeyPolicy> = ['yes', 'accept-new', 'no', 'ask'];
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Rejects settings Burrow does not know: a misspelt `autoStart` would otherwise be dropped
 * silently and the session would not start at login.
 */
export function onlyKnown(o: Json, path: string, known: ReadonlyArray<string>): void {
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
    throw new ConfigError(
      `${path}.${key}`,
      'is not a setting Burrow knows',
      near ? `Did you mean "${near}"?` : `Remove it; the settings here are ${known.join(', ')}.`,
    );
  }
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
    throw new ConfigError(
      field,
      `must be a whole number from ${min} to 65535 (got ${JSON.stringify(v)})`,
      allowZero ? 'Use 0 to have a free port picked (by the server for -R, by this machine for -L and -D).' : 'Use the port the service listens on.',
    );
  }
  return v;
}

function num(o: Json, key: string, path: string, def: number, min: number, max: number): number {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`${path}.${key}`, `must be a number from ${min} to ${max} (got ${JSON.stringify(v)})`, `Remove it to use the default (${def}).`);
  }
  return v;
}

function parseForward(v: unknown, path: string): ForwardConfig {
  if (!isObject(v)) throw new ConfigError(path, 'must be an object', 'Give {"type":"remote","bindPort":…,"targetHost":…,"targetPort":…}.');
  const type = v.type;
  onlyKnown(
    v,
    path,
    type === 'remote' || type === 'local' ? ['type', 'bindAddress', 'bindPort', 'targetHost', 'targetPort'] : ['type', 'bindAddress', 'bindPort'],
  );
  const bindAddress = str(v, 'bindAddress', path, 'Use an address such as "localhost", "0.0.0.0" or "*", or leave it out.', true);
  switch (type) {
    case 'remote':
    case 'local': {
      // 0: a free port, picked by the server (-R) or by this machine (-L), and reported.
      const bindPort = checkPort(v.bindPort, `${path}.bindPort`, true);
      const targetHost = str(v, 'targetHost', path, 'Name the host that runs the service, e.g. "localhost".')!;
      const targetPort = checkPort(v.targetPort, `${path}.targetPort`, false);
      return { type, ...(bindAddress !== undefined ? { bindAddress } : {}), bindPort, targetHost, targetPort };
    }
    case 'remote-dynamic':
    case 'local-dynamic': {
      const bindPort = checkPort(v.bindPort, `${path}.bindPort`, true);
      return { type, ...(bindAddress !== undefined ? { bindAddress } : {}), bindPort };
    }
    default:
      throw new ConfigError(`${path}.type`, `is ${JSON.stringify(type)}`, 'Use one of "remote", "remote-dynamic", "local", "local-dynamic".');
  }
}

/** `{"bytes": …, "seconds": …}`, both optional; OpenSSH's minimum of 16 bytes holds. */
function parseRekeyLimitConfig(v: unknown, path: string): RekeyLimitConfig {
  if (!isObject(v)) throw new ConfigError(path, 'must be an object', 'Give {"bytes":1073741824,"seconds":3600}, or leave it out for OpenSSH\'s default.');
  onlyKnown(v, path, ['bytes', 'seconds']);
  const whole = (key: 'bytes' | 'seconds', min: number, max: number, fix: string): number | undefined => {
    const x = v[key];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      throw new ConfigError(`${path}.${key}`, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(x)})`, fix);
    }
    return x;
  };
  const bytes = whole('bytes', 16, Number.MAX_SAFE_INTEGER, "Give a number of bytes (1073741824 is 1 GiB), or leave it out for the cipher's default.");
  const seconds = whole('seconds', 1, 366 * 86400, 'Give a number of seconds (3600 is an hour), or leave it out for no time limit.');
  return { ...(bytes !== undefined ? { bytes } : {}), ...(seconds !== undefined ? { seconds } : {}) };
}

/**
 * `{"kex": "+diffie-hellman-group14-sha1", …}`: each list in OpenSSH's syntax, kept as written so
 * that `+`/`-`/`^` go on following Burrow's defaults; every name must be one Burrow can use.
 */
function parseAlgorithmsConfig(v: unknown, path: string): AlgorithmsConfig {
  if (!isObject(v))
    throw new ConfigError(path, 'must be an object', 'Give e.g. {"kex":"+diffie-hellman-group14-sha1"}, or leave it out for OpenSSH\'s defaults.');
  onlyKnown(v, path, ALGORITHM_KINDS);
  const out: Record<string, string> = {};
  for (const kind of ALGORITHM_KINDS) {
    const x = v[kind];
    if (x === undefined) continue;
    if (typeof x !== 'string' || x.trim() === '') {
      throw new ConfigError(
        `${path}.${kind}`,
        'must be a non-empty string',
        `Write it as OpenSSH's ${OPENSSH_OPTION[kind]} takes it, e.g. "+ssh-rsa", or leave it out.`,
      );
    }
    try {
      resolveAlgorithms(kind, x);
    } catch (err) {
      if (!(err instanceof AlgorithmListError)) throw err;
      throw new ConfigError(`${path}.${kind}`, err.message, err.fix);
    }
    out[kind] = x;
  }
  return out;
}

const PRIVATE_KEY_TEXT = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File-\d/;

/** Control characters: none belongs in a host, user, path or list; notes may have tabs and line breaks. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Refuses private key material anywhere in a session (pasted into `notes`, or given where a key
 * file's path belongs): the config file must never hold a secret. Refuses control characters too:
 * a NUL in `keys/x\0y` would be cut or dropped somewhere below and name another file, and a line
 * break in a path could be read as a second line of a service unit.
 */
function refuseUnsafeText(v: unknown, path: string): void {
  if (typeof v === 'string') {
    if (PRIVATE_KEY_TEXT.test(v)) {
      throw new ConfigError(
        path,
        'holds a private key',
        "Keys are not stored in the config: give the key file's path, or import the key into Burrow and give its id as auth.keyId.",
      );
    }
    if ((path.endsWith('.notes') ? CONTROL_IN_TEXT : CONTROL).test(v)) {
      const c = (path.endsWith('.notes') ? CONTROL_IN_TEXT : CONTROL).exec(v)![0].charCodeAt(0);
      throw new ConfigError(
        path,
        `holds a control character (${c === 0 ? 'NUL' : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`})`,
        'Remove it: no name, address or path contains one.',
      );
    }
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => refuseUnsafeText(x, `${path}[${i}]`));
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) refuseUnsafeText(x, `${path}.${k}`);
  }
}

/** Validates one session, filling in defaults for what may be left out. */
export function parseSessionConfig(v: unknown, path = 'session'): SessionConfig {
  if (!isObject(v)) throw new ConfigError(path, 'must be an object', 'See docs/config.md for the format.');
  onlyKnown(v, path, SESSION_KEYS);
  refuseUnsafeText(v, path);
  const name = str(v, 'name', path, 'Give the session a name, e.g. "fivetran".')!;
  const id = str(v, 'id', path, 'Leave it out to use the name.', true) ?? name;
  const host = str(v, 'host', path, 'Give the SSH server name or address the vendor gave you.')!;
  const port = v.port === undefined ? SESSION_DEFAULTS.port : checkPort(v.port, `${path}.port`, false);
  const user = str(v, 'user', path, 'Give the SSH user name the vendor gave you (e.g. "fivetran", "tunnel").')!;
  // No system allows these characters in a user or host name; here they mean `user:password@host`
  // was split in the wrong place, and the password must not be kept (nor quoted in this error).
  if (user.includes(':')) {
    throw new ConfigError(`${path}.user`, 'holds a colon, so it carries a password (user:password)', 'Give the user name alone; Burrow logs in with keys.');
  }
  if (host.includes('@')) {
    throw new ConfigError(
      `${path}.host`,
      'holds an "@": a user name (perhaps with a password) is written into it',
      'Give the host name alone, and the user name in its own field.',
    );
  }

  const authRaw = v.auth ?? {};
  if (!isObject(authRaw)) throw new ConfigError(`${path}.auth`, 'must be an object', 'Give {"identityFiles":["~/.ssh/id_ed25519"]}.');
  const files = authRaw.identityFiles ?? [];
  if (!Array.isArray(files) || files.some((f) => typeof f !== 'string' || f === '')) {
    throw new ConfigError(`${path}.auth.identityFiles`, 'must be a list of file paths', 'Give e.g. ["~/.ssh/id_ed25519"], or [] for the OpenSSH defaults.');
  }
  onlyKnown(authRaw, `${path}.auth`, ['identityFiles', 'passphraseFile', 'keyId']);
  const passphraseFile = str(authRaw, 'passphraseFile', `${path}.auth`, 'Give the path of a file holding the passphrase, or leave it out.', true);
  const keyId = str(authRaw, 'keyId', `${path}.auth`, 'Give the id of a key held by Burrow (`burrow key list`), or leave it out.', true);
  if (keyId !== undefined && keyId.trim() === '') {
    throw new ConfigError(`${path}.auth.keyId`, 'is empty', 'Give the id of a key held by Burrow, or leave it out.');
  }

  const hkRaw = v.hostKey ?? { policy: 'yes' };
  if (!isObject(hkRaw)) throw new ConfigError(`${path}.hostKey`, 'must be an object', 'Give {"policy":"accept-new"}.');
  onlyKnown(hkRaw, `${path}.hostKey`, ['policy', 'knownHostsFiles', 'fingerprint']);
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
    throw new ConfigError(
      `${path}.hostKey.fingerprint`,
      `is not a SHA256 fingerprint (${JSON.stringify(fingerprint)})`,
      'Copy it as `ssh-keygen -lf` prints it: SHA256: followed by 43 characters.',
    );
  }

  const kaRaw = v.keepalive ?? {};
  if (!isObject(kaRaw)) throw new ConfigError(`${path}.keepalive`, 'must be an object', 'Give {"intervalSeconds":15,"countMax":3}.');
  onlyKnown(kaRaw, `${path}.keepalive`, ['intervalSeconds', 'countMax']);
  const keepalive = {
    intervalSeconds: num(kaRaw, 'intervalSeconds', `${path}.keepalive`, SESSION_DEFAULTS.keepalive.intervalSeconds, 0, 3600),
    countMax: num(kaRaw, 'countMax', `${path}.keepalive`, SESSION_DEFAULTS.keepalive.countMax, 1, 100),
  };
  const connectTimeoutSeconds = num(v, 'connectTimeoutSeconds', path, SESSION_DEFAULTS.connectTimeoutSeconds, 1, 600);
  const compression = v.compression === undefined ? SESSION_DEFAULTS.compression : v.compression;
  if (typeof compression !== 'boolean') throw new ConfigError(`${path}.compression`, 'must be true or false', 'Leave it out for no compression.');
  const autostart = v.autostart === undefined ? SESSION_DEFAULTS.autostart : v.autostart;
  if (typeof autostart !== 'boolean') throw new ConfigError(`${path}.autostart`, 'must be true or false', 'Leave it out to start the session by hand.');

  const rekeyLimit = v.rekeyLimit === undefined ? undefined : parseRekeyLimitConfig(v.rekeyLimit, `${path}.rekeyLimit`);
  const algorithms = v.algorithms === undefined ? undefined : parseAlgorithmsConfig(v.algorithms, `${path}.algorithms`);

  if (!Array.isArray(v.forwards)) {
    throw new ConfigError(
      `${path}.forwards`,
      v.forwards === undefined ? 'is missing' : 'must be a list',
      'Give at least one forward, e.g. [{"type":"remote","bindPort":15432,"targetHost":"localhost","targetPort":5432}].',
    );
  }
  if (v.forwards.length > IMPORT_LIMITS.forwardsPerSession) {
    throw new ConfigError(
      `${path}.forwards`,
      `has ${v.forwards.length.toLocaleString('en')} forwards, more than the ${IMPORT_LIMITS.forwardsPerSession.toLocaleString('en')} one session may have`,
      'Split them over several sessions to the same server.',
    );
  }
  const forwards = v.forwards.map((f, i) => parseForward(f, `${path}.forwards[${i}]`));
  const preset = str(v, 'preset', path, 'Give a preset id such as "fivetran", or leave it out.', true);
  const notes = str(v, 'notes', path, 'Give free text, or leave it out.', true);

  return {
    id,
    name,
    host,
    port,
    user,
    auth: {
      identityFiles: files as string[],
      ...(passphraseFile !== undefined ? { passphraseFile } : {}),
      ...(keyId !== undefined ? { keyId } : {}),
    },
    hostKey: {
      policy: policy as HostKeyPolicy,
      ...(khf !== undefined ? { knownHostsFiles: khf as string[] } : {}),
      ...(fingerprint !== undefined ? { fingerprint } : {}),
    },
    keepalive,
    connectTimeoutSeconds,
    compression,
    autostart,
    forwards,
    ...(rekeyLimit !== undefined ? { rekeyLimit } : {}),
    ...(algorithms !== undefined && Object.keys(algorithms).length > 0 ? { algorithms } : {}),
    ...(preset !== undefined ? { preset } : {}),
    ...(notes !== undefined ? { notes } : {}),
  };
}

const SESSION_KEYS: ReadonlyArray<string> = [
  'id',
  'name',
  'host',
  'port',
  'user',
  'auth',
  'hostKey',
  'keepalive',
  'connectTimeoutSeconds',
  'compression',
  'rekeyLimit',
  'algorithms',
  'forwards',
  'autostart',
  'preset',
  'notes',
];

/** Throws when two sessions share an id or a name. */
export function checkUnique(sessions: ReadonlyArray<SessionConfig>): void {
  const ids = new Set<string>();
  const names = new Set<string>();
  sessions.forEach((s, i) => {
    if (ids.has(s.id))
      throw new ConfigError(
        `sessions[${i}].id`,
        `repeats ${JSON.stringify(s.id)}`,
        'Give every session its own id (or leave ids out and give each its own name).',
      );
    if (names.has(s.name.toLowerCase())) throw new ConfigError(`sessions[${i}].name`, `repeats ${JSON.stringify(s.name)}`, 'Give every session its own name.');
    ids.add(s.id);
    names.add(s.name.toLowerCase());
  });
}
