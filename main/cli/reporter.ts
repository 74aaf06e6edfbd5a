/**
 * How long-running commands (`burrow run`, the service) report: JSON lines for programs, readable
 * lines for people, and, where standard error is systemd's journal (the service), lines with the
 * journal's priority prefix: `journalctl -u burrow -p warning` shows the trouble of every session,
 * each line naming its session.
 */
import { fstatSync } from 'node:fs';
import type { ErrorInfo } from '../../common/session.js';
import type { Fault } from '../app/platform.js';
import type { CliIo } from './io.js';

/** syslog priorities, as the journal reads them from a `<N>` at the start of a line. */
const PRIORITY = { error: 3, warn: 4, notice: 5, info: 6, debug: 7 } as const;
type Priority = keyof typeof PRIORITY;

/**
 * Whether standard error goes to systemd's journal: systemd sets JOURNAL_STREAM to the device and
 * inode of the stream it connected (systemd.exec(5)); a stream redirected elsewhere does not match.
 */
export function writesToJournal(env: NodeJS.ProcessEnv, fd = 2): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const s = fstatSync(fd, { bigint: true });
    return s.dev === BigInt(m[1]!) && s.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

export class Reporter {
  private readonly journal: boolean;

  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
    private readonly verbose: boolean,
  ) {
    this.journal = !json && writesToJournal(io.env);
  }

  private line(obj: Record<string, unknown>, human: string, priority: Priority = 'info'): void {
    if (this.json) this.io.out(JSON.stringify({ ts: new Date().toISOString(), ...obj }));
    // The journal stamps each line itself; the prefix is its priority.
    else if (this.journal) this.io.err(`<${PRIORITY[priority]}>${human}`);
    else this.io.err(`${new Date().toISOString()} ${human}`);
  }

  /** One line per change for people: the state, its error with the fix, and when the next attempt is. */
  state(session: string, state: string, error: ErrorInfo | undefined, nextAttemptAt: string | undefined): void {
    const wait = nextAttemptAt !== undefined ? Math.max(0, Math.round((Date.parse(nextAttemptAt) - Date.now()) / 100) / 10) : undefined;
    const human =
      `${session}: ${state}` +
      (error ? ` — ${error.code}: ${error.message}${error.hint ? `; fix: ${error.hint}` : ''}` : '') +
      (wait !== undefined ? ` (next attempt in ${wait} s)` : '');
    const priority: Priority = state === 'error' ? 'error' : state === 'reconnecting' || error ? 'warn' : state === 'connected' ? 'notice' : 'info';
    this.line({ session, type: 'state', state, ...(error ? { error } : {}), ...(nextAttemptAt ? { nextAttemptAt } : {}) }, human, priority);
  }

  forward(session: string, forward: string, state: string, port: number | undefined, error: ErrorInfo | undefined): void {
    this.line(
      { session, type: 'forward', forward, state, ...(port !== undefined ? { port } : {}), ...(error ? { error } : {}) },
      `${session}: ${forward} ${state}${port !== undefined ? ` on port ${port}` : ''}`,
      error ? 'warn' : 'info',
    );
  }

  log(session: string, level: string, message: string): void {
    // The journal keeps info lines too (journalctl -p filters them); a terminal shows them with -v.
    if (!this.json && !this.verbose && (level === 'debug' || (level === 'info' && !this.journal))) return;
    this.line({ session, type: 'log', level, message }, `${session}: ${level}: ${message}`, level in PRIORITY ? (level as Priority) : 'info');
  }

  note(message: string): void {
    this.line({ type: 'note', message }, `note: ${message}`);
  }

  /** Something that failed but stops nothing (a reload with a broken config). */
  error(message: string): void {
    this.line({ type: 'error', message }, `error: ${message}`, 'error');
  }

  /** An error nobody caught (see faults.ts): always shown, with its session when known. */
  fault(f: Fault): void {
    this.line(
      { ...(f.session ? { session: f.session } : {}), type: 'log', level: 'error', message: `internal error: ${f.message}` },
      `${f.session ? `${f.session}: ` : ''}error: internal error: ${f.message}`,
      'error',
    );
  }
}
