/**
 * Runs a rebuild at most once per interval, however often it is asked for, and always once more
 * after the last request (so the final state is shown). Counters tick many times a second; a tray
 * menu rebuilt on each would flicker and cost CPU.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const REAL: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

export class Coalescer {
  private last = -Infinity;
  private pending: unknown;

  constructor(
    private readonly run: () => void,
    private readonly intervalMs = 300,
    private readonly timers: Timers = REAL,
  ) {}

  request(): void {
    if (this.pending !== undefined) return;
    const wait = this.last + this.intervalMs - this.timers.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.pending = this.timers.setTimeout(() => this.fire(), wait);
  }

  cancel(): void {
    if (this.pending !== undefined) this.timers.clearTimeout(this.pending);
    this.pending = undefined;
  }

  private fire(): void {
    this.pending = undefined;
    this.last = this.timers.now();
    this.run();
  }
}
