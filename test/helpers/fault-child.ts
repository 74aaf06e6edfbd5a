/**
 * A door in a process of its own, for test/core/faults.test.ts: two sessions in one manager with
 * the last-resort handler installed. Session "a" gets an injected key loader that, once the file
 * named by `trigger` appears, throws from a timer it started (a dependency failing later, outside
 * any try), and listeners that throw (once at its first snapshot, and while its new host key is
 * being accepted). Prints one JSON object per line.
 */
import { existsSync } from 'node:fs';
import type { SessionConfig } from '../../common/config.js';
import { installLastResort } from '../../main/core/faults.js';
import { loadIdentity } from '../../main/core/session/identity.js';
import { SessionManager } from '../../main/core/manager.js';

const spec = JSON.parse(process.argv[2]!) as { a: SessionConfig; b: SessionConfig; home: string; trigger: string };
const out = (o: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};
installLastResort((f) => out({ type: 'fault', ...f }));

const manager = new SessionManager({ home: spec.home, backoff: { initialMs: 200, maxMs: 1_000, jitter: 0, minGapMs: 200 } });
let armed = false;
manager.add(spec.a, {
  loadIdentity: async (file, passphrase) => {
    const identity = await loadIdentity(file, passphrase);
    if (!armed) {
      armed = true;
      const timer = setInterval(() => {
        if (!existsSync(spec.trigger)) return;
        clearInterval(timer);
        throw new Error('planted: a dependency of session a threw');
      }, 20);
    }
    return identity;
  },
});
manager.add(spec.b);
let thrown = false;
manager.get(spec.a.id)!.on('snapshot', () => {
  if (thrown) return;
  thrown = true;
  throw new Error('planted: a listener of session a threw');
});
// Logged while ssh2 waits for the host-key answer (a new host under accept-new): the answer
// must still be given.
manager.get(spec.a.id)!.on('log', (l) => {
  if (/recorded/.test(l.message)) throw new Error('planted: a log listener threw during the host-key check');
});
manager.on('changed', (s) => out({ type: 'state', id: s.id, state: s.state, ...(s.lastError ? { code: s.lastError.code } : {}) }));
manager.on('log', (id, l) => out({ type: 'log', id, level: l.level, message: l.message }));
manager.startAll();
process.on('SIGTERM', () => {
  void manager.stopAll().then(() => process.exit(0));
});
