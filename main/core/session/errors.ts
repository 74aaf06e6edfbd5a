/** Stable error codes, human messages and fix hints; classification of ssh2 and OS errors. */
import type { ErrorCode, ErrorInfo } from '../../../common/session.js';

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
 * only slowly (the key may be authorised on the server later, a known_hosts entry may be fixed).
 */
export const NEEDS_A_PERSON: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'HOST_KEY_UNKNOWN', 'HOST_KEY_MISMATCH', 'HOST_KEY_REVOKED', 'AUTH_FAILED', 'KEY_INVALID', 'KEY_PASSPHRASE', 'CONFIG_INVALID',
]);

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
export function classify(err: unknown, where: { host: string; port: number; user: string }): ErrorInfo {
  if (err instanceof BurrowError) return err.info;
  const e = (err instanceof Error ? err : new Error(String(err))) as Ssh2LikeError;
  const cause = [e.level, e.code].filter(Boolean).join('/') || undefined;
  const target = `${where.host}:${where.port}`;
  const withCause = (code: ErrorCode, message: string, hint: string): ErrorInfo =>
    ({ code, message, hint, ...(cause ? { cause } : {}) });

  if (e.level === 'client-authentication') {
    return withCause('AUTH_FAILED', `The server at ${target} refused the key for user "${where.user}"`,
      `Check the user name, and that the public key is in ~${where.user}/.ssh/authorized_keys on the server (or was sent to the vendor).`);
  }
  // ssh2 gives both of its timers the level 'client-timeout': the handshake one (readyTimeout,
  // which Session turns off in favour of its own clock) and the keepalive one.
  if (/Timed out while waiting for handshake/.test(e.message)) {
    return withCause('CONNECT_TIMEOUT', `${target} did not complete the SSH handshake in time`,
      'Something answers on that port but does not speak SSH promptly: check the port, or raise the connect timeout.');
  }
  if (e.level === 'client-timeout' || e.message === 'Keepalive timeout') {
    return withCause('KEEPALIVE_TIMEOUT', `The link to ${target} stopped answering keepalives`,
      'The network dropped or the server froze; Burrow reconnects by itself.');
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return withCause('CONNECT_REFUSED', `Nothing accepts SSH connections at ${target}`,
        'Check the SSH port (the vendor\'s guide names it, e.g. 22 or 50022) and that the server is running.');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
      return withCause('DNS_FAILED', `The name "${where.host}" does not resolve`,
        'Check the spelling of the SSH host, or this machine\'s DNS.');
    case 'ETIMEDOUT':
      return withCause('CONNECT_TIMEOUT', `No answer from ${target}`,
        'A firewall may drop the traffic: check that outbound connections to that port are allowed.');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return withCause('NETWORK_UNREACHABLE', `No route to ${target}`, 'This machine is offline or the network blocks that address; Burrow retries when it comes back.');
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return withCause('CONNECTION_LOST', `The connection to ${target} was cut`, 'Burrow reconnects by itself; if it keeps happening, a firewall may be resetting idle connections.');
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
