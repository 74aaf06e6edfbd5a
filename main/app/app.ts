/**
 * The contract's one implementation (common/contract.ts), over the core: every door — the
 * Electron IPC, the web bridge, the control channel — hands it the messages it carries and
 * forwards its events, and holds no logic of its own. Every argument is validated here, where it
 * arrives; every failure comes back as the contract's plain AppError.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { SessionConfig } from '../../common/config.js';
import {
  REQUESTS,
  type AppError,
  type AppInfo,
  type EventName,
  type Events,
  type ReloadResult,
  type Replies,
  type RequestName,
} from '../../common/contract.js';
import { diagnose } from '../core/diagnose.js';
import { sessionFromPreset } from '../core/config/presets.js';
import { parseSessionConfig } from '../core/config/schema.js';
import type { ConfigStore } from '../core/config/store.js';
import type { SecretStore } from '../core/keys/index.js';
import type { SessionDeps } from '../core/session/session.js';
import type { BackoffOptions } from '../core/session/backoff.js';
import { holdsFolderFor, SessionHolds } from '../core/holds.js';
import { ssh2NativeCrypto, ssh2Patched } from '../core/session/native-crypto.js';
import { AppFailure, fail, toAppError } from './errors.js';
import { Imports } from './imports.js';
import { KeyLibrary, type Exporter } from './keys.js';
import { presetViews } from './presets.js';
import { Questions } from './questions.js';
import { Sessions } from './sessions.js';
import { SettingsStore, type LoginItem } from './settings.js';

const require = createRequire(import.meta.url);
// Compiled to dist/main/app/ (and to the same place inside the packaged app): the package is three up.
const VERSION = (require('../../../package.json') as { version: string }).version;

export interface AppDeps {
  readonly store: ConfigStore;
  readonly secrets: SecretStore;
  readonly mode: AppInfo['mode'];
  /** How other Burrows name this one when it holds a session ("burrow web"); defaults from `mode`. */
  readonly door?: string;
  /** How a key export reaches the person. */
  readonly exporter: Exporter;
  /** The OS's launch-at-login switch; absent where the door cannot set it, with the reason. */
  readonly loginItem?: LoginItem;
  readonly noLoginItemReason?: string;
  /** Home folder for `~`, default identities and known_hosts (tests use a temporary one). */
  readonly home?: string;
  readonly backoff?: Partial<BackoffOptions>;
  /** A passphrase for keys that have none of their own stored (`burrow run --passphrase-file`, BURROW_PASSPHRASE). */
  readonly passphrase?: string;
  /** What the door that runs the sessions adds to the engine: the fix for an unknown host key in its words, ssh2's debug output. */
  readonly engine?: Pick<SessionDeps, 'unknownHostHint' | 'ssh2Debug'>;
  /** Where unexpected errors are written (never a secret: only an error's name and message). */
  readonly logError?: (message: string) => void;
}

/** The result of one call, as a door sends it back. */
export type CallResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: AppError };

/**
 * The app as every door holds it: calls and events. A BurrowApp in this process, or the one
 * another Burrow runs, through the control channel (main/control/).
 */
export interface AppPort {
  call(name: string, args: unknown): Promise<CallResult>;
  /**
   * Follows the app's events. `answers: false` for a door that shows events but cannot answer a
   * question (a log reader, `burrow run` without a terminal): questions are asked only while a
   * door that can answer is attached.
   */
  attach(listener: <E extends EventName>(name: E, payload: Events[E]) => void, opts?: AttachOptions): () => void;
}

export interface AttachOptions {
  /** Whether this door can answer questions (host keys, passphrases); default true. */
  readonly answers?: boolean;
}

type Handlers = { [K in RequestName]: (args: never) => Promise<Replies[K]> };

export class BurrowApp implements AppPort {
  private readonly events = new EventEmitter();
  private attachedDoors = 0;
  readonly sessions: Sessions;
  /** How other Burrows name this one. */
  readonly door: string;
  private readonly keys: KeyLibrary;
  private readonly questions: Questions;
  private readonly imports: Imports;
  private readonly settings: SettingsStore;
  private readonly handlers: Handlers;
  /** Which sessions this door runs (see start()). */
  private runs: ((c: SessionConfig) => boolean) | undefined;

  constructor(private readonly deps: AppDeps) {
    this.events.setMaxListeners(0);
    this.door = deps.door ?? (deps.mode === 'web' ? 'burrow web' : deps.mode === 'run' ? 'burrow run' : 'the Burrow app');
    this.questions = new Questions(
      { asked: (q) => this.emit('questions:asked', q), closed: (id) => this.emit('questions:closed', { id }) },
      () => this.attachedDoors > 0,
      deps.secrets,
    );
    this.keys = new KeyLibrary(deps.store, deps.secrets, deps.exporter, (opId, state, elapsedMs) => this.emit('keys:progress', { opId, state, elapsedMs }));
    this.sessions = new Sessions({
      store: deps.store,
      secrets: deps.secrets,
      questions: this.questions,
      emitChanged: (v) => this.emit('sessions:changed', v),
      emitRemoved: (id) => this.emit('sessions:removed', { id }),
      emitLog: (id, line) => this.emit('logs:line', { id, line }),
      publicKeyOf: async (keyId) => (await this.keys.get(keyId).catch(() => undefined))?.publicKey,
      holds: new SessionHolds(holdsFolderFor(deps.store.folder), this.door),
      ...(deps.home !== undefined ? { home: deps.home } : {}),
      ...(deps.backoff ? { backoff: deps.backoff } : {}),
      ...(deps.passphrase !== undefined ? { passphrase: deps.passphrase } : {}),
      ...(deps.engine ? { engine: deps.engine } : {}),
    });
    this.imports = new Imports(deps.store, deps.secrets, undefined);
    this.settings = new SettingsStore(
      deps.store.folder,
      deps.loginItem,
      deps.noLoginItemReason ?? 'Launch at login belongs to the desktop app; on a server, `burrow service install` starts Burrow at boot.',
    );
    this.handlers = this.makeHandlers();
  }

  /**
   * Loads the saved sessions (stopped), then starts those this door runs: `autostart`, those
   * marked "start automatically" (the app, the browser mode, the service); `run`, any choice
   * (`burrow run NAME…`). The same choice starts the sessions a reload adds.
   */
  async start(opts: { readonly autostart?: boolean; readonly run?: (c: SessionConfig) => boolean } = {}): Promise<void> {
    this.runs = opts.run ?? (opts.autostart ? (c) => c.autostart : undefined);
    await this.sessions.sync();
    const runs = this.runs;
    if (runs)
      await this.sessions.startAll(
        this.sessions
          .configs()
          .filter(runs)
          .map((c) => c.id),
      );
  }

  /** Re-reads the store (SIGHUP, `burrow reload`, a change made elsewhere): see Sessions.sync. */
  async reload(): Promise<ReloadResult> {
    const diff = await this.sessions.sync();
    const runs = this.runs;
    if (runs && diff.added.length > 0) {
      const added = new Set(diff.added);
      await this.sessions.startAll(
        this.sessions
          .configs()
          .filter((c) => added.has(c.name) && runs(c))
          .map((c) => c.id),
      );
    }
    return diff;
  }

  /** Stops every session cleanly (remote listeners cancelled). */
  async close(): Promise<void> {
    this.imports.close();
    await this.sessions.close();
  }

  /**
   * A door is attached (a window, a control-channel client): questions are asked of it. Returns
   * the function that detaches it again.
   */
  attach(listener: <E extends EventName>(name: E, payload: Events[E]) => void, opts: AttachOptions = {}): () => void {
    const answers = opts.answers ?? true;
    if (answers) this.attachedDoors++;
    const on = (name: EventName, payload: unknown): void => (listener as (n: EventName, p: unknown) => void)(name, payload);
    this.events.on('event', on);
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      if (answers) this.attachedDoors--;
      this.events.off('event', on);
    };
  }

  /** Validates a request's arguments and runs it; never throws. */
  async call(name: string, args: unknown): Promise<CallResult> {
    if (!Object.hasOwn(REQUESTS, name)) {
      return {
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: `"${name}" is not a request Burrow knows`,
          hint: 'The window and Burrow may be of different versions: reload the window.',
        },
      };
    }
    const schema = REQUESTS[name as RequestName];
    const parsed = schema.safeParse(args ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.') || '(arguments)';
      return { ok: false, error: { code: 'INVALID_INPUT', message: `${field} ${issue.message}`, hint: hintFor(issue.code), field } };
    }
    try {
      const value = await (this.handlers[name as RequestName] as (a: unknown) => Promise<unknown>)(parsed.data);
      return { ok: true, value: value ?? null };
    } catch (err) {
      const { error, unexpected } = toAppError(err);
      if (unexpected) this.deps.logError?.(`${name}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      return { ok: false, error };
    }
  }

  private emit<E extends EventName>(name: E, payload: Events[E]): void {
    this.events.emit('event', name, payload);
  }

  private info(): AppInfo {
    const web = this.deps.mode === 'web';
    return {
      version: VERSION,
      mode: this.deps.mode,
      door: this.door,
      pid: process.pid,
      platform: `${os.platform()} ${os.arch()}`,
      configPath: this.deps.store.path,
      secretStore: { backend: this.deps.secrets.backend, warnings: this.deps.secrets.warnings },
      launchAtLogin: this.deps.loginItem
        ? { supported: true }
        : { supported: false, reason: this.deps.noLoginItemReason ?? (web ? 'Burrow runs in browser mode here' : 'Not available') },
      ssh2: { nativeCrypto: ssh2NativeCrypto(), patched: ssh2Patched() },
    };
  }

  private makeHandlers(): Handlers {
    const s = this.sessions;
    return {
      'app:info': async () => this.info(),

      // No implicit re-read here: a running Burrow takes the store's changes on a reload (SIGHUP,
      // `burrow reload`, or the CLI after it edits the store), never as a side effect of a look.
      'sessions:list': async () => {
        await s.settled();
        return s.list();
      },
      'sessions:get': async ({ id }: { id: string }) => s.editable(id),
      'sessions:create': async ({ config }: { config: Record<string, unknown> }) => {
        if ('id' in config) fail('INVALID_INPUT', 'config.id is given for a new session', 'Leave the id out: Burrow makes one from the name.', 'config.id');
        return s.create(config);
      },
      'sessions:update': async ({ config, version }: { config: Record<string, unknown>; version: string }) => s.update(config, version),
      'sessions:remove': async ({ id }: { id: string }) => {
        await s.remove(id);
        return null;
      },
      'sessions:start': async ({ id }: { id: string }) => s.start(id),
      'sessions:stop': async ({ id }: { id: string }) => s.stop(id),
      'sessions:start-all': async () => {
        await s.startAll();
        return s.list();
      },
      'sessions:stop-all': async () => {
        await s.manager.stopAll();
        return s.list();
      },
      'sessions:reload': async () => this.reload(),
      'sessions:nudge-all': async () => {
        s.manager.nudgeAll();
        return null;
      },
      'sessions:next-steps': async ({ id }: { id: string }) => s.nextSteps(id),

      'presets:list': async () => presetViews(),
      'presets:create-session': async (a: {
        presetId: string;
        name: string;
        host?: string;
        user?: string;
        port?: number;
        targetHost?: string;
        targetPort?: number;
        database?: string;
        remotePort?: number;
        keyId?: string;
        autostart?: boolean;
      }) => {
        const { presetId, ...input } = a;
        const taken = this.deps.store.sessions().flatMap((x) => x.forwards.map((f) => f.bindPort));
        const session = sessionFromPreset(presetId, { ...input, takenRemotePorts: taken });
        const { id: _id, ...config } = session;
        return s.create(config);
      },

      'import:upload': async (a: { uploadId?: string; base64: string }) => this.imports.upload(a),
      'import:preview': async (a: {
        text?: string;
        file?: { name: string; base64: string };
        upload?: { name: string; uploadId: string };
        values?: Record<string, string>;
        passphrase?: string;
        shown?: number;
      }) => this.imports.preview(a),
      'import:apply': async (a: { previewId: string; name?: string; autostart?: boolean; shown?: number }) => {
        const r = await this.imports.apply(a);
        await s.sync();
        return r;
      },

      'keys:list': async () => this.keys.list(),
      'keys:get': async ({ id }: { id: string }) => this.keys.get(id),
      'keys:generate': async (a: {
        opId: string;
        type: 'ed25519' | 'rsa' | 'ecdsa';
        bits?: number;
        comment?: string;
        passphrase?: string;
        storePassphrase?: boolean;
      }) => {
        const view = await this.keys.generate(a);
        this.emit('keys:changed', null);
        return view;
      },
      'keys:import': async (a: { text?: string; file?: { name: string; base64: string }; passphrase?: string; storePassphrase?: boolean }) => {
        const input = a.file ? Buffer.from(a.file.base64, 'base64') : a.text!;
        const view = await this.keys.import(input, a.passphrase, a.storePassphrase ?? false);
        this.emit('keys:changed', null);
        return view;
      },
      'keys:export': async (a: { id: string; format: 'openssh' | 'ppk' | 'ppk2'; passphrase?: string; keyPassphrase?: string }) =>
        this.keys.export(a.id, a.format, a.passphrase || undefined, a.keyPassphrase || undefined),
      'keys:delete': async ({ id }: { id: string }) => {
        await this.keys.delete(id);
        this.emit('keys:changed', null);
        return null;
      },

      'diagnose:run': async (a: { runId: string; id?: string; config?: Record<string, unknown> }) => {
        const config: SessionConfig = a.id !== undefined ? s.config(a.id) : parseSessionConfig({ name: 'check', ...a.config }, 'config');
        const report = await diagnose(config, {
          secrets: this.deps.secrets,
          ...(this.deps.home !== undefined ? { home: this.deps.home } : {}),
          prompt: this.questions.hostKeyPrompt(config),
          onStep: (step) => this.emit('diagnose:step', { runId: a.runId, step }),
        });
        return report;
      },

      'questions:list': async () => this.questions.list(),
      'questions:answer': async (a: { id: string; accept: boolean; passphrase?: string; remember?: boolean }) => {
        const { id, ...answer } = a;
        this.questions.answer(id, answer);
        return null;
      },

      'settings:get': async () => this.settings.get(),
      'settings:set': async (a: {
        launchAtLogin?: boolean;
        notifications?: { down?: boolean; back?: boolean; needsPerson?: boolean };
        theme?: 'system' | 'light' | 'dark';
      }) => {
        const next = await this.settings.set(a);
        this.emit('settings:changed', next);
        return next;
      },

      'logs:get': async ({ id }: { id: string }) => s.logsOf(id),
    } as unknown as Handlers;
  }
}

/** The fix for a kind of malformed argument, in words a window can show. */
function hintFor(code: string): string {
  switch (code) {
    case 'invalid_type':
      return 'Give a value of the right kind (text, a number, yes/no).';
    case 'too_big':
      return 'Give a shorter or smaller value.';
    case 'too_small':
      return 'Give a value; it must not be empty.';
    case 'unrecognized_keys':
      return 'Remove the settings Burrow does not know.';
    case 'invalid_value':
      return 'Pick one of the values offered.';
    default:
      return 'Correct the value and try again.';
  }
}

export { AppFailure };
