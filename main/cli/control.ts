/**
 * `burrow status|start|stop|retry|logs|reload`: talk to the Burrow that runs a config's tunnels (a
 * service, `burrow run`, the app, `burrow web`) over its control channel, with the app contract.
 * With nothing running they say so and exit 1, pointing to `burrow run` and `burrow service install`.
 */
import type { AppInfo, LogLine, ReloadResult, Replies, RequestArgs, RequestName, SessionView } from '../../common/contract.js';
import { describeReachProblem, type SessionSnapshot } from '../../common/session.js';
import { configFolderOf, resolveConfigPath } from '../app/platform.js';
import { ControlClient, ControlFolderError, controlPath } from '../control/channel.js';
import { openDoor } from './connect.js';
import type { CliIo } from './io.js';
import { parseOptions, UsageError } from './options.js';

type Verb = 'status' | 'start' | 'stop' | 'retry' | 'logs' | 'reload';

const USAGE: Record<Verb, string> = {
  status: `usage: burrow status [--json] [--config FILE]

Shows the tunnels of the Burrow that runs this config (a service, \`burrow run\`, the app or
\`burrow web\`): each session's state, forwards and last error. Exits 1 when none runs.`,
  start: `usage: burrow start [--config FILE] NAME...

Starts saved sessions (by name or id, any case) in the Burrow that runs this config.`,
  stop: `usage: burrow stop [--config FILE] NAME...

Stops sessions in the Burrow that runs this config; their remote ports are released at once.`,
  retry: `usage: burrow retry [--config FILE] NAME...

"Retry now": a session that waits to try again tries at once (its next attempt, or a remote port
the server still holds, asked for now); a connected one reconnects ("Restart"); a stopped one starts.`,
  logs: `usage: burrow logs [--config FILE] [-f] NAME

Prints a session's recent log (the last 500 lines) from the Burrow that runs this config; with
-f, keeps printing new lines until Ctrl-C.`,
  reload: `usage: burrow reload [--config FILE]

Makes the Burrow that runs this config re-read it (as SIGHUP does for \`burrow run\`): added
sessions start if it runs such, removed ones stop, changed ones restart, the others are not
touched. A config with a mistake is reported and changes nothing.`,
};

/** The command's exit code, and why, when it cannot go on. */
class Stop extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function command(verb: Verb): (argv: string[], io: CliIo) => Promise<number> {
  return async (argv, io) => {
    let args: Args;
    try {
      args = parseOptions(argv, {
        config: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
        follow: { type: 'boolean', short: 'f' },
      });
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      io.err(`burrow ${verb}: ${err.message}`);
      io.err(USAGE[verb]);
      return 2;
    }
    if (args.values.help) {
      io.out(USAGE[verb]);
      return 0;
    }
    const file = resolveConfigPath(args.values.config, io.env);
    let runner: ControlClient | undefined;
    try {
      runner = await ControlClient.connect(controlPath(configFolderOf(file)));
      // Nothing runs: a saved session's log is still on disk, from the runs before.
      if (!runner && verb === 'logs' && !args.values.follow && (await logsFromDisk(args, io, file))) return 0;
      if (!runner) {
        throw new Stop(
          1,
          `no Burrow is running on ${file}. Run its tunnels with \`burrow run\` (in this terminal) or \`burrow service install\` (at every boot).`,
        );
      }
      return await VERBS[verb](runner, args, io, file);
    } catch (err) {
      if (err instanceof ControlFolderError) {
        io.err(`burrow ${verb}: refused to talk to the Burrow on ${file}: ${err.message}`);
        return 1;
      }
      if (!(err instanceof Stop)) throw err;
      io.err(`burrow ${verb}: ${err.message}`);
      if (err.code === 2) io.err(USAGE[verb]);
      return err.code;
    } finally {
      runner?.close();
    }
  };
}

interface Args {
  readonly values: { readonly config?: string; readonly json?: boolean; readonly help?: boolean; readonly follow?: boolean };
  readonly positionals: string[];
}

type Handler = (runner: ControlClient, args: Args, io: CliIo, file: string) => Promise<number>;

/** A request to the running Burrow; its error stops the command with its message and fix. */
async function ask<K extends RequestName>(runner: ControlClient, name: K, args: RequestArgs<K>): Promise<Replies[K]> {
  const r = await runner.call(name, args);
  if (!r.ok) throw new Stop(1, `${r.error.message}${r.error.hint ? `. ${r.error.hint}` : ''}`);
  return r.value;
}

/**
 * A session named on the command line, by id or by name in any case: the app resolves it (one
 * rule for every door); a name it does not know lists the ones it does.
 */
async function resolve(runner: ControlClient, name: string): Promise<{ id: string; name: string }> {
  const r = await runner.call('sessions:get', { id: name });
  if (r.ok) return { id: r.value.config.id, name: r.value.config.name };
  if (r.error.code !== 'NOT_FOUND') throw new Stop(1, `${r.error.message}${r.error.hint ? `. ${r.error.hint}` : ''}`);
  const list = await runner.call('sessions:list', {});
  const names = list.ok ? list.value.map((v) => v.config.name).join(', ') : '';
  throw new Stop(2, `no session named "${name}" (there are: ${names || 'none'})`);
}

/** One line about a session, as `status` prints it. */
function describe(v: SessionView): string {
  const s = v.snapshot;
  const word = s.state;
  // The port bound is news only where the config asked for any free one (port 0).
  const picked = (i: number): boolean => {
    const c = v.config.forwards[i];
    return c !== undefined && 'bindPort' in c && c.bindPort === 0;
  };
  const forwards = s.forwards.map((f) => `${f.spec}${f.boundPort && picked(f.index) ? ` (port ${f.boundPort})` : ''}: ${f.state}`).join(', ');
  const lines = [
    `${v.config.name}: ${word}${s.connectedSince && s.state === 'connected' ? ` since ${s.connectedSince}` : ''}${s.reconnects > 0 ? `, came back ${s.reconnects}×` : ''}`,
  ];
  if (forwards) lines.push(`    ${forwards}`);
  for (const f of s.forwards) {
    const half = describeReachProblem(f);
    if (half) lines.push(`    warning: ${f.spec}: ${half}`);
  }
  if (s.lastError) lines.push(`    ${s.lastError.code}: ${s.lastError.message}${s.lastError.hint ? `\n    fix: ${s.lastError.hint}` : ''}`);
  if (s.nextAttemptAt && s.state !== 'connected') lines.push(`    next attempt at ${s.nextAttemptAt}`);
  return lines.join('\n');
}

function snapshotJson(v: SessionView): Record<string, unknown> {
  const s: SessionSnapshot = v.snapshot;
  return {
    id: v.config.id,
    name: v.config.name,
    state: s.state,
    ...(s.connectedSince ? { connectedSince: s.connectedSince } : {}),
    reconnects: s.reconnects,
    ...(s.lastError ? { error: s.lastError } : {}),
    ...(s.nextAttemptAt ? { nextAttemptAt: s.nextAttemptAt } : {}),
    forwards: s.forwards.map((f) => ({
      forward: f.spec,
      state: f.state,
      ...(f.boundPort !== undefined ? { port: f.boundPort } : {}),
      ...(f.lastError ? { error: f.lastError } : {}),
    })),
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
    openConnections: s.openConnections,
  };
}

const VERBS: Record<Verb, Handler> = {
  async status(runner, args, io, file) {
    if (args.positionals.length > 0) throw new Stop(2, `unexpected argument ${args.positionals[0]}`);
    const info: AppInfo = await ask(runner, 'app:info', {});
    const views: ReadonlyArray<SessionView> = await ask(runner, 'sessions:list', {});
    if (args.values.json) {
      io.out(JSON.stringify({ config: file, runBy: { door: info.door, pid: info.pid, version: info.version }, sessions: views.map(snapshotJson) }));
      return 0;
    }
    io.out(`${info.door} (pid ${info.pid}) runs the tunnels of ${file}`);
    if (views.length === 0) io.out("No saved sessions yet: add one with `burrow import '<the vendor's command>'`, then `burrow reload`.");
    for (const v of views) io.out(describe(v));
    return 0;
  },

  async start(runner, args, io) {
    return startOrStop('sessions:start', runner, args, io);
  },

  async stop(runner, args, io) {
    return startOrStop('sessions:stop', runner, args, io);
  },

  async retry(runner, args, io) {
    return startOrStop('sessions:retry', runner, args, io);
  },

  async logs(runner, args, io) {
    const follow = args.values.follow === true;
    const names = args.positionals;
    if (names.length !== 1) throw new Stop(2, names.length === 0 ? 'name the session whose log to show' : 'name one session');
    const { id } = await resolve(runner, names[0]!);
    const print = (l: LogLine): void => io.out(`${l.ts} ${l.level.padEnd(5)} ${l.message}`);
    if (!follow) {
      const lines: ReadonlyArray<LogLine> = await ask(runner, 'logs:get', { id });
      for (const l of lines) print(l);
      return 0;
    }
    // Follow: lines that arrive while the history is read are held, then printed after it.
    const early: LogLine[] = [];
    let live = false;
    runner.attach(
      (name, payload) => {
        if (name !== 'logs:line') return;
        const p = payload as { id: string; line: LogLine };
        if (p.id !== id) return;
        if (live) print(p.line);
        else early.push(p.line);
      },
      { answers: false },
    );
    const history: ReadonlyArray<LogLine> = await ask(runner, 'logs:get', { id });
    for (const l of history) print(l);
    const lastTs = history.at(-1)?.ts ?? '';
    for (const l of early) if (l.ts > lastTs) print(l);
    live = true;
    const gone = new Promise<'gone'>((resolve) => runner.onClose(() => resolve('gone')));
    if ((await Promise.race([io.stopSignal, gone])) === 'gone') throw new Stop(1, 'the running Burrow stopped');
    return 0;
  },

  async reload(runner, args, io, file) {
    if (args.positionals.length > 0) throw new Stop(2, `unexpected argument ${args.positionals[0]}`);
    const d = await ask(runner, 'sessions:reload', {});
    io.out(`reloaded ${file}: ${reloadSummary(d, 'changed (restarted if running)', ': ')} (${d.unchanged.length} unchanged)`);
    return 0;
  },
};

async function startOrStop(name: 'sessions:start' | 'sessions:stop' | 'sessions:retry', runner: ControlClient, args: Args, io: CliIo): Promise<number> {
  if (args.positionals.length === 0) throw new Stop(2, 'name the sessions, e.g. `burrow status` lists them');
  const targets: Array<{ id: string; name: string }> = [];
  for (const n of args.positionals) targets.push(await resolve(runner, n));
  let failed = 0;
  for (const t of targets) {
    const r = await runner.call(name, { id: t.id });
    if (r.ok) {
      io.out(`${t.name}: ${r.value.snapshot.state}`);
    } else {
      failed++;
      io.err(`${t.name}: ${r.error.message}${r.error.hint ? `\n    fix: ${r.error.hint}` : ''}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

/**
 * `burrow logs NAME` with no Burrow running: the lines kept on disk by the runs before, read by
 * the app in this process. False when there are none to show (the command then says nothing runs).
 */
async function logsFromDisk(args: Args, io: CliIo, file: string): Promise<boolean> {
  if (args.positionals.length !== 1) return false;
  const door = await openDoor(io, { config: file });
  try {
    const lines = await door.ask('logs:get', { id: args.positionals[0]! }).catch(() => [] as LogLine[]);
    if (lines.length === 0) return false;
    for (const l of lines) io.out(`${l.ts} ${l.level.padEnd(5)} ${l.message}`);
    io.err(`note: no Burrow is running on ${file}; these lines are from the log kept on disk.`);
    return true;
  } finally {
    await door.close();
  }
}

/** What a reload changed, in one line ("added a, b; removed c"), or "no change". */
export function reloadSummary(d: ReloadResult, changedWord = 'changed', sep = ' '): string {
  const part = (what: string, names: ReadonlyArray<string>): string | undefined => (names.length > 0 ? `${what}${sep}${names.join(', ')}` : undefined);
  const parts = [part('added', d.added), part('removed', d.removed), part(changedWord, d.changed)].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'no change';
}
