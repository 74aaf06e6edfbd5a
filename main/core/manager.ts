/** Every running session in one place; the one object all doors (tray, CLI, web bridge) talk to. */
import { EventEmitter } from 'node:events';
import type { SessionConfig } from '../../common/config.js';
import type { ErrorInfo, ForwardSnapshot, SessionSnapshot, SessionState } from '../../common/session.js';
import { Session, type SessionDeps, type SessionLog } from './session/session.js';

export interface ManagerEvents {
  /** A session's snapshot changed (`sessions:changed` for the renderer). */
  changed: [SessionSnapshot];
  /** A session's state changed (see SessionEvents.state). */
  state: [sessionId: string, to: SessionState, error: ErrorInfo | undefined];
  forward: [sessionId: string, forward: ForwardSnapshot];
  log: [sessionId: string, log: SessionLog];
}

export class SessionManager extends EventEmitter<ManagerEvents> {
  private readonly sessions = new Map<string, Session>();

  /**
   * `deps` is shared by every session. (One Burrow runs a config's sessions: the one that answers
   * on its control channel, main/control/channel.ts.)
   */
  constructor(private readonly deps: SessionDeps = {}) {
    super();
  }

  /** Adds a session (stopped); its id must be new. */
  add(config: SessionConfig, extra: SessionDeps = {}): Session {
    if (this.sessions.has(config.id)) throw new Error(`a session with id "${config.id}" already exists`);
    const s = new Session(config, { ...this.deps, ...extra });
    s.on('snapshot', (snap) => this.emit('changed', snap));
    s.on('state', (_from, to, error) => this.emit('state', config.id, to, error));
    s.on('forward', (f) => this.emit('forward', config.id, f));
    s.on('log', (l) => this.emit('log', config.id, l));
    this.sessions.set(config.id, s);
    return s;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** Stops and forgets a session. */
  async remove(id: string): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return;
    await s.stop();
    s.removeAllListeners();
    this.sessions.delete(id);
  }

  start(id: string): void {
    this.require(id).start();
  }

  async stop(id: string): Promise<void> {
    await this.require(id).stop();
  }

  startAll(ids: Iterable<string> = this.sessions.keys()): void {
    for (const id of ids) this.start(id);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.stop()));
  }

  /** Retry every waiting session now: the machine woke up or the network came back. */
  nudgeAll(): void {
    for (const s of this.sessions.values()) s.nudge();
  }

  /** Whether any session is not stopped (it carries data, or tries to). */
  anyRunning(): boolean {
    for (const s of this.sessions.values()) if (s.currentState !== 'stopped') return true;
    return false;
  }

  /** The ids of the sessions in `state`, without building their snapshots. */
  idsIn(state: SessionSnapshot['state']): string[] {
    const out: string[] = [];
    for (const [id, s] of this.sessions) if (s.currentState === state) out.push(id);
    return out;
  }

  list(): SessionSnapshot[] {
    return [...this.sessions.values()].map((s) => s.snapshot());
  }

  private require(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new Error(`no session with id "${id}"`);
    return s;
  }
}
