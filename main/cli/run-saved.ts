/**
 * `burrow run` on saved sessions (and the service, `burrow run --service`): the app over the
 * store, with the control channel open so `burrow status`, `start`, `stop`, `logs`, `reload` and
 * the windows of the app and the browser mode can see and steer it. SIGHUP or `burrow reload`
 * re-reads the store: added sessions start (if this run runs such), removed ones stop, changed
 * ones restart, the others are not touched. Also how `burrow run` reports what the app tells it.
 */
import type { SessionConfig } from '../../common/config.js';
import type { Events, Question } from '../../common/contract.js';
import type { AppPort, BurrowApp } from '../app/app.js';
import { configFolderOf } from '../app/platform.js';
import { ControlClient, ControlServer, controlPath, type ControlEndpoint } from '../control/channel.js';
import type { ListenAddress } from '../../common/metrics.js';
import { MetricsHost } from '../metrics/host.js';
import { reloadSummary } from './control.js';
import { systemdNotifier } from './systemd-notify.js';
import type { CliIo } from './io.js';
import type { Reporter } from './reporter.js';
import { answerOnTerminal } from './terminal.js';

export interface SavedRun {
  readonly app: BurrowApp;
  readonly file: string;
  /** Which sessions this run runs, at start and when a reload adds them. */
  readonly runs: (c: SessionConfig) => boolean;
  /** `--service`: waits for another Burrow to stop instead of leaving. */
  readonly service: boolean;
  readonly json: boolean;
  /** `--metrics`: the operator's endpoint, here rather than where Settings say. */
  readonly metrics?: ListenAddress;
}

/** How long a waiting service sleeps between looks at the Burrow that runs the config. */
const STANDBY_MS = 5_000;

export async function runSaved(o: SavedRun, io: CliIo, reporter: Reporter): Promise<number> {
  const { app } = o;
  // One Burrow runs a config's tunnels: if another answers on the channel, this one does not.
  const channel = controlPath(configFolderOf(o.file));
  const systemd = systemdNotifier(io.env, (m) => reporter.error(m));
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
    // A service started while the app (or a `burrow run`) runs the config waits for it to stop,
    // rather than exiting and being restarted by its service manager over and over.
    reporter.note(`${other} runs the tunnels of ${o.file}; this service takes over when it stops`);
    systemd?.ready(`standing by: ${other} runs the tunnels`);
    while (!server && !stopped) {
      await Promise.race([io.stopSignal, new Promise((r) => setTimeout(r, STANDBY_MS))]);
      if (!stopped) server = await ControlServer.listen(channel, app);
    }
    if (!server) {
      systemd?.close();
      return 0;
    }
    reporter.note(`taking over the tunnels of ${o.file}`);
  }

  const detach = follow(app, reporter, o.json, io.interactive);
  const stopHangup = io.onHangup?.(() => void reload(app, o.file, reporter));
  // Served by the Burrow that runs the tunnels, from before they start: /readyz says 503 until they are up.
  const endpoint = await MetricsHost.start(app, metricsReport(reporter), o.metrics);
  try {
    await app.start({ run: o.runs });
    systemd?.ready(`running the tunnels of ${o.file}`);
    await io.stopSignal;
  } finally {
    systemd?.stopping();
    systemd?.close();
    stopHangup?.();
    await endpoint.close();
    // Tunnels first, then the channel: a door that takes over when the channel closes finds the
    // sessions already given back.
    await app.close();
    await server.close();
    detach();
  }
  return 0;
}

/** What the operator's endpoint says, in `burrow run`'s report (a failure never stops a tunnel). */
export function metricsReport(reporter: Reporter): { serving(url: string): void; problem(message: string, hint: string): void } {
  return {
    serving: (url) => reporter.note(`metrics: ${url}/metrics, health: ${url}/healthz, readiness: ${url}/readyz`),
    problem: (message, hint) => reporter.error(`${message}: no metrics are served, the tunnels run on. ${hint}`),
  };
}

/** "the Burrow service (pid 4242)": who answers on the channel. */
async function runnerOf(channel: ControlEndpoint): Promise<string> {
  const c = await ControlClient.connect(channel);
  if (!c) return 'another Burrow';
  try {
    const r = await c.call('app:info', {});
    return r.ok ? `${r.value.door} (pid ${r.value.pid})` : 'another Burrow';
  } finally {
    c.close();
  }
}

async function reload(app: AppPort, file: string, reporter: Reporter): Promise<void> {
  const r = await app.call('sessions:reload', {});
  if (!r.ok) {
    reporter.error(`reload of ${file} failed, the running tunnels are unchanged: ${r.error.message}${r.error.hint ? ` ${r.error.hint}` : ''}`);
    return;
  }
  reporter.note(`reloaded ${file}: ${reloadSummary(r.value)} (${r.value.unchanged.length} unchanged)`);
}

/**
 * Reports the app's events as `burrow run` always has: one line per change of a session's state
 * or error (and, for programs, each new retry time), one per change of a forward, and the log.
 * On a terminal it also answers the app's questions (an unknown host key, a key's passphrase).
 */
export function follow(app: AppPort, reporter: Reporter, json: boolean, interactive: boolean): () => void {
  const states = new Map<string, string>();
  const forwards = new Map<string, string>();
  const names = new Map<string, string>();
  return app.attach(
    (name, payload) => {
      if (name === 'sessions:changed') {
        for (const { config, snapshot: s } of payload as Events['sessions:changed']) {
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
        const { id, line } = payload as Events['logs:line'];
        if (line.kind !== 'state') reporter.log(names.get(id) ?? id, line.level, line.message);
      } else if (name === 'sessions:removed') {
        const { id } = payload as Events['sessions:removed'];
        states.delete(id);
        for (const k of [...forwards.keys()]) if (k.startsWith(`${id}|`)) forwards.delete(k);
      } else if (name === 'questions:asked' && interactive) {
        void answerOnTerminal(app, payload as Question);
      }
    },
    { answers: interactive },
  );
}
