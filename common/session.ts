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
