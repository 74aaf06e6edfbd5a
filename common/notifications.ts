/**
 * When a person is told about a tunnel (the desktop app's notifications; the browser mode's,
 * through the browser's Notification API — one policy for both): it went down, it came back, or it needs them
 * (a changed host key, a refused login). Each kind can be switched off in Settings, and each
 * session is limited to one notice per kind a minute, so a flapping link does not bury the desktop.
 */
import type { Settings } from './contract.js';
import type { ErrorCode, SessionSnapshot, SessionState } from './session.js';

export interface Notice {
  readonly kind: 'down' | 'back' | 'needsPerson';
  readonly sessionId: string;
  readonly title: string;
  readonly body: string;
}

const PERSON: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_MISMATCH',
  'HOST_KEY_REVOKED',
  'AUTH_FAILED',
  'KEY_INVALID',
  'KEY_PASSPHRASE',
]);

/** One notice per kind and session at most this often. */
export const NOTICE_GAP_MS = 60_000;

export class NotificationPolicy {
  private readonly last = new Map<string, SessionState>();
  /** Whether the session was down (so "back" is news), and when each kind was last shown. */
  private readonly wasDown = new Set<string>();
  private readonly shown = new Map<string, number>();

  constructor(
    private readonly settings: () => Settings['notifications'],
    private readonly now: () => number = Date.now,
  ) {}

  /** The notice a new snapshot calls for, if any. */
  onSnapshot(name: string, s: Pick<SessionSnapshot, 'id' | 'state' | 'lastError'>): Notice | undefined {
    const before = this.last.get(s.id);
    this.last.set(s.id, s.state);
    if (before === s.state) return undefined;
    let notice: Notice | undefined;
    if (s.state === 'error' && s.lastError && PERSON.has(s.lastError.code)) {
      this.wasDown.add(s.id);
      notice = {
        kind: 'needsPerson',
        sessionId: s.id,
        title: `${name} needs you`,
        body: `${s.lastError.message}${s.lastError.hint ? ` ${s.lastError.hint}` : ''}`,
      };
    } else if ((s.state === 'reconnecting' || s.state === 'error') && before === 'connected') {
      this.wasDown.add(s.id);
      notice = {
        kind: 'down',
        sessionId: s.id,
        title: `${name} is down`,
        body: `${s.lastError?.message ?? 'The connection was lost.'} Burrow reconnects by itself.`,
      };
    } else if (s.state === 'connected' && this.wasDown.has(s.id)) {
      this.wasDown.delete(s.id);
      notice = { kind: 'back', sessionId: s.id, title: `${name} is back`, body: 'The tunnel is connected again.' };
    } else if (s.state === 'stopped') {
      this.wasDown.delete(s.id);
    }
    if (!notice || !this.settings()[notice.kind]) return undefined;
    const key = `${s.id}|${notice.kind}`;
    const t = this.now();
    if (t - (this.shown.get(key) ?? -Infinity) < NOTICE_GAP_MS) return undefined;
    this.shown.set(key, t);
    return notice;
  }

  forget(sessionId: string): void {
    this.last.delete(sessionId);
    this.wasDown.delete(sessionId);
    for (const k of [...this.shown.keys()]) if (k.startsWith(`${sessionId}|`)) this.shown.delete(k);
  }
}
