/** Stand-ins the shell's tests share: a session view in a given state, and timers a test advances by hand. */
import type { SessionView } from '../../common/contract.js';
import type { SessionState } from '../../common/session.js';
import type { Timers } from '../../main/shell/coalesce.js';

export function view(id: string, state: SessionState, keyId?: string): SessionView {
  return {
    config: {
      id,
      name: id,
      host: 'h',
      port: 22,
      user: 'u',
      auth: { identityFiles: [], ...(keyId ? { keyId } : {}) },
      hostKey: { policy: 'yes' },
      keepalive: { intervalSeconds: 15, countMax: 3 },
      connectTimeoutSeconds: 20,
      compression: false,
      autostart: false,
      forwards: [{ type: 'remote', bindPort: 1, targetHost: 'db', targetPort: 2 }],
    },
    version: `v-${id}`,
    snapshot: {
      id,
      name: id,
      state,
      reconnects: 0,
      bytesIn: 0,
      bytesOut: 0,
      openConnections: 0,
      totalConnections: 0,
      failedConnections: 0,
      forwards: [],
      ...(state === 'error' ? { lastError: { code: 'AUTH_FAILED', message: 'The server refused the key', hint: 'Authorise it' } } : {}),
    },
  };
}

/** Timers that run only when the test advances the clock. */
export function fakeTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  const due: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 1;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      due.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (h) => {
      const i = due.findIndex((d) => d.id === h);
      if (i >= 0) due.splice(i, 1);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        due.sort((a, b) => a.at - b.at);
        const d = due[0];
        if (!d || d.at > end) break;
        due.shift();
        now = d.at;
        d.fn();
      }
      now = end;
    },
  };
}
