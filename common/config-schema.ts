/**
 * The one validator of a session's settings, shared by every side: the store on load and save,
 * the app at its boundary (whatever a window or the control channel sends), and the window's
 * forms for inline errors. It is a zod schema (`sessionSchema`) whose output is a SessionConfig;
 * it finds every problem of a session in one pass, each with its field and the fix, so a form
 * shows them all at once and a config file with three mistakes is told about all three.
 */
import { z } from 'zod';
import { IMPORT_LIMITS } from './limits.js';
import type {
  AlgorithmsConfig,
  DefaultProxyConfig,
  ForwardConfig,
  HostKeyPolicy,
  JumpHostConfig,
  ProxyConfig,
  RekeyLimitConfig,
  SessionConfig,
} from './config.js';
import { SESSION_DEFAULTS } from './config.js';
import { ALGORITHM_KINDS, AlgorithmListError, OPENSSH_OPTION, resolveAlgorithms } from './algorithms.js';

/** One problem: `field` is a path like `sessions[2].forwards[0].bindPort`. */
export interface ConfigProblem {
  readonly field: string;
  readonly problem: string;
  readonly fix: string;
}

/** A config problem; `problems` holds every one found (the first is `field`, `problem`, `fix`). */
export class ConfigError extends Error {
  readonly problems: ReadonlyArray<ConfigProblem>;
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
    more: ReadonlyArray<ConfigProblem> = [],
  ) {
    super(`${field}: ${problem}. ${fix}`);
    this.name = 'ConfigError';
    this.problems = [{ field, problem, fix }, ...more];
  }
}

const POLICIES: ReadonlyArray<HostKeyPolicy> = ['yes', 'accept-new', 'no', 'ask'];
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The settings of an object Burrow does not know, each with a guess at what was meant. */
function unknownKeys(o: Json, known: ReadonlyArray<string>): Array<{ key: string; fix: string }> {
  return Object.keys(o)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
      return { key, fix: near ? `Did you mean "${near}"?` : `Remove it; the settings here are ${known.join(', ')}.` };
    });
}

/**
 * Rejects settings Burrow does not know: a misspelt `autoStart` would otherwise be dropped
 * silently and the session would not start at login.
 */
export function onlyKnown(o: Json, path: string, known: ReadonlyArray<string>): void {
  const [first] = unknownKeys(o, known);
  if (first) throw new ConfigError(`${path}.${first.key}`, 'is not a setting Burrow knows', first.fix);
}

// ---------------------------------------------------------------------------------------------
// The pieces: each a zod schema that says what is wrong in Burrow's words, with the fix.
// ---------------------------------------------------------------------------------------------

/** Records a problem at the value being read (or at `path` below it). */
function problem(ctx: { issues: unknown[] }, input: unknown, text: string, fix: string, path: ReadonlyArray<string | number> = []): typeof z.NEVER {
  ctx.issues.push({ code: 'custom', message: text, input, path: [...path], params: { fix } });
  return z.NEVER;
}

const PRIVATE_KEY_TEXT = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File-\d/;
/** Control characters: none belongs in a host, user, path or list; notes may have tabs and line breaks. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * What is unsafe in text anywhere in a session: private key material (pasted into `notes`, or
 * given where a key file's path belongs) — the config file must never hold a secret — and control
 * characters (a NUL in `keys/x\0y` would be cut somewhere below and name another file, and a line
 * break in a path could be read as a second line of a service unit).
 */
function unsafeText(v: string, freeText: boolean): { problem: string; fix: string } | undefined {
  if (PRIVATE_KEY_TEXT.test(v)) {
    return {
      problem: 'holds a private key',
      fix: "Keys are not stored in the config: give the key file's path, or import the key into Burrow and give its id as auth.keyId.",
    };
  }
  const c = (freeText ? CONTROL_IN_TEXT : CONTROL).exec(v)?.[0].charCodeAt(0);
  if (c === undefined) return undefined;
  return {
    problem: `holds a control character (${c === 0 ? 'NUL' : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`})`,
    fix: 'Remove it: no name, address or path contains one.',
  };
}

/** Text: required (not blank) unless `optional`; free text (notes) may hold tabs and line breaks. */
function text(fix: string, o: { optional: true; freeText?: boolean; blank?: { problem: string; fix: string } }): z.ZodType<string | undefined, unknown>;
function text(fix: string, o?: { optional?: false; also?: (v: string) => { problem: string; fix: string } | undefined }): z.ZodType<string, unknown>;
function text(
  fix: string,
  o: {
    optional?: boolean;
    freeText?: boolean;
    blank?: { problem: string; fix: string };
    also?: (v: string) => { problem: string; fix: string } | undefined;
  } = {},
): z.ZodType<string | undefined, unknown> {
  const schema = z.unknown().transform((v, ctx) => {
    if (typeof v !== 'string' || (!o.optional && v.trim() === '')) return problem(ctx, v, v === undefined ? 'is missing' : 'must be a non-empty string', fix);
    const unsafe = unsafeText(v, o.freeText ?? false) ?? (o.blank && v.trim() === '' ? o.blank : undefined) ?? o.also?.(v);
    if (unsafe) return problem(ctx, v, unsafe.problem, unsafe.fix);
    return v;
  });
  // Left out, an optional setting is left out (zod reads an absent key only through .optional()).
  return o.optional ? schema.optional() : schema;
}

/** A TCP port; `allowZero` where 0 means "let the other side choose". */
function port(allowZero: boolean, dflt?: number): z.ZodType<number, unknown> {
  const min = allowZero ? 0 : 1;
  const schema = z.unknown().transform((v, ctx) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 65535) {
      return problem(
        ctx,
        v,
        `must be a whole number from ${min} to 65535 (got ${JSON.stringify(v)})`,
        allowZero ? 'Use 0 to have a free port picked (by the server for -R, by this machine for -L and -D).' : 'Use the port the service listens on.',
      );
    }
    return v;
  });
  // Left out: its default, read as if given (zod reads an absent key only through a prefault or .optional()).
  return dflt !== undefined ? schema.prefault(dflt) : schema;
}

/** A TCP port; `allowZero` where 0 means "let the other side choose". Throws a ConfigError naming `field`. */
export function checkPort(v: unknown, field: string, allowZero: boolean): number {
  const r = port(allowZero).safeParse(v);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ConfigError(field, issue.message, fixOf(issue));
}

function num(dflt: number, min: number, max: number): z.ZodType<number, unknown> {
  return z
    .unknown()
    .transform((v, ctx) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
        return problem(ctx, v, `must be a number from ${min} to ${max} (got ${JSON.stringify(v)})`, `Remove it to use the default (${dflt}).`);
      }
      return v;
    })
    .prefault(dflt);
}

function bool(dflt: boolean, fix: string): z.ZodType<boolean, unknown> {
  return z
    .unknown()
    .transform((v, ctx) => (typeof v === 'boolean' ? v : problem(ctx, v, 'must be true or false', fix)))
    .prefault(dflt);
}

/** A list of file paths (each also checked for unsafe text, at its own index). */
function paths(fix: string): z.ZodType<string[], unknown> {
  return z.unknown().transform((v, ctx) => {
    if (!Array.isArray(v) || v.some((f) => typeof f !== 'string' || f === '')) return problem(ctx, v, 'must be a list of file paths', fix);
    let bad = false;
    v.forEach((f: string, i) => {
      const unsafe = unsafeText(f, false);
      if (unsafe) bad = problem(ctx, f, unsafe.problem, unsafe.fix, [i]) === z.NEVER;
    });
    return bad ? z.NEVER : (v as string[]);
  });
}

/**
 * An object of known settings: every field's problems, and every setting Burrow does not know, at
 * once. `missing`: its value when left out (undefined: it must be there).
 */
function settings<S extends z.core.$ZodLooseShape>(shape: S, notObject: string, missing?: Json) {
  const known = Object.keys(shape);
  const inner = z.looseObject(shape).superRefine(
    (o, ctx) => {
      for (const u of unknownKeys(o as Json, known))
        ctx.addIssue({ code: 'custom', message: 'is not a setting Burrow knows', path: [u.key], params: { fix: u.fix } });
    },
    { when: () => true },
  );
  const schema = z
    .unknown()
    .transform((v, ctx) => (isObject(v) ? v : problem(ctx, v, v === undefined ? 'is missing' : 'must be an object', notObject)))
    .pipe(inner);
  return missing !== undefined ? schema.prefault(missing) : schema;
}

// ---------------------------------------------------------------------------------------------
// A session
// ---------------------------------------------------------------------------------------------

const forwardTarget = {
  type: z.unknown(),
  bindAddress: text('Use an address such as "localhost", "0.0.0.0" or "*", or leave it out.', { optional: true }),
  // 0: a free port, picked by the server (-R) or by this machine (-L), and reported.
  bindPort: port(true),
};
const withTarget = settings(
  {
    ...forwardTarget,
    targetHost: text('Name the host that runs the service, e.g. "localhost".'),
    targetPort: port(false),
  },
  '',
);
const withoutTarget = settings(forwardTarget, '');

/** One forward: its settings depend on its type. */
const forwardSchema: z.ZodType<ForwardConfig, unknown> = z.unknown().transform((v, ctx): ForwardConfig => {
  if (!isObject(v)) return problem(ctx, v, 'must be an object', 'Give {"type":"remote","bindPort":…,"targetHost":…,"targetPort":…}.');
  const type = v.type;
  if (type !== 'remote' && type !== 'local' && type !== 'remote-dynamic' && type !== 'local-dynamic') {
    return problem(ctx, type, `is ${JSON.stringify(type)}`, 'Use one of "remote", "remote-dynamic", "local", "local-dynamic".', ['type']);
  }
  const r = (type === 'remote' || type === 'local' ? withTarget : withoutTarget).safeParse(v);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.issues.push({ ...issue, input: v } as never);
    return z.NEVER;
  }
  const { bindAddress, bindPort } = r.data;
  const at = bindAddress !== undefined ? { bindAddress } : {};
  if (type === 'remote' || type === 'local') {
    const t = r.data as unknown as { targetHost: string; targetPort: number };
    return { type, ...at, bindPort, targetHost: t.targetHost, targetPort: t.targetPort };
  }
  return { type, ...at, bindPort };
});

/** `{"bytes": …, "seconds": …}`, both optional; OpenSSH's minimum of 16 bytes holds. */
function whole(min: number, max: number, fix: string): z.ZodType<number | undefined, unknown> {
  return z
    .unknown()
    .transform((x, ctx) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max)
        return problem(ctx, x, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(x)})`, fix);
      return x;
    })
    .optional();
}
const rekeyLimitSchema = settings(
  {
    bytes: whole(16, Number.MAX_SAFE_INTEGER, "Give a number of bytes (1073741824 is 1 GiB), or leave it out for the cipher's default."),
    seconds: whole(1, 366 * 86400, 'Give a number of seconds (3600 is an hour), or leave it out for no time limit.'),
  },
  'Give {"bytes":1073741824,"seconds":3600}, or leave it out for OpenSSH\'s default.',
);

/**
 * `{"kex": "+diffie-hellman-group14-sha1", …}`: each list in OpenSSH's syntax, kept as written so
 * that `+`/`-`/`^` go on following Burrow's defaults; every name must be one Burrow can use.
 */
function algorithmList(kind: (typeof ALGORITHM_KINDS)[number]): z.ZodType<string | undefined, unknown> {
  return z
    .unknown()
    .transform((x, ctx) => {
      if (typeof x !== 'string' || x.trim() === '') {
        return problem(ctx, x, 'must be a non-empty string', `Write it as OpenSSH's ${OPENSSH_OPTION[kind]} takes it, e.g. "+ssh-rsa", or leave it out.`);
      }
      try {
        resolveAlgorithms(kind, x);
      } catch (err) {
        if (!(err instanceof AlgorithmListError)) throw err;
        return problem(ctx, x, err.message, err.fix);
      }
      return x;
    })
    .optional();
}
const algorithmsSchema = settings(
  Object.fromEntries(ALGORITHM_KINDS.map((k) => [k, algorithmList(k)])) as Record<(typeof ALGORITHM_KINDS)[number], z.ZodType<string | undefined, unknown>>,
  'Give e.g. {"kex":"+diffie-hellman-group14-sha1"}, or leave it out for OpenSSH\'s defaults.',
);

/** A host name or address; an "@" in it means `user@host` (or `user:password@host`) landed here. */
function hostName(fix: string): z.ZodType<string, unknown> {
  return text(fix, {
    also: (h) =>
      h.includes('@')
        ? {
            problem: 'holds an "@": a user name (perhaps with a password) is written into it',
            fix: 'Give the host name alone, and the user name in its own field.',
          }
        : undefined,
  });
}

/** A user name; a colon in it means `user:password` (the password must not be kept, nor quoted). */
function userName(fix: string, passwordFix = 'Give the user name alone; Burrow logs in with keys.'): z.ZodType<string, unknown> {
  return text(fix, {
    also: (u) => (u.includes(':') ? { problem: 'holds a colon, so it carries a password (user:password)', fix: passwordFix } : undefined),
  });
}

/** A pinned `SHA256:…` host key fingerprint, optional. */
function fingerprint(): z.ZodType<string | undefined, unknown> {
  return text('Give the SHA256:… fingerprint the vendor publishes.', { optional: true })
    .transform((f, ctx) => {
      if (f !== undefined && !FINGERPRINT.test(f)) {
        return problem(
          ctx,
          f,
          `is not a SHA256 fingerprint (${JSON.stringify(f)})`,
          'Copy it as `ssh-keygen -lf` prints it: SHA256: followed by 43 characters.',
        );
      }
      return f;
    })
    .optional();
}

/** The most jump hosts one session may cross: OpenSSH sets no limit; ten is far past any real path. */
export const MAX_JUMP_HOSTS = 10;

const jumpHostSchema = settings(
  {
    host: hostName('Give the jump host\'s name or address, e.g. "bastion.example.com".'),
    port: port(false, SESSION_DEFAULTS.port),
    user: userName("Give the user name on the jump host, or leave it out to use the session's.").optional(),
    identityFiles: paths('Give e.g. ["~/.ssh/id_ed25519"], or leave it out to use the session\'s keys.').optional(),
    fingerprint: fingerprint(),
  },
  'Give {"host":"bastion.example.com","port":22}, or "user@host:port".',
).transform((j): JumpHostConfig => ({
  host: j.host,
  port: j.port,
  ...(j.user !== undefined ? { user: j.user } : {}),
  ...(j.identityFiles !== undefined ? { identityFiles: j.identityFiles } : {}),
  ...(j.fingerprint !== undefined ? { fingerprint: j.fingerprint } : {}),
}));

const jumpHostsSchema = z
  .unknown()
  .transform((v, ctx) => {
    if (!Array.isArray(v)) return problem(ctx, v, 'must be a list', 'Give e.g. [{"host":"bastion.example.com"}], or leave it out to connect directly.');
    if (v.length > MAX_JUMP_HOSTS)
      return problem(ctx, v, `has ${v.length} jump hosts, more than the ${MAX_JUMP_HOSTS} Burrow crosses`, 'Give the jump hosts this server really needs.');
    return v as unknown[];
  })
  .pipe(z.array(jumpHostSchema));

/** The settings of an HTTP or SOCKS proxy, a session's or Settings' default. */
const NETWORK_PROXY_FIELDS = {
  type: z.unknown(),
  host: hostName('Give the proxy\'s name or address, e.g. "proxy.corp.example".'),
  port: port(false),
  user: userName(
    'Give the user name the proxy asks for, or leave it out.',
    'Give the user name alone; Burrow asks for the proxy password and keeps it apart.',
  ).optional(),
  remoteDns: bool(true, "Leave it out to have the proxy resolve the server's name.").optional(),
};
const networkProxy = settings(NETWORK_PROXY_FIELDS, '');
const commandProxy = settings({ type: z.unknown(), command: text('Give the command, e.g. "nc -X connect -x proxy:3128 %h %p".') }, '');

/** An outbound proxy: its settings depend on its type. */
const proxySchema: z.ZodType<ProxyConfig, unknown> = z.unknown().transform((v, ctx): ProxyConfig => {
  if (!isObject(v)) return problem(ctx, v, 'must be an object', 'Give {"type":"http","host":"proxy.corp.example","port":3128}, or leave it out.');
  const type = v.type;
  if (type !== 'http' && type !== 'socks5' && type !== 'socks4' && type !== 'command') {
    return problem(ctx, type, `is ${JSON.stringify(type)}`, 'Use one of "http", "socks5", "socks4", "command".', ['type']);
  }
  const r = (type === 'command' ? commandProxy : networkProxy).safeParse(v);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.issues.push({ ...issue, input: v } as never);
    return z.NEVER;
  }
  if (type === 'command') return { type, command: (r.data as unknown as { command: string }).command };
  const p = r.data as unknown as { host: string; port: number; user?: string; remoteDns?: boolean };
  return {
    type,
    host: p.host,
    port: p.port,
    ...(p.user !== undefined ? { user: p.user } : {}),
    ...(p.remoteDns === false ? { remoteDns: false } : {}),
  };
});

/** Settings' default proxy: an HTTP or SOCKS proxy (not a command), and the hosts reached directly. */
const defaultProxySchema: z.ZodType<DefaultProxyConfig, unknown> = settings(
  {
    ...NETWORK_PROXY_FIELDS,
    exclude: z.unknown().transform((v, ctx) => {
      const list = v ?? [];
      if (!Array.isArray(list) || list.length > 1000 || list.some((x) => typeof x !== 'string' || x.trim() === '' || x.length > 255 || /[\s,]/.test(x)))
        return problem(ctx, v, 'must be a list of host names or patterns', 'Give e.g. ["*.corp.example", "10.*"], one name or pattern each.');
      return list as string[];
    }),
  },
  'Give {"type":"http","host":"proxy.corp.example","port":3128}, or null for none.',
).transform((p, ctx): DefaultProxyConfig => {
  if (p.type !== 'http' && p.type !== 'socks5' && p.type !== 'socks4') {
    return problem(ctx, p.type, `is ${JSON.stringify(p.type)}`, 'Use one of "http", "socks5", "socks4".', ['type']);
  }
  return {
    type: p.type,
    host: p.host,
    port: p.port,
    ...(p.user !== undefined ? { user: p.user } : {}),
    ...(p.remoteDns === false ? { remoteDns: false } : {}),
    exclude: p.exclude,
  };
});

/** Reads Settings' default proxy; a ConfigError names every problem under `path`. */
export function parseDefaultProxy(v: unknown, path = 'proxy'): DefaultProxyConfig {
  const r = defaultProxySchema.safeParse(v);
  if (r.success) return r.data;
  const [first, ...more] = r.error.issues.map((i) => ({ field: fieldOf(path, i.path), problem: i.message, fix: fixOf(i) }));
  throw new ConfigError(first!.field, first!.problem, first!.fix, more);
}

const forwardsSchema = z
  .unknown()
  .transform((v, ctx) => {
    if (!Array.isArray(v)) {
      return problem(
        ctx,
        v,
        v === undefined ? 'is missing' : 'must be a list',
        'Give at least one forward, e.g. [{"type":"remote","bindPort":15432,"targetHost":"localhost","targetPort":5432}].',
      );
    }
    if (v.length > IMPORT_LIMITS.forwardsPerSession) {
      return problem(
        ctx,
        v,
        `has ${v.length.toLocaleString('en')} forwards, more than the ${IMPORT_LIMITS.forwardsPerSession.toLocaleString('en')} one session may have`,
        'Split them over several sessions to the same server.',
      );
    }
    return v as unknown[];
  })
  .pipe(z.array(forwardSchema));

/**
 * A session's settings, defaults filled in for what may be left out; its output is exactly the
 * SessionConfig the store writes and the engine runs.
 */
export const sessionSchema: z.ZodType<SessionConfig, unknown> = settings(
  {
    id: text('Leave it out to use the name.', { optional: true }),
    name: text('Give the session a name, e.g. "fivetran".'),
    // No system allows these characters in a user or host name; here they mean `user:password@host`
    // was split in the wrong place, and the password must not be kept (nor quoted in this error).
    host: hostName('Give the SSH server name or address the vendor gave you.'),
    port: port(false, SESSION_DEFAULTS.port),
    user: userName('Give the SSH user name the vendor gave you (e.g. "fivetran", "tunnel").'),
    auth: settings(
      {
        identityFiles: paths('Give e.g. ["~/.ssh/id_ed25519"], or [] for the OpenSSH defaults.')
          .optional()
          .transform((f) => f ?? []),
        passphraseFile: text('Give the path of a file holding the passphrase, or leave it out.', { optional: true }),
        keyId: text('Give the id of a key held by Burrow (`burrow key list`), or leave it out.', {
          optional: true,
          blank: { problem: 'is empty', fix: 'Give the id of a key held by Burrow, or leave it out.' },
        }),
        agent: text('Give "env" for the agent SSH_AUTH_SOCK names (Pageant on Windows), or the path of the agent\'s socket, or leave it out.', {
          optional: true,
          blank: { problem: 'is empty', fix: 'Give "env" for the agent SSH_AUTH_SOCK names, or leave it out.' },
        }),
        identitiesOnly: bool(false, 'Leave it out to offer every key the agent holds.').optional(),
      },
      'Give {"identityFiles":["~/.ssh/id_ed25519"]}.',
      {},
    ),
    hostKey: settings(
      {
        policy: z.unknown().transform((p, ctx): HostKeyPolicy => {
          const policy = p ?? 'yes';
          if (typeof policy !== 'string' || !POLICIES.includes(policy as HostKeyPolicy))
            return problem(ctx, p, `is ${JSON.stringify(policy)}`, 'Use "yes", "accept-new", "no" or "ask".');
          return policy as HostKeyPolicy;
        }),
        knownHostsFiles: paths('Leave it out to use ~/.ssh/known_hosts.').optional(),
        fingerprint: fingerprint(),
      },
      'Give {"policy":"accept-new"}.',
      { policy: 'yes' },
    ),
    keepalive: settings(
      {
        intervalSeconds: num(SESSION_DEFAULTS.keepalive.intervalSeconds, 0, 3600),
        countMax: num(SESSION_DEFAULTS.keepalive.countMax, 1, 100),
      },
      'Give {"intervalSeconds":15,"countMax":3}.',
      {},
    ),
    connectTimeoutSeconds: num(SESSION_DEFAULTS.connectTimeoutSeconds, 1, 600),
    compression: bool(SESSION_DEFAULTS.compression, 'Leave it out for no compression.'),
    rekeyLimit: rekeyLimitSchema.optional(),
    reachCheckSeconds: whole(5, 86_400, 'Give a number of seconds (900 is a quarter of an hour), or leave it out to check only when the tunnel connects.'),
    algorithms: algorithmsSchema.optional(),
    jumpHosts: jumpHostsSchema.optional(),
    proxy: proxySchema.optional(),
    forwards: forwardsSchema,
    autostart: bool(SESSION_DEFAULTS.autostart, 'Leave it out to start the session by hand.'),
    preset: text('Give a preset id such as "fivetran", or leave it out.', { optional: true }),
    notes: text('Give free text, or leave it out.', { optional: true, freeText: true }),
  },
  'See docs/config.md for the format.',
).transform((s): SessionConfig => {
  const rekeyLimit: RekeyLimitConfig | undefined = s.rekeyLimit && {
    ...(s.rekeyLimit.bytes !== undefined ? { bytes: s.rekeyLimit.bytes } : {}),
    ...(s.rekeyLimit.seconds !== undefined ? { seconds: s.rekeyLimit.seconds } : {}),
  };
  const algorithms: AlgorithmsConfig | undefined = s.algorithms && Object.fromEntries(Object.entries(s.algorithms).filter(([, x]) => x !== undefined));
  return {
    id: s.id ?? s.name,
    name: s.name,
    host: s.host,
    port: s.port,
    user: s.user,
    auth: {
      identityFiles: s.auth.identityFiles,
      ...(s.auth.passphraseFile !== undefined ? { passphraseFile: s.auth.passphraseFile } : {}),
      ...(s.auth.keyId !== undefined ? { keyId: s.auth.keyId } : {}),
      ...(s.auth.agent !== undefined ? { agent: s.auth.agent } : {}),
      ...(s.auth.identitiesOnly ? { identitiesOnly: true } : {}),
    },
    hostKey: {
      policy: s.hostKey.policy,
      ...(s.hostKey.knownHostsFiles !== undefined ? { knownHostsFiles: s.hostKey.knownHostsFiles } : {}),
      ...(s.hostKey.fingerprint !== undefined ? { fingerprint: s.hostKey.fingerprint } : {}),
    },
    keepalive: { intervalSeconds: s.keepalive.intervalSeconds, countMax: s.keepalive.countMax },
    connectTimeoutSeconds: s.connectTimeoutSeconds,
    compression: s.compression,
    autostart: s.autostart,
    forwards: s.forwards,
    ...(rekeyLimit !== undefined ? { rekeyLimit } : {}),
    ...(s.reachCheckSeconds !== undefined ? { reachCheckSeconds: s.reachCheckSeconds } : {}),
    ...(algorithms !== undefined && Object.keys(algorithms).length > 0 ? { algorithms } : {}),
    ...(s.jumpHosts !== undefined && s.jumpHosts.length > 0 ? { jumpHosts: s.jumpHosts } : {}),
    ...(s.proxy !== undefined ? { proxy: s.proxy } : {}),
    ...(s.preset !== undefined ? { preset: s.preset } : {}),
    ...(s.notes !== undefined ? { notes: s.notes } : {}),
  };
});

/** `forwards[0].bindPort` under `path`. */
function fieldOf(path: string, at: ReadonlyArray<PropertyKey>): string {
  return at.reduce<string>((f, k) => (typeof k === 'number' ? `${f}[${k}]` : `${f}.${String(k)}`), path);
}

function fixOf(issue: z.core.$ZodIssue): string {
  const fix = (issue as { params?: { fix?: unknown } }).params?.fix;
  return typeof fix === 'string' ? fix : 'See docs/config.md for the format.';
}

/** A session read: its settings, or every problem found, in the order of its fields. */
export function readSession(
  v: unknown,
  path = 'session',
): { readonly config: SessionConfig; readonly problems?: undefined } | { readonly config?: undefined; readonly problems: ConfigProblem[] } {
  const r = sessionSchema.safeParse(v);
  return r.success ? { config: r.data } : { problems: r.error.issues.map((i) => ({ field: fieldOf(path, i.path), problem: i.message, fix: fixOf(i) })) };
}

/** Every problem of a session's settings, in the order of its fields (none: it is valid). */
export function sessionProblems(v: unknown, path = 'session'): ConfigProblem[] {
  return readSession(v, path).problems ?? [];
}

/** Validates one session, filling in defaults for what may be left out; a ConfigError holds every problem. */
export function parseSessionConfig(v: unknown, path = 'session'): SessionConfig {
  const r = sessionSchema.safeParse(v);
  if (r.success) return r.data;
  const [first, ...more] = r.error.issues.map((i) => ({ field: fieldOf(path, i.path), problem: i.message, fix: fixOf(i) }));
  throw new ConfigError(first!.field, first!.problem, first!.fix, more);
}

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
