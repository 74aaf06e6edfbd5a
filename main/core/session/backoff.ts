/**
 * Retry delays: capped exponential backoff with jitter, reset after a stable connection, with a
 * fast lane for a server that refuses TCP connections (restarting), so a tunnel is back within a
 * fraction of a second of the server accepting again, and another for a remote port still held by
 * the tunnel's own lost connection.
 */

export interface BackoffOptions {
  /** First retry delay. */
  readonly initialMs: number;
  /** Upper bound of the delay for causes that may heal by themselves (network, server restart). */
  readonly maxMs: number;
  readonly factor: number;
  /** 0..1: each delay is drawn from [d·(1−jitter), d] so many clients do not retry in step. */
  readonly jitter: number;
  /** A connection that stays up this long resets the backoff to `initialMs`. */
  readonly stableMs: number;
  /** Delay for causes that need a person (auth, host key): slow, never a hammering loop. */
  readonly personMs: number;
  /**
   * Delay after a refused TCP connection early in an outage. A refusal costs the server nothing
   * (its kernel answers with a reset; no sshd process, no log line, no penalty), so it is retried
   * often: a restarting server is used again at most this long after it listens.
   */
  readonly refusedMs: number;
  /** How long into an outage refusals take the fast lane; after it the backoff grows as usual. */
  readonly refusedWindowMs: number;
  /**
   * Least time between the starts of two attempts that reached the server (TCP connected): never
   * more than one SSH handshake per this long, whatever the other delays say.
   */
  readonly minGapMs: number;
  /**
   * How long after losing a connection a refused remote forward is taken for that connection's
   * own, still held by a server that has not noticed it is gone: asked for again on the new
   * connection every `stalePortRetryMs` (jittered) instead of backing off (session.ts, bindForwards).
   */
  readonly stalePortWindowMs: number;
  readonly stalePortRetryMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1_000,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.3,
  stableMs: 60_000,
  personMs: 5 * 60_000,
  refusedMs: 250,
  refusedWindowMs: 2 * 60_000,
  minGapMs: 1_000,
  stalePortWindowMs: 3 * 60_000,
  stalePortRetryMs: 1_500,
};

export class Backoff {
  private failures = 0;
  /** When the current run of failures began; undefined while connected. */
  private outageSince: number | undefined;

  constructor(
    private readonly opts: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  /** The delay before the next attempt after one more failure. */
  next(): number {
    this.outageSince ??= this.now();
    const raw = Math.min(this.opts.maxMs, this.opts.initialMs * this.opts.factor ** this.failures);
    this.failures++;
    return this.jittered(raw);
  }

  /**
   * The delay after a refused TCP connection: `refusedMs` during the first `refusedWindowMs` of
   * an outage, without counting towards the growth; then the usual growing delay.
   */
  refused(): number {
    this.outageSince ??= this.now();
    if (this.now() - this.outageSince < this.opts.refusedWindowMs) return this.opts.refusedMs;
    return this.next();
  }

  /** The delay after a failure that needs a person. */
  slow(): number {
    this.outageSince ??= this.now();
    this.failures++;
    return this.jittered(this.opts.personMs);
  }

  /** The connection is up: the outage, if any, is over (the growth is reset only once it is stable). */
  up(): void {
    this.outageSince = undefined;
  }

  /** Called when a connection has been stable for `stableMs`. */
  reset(): void {
    this.failures = 0;
  }

  /** The delay before asking again for a port held by a stale connection of ours. */
  stalePort(): number {
    return this.jittered(this.opts.stalePortRetryMs);
  }

  get stalePortWindowMs(): number {
    return this.opts.stalePortWindowMs;
  }

  get stalePortRetryMs(): number {
    return this.opts.stalePortRetryMs;
  }

  get stableMs(): number {
    return this.opts.stableMs;
  }

  get minGapMs(): number {
    return this.opts.minGapMs;
  }

  private jittered(ms: number): number {
    return Math.round(ms * (1 - this.opts.jitter * this.random()));
  }
}
