/**
 * The SSH algorithm lists a session may set, in OpenSSH's own syntax (ssh_config(5)): a plain
 * list replaces the default, `+` appends to it, `-` removes from it, `^` puts names first; names
 * may be `*`/`?` patterns. Pure data and parsing, shared by the store's validator, the importers,
 * the engine and the window's forms.
 */

/** The five lists, each named after its OpenSSH option. */
export type AlgorithmKind = 'kex' | 'hostKey' | 'pubkey' | 'ciphers' | 'macs';

export const ALGORITHM_KINDS: ReadonlyArray<AlgorithmKind> = ['kex', 'hostKey', 'pubkey', 'ciphers', 'macs'];

/** The OpenSSH option that sets each list (`-o KexAlgorithms=…`). */
export const OPENSSH_OPTION: Readonly<Record<AlgorithmKind, string>> = {
  kex: 'KexAlgorithms',
  hostKey: 'HostKeyAlgorithms',
  pubkey: 'PubkeyAcceptedAlgorithms',
  ciphers: 'Ciphers',
  macs: 'MACs',
};

/** What each list is, for messages ("no key exchange method in common"). */
export const ALGORITHM_LABEL: Readonly<Record<AlgorithmKind, string>> = {
  kex: 'key exchange method',
  hostKey: 'host key algorithm',
  pubkey: 'signature algorithm for our key',
  ciphers: 'cipher',
  macs: 'MAC',
};

/**
 * Every algorithm Burrow's engine can use: ssh2 1.17's `SUPPORTED_*` lists as they are on Node's
 * OpenSSL 3, which leaves blowfish, CAST and arcfour out (they are only in its legacy provider).
 * Certificates, security keys (`sk-…`), `umac-…` and post-quantum key exchange are not in ssh2.
 * `pubkey` names signature algorithms, so an RSA key appears as rsa-sha2-512, rsa-sha2-256 and
 * ssh-rsa. The engine checks these against the ssh2 it runs on (test: algorithms.test.ts).
 */
export const SUPPORTED_ALGORITHMS: Readonly<Record<AlgorithmKind, ReadonlyArray<string>>> = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group14-sha256',
    'diffie-hellman-group15-sha512',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group17-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group-exchange-sha1',
    'diffie-hellman-group14-sha1',
    'diffie-hellman-group1-sha1',
  ],
  hostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss'],
  pubkey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss'],
  ciphers: [
    'chacha20-poly1305@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-gcm',
    'aes256-gcm',
    'aes256-cbc',
    'aes192-cbc',
    'aes128-cbc',
    '3des-cbc',
  ],
  macs: [
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
    'hmac-md5',
    'hmac-sha2-256-96',
    'hmac-sha2-512-96',
    'hmac-ripemd160',
    'hmac-sha1-96',
    'hmac-md5-96',
  ],
};

/**
 * OpenSSH 9.2's client defaults (`ssh -G`, ssh_config(5)), in its order, without what ssh2 cannot
 * do (sntrup761x25519, umac, certificates, security keys). No SHA-1 key exchange or signatures:
 * those are only ever used when a session asks for them.
 */
export const DEFAULT_ALGORITHMS: Readonly<Record<AlgorithmKind, ReadonlyArray<string>>> = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  hostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'],
  pubkey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'],
  ciphers: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'],
  macs: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha1-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512', 'hmac-sha1'],
};

/** Algorithms that are broken or close to it, with why: allowed when asked for, never without a warning. */
export const WEAK_ALGORITHMS: Readonly<Record<string, string>> = {
  'diffie-hellman-group1-sha1': 'SHA-1 and a 1024-bit group (Logjam)',
  'diffie-hellman-group14-sha1': 'SHA-1',
  'diffie-hellman-group-exchange-sha1': 'SHA-1',
  'ssh-rsa': 'SHA-1 signatures',
  'ssh-dss': 'DSA: 1024-bit keys and SHA-1 signatures',
  'aes128-cbc': 'CBC mode (plaintext recovery, CVE-2008-5161)',
  'aes192-cbc': 'CBC mode (plaintext recovery, CVE-2008-5161)',
  'aes256-cbc': 'CBC mode (plaintext recovery, CVE-2008-5161)',
  '3des-cbc': 'CBC mode and 64-bit blocks (Sweet32)',
  'hmac-md5': 'MD5',
  'hmac-md5-96': 'MD5',
};

/** A session's algorithm lists as written, OpenSSH syntax each (`"+ssh-rsa"`); absent ones are the defaults. */
export interface AlgorithmsConfig {
  readonly kex?: string;
  readonly hostKey?: string;
  readonly pubkey?: string;
  readonly ciphers?: string;
  readonly macs?: string;
}

/** Why a list cannot be used; `fix` says what to write instead. */
export class AlgorithmListError extends Error {
  constructor(
    problem: string,
    readonly fix: string,
  ) {
    super(problem);
    this.name = 'AlgorithmListError';
  }
}

function patternRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

/**
 * The list a value gives, as OpenSSH's kex_assemble_names() computes it: `+` after the defaults,
 * `-` out of them, `^` before them, a plain list as is. Each name must be one of `supported` (a
 * pattern must match one); names a `-` removes are not checked, as in OpenSSH.
 */
export function resolveAlgorithms(
  kind: AlgorithmKind,
  value: string,
  supported: ReadonlyArray<string> = SUPPORTED_ALGORITHMS[kind],
  defaults: ReadonlyArray<string> = DEFAULT_ALGORITHMS[kind],
): string[] {
  const option = OPENSSH_OPTION[kind];
  const op = /^[+\-^]/.test(value) ? value[0]! : '';
  const items = value
    .slice(op.length)
    .split(',')
    .map((s) => s.trim());
  const example = kind === 'kex' ? '+diffie-hellman-group14-sha1' : kind === 'ciphers' ? '+aes128-cbc' : kind === 'macs' ? '-hmac-sha1*' : '+ssh-rsa';
  if (items.some((s) => s === '')) {
    throw new AlgorithmListError(
      `${option} "${value}" has an empty name`,
      `Write the names separated by commas, optionally after one +, - or ^, e.g. ${option}=${example}.`,
    );
  }
  const negated = items.find((s) => s.startsWith('!'));
  if (negated)
    throw new AlgorithmListError(`${option} cannot negate a name (${negated})`, `Remove names with a leading "-", e.g. ${option}=-${negated.slice(1)}.`);
  if (op === '-') {
    const out = items.map(patternRegExp);
    const left = defaults.filter((a) => !out.some((re) => re.test(a)));
    if (left.length === 0) {
      throw new AlgorithmListError(
        `${option} "${value}" removes every ${ALGORITHM_LABEL[kind]}`,
        `Remove only the names you do not want (${option}=-NAME), leaving at least one of ${defaults.join(', ')}.`,
      );
    }
    return left;
  }
  const named: string[] = [];
  for (const item of items) {
    const matches = /[*?]/.test(item) ? supported.filter((a) => patternRegExp(item).test(a)) : supported.filter((a) => a === item);
    if (matches.length === 0) {
      throw new AlgorithmListError(`${item} is not a ${ALGORITHM_LABEL[kind]} Burrow can use`, `Use ${option} with names from: ${supported.join(', ')}.`);
    }
    for (const m of matches) if (!named.includes(m)) named.push(m);
  }
  if (op === '+') return [...defaults, ...named.filter((a) => !defaults.includes(a))];
  if (op === '^') return [...named, ...defaults.filter((a) => !named.includes(a))];
  return named;
}
