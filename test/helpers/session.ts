/** Builds sessions against the test sshd and waits for their states. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import ssh2 from 'ssh2';
import type { ForwardConfig, SessionConfig } from '../../common/config.js';
import type { SessionSnapshot, SessionState } from '../../common/session.js';
import { Session, type SessionDeps } from '../../main/core/session/session.js';
import type { Sshd } from './sshd.js';

/** A session config that logs in to `sshd` with its client key and trusts its host key. */
export function sessionFor(sshd: Sshd, forwards: ReadonlyArray<ForwardConfig>, over: Partial<SessionConfig> = {}): SessionConfig {
  return {
    id: 'test',
    name: 'test',
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    auth: { identityFiles: [sshd.clientKeyPath] },
    hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
    keepalive: { intervalSeconds: 1, countMax: 2 },
    connectTimeoutSeconds: 10,
    compression: false,
    autostart: false,
    forwards,
    ...over,
  };
}

/** `-R 127.0.0.1:bindPort:127.0.0.1:targetPort`, the forward most tests use. */
export function loopbackRemote(bindPort: number, targetPort: number): ForwardConfig {
  return { type: 'remote', bindAddress: '127.0.0.1', bindPort, targetHost: '127.0.0.1', targetPort };
}

/** Fast retries so tests see reconnects in seconds; home is the sshd's temp dir (no ~/.ssh leaks in). */
export function testDeps(sshd: Sshd, over: SessionDeps = {}): SessionDeps {
  return { home: sshd.dir, backoff: { initialMs: 100, maxMs: 1_000, jitter: 0, stableMs: 5_000, personMs: 3_000, refusedMs: 100, minGapMs: 50 }, ...over };
}

/** Resolves with the first snapshot in `state` (now or later), or rejects after `timeoutMs`. */
export function waitForState(
  session: Session,
  state: SessionState,
  timeoutMs = 15_000,
  pred: (s: SessionSnapshot) => boolean = () => true,
): Promise<SessionSnapshot> {
  const now = session.snapshot();
  if (now.state === state && pred(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => {
      session.off('snapshot', on);
      reject(
        new Error(
          `session did not reach ${state} within ${timeoutMs} ms; saw ${seen.join(' → ')}; last: ${JSON.stringify(session.snapshot().lastError ?? null)}`,
        ),
      );
    }, timeoutMs);
    const on = (s: SessionSnapshot): void => {
      seen.push(s.state + (s.lastError ? `(${s.lastError.code})` : ''));
      if (s.state === state && pred(s)) {
        clearTimeout(timer);
        session.off('snapshot', on);
        resolve(s);
      }
    };
    session.on('snapshot', on);
  });
}

/** A session as a config file stores it (no id: the store gives one), logging in to `sshd`. */
export function storedSession(sshd: Sshd, name: string, forwards: ReadonlyArray<ForwardConfig>, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    autostart: true,
    auth: { identityFiles: [sshd.clientKeyPath] },
    hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
    forwards,
    ...over,
  };
}

/** Writes a config file of these sessions (its folder made private, as Burrow makes it). */
export function writeStore(file: string, sessions: ReadonlyArray<Record<string, unknown>>): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ version: 4, sessions }));
}

/** What a session did while `until` ran: its log lines, every snapshot, and the last one before it was stopped. */
export interface SessionRun {
  readonly logs: string[];
  readonly snaps: SessionSnapshot[];
  readonly last: SessionSnapshot;
}

/** Starts a session, waits for `until`, stops it (whatever happened), and tells what it did. */
export async function runSession(cfg: SessionConfig, deps: SessionDeps, until: (s: Session) => Promise<unknown>): Promise<SessionRun> {
  const s = new Session(cfg, deps);
  const logs: string[] = [];
  const snaps: SessionSnapshot[] = [];
  s.on('log', (l) => logs.push(`${l.level}: ${l.message}`));
  s.on('snapshot', (x) => snaps.push(x));
  s.start();
  let last: SessionSnapshot;
  try {
    await until(s);
    last = s.snapshot();
  } finally {
    await s.stop();
  }
  return { logs, snaps, last };
}

/** What an SSH connection had waiting to be sent as each of its key exchanges ended. */
export interface ExchangeBacklogs {
  /** Bytes in the SSH socket's write buffer at each 'handshake' after the first, of every client connected meanwhile. */
  readonly bytes: number[];
  /** Stops watching new clients. */
  stop(): void;
}

/**
 * Watches every ssh2 client connected from now on (Session's included) for what waits to be sent
 * when a key re-exchange ends. ssh2 keeps what it is given during an exchange in a queue of its
 * own and writes the whole queue to the socket just before it emits 'handshake'; Burrow's socket
 * sends what it is given once per turn (batching-socket.ts), so at that moment the socket's
 * write buffer holds the queue and whatever was waiting before it (forward.ts, `mustWait`).
 */
export function backlogAtKeyExchanges(): ExchangeBacklogs {
  const bytes: number[] = [];
  const proto = ssh2.Client.prototype;
  const connect = proto.connect;
  proto.connect = function (this: ssh2.Client, cfg: ssh2.ConnectConfig) {
    const sock = cfg.sock as Writable | undefined;
    let first = true;
    if (sock)
      this.on('handshake', () => {
        if (!first) bytes.push(sock.writableLength);
        first = false;
      });
    return connect.call(this, cfg);
  };
  return {
    bytes,
    stop: () => {
      proto.connect = connect;
    },
  };
}
