/** Numbers, times and states in words people read at a glance. */
import type { SessionState } from '../../common/session.js';

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

/** "up 3 h 12 min", "retry in 4 s", as the session list says it. */
export function since(iso: string | undefined, now: number): string | undefined {
  return iso ? duration(now - Date.parse(iso)) : undefined;
}

export function until(iso: string | undefined, now: number): string | undefined {
  return iso ? duration(Date.parse(iso) - now) : undefined;
}

/** The word for a state: never a colour alone. */
export const STATE_WORD: Record<SessionState, string> = {
  connected: 'Connected',
  connecting: 'Connecting',
  reconnecting: 'Reconnecting',
  error: 'Needs attention',
  stopped: 'Stopped',
};

export function time(iso: string): string {
  return new Date(iso).toLocaleTimeString();
}
