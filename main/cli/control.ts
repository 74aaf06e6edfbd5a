/**
 * `burrow status|start|stop|logs|reload`: talk to the Burrow that runs a config's tunnels (a
 * service, `burrow run`, the app, `burrow web`) over its control channel, with the app contract.
 * With nothing running they say so and exit 1, pointing to `burrow run` and `burrow service install`.
 */
import path from 'node:path';
import type { AppInfo, LogLine, ReloadResult, SessionView } from '../../common/contract.js';
import type { SessionSnapshot } from '../../common/session.js';
import { resolveConfigPath } from '../core/config/config-file.js';
import { ControlClient, ControlFolderError, controlPath } from '../control/channel.js';
import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';

type Verb = 'status' | 'start' | 'stop' | 'logs' | 'reload';

const USAGE: Record<Verb, string> = {
  status: `usage: burrow status [--json] [--config FILE]

Shows the tunnels of the Burrow that runs this config (a service, \`burrow run\`, the app or
\`burrow web\`): each session's state, forwards and last error. Exits 1 when none runs.`,
  start: `usage: burrow start [--config FILE] NAME...

Starts saved sessions (by name or id, any case) in the Burrow that runs this config.`,
  stop: `usage: burrow stop [--config FILE] NAME...

Stops sessions in the Burrow that runs this config; their remote ports are released at once.`,
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
    let args: ParsedArgs;
    try {
      args = parseArgs(argv, { values: ['--config'], flags: ['--json', '--help', '--follow'] });
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      io.err(`burrow ${verb}: ${err.message}`);
      io.err(USAGE[verb]);
      return 2;
    }
    if (args.flags.has('--help')) {
      io.out(USAGE[verb]);
      return 0;
    }
    const file = resolveConfigPath(args.values['--config'], io.env);
    let runner: ControlClient | undefined;
    try {
      runner = await ControlClient.connect(controlPath(path.dirname(file)));
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

type Handler = (runner: ControlClient, args: ParsedArgs, io: CliIo, file: string) => Promise<number>;

async function ask<T>(runner: ControlClient, name: string, args: unknown): Promise<T> {
  const r = await runner.call(name, args);
  if (!r.ok) throw new Stop(1, `${r.error.message}${r.error.hint ? `. ${r.error.hint}` : ''}`);
  return r.value as T;
}

/** Finds sessions by id, or by name in any case; a wrong name lists the right ones. */
function pick(views: ReadonlyArray<SessionView>, names: ReadonlyArray<string>): SessionView[] {
  return names.map((n) => {
    const v =
      views.find((x) => x.config.id === n) ??
      views.find((x) => x.config.name.toLowerCase() === n.toLowerCase() || x.config.id.toLowerCase() === n.toLowerCase());
    if (!v) throw new Stop(2, `no session named "${n}" (there are: ${views.map((x) => x.config.name).join(', ') || 'none'})`);
    return v;
  });
}

/** One line about a session, as `status` prints it. */
function describe(v: SessionView): string {
  const s = v.snapshot;
  const word = v.heldBy ? `runs in ${v.heldBy}` : s.state;
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
    ...(v.heldBy ? { heldBy: v.heldBy } : {}),
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
    if (args.positional.length > 0) throw new Stop(2, `unexpected argument ${args.positional[0]}`);
    const info = await ask<AppInfo>(runner, 'app:info', {});
    const views = await ask<SessionView[]>(runner, 'sessions:list', {});
    if (args.flags.has('--json')) {
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

  async logs(runner, args, io) {
    // -f is the usual spelling; parseArgs reads only long options, so it arrives as a word.
    const follow = args.flags.has('--follow') || args.positional.includes('-f');
    const names = args.positional.filter((p) => p !== '-f');
    if (names.length !== 1) throw new Stop(2, names.length === 0 ? 'name the session whose log to show' : 'name one session');
    const [view] = pick(await ask<SessionView[]>(runner, 'sessions:list', {}), names);
    const id = view!.config.id;
    const print = (l: LogLine): void => io.out(`${l.ts} ${l.level.padEnd(5)} ${l.message}`);
    if (!follow) {
      for (const l of await ask<LogLine[]>(runner, 'logs:get', { id })) print(l);
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
    const history = await ask<LogLine[]>(runner, 'logs:get', { id });
    for (const l of history) print(l);
    const lastTs = history.at(-1)?.ts ?? '';
    for (const l of early) if (l.ts > lastTs) print(l);
    live = true;
    const gone = new Promise<'gone'>((resolve) => runner.onClose(() => resolve('gone')));
    if ((await Promise.race([io.stopSignal, gone])) === 'gone') throw new Stop(1, 'the running Burrow stopped');
    return 0;
  },

  async reload(runner, args, io, file) {
    if (args.positional.length > 0) throw new Stop(2, `unexpected argument ${args.positional[0]}`);
    const d = await ask<ReloadResult>(runner, 'sessions:reload', {});
    const part = (what: string, names: ReadonlyArray<string>): string | undefined => (names.length > 0 ? `${what}: ${names.join(', ')}` : undefined);
    const parts = [part('added', d.added), part('removed', d.removed), part('changed (restarted if running)', d.changed)].filter(Boolean);
    io.out(`reloaded ${file}: ${parts.length > 0 ? parts.join('; ') : 'no change'} (${d.unchanged.length} unchanged)`);
    return 0;
  },
};

async function startOrStop(name: 'sessions:start' | 'sessions:stop', runner: ControlClient, args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positional.length === 0) throw new Stop(2, 'name the sessions, e.g. `burrow status` lists them');
  const targets = pick(await ask<SessionView[]>(runner, 'sessions:list', {}), args.positional);
  let failed = 0;
  for (const t of targets) {
    const r = await runner.call(name, { id: t.config.id });
    if (r.ok) {
      io.out(`${t.config.name}: ${(r.value as SessionView).snapshot.state}`);
    } else {
      failed++;
      io.err(`${t.config.name}: ${r.error.message}${r.error.hint ? `\n    fix: ${r.error.hint}` : ''}`);
    }
  }
  return failed > 0 ? 1 : 0;
}
