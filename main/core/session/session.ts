/**
 * One SSH connection and its forwards, kept alive: the state machine below (README: "How a tunnel stays up").
 *
 *  stopped ──start──▶ connecting ──ready + every forward bound──▶ connected
 *                        │                                          │ link lost / keepalive
 *                        ▼                                          ▼
 *           error (needs a person, slow retry) ◀──────────── reconnecting (backoff)
 *
 * `stopped` is entered only by stop() and never left by a timer. Every attempt uses a fresh ssh2
 * Client; events from an older attempt are ignored (ssh2 #717, #1458).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { homedir } from 'node:os';
import ssh2 from 'ssh2';
import type { SessionConfig } from '../../../common/config.js';
import { describeReachProblem, type ErrorInfo, type ForwardSnapshot, type SessionSnapshot, type SessionState } from '../../../common/session.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { NEEDS_A_PERSON, burrowError, classify } from './errors.js';
import { keyAuthHandler } from './auth.js';
import { sessionOffer, ssh2Algorithms, watchServerKexInit, type Offer } from './handshake.js';
import { AlgorithmListError, WEAK_ALGORITHMS } from '../../../common/algorithms.js';
import { connectBatching } from './batching-socket.js';
import { openAgent, type SessionAgent } from './agent.js';
import { describeRoute, needsRoute, openRoute } from './route.js';
import type { SshSocket } from './route-socket.js';
import { createForward, RemoteForward, type LiveForward } from './forward.js';
import { fingerprintOf, HostKeyChecker, type HostKeyPrompt, type HostKeyVerdict } from './host-keys.js';
import { RekeyWatch, type Negotiated } from './rekey.js';
import { keepaliveHeard } from './keepalive.js';
import { carried } from './v8-flags.js';
import type { SecretStore } from '../keys/secret-store.js';
import { loadIdentities, proxyPasswordSecret, type IdentityLoader, type LoadedIdentity, type PassphraseQuestion } from './identity.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface SessionLog {
  readonly level: LogLevel;
  readonly message: string;
}

export interface SessionEvents {
  /** Any change of state, error or forward. */
  snapshot: [SessionSnapshot];
  /** The state changed (from, to), with the error that made it change, if one did. */
  state: [from: SessionState, to: SessionState, error: ErrorInfo | undefined];
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
  /** Asked when a key's passphrase is missing or wrong; absent means nobody is there to answer. */
  readonly askPassphrase?: PassphraseQuestion;
  readonly backoff?: Partial<BackoffOptions>;
  /** Home folder for `~`, default identities and known_hosts (tests use a temporary one). */
  readonly home?: string;
  /** The fix for an unknown host key in the door's own words (`burrow trust NAME`, plink's `-hostkey`). */
  readonly unknownHostHint?: (config: SessionConfig, key: { keyType: string; fingerprint: string }) => string;
  /** ssh2's own debug output, as `debug` log lines (`burrow run -vv`). */
  readonly ssh2Debug?: boolean;
}

/** One attempt: its connection, and the first error that ended it. */
interface Attempt {
  readonly id: number;
  readonly client: ssh2.Client;
  readonly sock: SshSocket;
  readonly startedAt: number;
  /** TCP reached the server: the attempt counts against the minimum gap between handshakes. */
  reachedServer: boolean;
  error: ErrorInfo | undefined;
  /** Ends the attempt with `info` (the first reason wins); the session then retries. */
  fail(info: ErrorInfo): void;
}

/**
 * Which session the running code works for. Every attempt runs inside it, and so do the sockets,
 * timers and ssh2 callbacks it creates, so a door's last-resort handler can name the session an
 * uncaught error came from (see faults.ts).
 */
export const sessionScope = new AsyncLocalStorage<Session>();

/** A door's listener threw: rethrown on its own so it is logged, without failing the session. */
export class ListenerError extends Error {
  constructor(
    readonly session: string,
    readonly event: string,
    readonly original: unknown,
  ) {
    super(`a listener of "${event}" threw: ${original instanceof Error ? original.message : String(original)}`);
    this.name = 'ListenerError';
  }
}

export class Session extends EventEmitter<SessionEvents> {
  private state: SessionState = 'stopped';
  private wanted = false;
  private attemptId = 0;
  private current: Attempt | undefined;
  private stopping: Promise<void> | undefined;
  private readonly forwards: LiveForward[];
  private readonly backoff: Backoff;
  private retryTimer: NodeJS.Timeout | undefined;
  private attemptTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  /** The periodic check of the remote forwards from the server's side (`reachCheckSeconds`). */
  private reachTimer: NodeJS.Timeout | undefined;
  /** What each forward's last check from the server found wrong, so a periodic check says a change once. */
  private readonly halfSaid = new Map<string, string>();
  /** Asks again for the remote forwards a server refused, on the connection that is up (see bindForwards). */
  private forwardTimer: NodeJS.Timeout | undefined;
  /** Asks now, instead of at forwardTimer (nudge). */
  private forwardNow: (() => void) | undefined;
  /** When this session last lost a connection it had up (undefined once connected again or stopped). */
  private lostAt: number | undefined;
  private lastError: ErrorInfo | undefined;
  private connectedSince: Date | undefined;
  /** When the state last changed, as the snapshot gives it (made once per change, not per snapshot). */
  private stateSince = new Date().toISOString();
  private handshakeMs: number | undefined;
  private nextAttemptAt: Date | undefined;
  private hostKeyFingerprint: string | undefined;
  private everConnected = false;
  private reconnects = 0;
  /** Weak algorithms already warned about since start(): once each, not on every reconnect. */
  private readonly weakWarned = new Set<string>();
  private readonly home: string;
  /** Decrypted keys, kept while the session runs so a reconnect needs no KDF; dropped by stop(). */
  private readonly identityCache = new Map<string, LoadedIdentity>();

  constructor(
    readonly config: SessionConfig,
    private readonly deps: SessionDeps = {},
  ) {
    super();
    this.home = deps.home ?? homedir();
    this.backoff = new Backoff({ ...DEFAULT_BACKOFF, ...deps.backoff });
    this.forwards = config.forwards.map((f, i) => createForward(i, f, (m, level = 'warn') => this.log(level, m)));
  }

  get id(): string {
    return this.config.id;
  }

  /** Starts keeping the session up; a no-op when it already is. */
  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.everConnected = false;
    this.weakWarned.clear();
    this.backoff.reset();
    this.backoff.up();
    // A restart right after a stop begins once the old connection is fully released, so the old
    // teardown cannot undo the new attempt's forwards or state.
    const go = (): void => {
      if (this.wanted) this.launch();
    };
    if (this.stopping) void this.stopping.then(go);
    else go();
  }

  /** Stops for good (until the next start): forwards cancelled, connection closed, keys dropped, no timer left. */
  async stop(): Promise<void> {
    this.wanted = false;
    this.attemptId++; // whatever the current attempt does next is ignored
    this.clearTimers();
    const a = this.current;
    this.current = undefined;
    const done = (this.stopping ?? Promise.resolve()).then(() => this.teardown(a?.client, a?.sock, true));
    this.stopping = done;
    await done;
    if (this.stopping === done) this.stopping = undefined;
    // Nothing of the stopped session may keep a decrypted key alive for the life of the process.
    this.identityCache.clear();
    if (this.wanted) return; // started again meanwhile: that attempt owns the state now
    this.lastError = undefined;
    this.nextAttemptAt = undefined;
    this.lostAt = undefined;
    this.setState('stopped');
  }

  /** Retries now instead of waiting for the backoff timer (resume from sleep, network up, "Retry now"). */
  nudge(): void {
    if (this.wanted && this.forwardNow) {
      this.log('info', 'asking for the refused forwards again now');
      this.forwardNow();
      return;
    }
    if (!this.wanted || this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.log('info', 'retrying now');
    this.launch();
  }

  /**
   * A throw inside this session's own work (a bug, or a dependency that misbehaves): logged, and
   * the attempt it happened in fails like a lost connection, so the session retries and no other
   * session is touched. The doors' last-resort handler calls it for uncaught errors in its scope.
   */
  fault(err: unknown, where: string, id = this.attemptId): void {
    const detail = err instanceof Error ? err.message : String(err);
    this.log('error', `internal error while ${where}: ${detail}`);
    if (id !== this.attemptId || !this.wanted) return;
    const info: ErrorInfo = {
      code: 'INTERNAL_ERROR',
      message: `Burrow hit an internal error while ${where}: ${detail}`,
      hint: 'Burrow retries by itself. If it keeps happening, please report it with the log (burrow run -v).',
    };
    const a = this.current;
    if (a && a.id === id)
      a.fail(info); // the connection closes and lost() retries with this error
    else this.failed(id, info);
  }

  /** The state alone, without building a snapshot (a list of 10,000 sessions is asked often). */
  get currentState(): SessionState {
    return this.state;
  }

  snapshot(): SessionSnapshot {
    const forwards = this.forwards.map((f) => f.snapshot());
    const sum = (k: 'bytesIn' | 'bytesOut' | 'openConnections' | 'totalConnections' | 'failedConnections'): number => forwards.reduce((n, f) => n + f[k], 0);
    return {
      id: this.config.id,
      name: this.config.name,
      state: this.state,
      reconnects: this.reconnects,
      stateSince: this.stateSince,
      ...(this.handshakeMs !== undefined ? { handshakeMs: this.handshakeMs } : {}),
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

  /**
   * Tells the listeners (the doors). One that throws must not break this state machine halfway
   * through a transition, so its error is rethrown on its own, where a door's last-resort handler
   * logs it.
   */
  private notify<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void {
    for (const listener of this.listeners(event)) {
      try {
        (listener as (...a: SessionEvents[K]) => void).apply(this, args);
      } catch (err) {
        process.nextTick(() => {
          throw new ListenerError(this.config.name, event, err);
        });
      }
    }
  }

  private log(level: LogLevel, message: string): void {
    this.notify('log', { level, message });
  }

  private setState(state: SessionState): void {
    const from = this.state;
    this.state = state;
    if (from !== state) {
      this.stateSince = new Date().toISOString();
      this.notify('state', from, state, this.lastError);
    }
    this.notify('snapshot', this.snapshot());
  }

  private clearTimers(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.attemptTimer);
    clearTimeout(this.stableTimer);
    clearTimeout(this.forwardTimer);
    clearInterval(this.reachTimer);
    this.retryTimer = this.attemptTimer = this.stableTimer = this.forwardTimer = this.forwardNow = this.reachTimer = undefined;
  }

  /** Starts the next attempt inside this session's scope. */
  private launch(): void {
    const id = ++this.attemptId;
    sessionScope.run(this, () => this.guard(id, 'connecting', () => this.attempt(id)));
  }

  /** Runs a piece of fire-and-forget work: whatever it throws, now or later, goes to fault(). */
  private guard(id: number, where: string, work: () => unknown): void {
    try {
      const p = work();
      if (p instanceof Promise) p.catch((err: unknown) => this.fault(err, where, id));
    } catch (err) {
      this.fault(err, where, id);
    }
  }

  private async attempt(id: number): Promise<void> {
    const current = (): boolean => id === this.attemptId && this.wanted;
    this.retryTimer = undefined;
    this.nextAttemptAt = undefined;
    this.setState(!this.everConnected && this.lastError === undefined ? 'connecting' : this.state === 'error' ? 'error' : 'reconnecting');
    const cfg = this.config;

    let identities: LoadedIdentity[];
    let agent: SessionAgent | undefined;
    // While a person decides about a new host key, the attempt's clock stops (otherwise the
    // attempt would time out and ask again while the first question is still open).
    const ask = this.deps.prompt;
    const prompt: HostKeyPrompt | undefined =
      ask &&
      (async (q) => {
        clearTimeout(this.attemptTimer);
        try {
          // A "yes" that arrives after this attempt is over (stopped, restarted) records nothing:
          // the attempt it answered no longer exists, and the current one asks for itself.
          return (await ask(q)) && current();
        } finally {
          if (current()) armTimer();
        }
      });
    const hint = this.deps.unknownHostHint;
    const checker = new HostKeyChecker(cfg.hostKey, cfg.host, cfg.port, prompt, this.home, hint && ((k) => hint(cfg, k)));
    let offer: Offer;
    try {
      identities = await loadIdentities(cfg.auth, {
        home: this.home,
        ...(this.deps.loadIdentity ? { loader: this.deps.loadIdentity } : {}),
        ...(this.deps.passphrase !== undefined ? { passphrase: this.deps.passphrase } : {}),
        ...(this.deps.secrets ? { secrets: this.deps.secrets } : {}),
        ...(this.deps.askPassphrase ? { askPassphrase: this.deps.askPassphrase } : {}),
        cache: this.identityCache,
        onWarning: (m) => this.log('warn', m),
        agentToo: cfg.auth.agent !== undefined,
      });
      agent = await openAgent(cfg.auth, identities, this.home, (m) => this.log('warn', m));
      if (agent)
        this.log('debug', `the SSH agent offers ${agent.keys.length === 0 ? 'no key' : agent.keys.map((k) => `${k.type} ${k.fingerprint}`).join(', ')}`);
      if (identities.length === 0 && (agent?.keys.length ?? 0) === 0) {
        throw burrowError(
          'KEY_INVALID',
          cfg.auth.identitiesOnly
            ? "The SSH agent holds none of this session's keys (IdentitiesOnly is on)"
            : 'The SSH agent holds no key, and the session has no key file',
          'Add the key to the agent (ssh-add FILE), or give the session a key file.',
        );
      }
      const lists = offerFor(cfg);
      offer = { ...lists, hostKey: await checker.preferredAlgorithms(lists.hostKey) };
    } catch (err) {
      if (current()) this.failed(id, classify(err, cfg));
      return;
    }
    if (!current()) return;

    const client = new ssh2.Client();
    // Our own socket, so that writes are batched per event-loop turn and reads land one after
    // another in slabs (see batching-socket.ts); after each batch of writes or reads the rekey
    // limit is checked (RekeyLimit, see rekey.ts).
    let watch: RekeyWatch | undefined;
    // And the data path's dead buffers collected every few MiB carried (v8-flags.ts `carried`).
    let seen = 0;
    const afterFlush = (): void => {
      watch?.check();
      const total = sock.bytesRead + sock.bytesWritten;
      carried(total - seen);
      seen = total;
    };
    // A proxy, a ProxyCommand or jump hosts: a route that opens by itself, handed to ssh2 at once
    // (route.ts); otherwise a TCP socket of our own.
    const sock: SshSocket = needsRoute(cfg)
      ? openRoute(cfg, {
          offer,
          identities,
          agent,
          loadIdentities: (files) =>
            loadIdentities(
              { identityFiles: files },
              {
                home: this.home,
                ...(this.deps.loadIdentity ? { loader: this.deps.loadIdentity } : {}),
                ...(this.deps.passphrase !== undefined ? { passphrase: this.deps.passphrase } : {}),
                ...(this.deps.askPassphrase ? { askPassphrase: this.deps.askPassphrase } : {}),
                cache: this.identityCache,
                onWarning: (m) => this.log('warn', m),
              },
            ),
          checker: (hop) =>
            new HostKeyChecker(
              {
                policy: cfg.hostKey.policy,
                ...(cfg.hostKey.knownHostsFiles ? { knownHostsFiles: cfg.hostKey.knownHostsFiles } : {}),
                ...(hop.fingerprint ? { fingerprint: hop.fingerprint } : {}),
              },
              hop.host,
              hop.port,
              prompt,
              this.home,
              hint && ((k) => hint({ ...cfg, host: hop.host, port: hop.port }, k)),
            ),
          ...(this.deps.secrets ? { proxyPassword: () => this.deps.secrets!.get(proxyPasswordSecret(cfg)) } : {}),
          log: (level, m) => {
            if (current()) this.log(level, m);
          },
          fail: (info) => a.fail(info),
          afterFlush,
        })
      : connectBatching(cfg.host, cfg.port, { afterFlush, slabReads: true });
    if (needsRoute(cfg)) this.log('debug', `connecting through ${describeRoute(cfg)}`);
    const rekeys = new RekeyWatch(client, sock, cfg.rekeyLimit ?? {}, (n, negotiated) => {
      if (current()) this.log('debug', `session keys renewed (${n}; ${negotiated.cs.cipher})`);
    });
    watch = rekeys;
    let shook = false;
    client.on('handshake', (negotiated: Negotiated & Ssh2Negotiated) => {
      rekeys.handshake(negotiated);
      if (!current()) return;
      if (!shook) this.log('debug', `handshake with ${cfg.host}:${cfg.port}: ${describeNegotiated(negotiated)}`);
      shook = true;
      this.warnWeak(negotiated);
    });
    const serverKexInit = watchServerKexInit(sock);
    const auth = keyAuthHandler(
      identities,
      cfg.user,
      (m) => {
        if (current()) this.log('debug', m);
      },
      agent,
    );
    // A server heard from is alive: ssh2's keepalive count starts again (keepalive.ts).
    const ms = cfg.keepalive.intervalSeconds * 1000;
    const alive = keepaliveHeard(client, ms);
    sock.on('data', () => {
      rekeys.check();
      alive.heard();
    });
    let verdict: HostKeyVerdict | undefined;
    /** The host key accepted at this connection's first key exchange. */
    let acceptedKey: Buffer | undefined;
    const a: Attempt = {
      id,
      client,
      sock,
      startedAt: Date.now(),
      reachedServer: false,
      error: undefined,
      fail: (info) => {
        a.error ??= info;
        client.destroy();
        sock.destroy();
      },
    };
    this.current = a;
    sock.once('connect', () => {
      a.reachedServer = true;
    });
    const fail = a.fail;
    // One clock for TCP, key exchange, login and forwards (ssh2's own readyTimeout is off).
    const armTimer = (): void => {
      clearTimeout(this.attemptTimer);
      this.attemptTimer = setTimeout(() => {
        fail({
          code: 'CONNECT_TIMEOUT',
          message: `${cfg.host}:${cfg.port} did not let us connect, log in and open the forwards within ${cfg.connectTimeoutSeconds} s`,
          hint: 'A firewall may drop the traffic, or the server is overloaded; check the host and port, or raise the connect timeout.',
        });
      }, cfg.connectTimeoutSeconds * 1000);
    };

    armTimer();

    client.on('error', (err: Error & { level?: string }) => {
      if (!current()) return;
      // The host verifier's own verdict says more than ssh2's generic "Host denied".
      if (verdict && !verdict.ok) fail(verdict.error);
      else fail(classify(err, cfg, { offer, server: serverKexInit(), auth: auth.progress, ...(cfg.algorithms ? { configured: cfg.algorithms } : {}) }));
    });
    client.on('close', () => {
      rekeys.stop();
      if (id !== this.attemptId) return;
      this.current = undefined;
      this.guard(id, 'handling a lost connection', () => this.lost(id, a));
    });
    client.on('ready', () => {
      alive.ready();
      if (!current()) return;
      this.handshakeMs = Date.now() - a.startedAt;
      this.log('debug', `logged in as "${cfg.user}"`);
      this.guard(id, 'opening the forwards', () => this.bindForwards(id, client, sock, fail));
    });
    client.on('tcp connection', (info, accept, reject) => {
      // One handler per client, routing by the port the server reports (then its address).
      try {
        const f = this.routeIncoming(info.destIP, info.destPort);
        if (f) f.handle(info, accept, reject);
        else reject();
      } catch (err) {
        // One incoming connection's trouble is that connection's, not the session's.
        this.log('error', `internal error while accepting a connection on port ${info.destPort}: ${err instanceof Error ? err.message : String(err)}`);
        try {
          reject();
        } catch {
          /* the channel may be gone already */
        }
      }
    });

    client.connect({
      sock,
      host: cfg.host,
      port: cfg.port,
      username: cfg.user,
      authHandler: auth.handler,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void): boolean | undefined => {
        if (acceptedKey) {
          // A key re-exchange on this connection: the server must present the key it was accepted
          // with (OpenSSH refuses a change then too). Answered synchronously: nothing needs to be
          // read or asked, and ssh2 1.17 sends packets wrongly while an asynchronous answer is
          // pending mid-connection (patches/ssh2+1.17.0.patch; README, workarounds).
          if (key.equals(acceptedKey)) return true;
          verdict = {
            ok: false,
            fingerprint: fingerprintOf(key),
            error: {
              code: 'HOST_KEY_MISMATCH',
              message: `${cfg.host}:${cfg.port} presented a different host key (${fingerprintOf(key)}) while renewing the keys of a connection that began with ${fingerprintOf(acceptedKey)}`,
              hint: "Someone may be intercepting the connection. Confirm the server's fingerprint with its owner before trusting it.",
            },
          };
          return false;
        }
        // ssh2 waits for exactly one answer: it is given whatever happens below, and an answer
        // for an attempt that is over (stopped, timed out, superseded) is always "no". ssh2
        // accepts anything but an exact `false`, so only a strict boolean is passed.
        let answered = false;
        const answer = (ok: boolean): void => {
          if (answered) return;
          answered = true;
          verify(ok && current());
        };
        checker
          .check(key)
          .then((v) => {
            verdict = v;
            if (v.ok) {
              acceptedKey = Buffer.from(key);
              this.hostKeyFingerprint = v.fingerprint;
              if (current()) this.log('debug', `host key ${v.fingerprint} accepted`);
            }
            answer(v.ok);
            if (v.ok && v.note) this.log(cfg.hostKey.policy === 'no' ? 'warn' : 'info', v.note);
          })
          .catch((err: unknown) => {
            verdict = {
              ok: false,
              fingerprint: fingerprintOf(key),
              error: {
                code: 'CONFIG_INVALID',
                message: `The host key of ${cfg.host}:${cfg.port} could not be checked: ${err instanceof Error ? err.message : String(err)}`,
                hint: 'Check that the known_hosts file can be read (and written, for a new host), then Burrow tries again.',
              },
            };
            answer(false);
          });
        return undefined;
      },
      algorithms: ssh2Algorithms(offer),
      keepaliveInterval: ms,
      keepaliveCountMax: cfg.keepalive.countMax,
      readyTimeout: 0,
      ...(this.deps.ssh2Debug
        ? {
            debug: (m: string) => {
              if (current()) this.log('debug', `ssh2: ${m}`);
            },
          }
        : {}),
    } as ssh2.ConnectConfig);
  }

  /** Says once per start which weak algorithms the connection uses: a session allowed them, and should know. */
  private warnWeak(n: Ssh2Negotiated): void {
    for (const name of new Set([n.kex, n.serverHostKey, n.cs.cipher, n.sc.cipher, n.cs.mac, n.sc.mac])) {
      const why = WEAK_ALGORITHMS[name];
      if (why === undefined || this.weakWarned.has(name)) continue;
      this.weakWarned.add(name);
      this.log(
        'warn',
        `the connection to ${this.config.host}:${this.config.port} uses ${name}, which is weak (${why}); this session's algorithm settings allow it`,
      );
    }
  }

  /**
   * Opens every forward (or, asking again, the ones still down); `connected` only when all of them
   * are up (ExitOnForwardFailure=yes).
   *
   * A remote forward refused soon after this session lost a connection it had up is most likely
   * held by that very connection: the server has not yet noticed it is gone (it notices at its
   * ClientAlive timeout, or TCP's, seconds to minutes later) and frees the port only then. Backing
   * off — a new handshake each time, waits growing to a minute — would bring the tunnel back long
   * after the port is free; so for the backoff's `stalePortWindowMs` after the loss the connection
   * is kept and the refused forwards are asked for again every `stalePortRetryMs` (jittered): one
   * small request, no handshake, and the tunnel is up within that interval of the server letting go.
   */
  private async bindForwards(id: number, client: ssh2.Client, sock: SshSocket, fail: (e: ErrorInfo) => void, again = false): Promise<void> {
    const todo = again ? this.forwards.filter((f) => f.state !== 'active') : this.forwards;
    const results = await Promise.allSettled(todo.map((f) => f.bind(client, sock)));
    if (id !== this.attemptId || !this.wanted) return;
    let firstError: ErrorInfo | undefined;
    let allRemote = true;
    results.forEach((r, i) => {
      const f = todo[i]!;
      const was = f.state;
      if (r.status === 'fulfilled') {
        f.state = 'active';
        f.lastError = undefined;
        this.log('info', `${f.spec}: listening on port ${r.value}`);
      } else {
        f.state = 'failed';
        f.lastError = forwardError(f, r.reason);
        firstError ??= f.lastError;
        if (!(f instanceof RemoteForward)) allRemote = false;
        // Asked again every few seconds: said once, then only at -v.
        this.log(again && was === 'failed' ? 'debug' : 'error', f.lastError.message);
      }
      if (!again || was !== f.state) this.notify('forward', f.snapshot());
    });
    if (firstError) {
      const lostAgo = this.lostAt === undefined ? Infinity : Date.now() - this.lostAt;
      if (!allRemote || lostAgo >= this.backoff.stalePortWindowMs) {
        fail(firstError);
        return;
      }
      this.waitForPorts(id, client, sock, fail, firstError, this.backoff.stalePortWindowMs - lostAgo, again);
      return;
    }
    clearTimeout(this.attemptTimer);
    clearTimeout(this.forwardTimer);
    this.attemptTimer = this.forwardTimer = this.forwardNow = undefined;
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    this.lastError = undefined;
    this.nextAttemptAt = undefined;
    this.lostAt = undefined;
    this.connectedSince = new Date();
    this.backoff.up();
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.backoff.stableMs);
    this.setState('connected');
    this.halfSaid.clear();
    this.guard(id, 'checking the forwards from the server', () => this.checkReach(id, client));
    // And again while connected, when asked for: another program can take the vendor's address on
    // the server at any time (a database restarted there, sshd reloaded), not only before we connect.
    const every = this.config.reachCheckSeconds;
    if (every !== undefined) {
      clearInterval(this.reachTimer);
      let running = false;
      this.reachTimer = setInterval(() => {
        if (running || id !== this.attemptId || this.state !== 'connected') return;
        running = true;
        this.guard(id, 'checking the forwards from the server', () => this.checkReach(id, client).finally(() => (running = false)));
      }, every * 1000);
      this.reachTimer.unref();
    }
  }

  /**
   * "Listening" says the server accepted a forward, not that the vendor reaches it: another
   * program on the server may hold the address the vendor is told (sshd then binds only the other
   * loopback of `localhost`, and says nothing). Each remote forward is checked from the server's
   * side once connected (forward.ts, checkReach); a forward that only half works is said loudly.
   */
  private async checkReach(id: number, client: ssh2.Client): Promise<void> {
    for (const f of this.forwards) {
      if (!(f instanceof RemoteForward) || f.state !== 'active') continue;
      const reach = await f.checkReach(client);
      if (!reach || id !== this.attemptId || !this.wanted) return;
      const snap = f.snapshot();
      const half = describeReachProblem(snap);
      const at = (a: string): string => `${a.includes(':') ? `[${a}]` : a}:${snap.boundPort ?? f.config.bindPort}`;
      if (half) {
        if (this.halfSaid.get(f.spec) !== half) {
          this.log(
            'warn',
            `${f.spec}: only half working: ${half}. Give the vendor the address this tunnel answers at, or free the port on the server, or choose another remote port.`,
          );
        }
        this.halfSaid.set(f.spec, half);
      } else {
        if (this.halfSaid.delete(f.spec)) this.log('info', `${f.spec}: checked from the server: working again, every address reaches this tunnel`);
        this.log(
          'debug',
          `${f.spec}: checked from the server: ${reach.map((r) => `${at(r.address)} ${r.answer === 'tunnel' ? 'reaches this tunnel' : r.answer === 'none' ? 'is not listened on' : 'could not be checked'}`).join(', ')}`,
        );
      }
      this.notify('forward', f.snapshot());
      this.notify('snapshot', this.snapshot());
    }
  }

  /** Keeps the connection and asks for the refused remote forwards again shortly (see bindForwards). */
  private waitForPorts(id: number, client: ssh2.Client, sock: SshSocket, fail: (e: ErrorInfo) => void, error: ErrorInfo, leftMs: number, again: boolean): void {
    // The connection is up: the attempt's clock no longer applies, keepalives watch the link.
    clearTimeout(this.attemptTimer);
    this.attemptTimer = undefined;
    const delay = Math.min(leftMs, this.backoff.stalePort());
    if (!again) {
      this.log(
        'info',
        `the port is probably still held by this tunnel's previous connection, which the server has not yet noticed is gone; asking again every ${this.backoff.stalePortRetryMs / 1000} s for up to ${Math.round(leftMs / 1000)} s`,
      );
    }
    const held: ErrorInfo = {
      code: 'FORWARD_REFUSED',
      message: `${error.message}: most likely still held for this tunnel's previous connection, which the server has not yet noticed is gone`,
      hint: `Burrow asks for the port again every ${this.backoff.stalePortRetryMs / 1000} s on the connection it has, so the tunnel is back as soon as the server lets go of it (when it notices the old connection is gone: after its ClientAliveInterval × ClientAliveCountMax, or TCP's own timeout). Still held ${Math.round(this.backoff.stalePortWindowMs / 60_000)} minutes after the connection was lost, it is taken for another program's, and Burrow backs off as usual.`,
    };
    const ask = (): void => {
      clearTimeout(this.forwardTimer);
      this.forwardTimer = this.forwardNow = undefined;
      if (id !== this.attemptId || !this.wanted) return;
      if (this.lostAt !== undefined && Date.now() - this.lostAt >= this.backoff.stalePortWindowMs) {
        // Held for longer than a stale session of ours would be: someone else's, or not allowed.
        fail(error);
        return;
      }
      this.guard(id, 'asking for the forwards again', () => this.bindForwards(id, client, sock, fail, true));
    };
    this.forwardNow = ask;
    this.forwardTimer = setTimeout(ask, delay);
    this.lastError = held;
    this.nextAttemptAt = new Date(Date.now() + delay);
    this.setState(this.everConnected ? 'reconnecting' : 'connecting');
  }

  private routeIncoming(destIP: string, destPort: number): RemoteForward | undefined {
    const remote = this.forwards.filter((f): f is RemoteForward => f instanceof RemoteForward && f.boundPort === destPort);
    return remote.length <= 1 ? remote[0] : remote.find((f) => f.requestAddress === destIP);
  }

  /**
   * Releases everything an attempt held. `polite` (a user's stop) cancels remote listeners first
   * and clears the forwards' errors; after a lost link there is nobody left to cancel with.
   */
  private async teardown(client: ssh2.Client | undefined, sock: SshSocket | undefined, polite: boolean): Promise<void> {
    await Promise.all(
      this.forwards.map(async (f) => {
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
          if (was !== 'pending') this.notify('forward', f.snapshot());
        }
      }),
    );
    if (client) {
      const closed = new Promise<void>((r) => {
        client.once('close', () => r());
        setTimeout(r, 1_000);
      });
      client.end();
      await closed;
      client.destroy();
    }
    sock?.destroy();
  }

  /** The attempt's connection is gone: work out why, then retry unless stopped. */
  private async lost(id: number, a: Attempt): Promise<void> {
    const wasConnected = this.state === 'connected';
    if (wasConnected) this.lostAt = Date.now();
    clearTimeout(this.attemptTimer);
    clearTimeout(this.stableTimer);
    clearTimeout(this.forwardTimer);
    clearInterval(this.reachTimer);
    this.attemptTimer = this.stableTimer = this.forwardTimer = this.forwardNow = this.reachTimer = undefined;
    this.connectedSince = undefined;
    await this.teardown(undefined, a.sock, false);
    a.client.removeAllListeners();
    a.client.on('error', () => undefined); // a late socket error must not become an uncaught one
    if (id !== this.attemptId || !this.wanted) return;
    this.failed(
      id,
      a.error ?? {
        code: 'CONNECTION_LOST',
        message: wasConnected
          ? `The server ${this.config.host}:${this.config.port} closed the connection`
          : `${this.config.host}:${this.config.port} closed the connection before it was ready`,
        hint: "Burrow reconnects by itself. If it keeps happening, check the server's log (sshd may limit sessions, or the account may be disabled).",
      },
      a,
    );
  }

  private failed(id: number, error: ErrorInfo, attempt?: Attempt): void {
    if (id !== this.attemptId || !this.wanted) return;
    clearTimeout(this.retryTimer);
    const repeat = this.lastError?.code === error.code;
    this.lastError = error;
    const needsPerson = NEEDS_A_PERSON.has(error.code);
    let delay = needsPerson ? this.backoff.slow() : error.code === 'CONNECT_REFUSED' ? this.backoff.refused() : this.backoff.next();
    // At most one SSH handshake per minGapMs, whatever the cause: a server that accepts TCP and
    // then fails is never hammered.
    if (attempt?.reachedServer) delay = Math.max(delay, this.backoff.minGapMs - (Date.now() - attempt.startedAt));
    this.nextAttemptAt = new Date(Date.now() + delay);
    // The state change that follows carries the error to every door; this line adds the delay for
    // those who read the detail (-v, --json, a session's log), so at the default level the
    // failure is said once.
    this.log(repeat ? 'debug' : 'info', `${error.code}: ${error.message}; next attempt in ${Math.round(delay / 100) / 10} s`);
    this.retryTimer = setTimeout(() => this.launch(), delay);
    this.setState(needsPerson ? 'error' : 'reconnecting');
  }
}

/** The algorithms a handshake agreed on, as `-v` shows them. */
function describeNegotiated(n: Ssh2Negotiated): string {
  const cipher = n.cs.cipher === n.sc.cipher ? n.cs.cipher : `${n.cs.cipher} / ${n.sc.cipher}`;
  const mac = n.cs.mac === n.sc.mac ? n.cs.mac : `${n.cs.mac} / ${n.sc.mac}`;
  return `key exchange ${n.kex}, host key ${n.serverHostKey}, cipher ${cipher}${mac && mac !== '' ? `, MAC ${mac}` : ''}`;
}

/** What ssh2's 'handshake' event reports as agreed. */
interface Ssh2Negotiated {
  readonly kex: string;
  readonly serverHostKey: string;
  readonly cs: { readonly cipher: string; readonly mac: string };
  readonly sc: { readonly cipher: string; readonly mac: string };
}

/** The session's algorithm lists here; a name this process's ssh2 cannot use is the config's fault. */
function offerFor(cfg: SessionConfig): Offer {
  try {
    return sessionOffer(cfg.algorithms, cfg.compression);
  } catch (err) {
    if (!(err instanceof AlgorithmListError)) throw err;
    throw burrowError('CONFIG_INVALID', `${cfg.name}: ${err.message}`, err.fix);
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
    hint:
      code === 'EADDRINUSE'
        ? 'Another program uses that port here: pick another local port or stop that program.'
        : code === 'EACCES'
          ? 'Ports below 1024 need administrator rights: pick a port above 1024.'
          : 'Check the bind address.',
    ...(code ? { cause: code } : {}),
  };
}
