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
import type { CallResult } from '../../common/api.js';
import {
  REQUESTS,
  type AppInfo,
  type EventName,
  type Events,
  type ImportResult,
  type ReloadResult,
  type Replies,
  type RequestArgs,
  type RequestName,
  type RequestOutput,
  type SessionWarning,
} from '../../common/contract.js';
import { diagnose } from '../core/diagnose.js';
import { saveWithKeptKey } from '../core/config/key-passphrase.js';
import { sessionFromPreset } from '../core/config/presets.js';
import { nextStepsWithKey } from '../core/config/public-key.js';
import { parseSessionConfig } from '../core/config/schema.js';
import { proxyPasswordSecretName } from '../core/session/identity.js';
import { DEFAULT_PROXY_SECRET } from '../../common/route.js';
import { secretEnvName } from '../core/keys/secret-store.js';
import type { ConfigStore } from '../core/config/store.js';
import { allWarnings, warningsForMany } from '../core/config/warnings.js';
import type { SecretStore } from '../core/keys/index.js';
import type { SessionDeps } from '../core/session/session.js';
import type { LogFiles } from '../core/logs/log-files.js';
import type { BackoffOptions } from '../core/session/backoff.js';
import { ssh2NativeCrypto, ssh2Patched } from '../core/session/native-crypto.js';
import { memoryReturn } from '../core/session/c-heap.js';
import { parseWords } from './commandline.js';
import { AppFailure, fail, toAppError } from './errors.js';
import { HostKeys, type Target } from './hostkeys.js';
import { VendorKeys } from './authorized.js';
import { Imports } from './imports.js';
import { convertKeyFile, generateKeyFile, inspectKeyFileView } from './keyfiles.js';
import { KeyLibrary, type Exporter } from './keys.js';
import { presetViews } from './presets.js';
import { Questions } from './questions.js';
import { Service } from './service.js';
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
  /** The environment a service plan reads (SUDO_USER, APPIMAGE); this process's unless given. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where each session's log is kept across restarts (platform.ts puts it beside the store). */
  readonly logFiles?: LogFiles;
}

/** The result of one call, as a door sends it back (common/api.ts: the window's IPC client reads it too). */
export type { CallResult };

/**
 * The app as every door holds it: calls and events. A BurrowApp in this process, or the one
 * another Burrow runs, through the control channel (main/control/).
 */
export interface AppPort {
  /** A request, typed end to end: its arguments as the contract declares them, its reply as well. */
  call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<CallResult<K>>;
  /** A request as it arrived over a wire (a window's WebSocket, the control channel): checked by the app. */
  dispatch(name: string, args: unknown): Promise<CallResult>;
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

/** One handler per request: its arguments as validated, its reply as the contract declares. */
type Handlers = { [K in RequestName]: (args: RequestOutput<K>) => Promise<Replies[K]> };

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
  private readonly hostKeys: HostKeys;
  private readonly vendorKeys: VendorKeys;
  private readonly service: Service;
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
      ...(deps.home !== undefined ? { home: deps.home } : {}),
      ...(deps.backoff ? { backoff: deps.backoff } : {}),
      ...(deps.passphrase !== undefined ? { passphrase: deps.passphrase } : {}),
      ...(deps.engine ? { engine: deps.engine } : {}),
      ...(deps.logFiles ? { logFiles: deps.logFiles } : {}),
    });
    this.imports = new Imports(
      deps.store,
      deps.secrets,
      deps.home,
      () => this.sessions.manager.anyRunning(),
      (id) => this.keys.get(id),
    );
    this.settings = new SettingsStore(
      deps.store.folder,
      deps.loginItem,
      deps.noLoginItemReason ?? 'Launch at login belongs to the desktop app; on a server, `burrow service install` starts Burrow at boot.',
    );
    this.hostKeys = new HostKeys(deps.store, deps.home);
    this.vendorKeys = new VendorKeys(deps.home);
    this.service = new Service(deps.store.path, deps.env ?? process.env);
    this.handlers = this.makeHandlers();
  }

  /**
   * Loads the saved sessions (stopped), then starts those this door runs: `autostart`, those
   * marked "start automatically" (the app, the browser mode, the service); `run`, any choice
   * (`burrow run NAME…`). The same choice starts the sessions a reload adds.
   */
  async start(opts: { readonly autostart?: boolean; readonly run?: (c: SessionConfig) => boolean } = {}): Promise<void> {
    const runs = opts.run ?? (opts.autostart ? (c: SessionConfig) => c.autostart : undefined);
    // A headless Burrow (`burrow run`, the service) starts the sessions added while it runs (a
    // reload, an import from the command line) by the same choice: nobody is there to start them.
    // Where a window is open, the person starts a session they just saved (its "Saved" screen
    // offers it), so that a host-key question never appears over a screen they did not expect it on.
    this.sessions.runsAdded = this.deps.mode === 'run' ? runs : undefined;
    this.runs = runs;
    this.sessions.setDefaultProxy((await this.settings.get()).proxy);
    await this.sessions.sync();
    if (runs)
      await this.sessions.startAll(
        this.sessions
          .configs()
          .filter(runs)
          .map((c) => c.id),
      );
  }

  /**
   * Re-reads the store (SIGHUP, `burrow reload`, a file edited by hand): see Sessions.sync. The
   * sessions it finds added start if this door runs such, in every mode: the reload was asked for.
   */
  async reload(): Promise<ReloadResult> {
    // Settings' default proxy too: a window of another door may have changed it.
    this.sessions.setDefaultProxy((await this.settings.get()).proxy);
    return this.sessions.sync(this.runs);
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

  call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<CallResult<K>> {
    return this.dispatch(name, args) as Promise<CallResult<K>>;
  }

  /** Validates a request's arguments and runs it; never throws. */
  async dispatch(name: string, args: unknown): Promise<CallResult> {
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
    const request = name as RequestName;
    const parsed = REQUESTS[request].safeParse(args ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.') || '(arguments)';
      return { ok: false, error: { code: 'INVALID_INPUT', message: `${field} ${issue.message}`, hint: hintFor(issue.code), field } };
    }
    try {
      const handler = this.handlers[request] as (a: unknown) => Promise<Replies[RequestName]>;
      const value = await handler(parsed.data);
      return { ok: true, value: value ?? null } as CallResult;
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
      memoryReturn: memoryReturn(),
    };
  }

  /** A session a request names: a saved one (by id or name), or settings given in the request (a command line). */
  private target(a: { id?: string | undefined; config?: Record<string, unknown> | undefined }): Target {
    if (a.id !== undefined) return { config: this.sessions.config(a.id), saved: true };
    return { config: parseSessionConfig({ name: 'check', ...a.config }, 'config'), saved: false };
  }

  /** Remote ports the saved sessions already ask their servers for (a new session from a preset picks another). */
  /**
   * Sets, forgets or tells a session's proxy password. Refused for a session without a proxy user:
   * a password nobody sends would sit in the store for nothing.
   */
  private async proxyPassword(config: SessionConfig, password: string | null | undefined): Promise<Replies['sessions:proxy-password']> {
    const name = proxyPasswordSecretName(config.id);
    const where = { secretName: name, environment: secretEnvName(name) };
    if (password === null) {
      await this.deps.secrets.delete(name);
      return { stored: false, ...where };
    }
    if (password !== undefined) {
      if (!config.proxy || config.proxy.type === 'command' || config.proxy.user === undefined) {
        fail(
          'INVALID_INPUT',
          `"${config.name}" has no proxy that asks for a password`,
          "Give the proxy's user name in the session's proxy settings first (Connect through), then its password.",
          'password',
        );
      }
      await this.deps.secrets.set(name, password);
      return { stored: true, ...where };
    }
    return { stored: (await this.deps.secrets.get(name)) !== undefined, ...where };
  }

  private takenRemotePorts(): number[] {
    return this.deps.store.sessions().flatMap((x) => x.forwards.filter((f) => f.type === 'remote' || f.type === 'remote-dynamic').map((f) => f.bindPort));
  }

  /** What is worth knowing about each saved session of an import shown, and its next steps. */
  private async about(saved: ReadonlyArray<SessionConfig>): Promise<ImportResult['about']> {
    const general = warningsForMany(saved, this.deps.store.sessions(), this.deps.home);
    const out: Record<string, { warnings: SessionWarning[]; nextSteps: ReadonlyArray<string> }> = {};
    for (const s of saved) {
      out[s.id] = {
        warnings: await allWarnings(s, general.get(s.id) ?? [], this.deps.home),
        nextSteps: (await nextStepsWithKey(s, this.deps.secrets)).nextSteps,
      };
    }
    return out;
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
      'sessions:get': async ({ id }) => s.editable(id),
      'sessions:create': async ({ config }) => {
        if ('id' in config) fail('INVALID_INPUT', 'config.id is given for a new session', 'Leave the id out: Burrow makes one from the name.', 'config.id');
        return s.create(config);
      },
      'sessions:update': async ({ config, version }) => s.update(config, version),
      'sessions:remove': async ({ id }) => {
        await s.remove(id);
        return null;
      },
      'sessions:start': async ({ id }) => s.start(id),
      'sessions:stop': async ({ id }) => s.stop(id),
      'sessions:retry': async ({ id }) => s.retry(id),
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
      'sessions:next-steps': async ({ id }) => s.nextSteps(id),
      'sessions:edit': async ({ id, ...edit }) => s.edit(id, edit),
      'sessions:proxy-password': async ({ id, password }) => this.proxyPassword(s.config(id), password),
      'sessions:export': async (a) => s.exportAll(a.withSecrets ?? false, a.passphrase),

      'presets:list': async () => presetViews(),
      'presets:create-session': async ({ presetId, keyPassphrase, ...input }) => {
        const { id: _id, ...config } = sessionFromPreset(presetId, { ...input, takenRemotePorts: this.takenRemotePorts() });
        if (keyPassphrase === undefined) return s.create(config);
        const kept = await saveWithKeptKey(this.deps.secrets, config, keyPassphrase, 'keyPassphrase', (c) => this.deps.store.add(c), this.deps.home);
        await s.sync();
        return { ...(await s.saved(kept.saved)), keptKey: { file: kept.file, keyId: kept.keyId } };
      },

      'commandline:parse': async ({ words, values }) => parseWords(words, values),

      'hostkeys:check': async (a) => this.hostKeys.check(this.target(a)),
      'hostkeys:trust': async (a) => this.hostKeys.trust(this.target(a), a.fingerprint, a.replace ?? false),
      'hostkeys:forget': async ({ id }) => this.hostKeys.forget(s.config(id)),
      'hostkeys:status': async (a) => this.hostKeys.status(this.target(a).config),
      'hostkeys:list': async (a) => this.hostKeys.list(s.configs(), a.shown ?? 500),
      'hostkeys:remove': async (a) => this.hostKeys.remove(s.configs(), a.file, a.line, a.fingerprint),
      'authorized:list': async (a) => this.vendorKeys.list(a.account),
      'authorized:add': async ({ account, ...input }) => this.vendorKeys.add(account, input),
      'authorized:remove': async (a) => this.vendorKeys.remove(a.account, a.key),

      'service:plan': async (a) => this.service.plan(a),
      'service:install': async (a) => this.service.install(a),
      'service:uninstall': async (a) => this.service.uninstall(a),
      'service:status': async (a) => this.service.status(a),

      'keyfiles:generate': async (a) => generateKeyFile(a),
      'keyfiles:inspect': async (a) => inspectKeyFileView(a),
      'keyfiles:convert': async (a) => convertKeyFile(a),

      'import:upload': async (a) => this.imports.upload(a),
      'import:preview': async (a) => this.imports.preview(a),
      'import:apply': async (a) => {
        const r = await this.imports.apply(a);
        await s.sync();
        return { ...r, about: await this.about(r.saved) };
      },

      'keys:list': async () => this.keys.list(),
      'keys:get': async ({ id }) => this.keys.get(id),
      'keys:generate': async (a) => {
        const view = await this.keys.generate(a);
        this.emit('keys:changed', null);
        return view;
      },
      'keys:import': async (a) => {
        const input = a.file ? Buffer.from(a.file.base64, 'base64') : a.text!;
        const view = await this.keys.import(input, a.passphrase, a.storePassphrase ?? false, a.file?.name);
        this.emit('keys:changed', null);
        return view;
      },
      'keys:export': async (a) => this.keys.export(a.id, a.format, a.passphrase || undefined, a.keyPassphrase || undefined),
      'keys:delete': async ({ id }) => {
        await this.keys.delete(id);
        this.emit('keys:changed', null);
        return null;
      },

      'diagnose:run': async (a) => {
        const { config } = this.target(a);
        const hint = this.deps.engine?.unknownHostHint;
        // Tested as it runs: through Settings' default proxy where that applies.
        return diagnose(s.effective(config), {
          secrets: this.deps.secrets,
          ...(this.deps.home !== undefined ? { home: this.deps.home } : {}),
          ...((a.passphrase ?? this.deps.passphrase) !== undefined ? { passphrase: a.passphrase ?? this.deps.passphrase! } : {}),
          // Asked only of a door that can answer (a window, a terminal); else the policy decides.
          ...(this.attachedDoors > 0 ? { prompt: this.questions.hostKeyPrompt(config) } : {}),
          ...(hint ? { unknownHostHint: (k: { keyType: string; fingerprint: string }) => hint(config, k) } : {}),
          onStep: (step) => this.emit('diagnose:step', { runId: a.runId, step }),
        });
      },

      'questions:list': async () => this.questions.list(),
      'questions:answer': async ({ id, ...answer }) => {
        this.questions.answer(id, answer);
        return null;
      },

      'settings:get': async () => this.settings.get(),
      'settings:set': async ({ proxyPassword, ...a }) => {
        if (proxyPassword === null) await this.deps.secrets.delete(DEFAULT_PROXY_SECRET);
        else if (proxyPassword !== undefined) await this.deps.secrets.set(DEFAULT_PROXY_SECRET, proxyPassword);
        const next = await this.settings.set(a);
        if (a.proxy !== undefined) {
          // The sessions that go out through it (or no longer do) restart with their new path.
          s.setDefaultProxy(next.proxy);
          await s.sync();
        }
        this.emit('settings:changed', next);
        return next;
      },

      'logs:get': async ({ id }) => s.logsOf(id),
    };
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
