/**
 * Which Burrow runs which saved session. Two Burrows running one session (the desktop app and
 * `burrow web`, or a service and `burrow run`) fight over the vendor's remote port: each reconnect
 * of one takes it from the other, and the vendor sees a tunnel that drops every few seconds. So a
 * process that starts a saved session holds it with a small file beside the config
 * (`running/<hash of the id>.json`: pid, door, since), and every other process refuses to start
 * it, saying which Burrow has it.
 *
 * A hold is stale when its process is gone, or when it was not refreshed for STALE_MS (holders
 * touch their files every REFRESH_MS): a crashed Burrow's pid may belong to another program by
 * now, or the files survived a reboot. Taking and checking holds happens under the same kind of
 * lock file the store uses, so two Burrows starting one session at once cannot both win.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { alive, withFileLock } from './config/file-lock.js';

/** Who holds a session. */
export interface Holder {
  readonly pid: number;
  /** "the Burrow app", "burrow web", "burrow run", "the Burrow service". */
  readonly door: string;
  /** ISO time the hold was taken. */
  readonly since: string;
}

interface HoldFile extends Holder {
  readonly id: string;
  readonly token: string;
}

/** Holders refresh their files this often... */
export const REFRESH_MS = 60_000;
/** ...so a file untouched this long is left over (a reused pid, a reboot). */
export const STALE_MS = 10 * 60_000;

/** The folder holds live in, beside the config file. */
export function holdsFolderFor(configFolder: string): string {
  return path.join(configFolder, 'running');
}

/** "burrow web (pid 4242) since 14:02": who has a session, for an error or a status line. */
export function describeHolder(h: Holder): string {
  const t = new Date(h.since);
  const since = Number.isNaN(t.getTime()) ? '' : ` since ${t.toLocaleString()}`;
  return `${h.door} (pid ${h.pid})${since}`;
}

/** A session could not start here: another Burrow runs it. */
export class HeldElsewhereError extends Error {
  constructor(
    readonly sessionId: string,
    readonly sessionName: string,
    readonly holder: Holder,
  ) {
    super(`"${sessionName}" already runs in ${describeHolder(holder)}`);
    this.name = 'HeldElsewhereError';
  }

  /** What to do about it. */
  get hint(): string {
    return `One Burrow at a time runs a tunnel, or the two would take the vendor's port from each other. Stop it in ${this.holder.door} (or quit that Burrow), then start it here.`;
  }
}

export class SessionHolds {
  private readonly mine = new Set<string>();
  /** Tells this object's files from another's in the same process (tests run several apps in one). */
  private readonly token = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private listing: { readonly at: number; readonly names: ReadonlySet<string> } | undefined;
  private readonly files = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly door: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the hold for a session and returns undefined, or returns the live holder that has it. */
  acquire(id: string): Holder | undefined {
    if (this.mine.has(id)) return undefined;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return withFileLock(path.join(this.dir, 'holds'), () => {
      const other = this.read(id);
      if (other) return other;
      const hold: HoldFile = { id, pid: process.pid, door: this.door, since: new Date(this.now()).toISOString(), token: this.token };
      const file = this.file(id);
      writeFileSync(`${file}.tmp`, `${JSON.stringify(hold)}\n`, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      this.mine.add(id);
      this.timer ??= setInterval(() => this.refresh(), REFRESH_MS).unref();
      return undefined;
    });
  }

  /** Gives a session's hold back (it stopped here). */
  release(id: string): void {
    if (!this.mine.delete(id)) return;
    try {
      const raw = JSON.parse(readFileSync(this.file(id), 'utf8')) as Partial<HoldFile>;
      if (raw.token === this.token) unlinkSync(this.file(id));
    } catch {
      /* already gone */
    }
    if (this.mine.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  releaseAll(): void {
    for (const id of [...this.mine]) this.release(id);
  }

  /**
   * The sessions other Burrows run now, by id, among `ids`: read from the holds folder's listing,
   * so the cost is the number of holds, not the number of sessions.
   */
  heldElsewhere(ids: Iterable<string>): Map<string, Holder> {
    let names: ReadonlySet<string>;
    try {
      names = new Set(readdirSync(this.dir));
    } catch {
      names = new Set();
    }
    this.listing = { at: this.now(), names };
    const out = new Map<string, Holder>();
    if (names.size === 0) return out;
    for (const id of ids) {
      if (this.mine.has(id) || !names.has(path.basename(this.file(id)))) continue;
      const h = this.read(id);
      if (h) out.set(id, h);
    }
    return out;
  }

  /**
   * The other Burrow that runs a session now, if one does. The folder is listed at most once a
   * second and only files in it are read: with 10,000 sessions, asking about each (a status, a
   * list) must not be 10,000 file reads.
   */
  holderOf(id: string): Holder | undefined {
    if (this.mine.has(id)) return undefined;
    const t = this.now();
    if (!this.listing || t - this.listing.at > 1000 || t < this.listing.at) {
      let names: string[] = [];
      try {
        names = readdirSync(this.dir);
      } catch {
        /* no folder: nobody holds anything */
      }
      this.listing = { at: t, names: new Set(names) };
    }
    return this.listing.names.has(path.basename(this.file(id))) ? this.read(id) : undefined;
  }

  holds(id: string): boolean {
    return this.mine.has(id);
  }

  /** Keeps this process's holds fresh (called by the timer; tests call it directly). */
  refresh(): void {
    const t = new Date(this.now());
    for (const id of this.mine) {
      try {
        utimesSync(this.file(id), t, t);
      } catch {
        /* removed by hand: the next start takes it again */
      }
    }
  }

  private file(id: string): string {
    let f = this.files.get(id);
    if (f === undefined) {
      f = path.join(this.dir, `${createHash('sha256').update(id).digest('hex').slice(0, 24)}.json`);
      this.files.set(id, f);
    }
    return f;
  }

  /** A live hold of another process (or another object in this one), else undefined. */
  private read(id: string): Holder | undefined {
    const file = this.file(id);
    let raw: Partial<HoldFile>;
    let mtime: number;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<HoldFile>;
      mtime = statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
    if (raw.token === this.token || raw.id !== id || typeof raw.pid !== 'number') return undefined;
    if (!alive(raw.pid) || this.now() - mtime > STALE_MS) return undefined;
    return { pid: raw.pid, door: String(raw.door), since: String(raw.since) };
  }
}
