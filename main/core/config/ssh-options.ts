/**
 * OpenSSH client options read from command lines and ssh_config in OpenSSH's own syntax, in one
 * place so that the importers cannot drift apart: StrictHostKeyChecking, RekeyLimit, IdentityAgent
 * and the algorithm lists (KexAlgorithms, HostKeyAlgorithms, PubkeyAcceptedAlgorithms, Ciphers,
 * MACs).
 */
import type { HostKeyPolicy, RekeyLimitConfig } from '../../../common/config.js';
import { type AlgorithmKind, resolveAlgorithms } from '../../../common/algorithms.js';

export { AlgorithmListError } from '../../../common/algorithms.js';

/**
 * The ssh_config keywords (lower case) that set an algorithm list. PubkeyAcceptedKeyTypes is the
 * name OpenSSH used before 8.5, still accepted by it, and still in vendors' guides.
 */
export const ALGORITHM_KEYWORDS: Readonly<Record<string, AlgorithmKind>> = {
  kexalgorithms: 'kex',
  hostkeyalgorithms: 'hostKey',
  pubkeyacceptedalgorithms: 'pubkey',
  pubkeyacceptedkeytypes: 'pubkey',
  ciphers: 'ciphers',
  macs: 'macs',
};

/**
 * Checks an algorithm list as written (`+ssh-rsa`, `aes128-ctr,aes256-ctr`, `-hmac-sha1*`) and
 * returns it unchanged: it is stored as written, so that `+`, `-` and `^` keep following Burrow's
 * defaults. Throws AlgorithmListError naming a name Burrow cannot use.
 */
export function checkAlgorithmList(kind: AlgorithmKind, value: string): string {
  resolveAlgorithms(kind, value);
  return value;
}

/** OpenSSH's StrictHostKeyChecking values (readconf.c's multistate table), or undefined. */
export function hostKeyPolicyOf(value: string): HostKeyPolicy | undefined {
  const map: Readonly<Record<string, HostKeyPolicy>> = { yes: 'yes', true: 'yes', 'accept-new': 'accept-new', no: 'no', false: 'no', off: 'no', ask: 'ask' };
  return Object.hasOwn(map, value.toLowerCase()) ? map[value.toLowerCase()] : undefined;
}

const KIB = 1024;
const GIB = KIB ** 3;

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: KIB, m: KIB ** 2, g: GIB };
const TIME_UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Why a RekeyLimit value cannot be read; `fix` says what to write instead. */
export class RekeyLimitError extends Error {
  constructor(
    problem: string,
    readonly fix: string,
  ) {
    super(problem);
    this.name = 'RekeyLimitError';
  }
}

/**
 * Reads OpenSSH's `RekeyLimit <size>|default [<time>|none]`: a size with K, M or G (at least 16
 * bytes, OpenSSH's minimum), a time in sshd_config's TIME FORMATS (`3600`, `1h`, `1h30m`).
 * Returns only what differs from OpenSSH's default ("default none").
 */
export function parseRekeyLimit(value: string): RekeyLimitConfig {
  const [size, time, extra] = value.trim().split(/\s+/);
  const fix = 'Write it as OpenSSH does, e.g. RekeyLimit=1G or "RekeyLimit 512M 1h" (size K/M/G or default, then an optional time or none).';
  if (size === undefined || size === '' || extra !== undefined) throw new RekeyLimitError(`"${value}" is not a size and an optional time`, fix);
  const out: { bytes?: number; seconds?: number } = {};
  if (size.toLowerCase() !== 'default') {
    const m = /^(\d+)([kmg]?)$/i.exec(size);
    if (!m) throw new RekeyLimitError(`"${size}" is not a size`, fix);
    const bytes = Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
    if (bytes < 16) throw new RekeyLimitError(`${size} is too small (OpenSSH's minimum is 16 bytes)`, fix);
    if (!Number.isSafeInteger(bytes)) throw new RekeyLimitError(`${size} is too large`, fix);
    out.bytes = bytes;
  }
  if (time !== undefined && time.toLowerCase() !== 'none') {
    const seconds = parseTime(time);
    if (seconds === undefined) throw new RekeyLimitError(`"${time}" is not a time`, fix);
    if (seconds > 0) out.seconds = seconds;
  }
  return out;
}

/** sshd_config(5) TIME FORMATS: `90`, `10m`, `1h30m`; undefined when it is not one. */
function parseTime(text: string): number | undefined {
  if (!/^(\d+[smhdw]?)+$/i.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhdw]?)/gi)) total += Number(n) * TIME_UNITS[unit!.toLowerCase()]!;
  return total;
}

/** Writes a RekeyLimit back in OpenSSH's words, e.g. `1G 1h` or `default none`. */
export function formatRekeyLimit(limit: RekeyLimitConfig): string {
  const size =
    limit.bytes === undefined
      ? 'default'
      : limit.bytes % GIB === 0
        ? `${limit.bytes / GIB}G`
        : limit.bytes % KIB ** 2 === 0
          ? `${limit.bytes / KIB ** 2}M`
          : limit.bytes % KIB === 0
            ? `${limit.bytes / KIB}K`
            : String(limit.bytes);
  return `${size} ${limit.seconds === undefined ? 'none' : `${limit.seconds}s`}`;
}

/**
 * OpenSSH's IdentityAgent as `auth.agent` takes it: `SSH_AUTH_SOCK` (or `$SSH_AUTH_SOCK`) is the
 * agent that variable names, `"env"`; `none` turns the agent off, which is no setting at all; any
 * other value is the agent socket's path. OpenSSH also reads `$OTHER_VARIABLE` as "the socket
 * this variable names", which Burrow does not: its `problem` says so, with the fix.
 */
export function identityAgentOf(value: string): { readonly agent?: string } | { readonly problem: string; readonly fix: string } {
  const v = value.trim();
  if (v.toLowerCase() === 'none') return {};
  if (/^(SSH_AUTH_SOCK|\$SSH_AUTH_SOCK|\$\{SSH_AUTH_SOCK\})$/.test(v)) return { agent: 'env' };
  if (v.startsWith('$')) {
    return {
      problem: `names the environment variable ${v.replace(/^\$\{?|\}$/g, '')}, and Burrow reads only SSH_AUTH_SOCK`,
      fix: "Give the agent socket's path, or SSH_AUTH_SOCK for the agent that variable names.",
    };
  }
  if (v === '') return { problem: 'is empty', fix: "Give the agent socket's path, SSH_AUTH_SOCK, or none." };
  return { agent: v };
}
