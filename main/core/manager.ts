/** Every running session in one place; the one object all doors (tray, CLI, web bridge) talk to. */
import { EventEmitter } from 'node:events';
import type { SessionConfig } from '../../common/config.js';
import type { ForwardSnapshot, SessionSnapshot } from '../../common/session.js';
import { HeldElsewhereError, type SessionHolds } from './holds.js';
import { Session, type SessionDeps, type SessionLog } from './session/session.js';

export interface ManagerEvents {
  /** A session's snapshot changed (`sessions:changed` for the renderer). */
  changed: [SessionSnapshot];
  forward: [sessionId: string, forward: ForwardSnapshot];
  log: [sessionId: string, log: SessionLog];
}

export class SessionManager extends EventEmitter<ManagerEvents> {
  private readonly sessions = new Map<string, Session>();

  /**
   * `deps` is shared by every session. With `holds` (saved sessions), a session starts only if no
   * other Burrow runs it, and is held by this process until it stops.
   */
  constructor(
    private readonly deps: SessionDeps = {},
    readonly holds?: SessionHolds,
  ) {
    super();
  }

  /** Adds a session (stopped); its id must be new. */
  add(config: SessionConfig, extra: SessionDeps = {}): Session {
    if (this.sessions.has(config.id)) throw new Error(`a session with id "${config.id}" already exists`);
    const s = new Session(config, { ...this.deps, ...extra });
    s.on('snapshot', (snap) => {
      if (snap.state === 'stopped') this.holds?.release(config.id);
      this.emit('changed', snap);
    });
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
    this.holds?.release(id);
    this.sessions.delete(id);
  }

  /** Starts a session; throws HeldElsewhereError when another Burrow runs it. */
  start(id: string): void {
    const s = this.require(id);
    const holder = s.snapshot().state === 'stopped' ? this.holds?.acquire(id) : undefined;
    if (holder) throw new HeldElsewhereError(id, s.config.name, holder);
    s.start();
  }

  async stop(id: string): Promise<void> {
    await this.require(id).stop();
  }

  /** Starts every session no other Burrow runs; returns those it left to the other. */
  startAll(ids: Iterable<string> = this.sessions.keys()): HeldElsewhereError[] {
    const held: HeldElsewhereError[] = [];
    for (const id of ids) {
      try {
        this.start(id);
      } catch (err) {
        if (!(err instanceof HeldElsewhereError)) throw err;
        held.push(err);
      }
    }
    return held;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.stop()));
    this.holds?.releaseAll();
  }

  /** Retry every waiting session now: the machine woke up or the network came back. */
  nudgeAll(): void {
    for (const s of this.sessions.values()) s.nudge();
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
