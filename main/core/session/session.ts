/**
 * One SSH connection and its forwards, kept alive: the state machine of DESIGN.md.
 *
 *  stopped ──start──▶ connecting ──ready + every forward bound──▶ connected
 *                        │                                          │ link lost / keepalive
 *                        ▼                                          ▼
 *           error (needs a person, slow retry) ◀──────────── reconnecting (backoff)
 *
 * `stopped` is entered only by stop() and never left by a timer. Every attempt uses a fresh ssh2
 * Client; events from an older attempt are ignored (ssh2 #717, #1458).
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { homedir } from 'node:os';
import ssh2 from 'ssh2';
import type { SessionConfig } from '../../../common/config.js';
import type { ErrorInfo, ForwardSnapshot, SessionSnapshot, SessionState } from '../../../common/session.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { NEEDS_A_PERSON, classify } from './errors.js';
import { connectBatching } from './batching-socket.js';
import { createForward, RemoteForward, type LiveForward } from './forward.js';
import { fingerprintOf, HostKeyChecker, type HostKeyPrompt, type HostKeyVerdict } from './host-keys.js';
import { RekeyWatch, type Negotiated } from './rekey.js';
import type { SecretStore } from '../keys/secret-store.js';
import { loadIdentities, type IdentityLoader, type LoadedIdentity } from './identity.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface SessionLog {
  readonly level: LogLevel;
  readonly message: string;
}

export interface SessionEvents {
  /** Any change of state, error or forward. */
  snapshot: [SessionSnapshot];
  /** A forward became active (with its bound port) or failed. */
  forward: [ForwardSnapshot];
  log: [SessionLog];
}

/** What a Session needs from its surroundings, so every door and test can supply its own. */
export interface SessionDeps {
  readonly loadIdentity?: IdentityLoader;
  /** Passphrase for encrypted identities (from a file, the environment or a prompt). */
  readonly passphrase?: string;
  /** Where keys referenced by `auth.keyId` are kept. */
  readonly secrets?: SecretStore;
  /** Asked when the host-key policy is `ask`; absent means nobody is there to answer. */
  readonly prompt?: HostKeyPrompt;
  readonly backoff?: Partial<BackoffOptions>;
  /** Home folder for `~`, default identities and known_hosts (tests use a temporary one). */
  readonly home?: string;
}

export class Session extends EventEmitter<SessionEvents> {
  private state: SessionState = 'stopped';
  private wanted = false;
  private attemptId = 0;
  private client: ssh2.Client | undefined;
  /** The attempt's TCP socket: ssh2's destroy() leaves it open once end() has been called. */
  private sock: net.Socket | undefined;
  private stopping: Promise<void> | undefined;
  private readonly forwards: LiveForward[];
  private readonly backoff: Backoff;
  private retryTimer: NodeJS.Timeout | undefined;
  private attemptTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private lastError: ErrorInfo | undefined;
  private connectedSince: Date | undefined;
  private nextAttemptAt: Date | undefined;
  private hostKeyFingerprint: string | undefined;
  private everConnected = false;
  private reconnects = 0;
  private readonly home: string;
  private readonly identityCache = new Map<string, LoadedIdentity>();

  constructor(readonly config: SessionConfig, private readonly deps: SessionDeps = {}) {
    super();
    this.home = deps.home ?? homedir();
    this.backoff = new Backoff({ ...DEFAULT_BACKOFF, ...deps.backoff });
    this.forwards = config.forwards.map((f, i) => createForward(i, f, (m) => this.log('warn', m)));
  }

  get id(): string { return this.config.id; }

  /** Starts keeping the session up; a no-op when it already is. */
  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.everConnected = false;
    this.backoff.reset();
    // A restart right after a stop begins once the old connection is fully released, so the old
    // teardown cannot undo the new attempt's forwards or state.
    const go = (): void => { if (this.wanted) void this.attempt(); };
    if (this.stopping) void this.stopping.then(go);
    else go();
  }

  /** Stops for good (until the next start): forwards cancelled, connection closed, no timer left. */
  async stop(): Promise<void> {
    this.wanted = false;
    this.attemptId++; // whatever the current attempt does next is ignored
    this.clearTimers();
    const client = this.client;
    const sock = this.sock;
    this.client = this.sock = undefined;
    const done = (this.stopping ?? Promise.resolve()).then(() => this.teardown(client, sock, true));
    this.stopping = done;
    await done;
    if (this.stopping === done) this.stopping = undefined;
    if (this.wanted) return; // started again meanwhile: that attempt owns the state now
    this.lastError = undefined;
    this.nextAttemptAt = undefined;
    this.setState('stopped');
  }

  /** Retries now instead of waiting for the backoff timer (resume from sleep, network up). */
  nudge(): void {
    if (!this.wanted || this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.log('info', 'retrying now');
    void this.attempt();
  }

  snapshot(): SessionSnapshot {
    const forwards = this.forwards.map((f) => f.snapshot());
    const sum = (k: 'bytesIn' | 'bytesOut' | 'openConnections' | 'totalConnections' | 'failedConnections'): number =>
      forwards.reduce((n, f) => n + f[k], 0);
    return {
      id: this.config.id,
      name: this.config.name,
      state: this.state,
      reconnects: this.reconnects,
      ...(this.connectedSince ? { connectedSince: this.connectedSince.toISOString() } : {}),
      ...(this.nextAttemptAt ? { nextAttemptAt: this.nextAttemptAt.toISOString() } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.hostKeyFingerprint ? { hostKeyFingerprint: this.hostKeyFingerprint } : {}),
      bytesIn: sum('bytesIn'),
      bytesOut: sum('bytesOut'),
      openConnections: sum('openConnections'),
      totalConnections: sum('totalConnections'),
      failedConnections: sum('failedConnections'),
      forwards,
    };
  }

  private log(level: LogLevel, message: string): void {
    this.emit('log', { level, message });
  }

  private setState(state: SessionState): void {
    this.state = state;
    this.emit('snapshot', this.snapshot());
  }

  private clearTimers(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.attemptTimer);
    clearTimeout(this.stableTimer);
    this.retryTimer = this.attemptTimer = this.stableTimer = undefined;
  }

  private async attempt(): Promise<void> {
    const id = ++this.attemptId;
    const current = (): boolean => id === this.attemptId && this.wanted;
    this.retryTimer = undefined;
    this.nextAttemptAt = undefined;
    this.setState(!this.everConnected && this.lastError === undefined ? 'connecting' : this.state === 'error' ? 'error' : 'reconnecting');
    const cfg = this.config;

    let identities: LoadedIdentity[];
    // While a person decides about a new host key, the attempt's clock stops (otherwise the
    // attempt would time out and ask again while the first question is still open).
    const ask = this.deps.prompt;
    const prompt: HostKeyPrompt | undefined = ask && (async (q) => {
      clearTimeout(this.attemptTimer);
      try {
        return await ask(q);
      } finally {
        if (current()) armTimer();
      }
    });
    const checker = new HostKeyChecker(cfg.hostKey, cfg.host, cfg.port, prompt, this.home);
    let algorithms: string[];
    try {
      identities = await loadIdentities(cfg.auth, {
        home: this.home,
        ...(this.deps.loadIdentity ? { loader: this.deps.loadIdentity } : {}),
        ...(this.deps.passphrase !== undefined ? { passphrase: this.deps.passphrase } : {}),
        ...(this.deps.secrets ? { secrets: this.deps.secrets } : {}),
        cache: this.identityCache,
        onWarning: (m) => this.log('warn', m),
      });
      algorithms = await checker.preferredAlgorithms();
    } catch (err) {
      if (current()) this.failed(id, classify(err, cfg));
      return;
    }
    if (!current()) return;

    const client = new ssh2.Client();
    // Our own socket, so that writes are batched per event-loop turn (see batching-socket.ts);
    // after each batch the rekey limit is checked (OpenSSH's RekeyLimit, see rekey.ts).
    let rekeys: RekeyWatch | undefined;
    const sock = connectBatching(cfg.host, cfg.port, { afterFlush: () => rekeys?.check() });
    rekeys = new RekeyWatch(client, sock, cfg.rekeyLimit ?? {}, (n, negotiated) => {
      if (current()) this.log('debug', `session keys renewed (${n}; ${negotiated.cs.cipher})`);
    });
    const watch = rekeys;
    client.on('handshake', (negotiated: Negotiated) => watch.handshake(negotiated));
    sock.on('data', () => watch.check());
    this.client = client;
    this.sock = sock;
    let verdict: HostKeyVerdict | undefined;
    /** The host key accepted at this connection's first key exchange. */
    let acceptedKey: Buffer | undefined;
    let error: ErrorInfo | undefined;
    const fail = (info: ErrorInfo): void => {
      error ??= info;
      client.destroy();
      sock.destroy();
    };
    // One clock for TCP, key exchange, login and forwards (ssh2's own readyTimeout is off).
    const armTimer = (): void => {
      clearTimeout(this.attemptTimer);
      this.attemptTimer = setTimeout(() => {
        fail({ code: 'CONNECT_TIMEOUT', message: `${cfg.host}:${cfg.port} did not let us connect, log in and open the forwards within ${cfg.connectTimeoutSeconds} s`,
          hint: 'A firewall may drop the traffic, or the server is overloaded; check the host and port, or raise the connect timeout.' });
      }, cfg.connectTimeoutSeconds * 1000);
    };

    armTimer();

    client.on('error', (err: Error & { level?: string }) => {
      if (!current()) return;
      // The host verifier's own verdict says more than ssh2's generic "Host denied".
      if (verdict && !verdict.ok) fail(verdict.error);
      else fail(classify(err, cfg));
    });
    client.on('close', () => {
      watch.stop();
      if (id !== this.attemptId) return;
      this.client = this.sock = undefined;
      void this.lost(id, client, sock, error);
    });
    client.on('ready', () => {
      if (!current()) return;
      void this.bindForwards(id, client, fail);
    });
    client.on('tcp connection', (info, accept, reject) => {
      // One handler per client, routing by the port the server reports (then its address).
      const f = this.routeIncoming(info.destIP, info.destPort);
      if (f) f.handle(info, accept, reject);
      else reject();
    });

    const ms = cfg.keepalive.intervalSeconds * 1000;
    client.connect({
      sock,
      host: cfg.host,
      port: cfg.port,
      username: cfg.user,
      authHandler: identities.map((k) => ({ type: 'publickey' as const, username: cfg.user, key: k.privateKey, ...(k.passphrase !== undefined ? { passphrase: k.passphrase } : {}) })),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void): boolean | undefined => {
        if (acceptedKey) {
          // A key re-exchange on this connection: the server must present the key it was accepted
          // with (OpenSSH refuses a change then too). Answered synchronously: nothing needs to be
          // read or asked, and ssh2 1.17 sends packets wrongly while an asynchronous answer is
          // pending mid-connection (patches/ssh2+1.17.0.patch; README, workarounds).
          if (key.equals(acceptedKey)) return true;
          verdict = { ok: false, fingerprint: fingerprintOf(key), error: {
            code: 'HOST_KEY_MISMATCH',
            message: `${cfg.host}:${cfg.port} presented a different host key (${fingerprintOf(key)}) while renewing the keys of a connection that began with ${fingerprintOf(acceptedKey)}`,
            hint: 'Someone may be intercepting the connection. Confirm the server\'s fingerprint with its owner before trusting it.',
          } };
          return false;
        }
        checker.check(key).then((v) => {
          verdict = v;
          if (v.ok) {
            acceptedKey = Buffer.from(key);
            this.hostKeyFingerprint = v.fingerprint;
            if (v.note) this.log(cfg.hostKey.policy === 'no' ? 'warn' : 'info', v.note);
          }
          // ssh2 accepts anything but an exact `false`: pass a strict boolean.
          verify(v.ok === true);
        }, (err: unknown) => {
          this.log('error', `host key check failed: ${String(err)}`);
          verify(false);
        });
      },
      algorithms: {
        serverHostKey: algorithms as ssh2.ServerHostKeyAlgorithm[],
        compress: cfg.compression ? ['zlib@openssh.com', 'zlib', 'none'] : ['none'],
      },
      keepaliveInterval: ms,
      keepaliveCountMax: cfg.keepalive.countMax,
      readyTimeout: 0,
    } as ssh2.ConnectConfig);
  }

  /** Opens every forward; `connected` only when all of them are up (ExitOnForwardFailure=yes). */
  private async bindForwards(id: number, client: ssh2.Client, fail: (e: ErrorInfo) => void): Promise<void> {
    const results = await Promise.allSettled(this.forwards.map((f) => f.bind(client)));
    if (id !== this.attemptId || !this.wanted) return;
    let firstError: ErrorInfo | undefined;
    results.forEach((r, i) => {
      const f = this.forwards[i]!;
      if (r.status === 'fulfilled') {
        f.state = 'active';
        f.lastError = undefined;
        this.log('info', `${f.spec}: listening on port ${r.value}`);
      } else {
        f.state = 'failed';
        f.lastError = forwardError(f, r.reason);
        firstError ??= f.lastError;
        this.log('error', f.lastError.message);
      }
      this.emit('forward', f.snapshot());
    });
    if (firstError) {
      fail(firstError);
      return;
    }
    clearTimeout(this.attemptTimer);
    this.attemptTimer = undefined;
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    this.lastError = undefined;
    this.connectedSince = new Date();
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.backoff.stableMs);
    this.setState('connected');
  }

  private routeIncoming(destIP: string, destPort: number): RemoteForward | undefined {
    const remote = this.forwards.filter((f): f is RemoteForward => f instanceof RemoteForward && f.boundPort === destPort);
    return remote.length <= 1 ? remote[0] : remote.find((f) => f.requestAddress === destIP);
  }

  /**
   * Releases everything an attempt held. `polite` (a user's stop) cancels remote listeners first
   * and clears the forwards' errors; after a lost link there is nobody left to cancel with.
   */
  private async teardown(client: ssh2.Client | undefined, sock: net.Socket | undefined, polite: boolean): Promise<void> {
    await Promise.all(this.forwards.map(async (f) => {
      // Connections first: a listener's close waits for them, and they need nothing of the link.
      f.closeConnections();
      await f.release(polite ? client : undefined);
      // A failed forward keeps its state and error until the next attempt, so people see why.
      if (polite) f.lastError = undefined;
      if (polite || f.state === 'active') {
        // Say so: whoever showed this forward as active (the tray, --json) must not keep doing it
        // while the session reconnects because a sibling forward failed or the link dropped.
        const was = f.state;
        f.state = 'pending';
        if (was !== 'pending') this.emit('forward', f.snapshot());
      }
    }));
    if (client) {
      const closed = new Promise<void>((r) => { client.once('close', () => r()); setTimeout(r, 1_000); });
      client.end();
      await closed;
      client.destroy();
    }
    sock?.destroy();
  }

  /** The attempt's connection is gone: work out why, then retry unless stopped. */
  private async lost(id: number, client: ssh2.Client, sock: net.Socket, error: ErrorInfo | undefined): Promise<void> {
    const wasConnected = this.state === 'connected';
    clearTimeout(this.attemptTimer);
    clearTimeout(this.stableTimer);
    this.attemptTimer = this.stableTimer = undefined;
    this.connectedSince = undefined;
    await this.teardown(undefined, sock, false);
    client.removeAllListeners();
    client.on('error', () => undefined); // a late socket error must not become an uncaught one
    if (id !== this.attemptId || !this.wanted) return;
    this.failed(id, error ?? {
      code: 'CONNECTION_LOST',
      message: wasConnected ? `The server ${this.config.host}:${this.config.port} closed the connection` : `${this.config.host}:${this.config.port} closed the connection before it was ready`,
      hint: 'Burrow reconnects by itself. If it keeps happening, check the server\'s log (sshd may limit sessions, or the account may be disabled).',
    });
  }

  private failed(id: number, error: ErrorInfo): void {
    if (id !== this.attemptId || !this.wanted) return;
    this.lastError = error;
    const needsPerson = NEEDS_A_PERSON.has(error.code);
    const delay = needsPerson ? this.backoff.slow() : this.backoff.next();
    this.nextAttemptAt = new Date(Date.now() + delay);
    this.log(needsPerson ? 'error' : 'warn', `${error.code}: ${error.message}; next attempt in ${Math.round(delay / 100) / 10} s`);
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
    this.setState(needsPerson ? 'error' : 'reconnecting');
  }
}

/** The error for a forward that could not be opened. */
function forwardError(f: LiveForward, reason: unknown): ErrorInfo {
  const msg = reason instanceof Error ? reason.message : String(reason);
  if (f instanceof RemoteForward) {
    return {
      code: 'FORWARD_REFUSED',
      message: `The server refused to listen on ${f.requestAddress || '*'}:${f.config.bindPort} (${f.spec})`,
      hint: 'The port is in use on the server (perhaps by an old session of this tunnel, freed when the server notices it is gone) or not permitted (sshd PermitListen / AllowTcpForwarding). `burrow diagnose` tells which.',
    };
  }
  const code = (reason as NodeJS.ErrnoException).code;
  return {
    code: 'LOCAL_BIND_FAILED',
    message: `Cannot listen on local port ${f.config.bindPort} (${f.spec}): ${code ?? msg}`,
    hint: code === 'EADDRINUSE' ? 'Another program uses that port here: pick another local port or stop that program.'
      : code === 'EACCES' ? 'Ports below 1024 need administrator rights: pick a port above 1024.' : 'Check the bind address.',
    ...(code ? { cause: code } : {}),
  };
}
