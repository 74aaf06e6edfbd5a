/**
 * A door with a window (the desktop app, `burrow web`) on a config that another Burrow may already
 * run — a service started at boot, a `burrow run` in a terminal. One Burrow runs the tunnels of a
 * config; the others show them:
 *
 * - If nobody answers on the config's control channel, this door runs the tunnels (those marked
 *   "start automatically") and listens on the channel itself.
 * - If a Burrow answers, this door runs nothing: the window's calls about sessions, imports, logs
 *   and questions go to that Burrow, and its events come back, live. Keys, settings, "Test
 *   connection" and app info stay with this door (same store files, and launch at login and key
 *   downloads belong to the door the person uses).
 * - If that Burrow goes away, this door takes over: it listens and starts the tunnels, and tells
 *   the window (`app:changed`).
 */
import type { EventName, Events, RequestArgs, RequestName } from '../../common/contract.js';
import type { AppPort, AttachOptions, BurrowApp, CallResult } from '../app/app.js';
import { ControlClient, ControlServer, type ControlEndpoint } from './channel.js';

/** What the Burrow that runs the tunnels answers for this door. */
const RUNNER_REQUESTS: ReadonlySet<string> = new Set<RequestName>([
  'sessions:edit',
  'sessions:export',
  'hostkeys:trust',
  'hostkeys:forget',
  'sessions:list',
  'sessions:get',
  'sessions:create',
  'sessions:update',
  'sessions:remove',
  'sessions:start',
  'sessions:stop',
  'sessions:start-all',
  'sessions:stop-all',
  'sessions:nudge-all',
  'sessions:retry',
  'sessions:next-steps',
  'sessions:reload',
  'presets:create-session',
  'import:upload',
  'import:preview',
  'import:apply',
  'questions:list',
  'questions:answer',
  'logs:get',
]);

/** The events that come from the Burrow that runs the tunnels (the rest come from this door). */
const RUNNER_EVENTS: ReadonlySet<EventName> = new Set<EventName>(['sessions:changed', 'sessions:removed', 'logs:line', 'questions:asked', 'questions:closed']);

type Listener = <E extends EventName>(name: E, payload: Events[E]) => void;

export class DoorApp implements AppPort {
  private server: ControlServer | undefined;
  private runner: ControlClient | undefined;
  private runnerInfo: { door: string; pid: number } | undefined;
  /** Each listener, and whether its door can answer questions. */
  private readonly listeners = new Map<Listener, boolean>();
  /**
   * Questions this door's own app asked (a "Test connection" or `burrow diagnose` meets an unknown
   * host key): answered here even while another Burrow runs the tunnels and answers the rest.
   */
  private readonly localQuestions = new Set<string>();
  private attachOptions: AttachOptions = {};
  private detachLocal: (() => void) | undefined;
  private detachRunner: (() => void) | undefined;
  private closing = false;

  /**
   * `follows`: a door for one command (the CLI) — it talks to the Burrow that runs the config when
   * one does, and otherwise works on the store in this process; it never listens on the channel,
   * starts a tunnel, or takes over.
   */
  constructor(
    private readonly local: BurrowApp,
    private readonly controlFile: ControlEndpoint,
    private readonly opts: { readonly follows?: boolean; readonly loadSessions?: boolean } = {},
  ) {}

  /** Runs the tunnels here, or shows those of the Burrow that already runs them. */
  async start(): Promise<void> {
    if (this.opts.follows) {
      const runner = await ControlClient.connect(this.controlFile);
      if (runner) await this.attachTo(runner);
      // The saved sessions, read (nothing is started): the requests this door answers itself
      // (diagnose, a host key's check) name them too. Changes go to the runner when there is one.
      if (this.opts.loadSessions !== false) await this.local.start();
      return;
    }
    await this.local.start();
    await this.settle();
  }

  /** Shows and steers the Burrow answering on `runner`; false when it does not answer as one. */
  private async attachTo(runner: ControlClient): Promise<boolean> {
    const info = await runner.call('app:info', {});
    if (!info.ok) {
      runner.close();
      return false;
    }
    const { door, pid } = info.value;
    this.runner = runner;
    this.runnerInfo = { door, pid };
    return true;
  }

  /** Who runs the tunnels this door shows: undefined when it is this door. */
  get runBy(): { door: string; pid: number } | undefined {
    return this.runnerInfo;
  }

  call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<CallResult<K>> {
    return this.dispatch(name, args) as Promise<CallResult<K>>;
  }

  async dispatch(name: string, args: unknown): Promise<CallResult> {
    const runner = this.runner;
    if (name === 'app:info') {
      const r = await this.local.call('app:info', {});
      return r.ok && this.runnerInfo ? { ok: true, value: { ...r.value, runBy: this.runnerInfo } } : r;
    }
    if (name === 'questions:answer' && this.localQuestions.has(String((args as { id?: unknown } | undefined)?.id))) return this.local.dispatch(name, args);
    if (runner && name === 'questions:list') {
      const [mine, theirs] = await Promise.all([this.local.call('questions:list', {}), runner.call('questions:list', {})]);
      if (!mine.ok) return mine;
      return theirs.ok ? { ok: true, value: [...theirs.value, ...mine.value] } : theirs;
    }
    if (runner && RUNNER_REQUESTS.has(name)) return runner.dispatch(name, args);
    const r = await this.local.dispatch(name, args);
    // Settings live in files both Burrows read; the default proxy decides how the runner's tunnels
    // connect, so it re-reads them (a reload restarts only the sessions whose path changed).
    if (runner && r.ok && name === 'settings:set' && (args as { proxy?: unknown } | undefined)?.proxy !== undefined)
      await runner.dispatch('sessions:reload', {});
    return r;
  }

  attach(listener: Listener, opts: AttachOptions = {}): () => void {
    this.listeners.set(listener, opts.answers ?? true);
    this.refollow();
    return () => {
      if (!this.listeners.delete(listener)) return;
      this.refollow();
    };
  }

  /**
   * Follows the app (and the runner) once for all listeners, as a door that answers questions
   * while any of them does: a metrics endpoint attached first must not make the window that
   * attaches next look unable to answer (its host-key question would never be asked).
   */
  private refollow(): void {
    const answers = [...this.listeners.values()].some((a) => a);
    if (this.listeners.size === 0 || (this.attachOptions.answers ?? true) !== answers) {
      this.detachLocal?.();
      this.detachRunner?.();
      this.detachLocal = this.detachRunner = undefined;
    }
    this.attachOptions = { answers };
    if (this.listeners.size > 0) this.follow();
  }

  /** Stops this door's tunnels (not another Burrow's) and the channel. */
  async close(): Promise<void> {
    this.closing = true;
    this.runner?.close();
    // Tunnels first, then the channel (see run-saved.ts).
    await this.local.close();
    await this.server?.close();
  }

  /** Becomes the runner, or attaches to the one that runs; retried while the two race. */
  private async settle(): Promise<void> {
    for (let attempt = 0; attempt < 5 && !this.closing; attempt++) {
      const server = await ControlServer.listen(this.controlFile, this.local);
      if (server) {
        this.server = server;
        this.runner = undefined;
        this.runnerInfo = undefined;
        await this.local.reload();
        await this.local.start({ autostart: true });
        return;
      }
      const runner = await ControlClient.connect(this.controlFile);
      if (!runner || !(await this.attachTo(runner))) continue;
      runner.onClose(() => {
        if (!this.closing) void this.takeOver();
      });
      return;
    }
    if (!this.closing) throw new Error(`no Burrow answers on ${this.controlFile.file}, and it cannot be listened on`);
  }

  /** The Burrow that ran the tunnels went away: this door runs them now, and the window hears it. */
  private async takeOver(): Promise<void> {
    this.detachRunner?.();
    this.detachRunner = undefined;
    await this.settle();
    if (this.listeners.size > 0) this.follow();
    const info = await this.call('app:info', {});
    if (info.ok) this.tell('app:changed', info.value);
    // The window's list came from the other Burrow: send this door's own.
    const list = await this.call('sessions:list', {});
    if (list.ok) this.tell('sessions:changed', list.value);
  }

  /** Events to the listeners: session events from whoever runs the tunnels, the rest from this door. */
  private follow(): void {
    this.detachLocal ??= this.local.attach((name, payload) => {
      if (name === 'questions:asked') this.localQuestions.add((payload as Events['questions:asked']).id);
      const local = name === 'questions:closed' && this.localQuestions.delete((payload as Events['questions:closed']).id);
      if (local || name === 'questions:asked' || !this.runner || !RUNNER_EVENTS.has(name)) this.tell(name, payload);
    }, this.attachOptions);
    if (this.runner && !this.detachRunner) {
      this.detachRunner = this.runner.attach((name, payload) => {
        if (RUNNER_EVENTS.has(name)) this.tell(name, payload);
      }, this.attachOptions);
    }
  }

  private tell<E extends EventName>(name: E, payload: Events[E]): void {
    for (const l of this.listeners.keys()) l(name, payload);
  }
}
