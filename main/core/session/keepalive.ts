/**
 * Keepalives with OpenSSH's meaning (ServerAliveInterval / ServerAliveCountMax): a probe goes out
 * only after `interval` with nothing received from the server, and the link is declared dead only
 * when `countMax` probes in a row go unanswered in such a silence (clientloop.c reschedules its
 * check on every read).
 *
 * ssh2 probes every `interval` from login on, data or not, and counts a probe as unanswered until
 * its reply arrives. A reply waits behind everything the server queued before it, and behind a
 * key re-exchange: on a busy link on a slow machine (32 streams, keys renewed every MiB, CI's
 * shared cores) ssh2 declared a link dead that was carrying data at that moment, and every
 * forwarded connection was cut (test/core/session/rekey.test.ts, keepalive.test.ts). So while
 * bytes arrive, ssh2's count and timer are started again — at most twice per interval, which
 * costs one clock read per batch of reads. When the server falls silent, ssh2's own probes and
 * count take over from the last restart: a frozen link is still found within
 * (countMax + 1) × interval of its last byte.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from 'ssh2';

export interface HeardWatch {
  /** The login succeeded: ssh2 has started its keepalive timer (never restarted before this). */
  ready(): void;
  /** Bytes arrived from the server. */
  heard(): void;
}

/** Restarts `client`'s keepalive count while the server is heard from (see the file's header). */
export function keepaliveHeard(client: Client, intervalMs: number): HeardWatch {
  // ssh2 1.17 keeps its restart function on the client (`_resetKA`, set by connect()): it zeroes
  // the count of unanswered probes and starts the interval again. Not public; its presence is
  // checked by a test, and without it ssh2's own behaviour is left as it is.
  const restart = (): void => (client as unknown as { _resetKA?: () => void })._resetKA?.();
  const every = intervalMs / 2;
  let armed = false;
  let last = 0;
  return {
    ready() {
      armed = intervalMs > 0;
      last = performance.now();
    },
    heard() {
      if (!armed) return;
      const now = performance.now();
      if (now - last < every) return;
      last = now;
      restart();
    },
  };
}
