/** Retry delays: capped exponential backoff with jitter, reset after a stable connection. */

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
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1_000,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.3,
  stableMs: 60_000,
  personMs: 5 * 60_000,
};

export class Backoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF, private readonly random: () => number = Math.random) {}

  /** The delay before the next attempt after one more failure. */
  next(): number {
    const raw = Math.min(this.opts.maxMs, this.opts.initialMs * this.opts.factor ** this.failures);
    this.failures++;
    return Math.round(raw * (1 - this.opts.jitter * this.random()));
  }

  /** The delay after a failure that needs a person. */
  slow(): number {
    this.failures++;
    return Math.round(this.opts.personMs * (1 - this.opts.jitter * this.random()));
  }

  /** Called when a connection has been stable for `stableMs`. */
  reset(): void {
    this.failures = 0;
  }

  get stableMs(): number {
    return this.opts.stableMs;
  }
}
