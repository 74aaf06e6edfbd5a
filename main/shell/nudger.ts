/**
 * After the machine wakes, the screen unlocks or the network comes back, every waiting tunnel is
 * retried at once instead of waiting out its backoff — and again a few times over the next half
 * minute, because Wi-Fi often needs ~15 s after a wake before it carries traffic.
 */
import type { Timers } from './coalesce.js';

/** Seconds after the event at which waiting tunnels are nudged again. */
export const NUDGE_AGAIN_S: ReadonlyArray<number> = [2, 5, 10, 20, 30];

export class Nudger {
  private handles: unknown[] = [];

  constructor(
    private readonly nudgeAll: () => void,
    private readonly timers: Timers,
  ) {}

  /** 'resume', 'unlock-screen', 'network-up': nudge now and on the schedule above (a new event restarts it). */
  wake(): void {
    this.cancel();
    this.nudgeAll();
    this.handles = NUDGE_AGAIN_S.map((s) => this.timers.setTimeout(() => this.nudgeAll(), s * 1000));
  }

  cancel(): void {
    for (const h of this.handles) this.timers.clearTimeout(h);
    this.handles = [];
  }
}
