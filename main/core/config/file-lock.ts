/**
 * A lock file beside the store (`config.json.lock`) that serialises read-change-write across
 * processes: the app, `burrow web`, the service and the CLI may all edit the store at once, and
 * conf's atomic write alone only makes each write whole, not each change (two writers that read
 * the same file would each drop the other's change).
 *
 * Created with O_EXCL, holding the owner's pid; a lock whose process is gone (a crash or kill -9
 * mid-change) or that is older than STALE_MS is taken over.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { ConfigError } from './config-error.js';

/** A change holds the lock for milliseconds; one held this long belongs to a hung or reused pid. */
const STALE_MS = 30_000;
/** How long a change waits for another process's change before giving up with an error. */
const WAIT_MS = 10_000;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` (the store's API is synchronous, as conf's is). */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Whether a process runs (EPERM: it does, as another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether an existing lock was left by a process that is gone, or is older than any change. */
function isStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) return true;
    return Date.now() - statSync(lock).mtimeMs > STALE_MS;
  } catch {
    // Gone between our attempt and this look, or still empty (its owner is writing its pid):
    // not stale; the next attempt tells.
    return false;
  }
}

/** Runs `fn` while holding the lock for `file`; throws ConfigError naming the lock if it cannot be had. */
export function withFileLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (isStale(lock)) {
      try { unlinkSync(lock); } catch { /* another process took it over first */ }
      continue;
    }
    if (Date.now() > deadline) {
      throw new ConfigError(file, `is being changed by another Burrow that has not finished for ${WAIT_MS / 1000} s`,
        `Try again. If no other Burrow is running, remove ${lock}.`);
    }
    sleepSync(2 + Math.random() * 8);
  }
  try {
    return fn();
  } finally {
    try { unlinkSync(lock); } catch { /* already gone */ }
  }
}
