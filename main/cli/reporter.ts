/** How long-running commands (`burrow run`) report: JSON lines for programs, readable lines for people. */
import type { ErrorInfo } from '../../common/session.js';
import type { Fault } from '../app/platform.js';
import type { CliIo } from './io.js';

export class Reporter {
  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
    private readonly verbose: boolean,
  ) {}

  private line(obj: Record<string, unknown>, human: string): void {
    if (this.json) this.io.out(JSON.stringify({ ts: new Date().toISOString(), ...obj }));
    else this.io.err(`${new Date().toISOString()} ${human}`);
  }

  /** One line per change for people: the state, its error with the fix, and when the next attempt is. */
  state(session: string, state: string, error: ErrorInfo | undefined, nextAttemptAt: string | undefined): void {
    const wait = nextAttemptAt !== undefined ? Math.max(0, Math.round((Date.parse(nextAttemptAt) - Date.now()) / 100) / 10) : undefined;
    const human =
      `${session}: ${state}` +
      (error ? ` — ${error.code}: ${error.message}${error.hint ? `; fix: ${error.hint}` : ''}` : '') +
      (wait !== undefined ? ` (next attempt in ${wait} s)` : '');
    this.line({ session, type: 'state', state, ...(error ? { error } : {}), ...(nextAttemptAt ? { nextAttemptAt } : {}) }, human);
  }

  forward(session: string, forward: string, state: string, port: number | undefined, error: ErrorInfo | undefined): void {
    this.line(
      { session, type: 'forward', forward, state, ...(port !== undefined ? { port } : {}), ...(error ? { error } : {}) },
      `${session}: ${forward} ${state}${port !== undefined ? ` on port ${port}` : ''}`,
    );
  }

  log(session: string, level: string, message: string): void {
    if (!this.json && !this.verbose && (level === 'debug' || level === 'info')) return;
    this.line({ session, type: 'log', level, message }, `${session}: ${level}: ${message}`);
  }

  note(message: string): void {
    this.line({ type: 'note', message }, `note: ${message}`);
  }

  /** Something that failed but stops nothing (a reload with a broken config). */
  error(message: string): void {
    this.line({ type: 'error', message }, `error: ${message}`);
  }

  /** An error nobody caught (see faults.ts): always shown, with its session when known. */
  fault(f: Fault): void {
    this.line(
      { ...(f.session ? { session: f.session } : {}), type: 'log', level: 'error', message: `internal error: ${f.message}` },
      `${f.session ? `${f.session}: ` : ''}error: internal error: ${f.message}`,
    );
  }
}
