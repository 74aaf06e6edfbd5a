/** Every running session in one place; the one object all doors (tray, CLI, web bridge) talk to. */
import { EventEmitter } from 'node:events';
import type { SessionConfig } from '../../common/config.js';
import type { ForwardSnapshot, SessionSnapshot } from '../../common/session.js';
import { Session, type SessionDeps, type SessionLog } from './session/session.js';

export interface ManagerEvents {
  /** A session's snapshot changed (`sessions:changed` for the renderer). */
  changed: [SessionSnapshot];
  forward: [sessionId: string, forward: ForwardSnapshot];
  log: [sessionId: string, log: SessionLog];
}

export class SessionManager extends EventEmitter<ManagerEvents> {
  private readonly sessions = new Map<string, Session>();

  /** `deps` is shared by every session; `depsFor` adds per-session parts (e.g. a passphrase). */
  constructor(private readonly deps: SessionDeps = {}) {
    super();
  }

  /** Adds a session (stopped); its id must be new. */
  add(config: SessionConfig, extra: SessionDeps = {}): Session {
    if (this.sessions.has(config.id)) throw new Error(`a session with id "${config.id}" already exists`);
    const s = new Session(config, { ...this.deps, ...extra });
    s.on('snapshot', (snap) => this.emit('changed', snap));
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

  startAll(): void {
    for (const s of this.sessions.values()) s.start();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.stop()));
  }

  /** Retry every waiting session now: the machine woke up or the network came back. */
  nudgeAll(): void {
    for (const s of this.sessions.values()) s.nudge();
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
