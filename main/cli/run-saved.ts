/**
 * `burrow run` on saved sessions (and the service, `burrow run --service`): the app contract's one
 * implementation (main/app) over the store, with the control channel open so `burrow status`,
 * `start`, `stop`, `logs`, `reload` and the windows of the app and the browser mode can see and
 * steer it. SIGHUP or `burrow reload` re-reads the store: added sessions start (if this run runs
 * such), removed ones stop, changed ones restart, the others are not touched.
 */
import type { SessionConfig } from '../../common/config.js';
import type { AppInfo, LogLine, Question, ReloadResult, SessionView } from '../../common/contract.js';
import { BurrowApp, type AppDeps, type AppPort } from '../app/app.js';
import { ConfigStore } from '../core/config/store.js';
import type { SecretStore } from '../core/keys/index.js';
import { ControlClient, ControlServer, controlPath, type ControlEndpoint } from '../control/channel.js';
import type { CliIo } from './io.js';
import { askPassphrase, terminalHostKeyPrompt } from './prompts.js';
import type { Reporter } from './reporter.js';

export interface SavedRun {
  readonly file: string;
  readonly folder: string;
  readonly secrets: SecretStore;
  /** Which sessions this run runs, at start and when a reload adds them. */
  readonly runs: (c: SessionConfig) => boolean;
  readonly passphrase: string | undefined;
  /** `--service`: named "the Burrow service", and waits for another Burrow to stop instead of leaving. */
  readonly service: boolean;
  readonly json: boolean;
  /** See AppDeps.engine. */
  readonly engine?: AppDeps['engine'];
}

/** How long a waiting service sleeps between looks at the Burrow that runs the config. */
const STANDBY_MS = 5_000;

export async function runSaved(o: SavedRun, io: CliIo, reporter: Reporter): Promise<number> {
  const store = ConfigStore.open(o.file);
  const app = new BurrowApp({
    store,
    secrets: o.secrets,
    mode: 'run',
    door: o.service ? 'the Burrow service' : 'burrow run',
    ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
    ...(o.engine ? { engine: o.engine } : {}),
    exporter: {
      offer: async () => {
        throw new Error('key export is not offered by burrow run');
      },
    },
    noLoginItemReason: 'This Burrow runs from the command line; `burrow service install` starts it at boot.',
    logError: (m) => reporter.note(`internal error: ${m}`),
  });

  // One Burrow runs a config's tunnels: if another answers on the channel, this one does not.
  const channel = controlPath(o.folder);
  let server = await ControlServer.listen(channel, app);
  let stopped = false;
  void io.stopSignal.then(() => {
    stopped = true;
  });
  if (!server) {
    const other = await runnerOf(channel);
    if (!o.service) {
      io.err(
        `burrow run: ${other} already runs the tunnels of ${o.file}. See them with \`burrow status\`; \`burrow start NAME\` starts one in it, \`burrow stop NAME\` stops one.`,
      );
      return 1;
    }
    // A service started while the app (or a `burrow run`) holds the config waits for it to stop,
    // rather than exiting and being restarted by its service manager over and over.
    reporter.note(`${other} runs the tunnels of ${o.file}; this service takes over when it stops`);
    while (!server && !stopped) {
      await Promise.race([io.stopSignal, new Promise((r) => setTimeout(r, STANDBY_MS))]);
      if (!stopped) server = await ControlServer.listen(channel, app);
    }
    if (!server) return 0;
    reporter.note(`taking over the tunnels of ${o.file}`);
  }

  const detach = follow(app, reporter, o.json, io.interactive);
  const stopHangup = io.onHangup?.(() => void reload(app, o.file, reporter));
  try {
    await app.start({ run: o.runs });
  } catch (err) {
    stopHangup?.();
    detach();
    await server.close();
    await app.close();
    throw err;
  }
  const views = await viewsOf(app);
  const mine = views.filter((v) => o.runs(v.config));
  if (mine.length > 0 && mine.every((v) => v.heldBy !== undefined)) {
    // Every tunnel asked for already runs in another Burrow: nothing to do here.
    stopHangup?.();
    detach();
    await server.close();
    await app.close();
    return 1;
  }

  await io.stopSignal;
  stopHangup?.();
  // Tunnels first, then the channel: a door that takes over when the channel closes finds the
  // sessions already given back.
  await app.close();
  await server.close();
  detach();
  return 0;
}

/** "the Burrow service (pid 4242)": who answers on the channel. */
async function runnerOf(channel: ControlEndpoint): Promise<string> {
  const c = await ControlClient.connect(channel);
  if (!c) return 'another Burrow';
  try {
    const r = await c.call('app:info', {});
    return r.ok ? `${(r.value as AppInfo).door} (pid ${(r.value as AppInfo).pid})` : 'another Burrow';
  } finally {
    c.close();
  }
}

async function viewsOf(app: AppPort): Promise<SessionView[]> {
  const r = await app.call('sessions:list', {});
  return r.ok ? (r.value as SessionView[]) : [];
}

async function reload(app: BurrowApp, file: string, reporter: Reporter): Promise<void> {
  const r = await app.call('sessions:reload', {});
  if (!r.ok) {
    reporter.error(`reload of ${file} failed, the running tunnels are unchanged: ${r.error.message}${r.error.hint ? ` ${r.error.hint}` : ''}`);
    return;
  }
  const d = r.value as ReloadResult;
  const part = (what: string, names: ReadonlyArray<string>): string | undefined => (names.length > 0 ? `${what} ${names.join(', ')}` : undefined);
  const parts = [part('added', d.added), part('removed', d.removed), part('changed', d.changed)].filter(Boolean);
  reporter.note(`reloaded ${file}: ${parts.length > 0 ? parts.join('; ') : 'no change'} (${d.unchanged.length} unchanged)`);
}

/**
 * Reports the app's events as `burrow run` always has: one line per change of a session's state
 * or error (and, for programs, each new retry time), one per change of a forward, and the log.
 * On a terminal it also answers the app's questions (an unknown host key, a key's passphrase).
 */
function follow(app: BurrowApp, reporter: Reporter, json: boolean, interactive: boolean): () => void {
  const states = new Map<string, string>();
  const forwards = new Map<string, string>();
  const names = new Map<string, string>();
  return app.attach(
    (name, payload) => {
      if (name === 'sessions:changed') {
        for (const { config, snapshot: s } of payload as ReadonlyArray<SessionView>) {
          names.set(config.id, config.name);
          const key = `${s.state}|${s.lastError?.code ?? ''}${json ? `|${s.nextAttemptAt ?? ''}` : ''}`;
          const first = !states.has(config.id);
          const stateChanged = states.get(config.id) !== key;
          states.set(config.id, key);
          // A session's first view, stopped, is not news: it was only loaded.
          const sayState = (): void => {
            if (stateChanged && !(first && s.state === 'stopped')) reporter.state(config.name, s.state, s.lastError, s.nextAttemptAt);
          };
          const sayForwards = (): void => {
            for (const f of s.forwards) {
              const fkey = `${config.id}|${f.index}`;
              const v = `${f.state}|${f.boundPort ?? ''}|${f.lastError?.code ?? ''}`;
              const seen = forwards.get(fkey);
              if (seen === v) continue;
              forwards.set(fkey, v);
              if (seen !== undefined || s.state !== 'stopped') reporter.forward(config.name, f.spec, f.state, f.boundPort, f.lastError);
            }
          };
          // In the order they happened: a session is connected once its forwards are up, and its
          // forwards go down with it. (Changes of one turn of the event loop arrive as one view.)
          if (s.state === 'connected') {
            sayForwards();
            sayState();
          } else {
            sayState();
            sayForwards();
          }
        }
      } else if (name === 'logs:line') {
        const { id, line } = payload as { id: string; line: LogLine };
        if (line.kind !== 'state') reporter.log(names.get(id) ?? id, line.level, line.message);
      } else if (name === 'sessions:removed') {
        const { id } = payload as { id: string };
        states.delete(id);
        for (const k of [...forwards.keys()]) if (k.startsWith(`${id}|`)) forwards.delete(k);
      } else if (name === 'questions:asked' && interactive) {
        void answer(app, payload as Question);
      }
    },
    { answers: interactive },
  );
}

/** Asks a question on the terminal, then answers it in the app. */
async function answer(app: BurrowApp, q: Question): Promise<void> {
  if (q.kind === 'host-key') {
    const accept = await terminalHostKeyPrompt()(q);
    await app.call('questions:answer', { id: q.id, accept });
  } else {
    const passphrase = await askPassphrase(`${q.wrong ? 'Wrong passphrase. ' : ''}Passphrase for ${q.key} (${q.sessionName}): `);
    await app.call('questions:answer', passphrase ? { id: q.id, accept: true, passphrase } : { id: q.id, accept: false });
  }
}
