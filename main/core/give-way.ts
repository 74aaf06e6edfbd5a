/**
 * The pause between two slices of bulk work — an import, a sync or a listing of 10,000 sessions, a
 * store file formatted — in a process that carries tunnels.
 *
 * An immediate lets the tunnels' sockets be read between slices, but leaves this thread ready to
 * run at every moment: on a machine of two cores it then holds a core that the other processes a
 * round trip crosses (sshd, the target, the vendor's side) are waiting for. A timer of a few
 * milliseconds gives them the core. Measured with test/security/import-scale.test.ts (a 10,000-
 * session import through the window while round trips cross the tunnel every 20 ms): trips over
 * 50 ms went from 8–13 per import to 1–5, for about a second more of import (7.0 → 7.8 s).
 */
import { collectYoung } from './session/v8-flags.js';

export const GIVE_WAY_MS = 3;

/**
 * Resolves after GIVE_WAY_MS: await it between slices of bulk work.
 *
 * It first collects the young generation (a scavenge). Bulk work keeps most of what it makes (10,000
 * sessions parsed, validated, listed), and V8 copies what survives in its scavenges, which it runs
 * only when the young generation is full: at the end of a 10,000-session preview that was two
 * scavenges of 40–51 ms back to back, the thread held for ~100 ms, and the round trips through the
 * tunnel crossing it took 95–111 ms (three imports in a row, import-scale.test.ts, with a
 * `PerformanceObserver` on the process's collections). A scavenge per slice copies one slice's
 * worth at a time: the largest were then 11–17 ms, and the worst round trips 50–81 ms.
 */
export function giveWay(): Promise<void> {
  collectYoung();
  return new Promise((r) => setTimeout(r, GIVE_WAY_MS));
}
