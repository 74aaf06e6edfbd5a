/**
 * Each session's log on disk, so that `burrow logs NAME` and the window's log show what happened
 * before a restart (a crash, a reboot, a service restarted by systemd). One file per session in
 * `<config folder>/logs/`, JSON lines, 0600 in a 0700 folder: lines name hosts and users.
 *
 * - Rotated by size: a file over `fileBytes` becomes `NAME.log.1` (the older one goes).
 * - Capped in total: when the folder holds more than `totalBytes` (10,000 sessions × two files
 *   would otherwise be gigabytes), the files written longest ago go first.
 * - Written in batches: lines of one turn of `flushMs` go to each file in one append, so a
 *   session that logs a line per connection does not cost a write per line.
 * - Redacted: a line is written only after `redact` (private key blocks, passwords after -pw,
 *   password=…) — the engine never logs a secret, and this is the net under that rule.
 *
 * Why not a logging library (pino and its pino-roll transport): the lines are already structured
 * (LogLine) and made where they are emitted, the window reads them back per session, and the cap
 * is across thousands of files, which per-stream rotation does not do. This module is the part of
 * such a library Burrow needs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { appendFile, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LogLine } from '../../../common/contract.js';

export interface LogFilesOptions {
  /** A file is rotated when it grows past this (default 256 KiB: ~2,000 lines). */
  readonly fileBytes?: number;
  /** The folder is kept under this (default 64 MiB). */
  readonly totalBytes?: number;
  /** How long lines wait to be written together (default 250 ms). */
  readonly flushMs?: number;
}

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const PUTTY_KEY = /PuTTY-User-Key-File-\d[\s\S]*/g;
const PW_OPTION = /(^|\s)(-pw|--password|-password)(\s+|=)\S+/gi;
const PASSWORD_ASSIGN = /\b(password|passwd|pass|passphrase|pwd)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi;

/** A log line with anything that looks like a secret taken out. */
export function redact(message: string): string {
  return message
    .replace(PRIVATE_KEY_BLOCK, '[private key removed]')
    .replace(PUTTY_KEY, '[private key removed]')
    .replace(PW_OPTION, (_m, pre: string, opt: string, sep: string) => `${pre}${opt}${sep}[removed]`)
    .replace(PASSWORD_ASSIGN, (_m, key: string, sep: string) => `${key}${sep}[removed]`);
}

/** A session id as a file name: readable where it can be, never two sessions in one file. */
function fileNameOf(id: string): string {
  const slug =
    id
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .slice(0, 60) || 'session';
  return `${slug}-${createHash('sha256').update(id).digest('hex').slice(0, 10)}.log`;
}

export class LogFiles {
  private readonly fileBytes: number;
  private readonly totalBytes: number;
  private readonly flushMs: number;
  private readonly pending = new Map<string, string[]>();
  private readonly sizes = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** The flush in progress: the next waits for it, so lines are written in order. */
  private writing: Promise<void> = Promise.resolve();
  private made = false;
  /** Bytes in the folder, as last counted plus what was written since (undefined: not counted yet). */
  private total: number | undefined;

  constructor(
    readonly folder: string,
    o: LogFilesOptions = {},
  ) {
    this.fileBytes = o.fileBytes ?? 256 * 1024;
    this.totalBytes = o.totalBytes ?? 64 * 1024 * 1024;
    this.flushMs = o.flushMs ?? 250;
  }

  /** Keeps a line of a session's log (written within `flushMs`). */
  append(sessionId: string, line: LogLine): void {
    const text = JSON.stringify({ ...line, message: redact(line.message) });
    const lines = this.pending.get(sessionId);
    if (lines) lines.push(text);
    else this.pending.set(sessionId, [text]);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes every line kept so far. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    const next = this.writing.then(() => this.write(batch));
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async write(batch: ReadonlyArray<[string, string[]]>): Promise<void> {
    if (batch.length === 0) return;
    if (!this.made) {
      mkdirSync(this.folder, { recursive: true, mode: 0o700 });
      this.made = true;
    }
    this.total ??= await this.count();
    for (const [id, lines] of batch) {
      const file = path.join(this.folder, fileNameOf(id));
      const data = lines.join('\n') + '\n';
      let size =
        this.sizes.get(file) ??
        (await stat(file).then(
          (s) => s.size,
          () => 0,
        ));
      if (size > 0 && size + data.length > this.fileBytes) {
        // The older file goes (its bytes with it), this one becomes it.
        const older = await stat(`${file}.1`).then(
          (s) => s.size,
          () => 0,
        );
        await rename(file, `${file}.1`).catch(() => undefined);
        this.total -= older;
        size = 0;
      }
      const bytes = Buffer.byteLength(data);
      await appendFile(file, data, { mode: 0o600 });
      this.sizes.set(file, size + bytes);
      this.total += bytes;
    }
    if (this.total > this.totalBytes) await this.cap();
  }

  /** The files of the folder, with their sizes and when each was last written. */
  private async files(): Promise<Array<{ f: string; size: number; mtime: number }>> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    const files = await Promise.all(
      names.map(async (n) => {
        const f = path.join(this.folder, n);
        const s = await stat(f).catch(() => undefined);
        return s ? { f, size: s.size, mtime: s.mtimeMs } : undefined;
      }),
    );
    return files.filter((x) => x !== undefined);
  }

  private async count(): Promise<number> {
    return (await this.files()).reduce((n, x) => n + x.size, 0);
  }

  /** Removes the files written longest ago until the folder is under its cap. */
  private async cap(): Promise<void> {
    const present = await this.files();
    let total = present.reduce((n, x) => n + x.size, 0);
    for (const x of present.sort((a, b) => a.mtime - b.mtime)) {
      if (total <= this.totalBytes) break;
      await rm(x.f, { force: true });
      this.sizes.delete(x.f);
      total -= x.size;
    }
    this.total = total;
  }

  /** The last `limit` lines of a session's log, those of earlier runs included, oldest first. */
  async read(sessionId: string, limit: number): Promise<LogLine[]> {
    await this.flush();
    const file = path.join(this.folder, fileNameOf(sessionId));
    const texts: string[] = [];
    for (const f of [`${file}.1`, file]) {
      const data = await readFile(f, 'utf8').catch(() => '');
      if (data) texts.push(...data.split('\n'));
    }
    const out: LogLine[] = [];
    for (const t of texts.slice(-(limit * 2))) {
      if (!t) continue;
      try {
        const l = JSON.parse(t) as LogLine;
        if (typeof l.ts === 'string' && typeof l.message === 'string') out.push(l);
      } catch {
        // A line cut by a crash mid-write: the others are still good.
      }
    }
    return out.slice(-limit);
  }

  /** Forgets a session's log (the session was removed). */
  async remove(sessionId: string): Promise<void> {
    this.pending.delete(sessionId);
    const file = path.join(this.folder, fileNameOf(sessionId));
    await this.writing;
    this.sizes.delete(file);
    await Promise.all([rm(file, { force: true }), rm(`${file}.1`, { force: true })]);
    // Counted again at the next write.
    this.total = undefined;
  }

  /** Writes what is left; nothing more is kept after. */
  async close(): Promise<void> {
    await this.flush();
  }
}
