/** Stable error codes, human messages and fix hints; classification of ssh2 and OS errors. */
import type { ErrorCode, ErrorInfo } from '../../../common/session.js';
import { type AlgorithmKind, type AlgorithmsConfig, ALGORITHM_LABEL, OPENSSH_OPTION, WEAK_ALGORITHMS } from '../../../common/algorithms.js';
import { defaultsHere, mismatchKindOf, negotiate, type Mismatch, type Offer, type ServerKexInit, supportedHere } from './handshake.js';

/** How far key authentication got (auth.ts keeps it; the error of a failed login reads it). */
export interface AuthProgress {
  /** Types of the keys offered (`ssh-rsa`, `ssh-ed25519`, …), in order. */
  readonly keyTypes: string[];
  /** The server accepted a key and asked for another method as well. */
  partial: boolean;
  /** The methods the server last said could continue (`keyboard-interactive`, `password`, …). */
  methodsLeft: ReadonlyArray<string> | undefined;
}

/** An Error that carries an ErrorInfo, so it can be thrown inside the core and sent out plain. */
export class BurrowError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'BurrowError';
    this.info = info;
  }
}

export function burrowError(code: ErrorCode, message: string, hint?: string, cause?: string): BurrowError {
  return new BurrowError({ code, message, ...(hint ? { hint } : {}), ...(cause ? { cause } : {}) });
}

/**
 * Codes that need a person: retrying fast cannot help, so the session enters `error` and retries
 * only slowly (the key may be authorised on the server later, a known_hosts entry may be fixed, a
 * server's algorithms or second factor may be changed).
 */
export const NEEDS_A_PERSON: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_MISMATCH',
  'HOST_KEY_REVOKED',
  'AUTH_FAILED',
  'AUTH_PARTIAL',
  'KEY_INVALID',
  'KEY_PASSPHRASE',
  'ALGORITHM_MISMATCH',
  'CONFIG_INVALID',
  'PROXY_AUTH',
]);

/** What the connection learnt before it failed, so the error can say more than ssh2's message. */
export interface HandshakeContext {
  /** What Burrow offered. */
  readonly offer?: Offer;
  /** The server's KEXINIT, when it arrived. */
  readonly server?: ServerKexInit;
  /** The session's own algorithm lists, as written. */
  readonly configured?: AlgorithmsConfig;
  readonly auth?: AuthProgress;
}

interface Ssh2LikeError extends Error {
  level?: string;
  code?: string;
  errno?: number;
  syscall?: string;
}

/**
 * Maps an error from ssh2 or the OS socket layer to an ErrorInfo. ssh2's `level` says where it
 * came from ('client-socket', 'client-timeout', 'client-authentication', 'protocol', …); the OS
 * code says why.
 */
export function classify(err: unknown, where: { host: string; port: number; user: string }, ctx: HandshakeContext = {}): ErrorInfo {
  if (err instanceof BurrowError) return err.info;
  const e = (err instanceof Error ? err : new Error(String(err))) as Ssh2LikeError;
  const cause = [e.level, e.code].filter(Boolean).join('/') || undefined;
  const target = `${where.host}:${where.port}`;
  const withCause = (code: ErrorCode, message: string, hint: string): ErrorInfo => ({ code, message, hint, ...(cause ? { cause } : {}) });

  if (e.level === 'client-authentication') return authError(target, where.user, ctx, withCause);
  const mismatch = e.level === 'handshake' || e.level === 'protocol' ? mismatchKindOf(e.message) : undefined;
  if (mismatch !== undefined) return mismatchError(mismatch, target, ctx, withCause);
  // ssh2 gives both of its timers the level 'client-timeout': the handshake one (readyTimeout,
  // which Session turns off in favour of its own clock) and the keepalive one.
  if (/Timed out while waiting for handshake/.test(e.message)) {
    return withCause(
      'CONNECT_TIMEOUT',
      `${target} did not complete the SSH handshake in time`,
      'Something answers on that port but does not speak SSH promptly: check the port, or raise the connect timeout.',
    );
  }
  if (e.level === 'client-timeout' || e.message === 'Keepalive timeout') {
    return withCause(
      'KEEPALIVE_TIMEOUT',
      `The link to ${target} stopped answering keepalives`,
      'The network dropped or the server froze; Burrow reconnects by itself.',
    );
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return withCause(
        'CONNECT_REFUSED',
        `Nothing accepts SSH connections at ${target}`,
        "Check the SSH port (the vendor's guide names it, e.g. 22 or 50022) and that the server is running.",
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
      return withCause('DNS_FAILED', `The name "${where.host}" does not resolve`, "Check the spelling of the SSH host, or this machine's DNS.");
    case 'ETIMEDOUT':
      return withCause(
        'CONNECT_TIMEOUT',
        `No answer from ${target}`,
        'A firewall may drop the traffic: check that outbound connections to that port are allowed.',
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return withCause(
        'NETWORK_UNREACHABLE',
        `No route to ${target}`,
        'This machine is offline or the network blocks that address; Burrow retries when it comes back.',
      );
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return withCause(
        'CONNECTION_LOST',
        `The connection to ${target} was cut`,
        'Burrow reconnects by itself; if it keeps happening, a firewall may be resetting idle connections.',
      );
    default:
      break;
  }
  if (/Cannot parse privateKey|Unsupported key format|Malformed|privateKey value does not contain a \(valid\) private key/i.test(e.message)) {
    return withCause('KEY_INVALID', `The private key could not be read: ${e.message}`, 'Give an OpenSSH, PEM or PuTTY private key file (not the .pub file).');
  }
  if (/passphrase/i.test(e.message)) {
    return withCause('KEY_PASSPHRASE', `The private key needs a passphrase: ${e.message}`, 'Give the passphrase with --passphrase-file or BURROW_PASSPHRASE.');
  }
  if (e.level === 'protocol' || e.level === 'handshake') {
    return withCause('PROTOCOL_ERROR', `SSH protocol error with ${target}: ${e.message}`, 'Check that the port belongs to an SSH server; Burrow retries.');
  }
  return withCause('CONNECTION_LOST', `Connection to ${target} failed: ${e.message}`, 'Burrow retries by itself.');
}

type WithCause = (code: ErrorCode, message: string, hint: string) => ErrorInfo;

/** A login that failed: a second factor asked for, keys not taken at all, or the key refused. */
function authError(target: string, user: string, ctx: HandshakeContext, withCause: WithCause): ErrorInfo {
  const left = ctx.auth?.methodsLeft ?? [];
  if (ctx.auth?.partial) {
    return withCause(
      'AUTH_PARTIAL',
      `The server at ${target} accepted the key for user "${user}" but requires more before letting it in: ${left.join(', ') || 'another method'}` +
        (left.includes('keyboard-interactive') ? ' (a second factor, such as a one-time code)' : ''),
      "An unattended tunnel cannot answer a second factor. Ask the server's owner for an account that logs in with the key alone, " +
        `as the vendors' guides set up their tunnel users, or for a Match block that lets this one do so (Match User ${user} / AuthenticationMethods publickey).`,
    );
  }
  if (ctx.auth?.methodsLeft !== undefined && !left.includes('publickey')) {
    return withCause(
      'AUTH_FAILED',
      `The server at ${target} does not accept keys for user "${user}" (it offers: ${left.join(', ') || 'nothing'})`,
      "Ask the server's owner to allow key login (PubkeyAuthentication yes) for this user: Burrow logs in with keys only.",
    );
  }
  let hint = `Check the user name, and that the public key is in ~${user}/.ssh/authorized_keys on the server (or was sent to the vendor).`;
  if (ctx.auth?.keyTypes.includes('ssh-rsa') && ctx.offer !== undefined && !ctx.offer.pubkey.includes('ssh-rsa')) {
    hint +=
      ` If it is, the server may take only the old ssh-rsa signatures from RSA keys (before OpenSSH 7.2, and some vendors' servers): ` +
      `allow them with ${setting('pubkey', 'ssh-rsa', ctx.configured?.pubkey)}. ${weakWarning('ssh-rsa', 'pubkey')}`;
  }
  return withCause('AUTH_FAILED', `The server at ${target} refused the key for user "${user}"`, hint);
}

/** `-o Option=+name` (with the session's own value kept when it already appends), and its config form. */
function setting(kind: AlgorithmKind, name: string, configured: string | undefined): string {
  const value = configured === undefined ? `+${name}` : configured.startsWith('+') ? `${configured},${name}` : undefined;
  if (value === undefined) {
    return `${OPENSSH_OPTION[kind]} (this session sets it to "${configured}": add ${name} there, or write "+${name}" instead)`;
  }
  return `-o ${OPENSSH_OPTION[kind]}=${value} (in a saved session: "algorithms": {"${kind}": "${value}"})`;
}

function weakWarning(name: string, kind: AlgorithmKind): string {
  const why = WEAK_ALGORITHMS[name];
  if (why === undefined) return '';
  const better =
    kind === 'pubkey'
      ? 'or better, log in with an Ed25519 key (`burrow key generate`), which has no SHA-1 variant'
      : `and ask its owner to enable a current one such as ${defaultsHere(kind)[0]}`;
  return `Warning: ${name} is weak (${why}); use it only for a server that cannot be upgraded, ${better}.`;
}

/**
 * A key exchange that found nothing in common on one list: what the server offered, what Burrow
 * offered, and the setting that would let them meet (with a warning when that is a weak one).
 */
function mismatchError(kind: Mismatch['kind'], target: string, ctx: HandshakeContext, withCause: WithCause): ErrorInfo {
  const found = ctx.offer && ctx.server ? negotiate(ctx.offer, ctx.server) : undefined;
  const m: Mismatch | undefined = found && 'mismatch' in found ? found.mismatch : undefined;
  const ours = m?.ours ?? ctx.offer?.[kind] ?? [];
  const theirs = m?.theirs;
  if (kind === 'compress') {
    const wantsZlib = theirs?.some((c) => c.startsWith('zlib'));
    return withCause(
      'ALGORITHM_MISMATCH',
      `${target} and Burrow have no compression method in common: the server offers ${theirs?.join(', ') ?? '(unknown)'}; Burrow offers ${ours.join(', ')}`,
      wantsZlib
        ? 'The server requires compression: turn it on with -C (or "compression": true in a saved session).'
        : 'Ask the server\'s owner to allow "none" or zlib compression.',
    );
  }
  const label = ALGORITHM_LABEL[kind];
  const offered = `Burrow offers ${ours.join(', ') || 'nothing'}`;
  if (theirs === undefined) {
    return withCause(
      'ALGORITHM_MISMATCH',
      `${target} and Burrow have no ${label} in common (the server's list could not be read); ${offered}`,
      `Ask the server's owner which ${label}s it allows (sshd's ${OPENSSH_OPTION[kind]}), and allow one with -o ${OPENSSH_OPTION[kind]}=+NAME.`,
    );
  }
  const message = `${target} and Burrow have no ${label} in common: the server offers ${theirs.join(', ') || 'nothing'}; ${offered}`;
  const candidate = theirs.find((a) => supportedHere(kind).includes(a));
  if (candidate === undefined) {
    return withCause(
      'ALGORITHM_MISMATCH',
      message,
      `None of the server's ${label}s is one Burrow can use; the server needs a current one (such as ${defaultsHere(kind)[0]}): ask its owner.`,
    );
  }
  const warning = weakWarning(candidate, kind);
  return withCause(
    'ALGORITHM_MISMATCH',
    message,
    `Allow ${candidate} with ${setting(kind, candidate, ctx.configured?.[kind])}.${warning ? ` ${warning}` : ''}`,
  );
}
