/**
 * A lock file beside the store (`config.json.lock`) that serialises read-change-write across
 * processes: the app, `burrow web`, the service and the CLI may all edit the store at once, and
 * conf's atomic write alone only makes each write whole, not each change (two writers that read
 * the same file would each drop the other's change).
 *
 * Created with O_EXCL, holding the owner's pid; a lock whose process is gone (a crash or kill -9
 * mid-change) or that is older than STALE_MS is taken over.
 */
import { closeSync, linkSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
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

/** How old an empty lock must be to be left over (one only a Burrow before the atomic link could leave). */
const EMPTY_STALE_MS = 2_000;

/** Whether an existing lock was left by a process that is gone, or is older than any change. */
function isStale(lock: string): boolean {
  try {
    const text = readFileSync(lock, 'utf8').trim();
    const age = Date.now() - statSync(lock).mtimeMs;
    if (text === '') return age > EMPTY_STALE_MS;
    const pid = Number(text);
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) return true;
    return age > STALE_MS;
  } catch {
    // Gone between our attempt and this look: not stale; the next attempt tells.
    return false;
  }
}

/**
 * Creates the lock with our pid already in it: the pid goes to a file of our own, which is then
 * hard-linked to the lock's name (atomic, and refused when the lock exists). Opening the lock and
 * then writing the pid would leave an empty lock, which nobody can judge, if the process were
 * killed between the two. Where hard links are not possible (FAT), that older way is taken.
 */
function createLock(lock: string): boolean {
  const own = `${lock}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(own, `${process.pid}\n`, { mode: 0o600 });
    try {
      linkSync(own, lock);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
    }
  } finally {
    try {
      unlinkSync(own);
    } catch {
      /* not written */
    }
  }
  try {
    const fd = openSync(lock, 'wx', 0o600);
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Removes the pid files of createLock() that a killed process left beside the lock. */
function removeLeftovers(lock: string): void {
  const dir = path.dirname(lock);
  const prefix = `${path.basename(lock)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) {
      try {
        unlinkSync(path.join(dir, name));
      } catch {
        /* removed by another */
      }
    }
  }
}

/** Takes the lock, waiting with `sleep` between tries; throws ConfigError naming the lock if it cannot be had. */
function* acquire(file: string): Generator<number, void> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (createLock(lock)) {
      removeLeftovers(lock);
      return;
    }
    if (isStale(lock)) {
      try {
        unlinkSync(lock);
      } catch {
        /* another process took it over first */
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new ConfigError(
        file,
        `is being changed by another Burrow that has not finished for ${WAIT_MS / 1000} s`,
        `Try again. If no other Burrow is running, remove ${lock}.`,
      );
    }
    yield 2 + Math.random() * 8;
  }
}

function release(file: string): void {
  try {
    unlinkSync(`${file}.lock`);
  } catch {
    /* already gone */
  }
}

/** Runs `fn` while holding the lock for `file`; throws ConfigError naming the lock if it cannot be had. */
export function withFileLock<T>(file: string, fn: () => T): T {
  for (const ms of acquire(file)) sleepSync(ms);
  try {
    return fn();
  } finally {
    release(file);
  }
}

/**
 * withFileLock for a change that writes asynchronously: waits for the lock without blocking the
 * event loop. Within one process, callers must not overlap (the store queues its changes): the
 * lock tells processes apart, not callers.
 */
export async function withFileLockAsync<T>(file: string, fn: () => Promise<T>): Promise<T> {
  for (const ms of acquire(file)) await new Promise((r) => setTimeout(r, ms));
  try {
    return await fn();
  } finally {
    release(file);
  }
}
