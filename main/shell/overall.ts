/** The state of all tunnels at once, as the tray shows it: one icon and one line. */
import type { SessionSnapshot, SessionState } from '../../common/session.js';

/**
 * `attention`: a tunnel needs a person (an error that does not heal by itself); `connecting`: some
 * are on their way up or back; `up`: every running tunnel is connected; `stopped`: none runs.
 */
export type Overall = 'up' | 'connecting' | 'attention' | 'stopped';

export function overallOf(snaps: ReadonlyArray<Pick<SessionSnapshot, 'state'>>): Overall {
  if (snaps.some((s) => s.state === 'error')) return 'attention';
  if (snaps.some((s) => s.state === 'connecting' || s.state === 'reconnecting')) return 'connecting';
  if (snaps.some((s) => s.state === 'connected')) return 'up';
  return 'stopped';
}

const WORDS: Record<SessionState, [one: string, many: string]> = {
  connected: ['up', 'up'],
  connecting: ['connecting', 'connecting'],
  reconnecting: ['reconnecting', 'reconnecting'],
  error: ['needs attention', 'need attention'],
  stopped: ['stopped', 'stopped'],
};

/** "3 tunnels up, 1 reconnecting": what the tray's tooltip says. */
export function tooltipOf(snaps: ReadonlyArray<Pick<SessionSnapshot, 'state'>>): string {
  if (snaps.length === 0) return 'Burrow: no tunnels yet';
  const order: SessionState[] = ['connected', 'connecting', 'reconnecting', 'error', 'stopped'];
  const parts: string[] = [];
  for (const state of order) {
    const n = snaps.filter((s) => s.state === state).length;
    if (n === 0) continue;
    const noun = parts.length === 0 ? (n === 1 ? ' tunnel' : ' tunnels') : '';
    parts.push(`${n}${noun} ${n === 1 ? WORDS[state][0] : WORDS[state][1]}`);
  }
  return `Burrow: ${parts.join(', ')}`;
}
