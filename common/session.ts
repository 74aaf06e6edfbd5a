/** The one snapshot type every door (tray, renderer, CLI JSON lines, web bridge) receives. */
import type { ForwardType } from './config.js';

/**
 * A session's status, a closed union. `stopped` is entered only by a person (or Quit) and never
 * left by a timer; `error` means a person is needed (auth, host key) and retries only slowly.
 */
export type SessionState = 'stopped' | 'connecting' | 'connected' | 'reconnecting' | 'error';

export type ErrorCode =
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_MISMATCH'
  | 'HOST_KEY_REVOKED'
  | 'AUTH_FAILED'
  | 'AUTH_PARTIAL'
  | 'KEY_INVALID'
  | 'KEY_PASSPHRASE'
  | 'FORWARD_REFUSED'
  | 'LOCAL_BIND_FAILED'
  | 'CONNECT_REFUSED'
  | 'CONNECT_TIMEOUT'
  | 'DNS_FAILED'
  | 'NETWORK_UNREACHABLE'
  | 'KEEPALIVE_TIMEOUT'
  | 'CONNECTION_LOST'
  | 'PROTOCOL_ERROR'
  | 'ALGORITHM_MISMATCH'
  | 'CONFIG_INVALID'
  | 'PROXY_AUTH'
  | 'PROXY_REFUSED'
  | 'PROXY_FAILED'
  | 'INTERNAL_ERROR';

/** Errors cross every boundary as this plain object, with a stable code. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
  /** The likely fix, in a sentence. */
  readonly hint?: string;
  /** ssh2's `err.level` or the OS errno, kept for diagnosis. */
  readonly cause?: string;
}

export type ForwardState = 'pending' | 'active' | 'failed';

export interface ForwardCounters {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly openConnections: number;
  readonly totalConnections: number;
  /** Incoming connections refused because the target (or SOCKS request) failed. */
  readonly failedConnections: number;
}

export interface ForwardSnapshot extends ForwardCounters {
  readonly index: number;
  readonly type: ForwardType;
  /** OpenSSH notation, e.g. `-R 0.0.0.0:11433:db:1433`. */
  readonly spec: string;
  readonly state: ForwardState;
  /** The port actually bound (differs from the configured one when that was 0). */
  readonly boundPort?: number;
  readonly lastError?: ErrorInfo;
  /**
   * A remote forward, checked from the server's side once connected: what answers at each address
   * the vendor may be told for it (`localhost` is both 127.0.0.1 and ::1). Absent until checked.
   */
  readonly reach?: ReadonlyArray<ForwardReach>;
}

/**
 * What a connection made on the server to `address`:port reaches: this tunnel, another program
 * that holds that address, nothing (refused), or unknown (the server does not let the check
 * connect, or it did not finish).
 */
export type ReachAnswer = 'tunnel' | 'other' | 'none' | 'unknown';

export interface ForwardReach {
  readonly address: string;
  readonly answer: ReachAnswer;
}

/**
 * A forward that only half works, in words (undefined when it does not): which address on the
 * server is another program's, and which are the tunnel's.
 */
export function describeReachProblem(f: Pick<ForwardSnapshot, 'reach' | 'boundPort'>): string | undefined {
  const problem = reachProblem(f.reach);
  if (!problem) return undefined;
  const at = (a: string): string => `${a.includes(':') ? `[${a}]` : a}${f.boundPort !== undefined ? `:${f.boundPort}` : ''}`;
  const other = problem.other.map(at).join(' and ');
  return (
    `on the server, ${other} ${problem.other.length === 1 ? 'is' : 'are'} another program's: a vendor that connects there reaches it, not this tunnel` +
    (problem.ours.length > 0 ? `; this tunnel answers at ${problem.ours.map(at).join(' and ')}` : '')
  );
}

/**
 * The forward's check as one value: 1 when every address that answers is the tunnel's, 0 when
 * another program (or nothing) answers where the vendor may connect, undefined while unchecked or
 * when the server does not let it be checked.
 */
export function reachable(reach: ReadonlyArray<ForwardReach> | undefined): 0 | 1 | undefined {
  if (!reach || reach.every((r) => r.answer === 'unknown')) return undefined;
  if (reach.some((r) => r.answer === 'other')) return 0;
  return reach.some((r) => r.answer === 'tunnel') ? 1 : 0;
}

/** Whether a checked forward only half works: some address the vendor may use reaches another program. */
export function reachProblem(reach: ReadonlyArray<ForwardReach> | undefined): { readonly other: string[]; readonly ours: string[] } | undefined {
  if (!reach) return undefined;
  const other = reach.filter((r) => r.answer === 'other').map((r) => r.address);
  if (other.length === 0) return undefined;
  return { other, ours: reach.filter((r) => r.answer === 'tunnel').map((r) => r.address) };
}

export interface SessionSnapshot extends ForwardCounters {
  readonly id: string;
  readonly name: string;
  readonly state: SessionState;
  /** Number of times the session came back after losing its connection. */
  readonly reconnects: number;
  /** When the session entered its current state (the metrics' "seconds since the last change"). */
  readonly stateSince?: string;
  /** How long the last connection took from its first packet to logged in (TCP, key exchange, login), in ms. */
  readonly handshakeMs?: number;
  readonly connectedSince?: string;
  readonly nextAttemptAt?: string;
  readonly lastError?: ErrorInfo;
  readonly hostKeyFingerprint?: string;
  readonly forwards: ReadonlyArray<ForwardSnapshot>;
}
