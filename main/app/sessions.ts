/**
 * The saved sessions and the running ones, as the window sees them: the store and the
 * SessionManager kept in step, live snapshots pushed as they change (counters at most twice a
 * second), and a bounded log per session.
 */
import type { DefaultProxyConfig, SessionConfig } from '../../common/config.js';
import { withDefaultProxy } from '../../common/route.js';
import type { EditResult, LogLine, ReloadResult, Replies, SavedSession, SessionView } from '../../common/contract.js';
import type { SessionSnapshot } from '../../common/session.js';
import { nextStepsWithKey } from '../core/config/public-key.js';
import { findSession } from '../core/config/schema.js';
import { exportSessions } from '../core/config/transfer.js';
import { allWarnings, warningsForMany } from '../core/config/warnings.js';
import { sessionVersion } from '../core/config/versions.js';
import type { ConfigStore } from '../core/config/store.js';
import { SessionManager } from '../core/manager.js';
import type { BackoffOptions } from '../core/session/backoff.js';
import type { SecretStore } from '../core/keys/index.js';
import type { SessionDeps } from '../core/session/session.js';
import type { LogFiles } from '../core/logs/log-files.js';
import { applyEdit, changedFields, type EditRequest } from './edit.js';
import { fail } from './errors.js';
import type { Questions } from './questions.js';
import { giveWay } from '../core/give-way.js';

/** Lines of log kept per session for a window that opens later. */
const LOG_LINES = 500;
/** How often counters of busy sessions are pushed. */
const COUNTERS_EVERY_MS = 500;
/** Versions remembered to say what changed when an update is refused (a few per session shown). */
const SERVED_VERSIONS = 20_000;
/** Sessions added or removed between two turns of the event loop (sync). */
const SYNC_SLICE = 100;

export interface SessionsDeps {
  readonly store: ConfigStore;
  readonly secrets: SecretStore;
  readonly questions: Questions;
  /** Views that changed, gathered over one turn of the event loop (an import of 10,000 is a few events, not 10,000). */
  readonly emitChanged: (views: ReadonlyArray<SessionView>) => void;
  readonly emitRemoved: (id: string) => void;
  readonly emitLog: (id: string, line: LogLine) => void;
  readonly home?: string;
  readonly backoff?: Partial<BackoffOptions>;
  /** For keys without a passphrase of their own (see AppDeps.passphrase). */
  readonly passphrase?: string;
  /** See AppDeps.engine. */
  readonly engine?: Pick<SessionDeps, 'unknownHostHint' | 'ssh2Debug'>;
  /** Where each session's log is kept across restarts (absent: in memory only). */
  readonly logFiles?: LogFiles;
}

export class Sessions {
  readonly manager: SessionManager;
  /** The config each session in the manager runs with. */
  private readonly running = new Map<string, SessionConfig>();
  /** What each session runs with (its settings and Settings' default proxy), as JSON, to see when that changes. */
  private readonly given = new Map<string, string>();
  private defaultProxy: DefaultProxyConfig | null = null;
  /** The default proxy changed since the last sync: every session's effective settings are compared again. */
  private proxyChanged = false;
  private readonly logs = new Map<string, LogLine[]>();
  private readonly pushed = new Map<string, string>();
  /** Versions of the settings objects handed out, and the settings of the last versions handed out. */
  private readonly versions = new WeakMap<SessionConfig, string>();
  private readonly served = new Map<string, SessionConfig>();
  /** Views waiting for the end of this turn of the event loop (see flush). */
  private readonly outgoing = new Map<string, SessionView>();
  private readonly timer: NodeJS.Timeout;
  private syncing: Promise<unknown> = Promise.resolve();
  /**
   * Which sessions start as soon as they are saved or appear in the store (a reload, an import, a
   * session created in a window): those this door runs (see BurrowApp.start); none when undefined.
   */
  runsAdded: ((c: SessionConfig) => boolean) | undefined;

  constructor(private readonly deps: SessionsDeps) {
    this.manager = new SessionManager({
      secrets: deps.secrets,
      ...(deps.home !== undefined ? { home: deps.home } : {}),
      ...(deps.backoff ? { backoff: deps.backoff } : {}),
      ...(deps.passphrase !== undefined ? { passphrase: deps.passphrase } : {}),
      ...deps.engine,
    });
    this.manager.on('changed', (snap) => this.push(snap.id));
    this.manager.on('forward', (id) => this.push(id));
    this.manager.on('log', (id, l) => this.log(id, l.level, l.message));
    // The state history shown in a session's detail: a log line for every change of state, as
    // the session itself reports it.
    this.manager.on('state', (id, to, error) =>
      this.log(
        id,
        to === 'error' ? 'error' : to === 'reconnecting' ? 'warn' : 'info',
        `state: ${to}${error ? ` — ${error.code}: ${error.message}` : ''}`,
        'state',
      ),
    );
    // Counters move only while connected: 10,000 stopped sessions are not 10,000 views a second.
    this.timer = setInterval(() => {
      for (const id of this.manager.idsIn('connected')) this.push(id);
    }, COUNTERS_EVERY_MS);
    this.timer.unref();
  }

  /**
   * Brings the manager in step with the store: new sessions are added (stopped), removed ones
   * stopped and dropped, and changed ones take their new settings (restarted if they ran); the
   * others are not touched. Reads the whole store first, so a broken file changes nothing. A few
   * hundred sessions at a time, with the event loop free in between: 10,000 sessions arriving
   * from an import must not hold up the tunnels that run.
   */
  sync(startAdded = this.runsAdded): Promise<ReloadResult> {
    // One at a time: two syncs interleaving at their pauses would both add the same session.
    const next = this.syncing.then(() => this.syncNow(startAdded));
    this.syncing = next.catch(() => undefined);
    return next;
  }

  private async syncNow(startAdded: ((c: SessionConfig) => boolean) | undefined): Promise<ReloadResult> {
    const saved = this.deps.store.sessions();
    const ids = new Set(saved.map((s) => s.id));
    const diff = { added: [] as string[], removed: [] as string[], changed: [] as string[], unchanged: [] as string[] };
    const toStart: string[] = [];
    let n = 0;
    const breathe = async (): Promise<void> => {
      if (++n % SYNC_SLICE === 0) await giveWay();
    };
    for (const [id, old] of [...this.running]) {
      if (ids.has(id)) continue;
      await breathe();
      this.deps.questions.cancelFor(id);
      await this.manager.remove(id);
      this.running.delete(id);
      this.given.delete(id);
      this.logs.delete(id);
      // A removed session's log goes with it: it names a server and a user that are no longer saved.
      await this.deps.logFiles?.remove(id);
      this.pushed.delete(id);
      this.removed(id);
      diff.removed.push(old.name);
    }
    for (const config of saved) {
      const old = this.running.get(config.id);
      // The store hands back the very objects it read or wrote when a session did not change.
      const same = old !== undefined && (old === config || JSON.stringify(old) === JSON.stringify(config));
      if (same && !this.proxyChanged) {
        if (old !== config) this.running.set(config.id, config);
        diff.unchanged.push(config.name);
        continue;
      }
      // Only a changed session, or every one after the default proxy changed, is looked at again
      // (matching its host against the proxy's exclusions), with the event loop free in between.
      await breathe();
      const effective = this.effective(config);
      const givenNow = JSON.stringify(effective);
      if (same && this.given.get(config.id) === givenNow) {
        if (old !== config) this.running.set(config.id, config);
        diff.unchanged.push(config.name);
        continue;
      }
      (old ? diff.changed : diff.added).push(config.name);
      const wasRunning = old !== undefined && this.manager.get(config.id)!.snapshot().state !== 'stopped';
      if (old) {
        this.deps.questions.cancelFor(config.id);
        await this.manager.remove(config.id);
      }
      this.manager.add(effective, {
        prompt: this.deps.questions.hostKeyPrompt(config),
        askPassphrase: this.deps.questions.passphraseQuestion(config),
      });
      this.running.set(config.id, config);
      this.given.set(config.id, givenNow);
      if (wasRunning) this.manager.start(config.id);
      else if (!old && startAdded?.(config)) toStart.push(config.id);
      this.push(config.id, true);
    }
    this.proxyChanged = false;
    await this.startAll(toStart);
    return diff;
  }

  /** Resolves once the sync in progress, if any, is done (a list asked for meanwhile would be half of it). */
  async settled(): Promise<void> {
    await this.syncing;
  }

  /** The sessions loaded, by id. */
  configs(): ReadonlyArray<SessionConfig> {
    return [...this.running.values()];
  }

  /**
   * The sessions as loaded at the last sync (a store broken since does not hide the running ones),
   * a few hundred views at a time: 10,000 snapshots are not taken in one turn of the event loop.
   */
  async list(): Promise<SessionView[]> {
    const out: SessionView[] = [];
    for (const id of [...this.running.keys()]) {
      if (out.length > 0 && out.length % SYNC_SLICE === 0) await giveWay();
      // Removed meanwhile: not listed.
      if (this.running.has(id)) out.push(this.view(id));
    }
    return out;
  }

  /**
   * The id of the session a person means: an id, else a name in any case, else an id in any case
   * (findSession) — resolved here, once, for every door and every request that names a session.
   */
  idOf(idOrName: string): string {
    if (this.running.has(idOrName)) return idOrName;
    const found = findSession(this.configs(), idOrName) ?? this.deps.store.find(idOrName);
    if (!found) fail('NOT_FOUND', `There is no session "${idOrName}"`, 'Pick one of the sessions Burrow lists.', 'id');
    return found.id;
  }

  view(id: string): SessionView {
    const config = this.running.get(id);
    const session = this.manager.get(id);
    if (!config || !session) fail('NOT_FOUND', `There is no session "${id}"`, 'Pick one of the sessions Burrow lists.', 'id');
    const viaDefault = !config.proxy && this.defaultProxy !== null && this.effective(config).proxy !== undefined;
    return { config, version: this.versionOf(config), snapshot: session.snapshot(), ...(viaDefault ? { viaDefaultProxy: true as const } : {}) };
  }

  /** Settings' default proxy changed: the next sync restarts the running sessions whose path it changes. */
  setDefaultProxy(proxy: DefaultProxyConfig | null): void {
    if (JSON.stringify(proxy) === JSON.stringify(this.defaultProxy)) return;
    this.defaultProxy = proxy;
    this.proxyChanged = true;
  }

  /** A session as it runs: its settings, with Settings' default proxy where it applies. */
  effective(config: SessionConfig): SessionConfig {
    return withDefaultProxy(config, this.defaultProxy);
  }

  /** A saved session as an editor opens it: its settings and their version. */
  editable(id: string): { config: SessionConfig; version: string } {
    const config = this.config(id);
    return { config, version: this.versionOf(config) };
  }

  /** The version of a session's settings; remembered, so a refused update can say what changed since. */
  private versionOf(config: SessionConfig): string {
    const cached = this.versions.get(config);
    if (cached !== undefined) return cached;
    const v = sessionVersion(config);
    this.versions.set(config, v);
    this.served.set(v, config);
    if (this.served.size > SERVED_VERSIONS) this.served.delete(this.served.keys().next().value!);
    return v;
  }

  config(id: string): SessionConfig {
    const c = this.deps.store.find(id);
    if (!c) fail('NOT_FOUND', `There is no session "${id}"`, 'Pick one of the sessions Burrow lists.', 'id');
    return c;
  }

  /** Validates and saves a new session (the store runs the shared validator), and says what is worth knowing. */
  async create(input: unknown): Promise<SavedSession> {
    const session = await this.deps.store.add(input);
    await this.sync();
    return this.saved(session);
  }

  /**
   * Saves new settings for a session, made to `version` of it; one that runs restarts with them.
   * A session changed since that version is not overwritten (CONFLICT, with what changed).
   */
  async update(input: unknown, version: string): Promise<SavedSession> {
    const id = (input as { id?: unknown }).id;
    if (typeof id !== 'string' || !this.deps.store.find(id))
      fail('NOT_FOUND', 'config.id does not name a saved session', 'Edit a session Burrow lists; to make a new one, create it.', 'config.id');
    const { id: _id, ...rest } = input as Record<string, unknown>;
    const next = { ...rest, id } as unknown as SessionConfig;
    const known = this.served.get(version);
    await this.deps.store.update(next, { version, ...(known ? { known } : {}) });
    await this.sync();
    return this.saved(this.config(id));
  }

  /** Changes some settings of a saved session (edit.ts); one that runs restarts with them. */
  async edit(idOrName: string, r: EditRequest): Promise<EditResult> {
    const before = this.config(idOrName);
    // The version the edit was made to, when the editor says which: what changed since is named.
    const known = r.version !== undefined ? this.served.get(r.version) : before;
    const edited = await applyEdit(r, before, {
      store: this.deps.store,
      secrets: this.deps.secrets,
      ...(known ? { known } : {}),
      ...(this.deps.home !== undefined ? { home: this.deps.home } : {}),
    });
    await this.sync();
    const after = this.config(before.id);
    return { saved: await this.saved(after), changes: changedFields(before, after), ...(edited.keptKey ? { keptKey: edited.keptKey } : {}) };
  }

  /** Every saved session as one file for another machine (transfer.ts); secrets only sealed with a passphrase. */
  async exportAll(withSecrets: boolean, passphrase: string | undefined): Promise<Replies['sessions:export']> {
    if (withSecrets && (passphrase === undefined || passphrase === '')) {
      fail('INVALID_INPUT', 'an export with secrets needs a passphrase to seal them with', 'Give a passphrase of 8 characters or more.', 'passphrase');
    }
    const sessions = this.deps.store.sessions();
    const r = await exportSessions(sessions, withSecrets ? { secretsPassphrase: passphrase!, secrets: this.deps.secrets } : {});
    return { text: r.text, sessions: sessions.length, withSecrets, included: r.included, left: r.left };
  }

  async remove(idOrName: string): Promise<void> {
    await this.deps.store.remove(this.config(idOrName).id);
    await this.sync();
  }

  start(idOrName: string): SessionView {
    const id = this.idOf(idOrName);
    this.manager.start(id);
    return this.view(id);
  }

  async stop(idOrName: string): Promise<SessionView> {
    const id = this.idOf(idOrName);
    this.deps.questions.cancelFor(id);
    await this.manager.stop(id);
    return this.view(id);
  }

  /**
   * "Retry now" on a waiting session (its backoff, or a held remote port, skipped); "Restart" on
   * one that is connected or connecting (its connection dropped politely and made again).
   */
  async retry(idOrName: string): Promise<SessionView> {
    const id = this.idOf(idOrName);
    const state = this.manager.get(id)!.currentState;
    if (state === 'reconnecting' || state === 'error') this.manager.get(id)!.nudge();
    else {
      if (state !== 'stopped') await this.stop(id);
      this.manager.start(id);
    }
    return this.view(id);
  }

  /** Starts every session (or those given). */
  async startAll(ids: Iterable<string> = this.running.keys()): Promise<void> {
    // A few at a time: starting 10,000 sessions is 10,000 connections set up, and the tunnels
    // already up must go on meanwhile.
    const all = [...ids];
    for (let i = 0; i < all.length; i += SYNC_SLICE) {
      if (i > 0) await giveWay();
      this.manager.startAll(all.slice(i, i + SYNC_SLICE));
    }
  }

  async nextSteps(idOrName: string): Promise<{ nextSteps: ReadonlyArray<string>; troubleshooting: ReadonlyArray<string> }> {
    return nextStepsWithKey(this.config(idOrName), this.deps.secrets);
  }

  /** A session's recent log: from disk, earlier runs included, where there are log files. */
  async logsOf(idOrName: string): Promise<LogLine[]> {
    const id = this.idOf(idOrName);
    if (this.deps.logFiles) return this.deps.logFiles.read(id, LOG_LINES);
    return [...(this.logs.get(id) ?? [])];
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.manager.stopAll();
    this.flush();
    await this.deps.logFiles?.close();
  }

  /** A session just saved, with its next steps and what is worth knowing (every door's "Saved" screen). */
  async saved(session: SessionConfig): Promise<SavedSession> {
    const general = warningsForMany([session], this.deps.store.sessions(), this.deps.home).get(session.id) ?? [];
    return {
      session,
      nextSteps: (await nextStepsWithKey(session, this.deps.secrets)).nextSteps,
      warnings: await allWarnings(session, general, this.deps.home),
    };
  }

  private log(id: string, level: LogLine['level'], message: string, kind?: LogLine['kind']): void {
    const line: LogLine = { ts: new Date().toISOString(), level, message, ...(kind ? { kind } : {}) };
    const lines = this.logs.get(id) ?? [];
    lines.push(line);
    if (lines.length > LOG_LINES) lines.splice(0, lines.length - LOG_LINES);
    this.logs.set(id, lines);
    this.deps.logFiles?.append(id, line);
    this.deps.emitLog(id, line);
  }

  /** Pushes a session's view when something a window shows has changed (or always, when `force`). */
  private push(id: string, force = false): void {
    if (!this.manager.get(id) || !this.running.has(id)) return;
    const view = this.view(id);
    const key = fingerprintOf(view.snapshot);
    if (!force && this.pushed.get(id) === key) return;
    this.pushed.set(id, key);
    if (this.outgoing.size === 0) setImmediate(() => this.flush());
    this.outgoing.set(id, view);
  }

  /** Sends the views gathered since the last flush, as one event. */
  private flush(): void {
    if (this.outgoing.size === 0) return;
    const views = [...this.outgoing.values()];
    this.outgoing.clear();
    this.deps.emitChanged(views);
  }

  /** A session is gone: what was still to be sent about it goes first, so no late view brings it back. */
  private removed(id: string): void {
    this.flush();
    this.deps.emitRemoved(id);
  }
}

/** What a window shows of a snapshot, as one string: a push is due when it changes. */
function fingerprintOf(s: SessionSnapshot): string {
  return [
    s.state,
    s.lastError?.code ?? '',
    s.lastError?.message ?? '',
    s.nextAttemptAt ?? '',
    s.reconnects,
    s.bytesIn,
    s.bytesOut,
    s.openConnections,
    s.totalConnections,
    s.failedConnections,
    s.forwards.map((f) => `${f.state}:${f.boundPort ?? ''}:${f.reach?.map((r) => r.answer).join('/') ?? ''}`).join(','),
  ].join('|');
}
