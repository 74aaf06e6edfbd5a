/**
 * The operator's door: what Prometheus, a load balancer or Kubernetes asks of a Burrow, over plain
 * HTTP on an address the operator chose (127.0.0.1 unless told otherwise).
 *
 *   /metrics   Prometheus' text format (prom-client): per session (label: its name) up, state,
 *              when that state began, reconnects, bytes each way, connections open/total/refused,
 *              the last error's code, each forward's listening state, handshake durations as a
 *              histogram; and the process' own metrics.
 *   /healthz   200 while this process answers, reconnecting or not (liveness).
 *   /readyz    200 when every session marked "start automatically" is connected, else 503 with
 *              a JSON body naming the ones that are not and why (readiness).
 *
 * Like every door it only carries the contract: it follows the sessions as a window does (one
 * `sessions:list`, then the `sessions:changed` events), so the values are the ones the window and
 * `burrow status` show. Nothing here names a key, a key path, a
 * passphrase or a host key: labels are session names, forward specs and error codes, and the
 * readiness body gives codes, not messages (a message may quote a key's path).
 */
import http from 'node:http';
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Events, SessionView } from '../../common/contract.js';
import { authority, isLoopback, type ListenAddress } from '../../common/metrics.js';
import { reachable, type SessionState } from '../../common/session.js';
import type { AppPort } from '../app/app.js';

/** The endpoint could not listen: what happened, and what to do, in words. */
export class MetricsError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Why a listen failed, as the operator reads it. */
function listenError(err: NodeJS.ErrnoException, a: ListenAddress): MetricsError {
  const where = authority(a);
  switch (err.code) {
    case 'EADDRINUSE':
      return new MetricsError(
        `the metrics address ${where} is taken by another program`,
        `Choose another port (--metrics ${a.host.includes(':') ? `[${a.host}]` : a.host}:PORT, or Settings), or find the program with \`ss -ltnp 'sport = :${a.port}'\`.`,
      );
    case 'EADDRNOTAVAIL':
      return new MetricsError(
        `no network interface of this machine has the address ${a.host}`,
        'Give 127.0.0.1, 0.0.0.0 (every interface) or one of `ip -brief address`.',
      );
    case 'EACCES':
      return new MetricsError(`listening on port ${a.port} needs privileges this process does not have`, 'Choose a port above 1023.');
    default:
      return new MetricsError(`the metrics endpoint cannot listen on ${where}: ${err.message}`, 'Check the address.');
  }
}

/** The sessions as the scrape sees them. */
type Views = ReadonlyArray<SessionView>;

/**
 * The series, kept in step with the sessions by the app's events rather than built at each scrape.
 * An idle Burrow's answer does not change between two scrapes but for the clock, and building
 * ~1,000 series of 50 sessions afresh every second cost more CPU than the tunnels themselves
 * (bench/metrics.ts): so the series that follow the sessions are formatted (by prom-client) only
 * after a session changed, and only the process' own, which follow the clock, at every scrape.
 */
class Metrics {
  /** Series that change only when a session does: formatted again only then. */
  private readonly stable = new Registry();
  /** Series that change with the clock: formatted at every scrape. */
  private readonly live = new Registry();
  readonly contentType = this.stable.contentType;
  /** Every session's last view, by id, as the app pushed it (or listed it at the start). */
  private readonly views = new Map<string, SessionView>();
  /** When each session entered its state, in ms since the epoch. */
  private readonly since = new Map<string, number>();
  /** The stable series, encoded, until a session changes (62 KB for 50 sessions: not encoded again per scrape). */
  private cached: Promise<Buffer> | undefined;
  /** The connection each handshake was observed for (a session's `connectedSince`). */
  private readonly observed = new Map<string, string>();
  private readonly handshake: Histogram<'session'>;
  /** Stops what the process metrics watch (the event-loop monitor). */
  readonly close: () => void;

  constructor(info: { version: string; door: string }) {
    const r = this.stable;
    this.close = processMetrics(this.live);
    // A gauge's series are the sessions of this scrape: a removed session's series go with it.
    const each = <T extends string>(m: Gauge<T>, f: (v: SessionView) => ReadonlyArray<[Record<T, string>, number]>): void => {
      m.reset();
      for (const v of this.views.values()) for (const [labels, value] of f(v)) m.set(labels, value);
    };
    const views = (): Iterable<SessionView> => this.views.values();
    new Gauge({ name: 'burrow_info', help: 'This Burrow: its version and which door runs it.', labelNames: ['version', 'door'], registers: [r] }).set(info, 1);
    const sessions = this.views;
    new Gauge({
      name: 'burrow_sessions',
      help: 'Saved sessions this Burrow knows.',
      registers: [r],
      collect() {
        this.set(sessions.size);
      },
    });
    new Gauge({
      name: 'burrow_session_up',
      help: '1 while the session is connected with its forwards open, else 0. The signal to alert on.',
      labelNames: ['session'],
      registers: [r],
      collect() {
        each(this, (v) => [[{ session: v.config.name }, v.snapshot.state === 'connected' ? 1 : 0]]);
      },
    });
    new Gauge({
      name: 'burrow_session_autostart',
      help: '1 if the session starts by itself (with Burrow, at boot); up == 0 on such a session is an outage.',
      labelNames: ['session'],
      registers: [r],
      collect() {
        each(this, (v) => [[{ session: v.config.name }, v.config.autostart ? 1 : 0]]);
      },
    });
    // One series per session, for its current state: five per session, four of them 0, would
    // make every scrape of a large Burrow five times the work for the same answer.
    new Gauge({
      name: 'burrow_session_state',
      help: "1, labelled with the session's current state (stopped, connecting, connected, reconnecting, error).",
      labelNames: ['session', 'state'],
      registers: [r],
      collect() {
        each(this, (v) => [[{ session: v.config.name, state: v.snapshot.state }, 1]]);
      },
    });
    // When the state began, not seconds since: Prometheus' own advice ("export the Unix timestamp
    // at which it happened, not the time since"), and the one per-session series that would
    // otherwise change at every scrape. Seconds in the state are `time() - burrow_session_state_since_seconds`.
    const since = this.since;
    new Gauge({
      name: 'burrow_session_state_since_seconds',
      help: 'When the session entered its current state, in seconds since the Unix epoch (time() minus this is the seconds in that state).',
      labelNames: ['session'],
      registers: [r],
      collect() {
        each(this, (v) => {
          const t = since.get(v.config.id);
          return t === undefined ? [] : [[{ session: v.config.name }, t / 1000]];
        });
      },
    });
    // Counters read from the sessions' own counts: reset and set at each scrape (a count starts
    // again at 0 when Burrow restarts, which Prometheus' rate() reads as a counter reset).
    const counter = (name: string, help: string, labelNames: string[], f: (v: SessionView) => ReadonlyArray<[Record<string, string>, number]>): void => {
      new Counter({
        name,
        help,
        labelNames,
        registers: [r],
        collect() {
          this.reset();
          for (const v of views()) for (const [labels, value] of f(v)) if (value > 0) this.inc(labels, value);
        },
      });
    };
    counter('burrow_session_reconnects_total', 'Times the session came back after losing its connection.', ['session'], (v) => [
      [{ session: v.config.name }, v.snapshot.reconnects],
    ]);
    counter(
      'burrow_session_bytes_total',
      'Bytes through the session: to_target (vendor → database) and from_target (database → vendor).',
      ['session', 'direction'],
      (v) => [
        [{ session: v.config.name, direction: 'to_target' }, v.snapshot.bytesIn],
        [{ session: v.config.name, direction: 'from_target' }, v.snapshot.bytesOut],
      ],
    );
    counter('burrow_session_connections_total', 'Connections forwarded through the session.', ['session'], (v) => [
      [{ session: v.config.name }, v.snapshot.totalConnections],
    ]);
    counter('burrow_session_connections_refused_total', 'Connections refused because the target (or a SOCKS request) failed.', ['session'], (v) => [
      [{ session: v.config.name }, v.snapshot.failedConnections],
    ]);
    new Gauge({
      name: 'burrow_session_connections_open',
      help: 'Connections open through the session now.',
      labelNames: ['session'],
      registers: [r],
      collect() {
        each(this, (v) => [[{ session: v.config.name }, v.snapshot.openConnections]]);
      },
    });
    new Gauge({
      name: 'burrow_session_last_error',
      help: "1, labelled with the code of the session's last error (AUTH_FAILED, HOST_KEY_MISMATCH, FORWARD_REFUSED…), while it stands.",
      labelNames: ['session', 'code'],
      registers: [r],
      collect() {
        each(this, (v) => (v.snapshot.lastError ? [[{ session: v.config.name, code: v.snapshot.lastError.code }, 1]] : []));
      },
    });
    new Gauge({
      name: 'burrow_forward_listening',
      help: '1 while the forward is open (the server listens for a remote forward, Burrow for a local one), else 0.',
      labelNames: ['session', 'forward'],
      registers: [r],
      collect() {
        each(this, (v) => v.snapshot.forwards.map((f) => [{ session: v.config.name, forward: f.spec }, f.state === 'active' ? 1 : 0]));
      },
    });
    new Gauge({
      name: 'burrow_forward_reachable',
      help: "1 when a remote forward, checked from the server's side, is reached at every address the vendor may be told; 0 when another program on the server holds one of them. Absent while unchecked.",
      labelNames: ['session', 'forward'],
      registers: [r],
      collect() {
        each(this, (v) =>
          v.snapshot.forwards.flatMap((f) => {
            const value = reachable(f.reach);
            return value === undefined ? [] : [[{ session: v.config.name, forward: f.spec }, value]];
          }),
        );
      },
    });
    this.handshake = new Histogram({
      name: 'burrow_session_handshake_seconds',
      help: 'Time from the first packet to logged in (TCP, key exchange, login), per connection.',
      labelNames: ['session'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
  }

  /** Views as the app pushed them (or listed them): the next scrape formats the stable series again. */
  follow(views: Views): void {
    for (const v of views) {
      this.views.set(v.config.id, v);
      const t = v.snapshot.stateSince ? Date.parse(v.snapshot.stateSince) : NaN;
      if (Number.isNaN(t)) this.since.delete(v.config.id);
      else this.since.set(v.config.id, t);
      // Each new connection's handshake is observed once.
      const s = v.snapshot;
      if (s.state !== 'connected' || s.handshakeMs === undefined || s.connectedSince === undefined) continue;
      if (this.observed.get(v.config.id) === s.connectedSince) continue;
      this.observed.set(v.config.id, s.connectedSince);
      this.handshake.observe({ session: v.config.name }, s.handshakeMs / 1000);
    }
    this.cached = undefined;
  }

  forget(id: string): void {
    this.views.delete(id);
    this.since.delete(id);
    this.observed.delete(id);
    this.cached = undefined;
  }

  has(id: string): boolean {
    return this.views.has(id);
  }

  /** The sessions now, for /readyz. */
  current(): Views {
    return [...this.views.values()];
  }

  /** The exposition: the stable series as they were last formatted, then the live ones. */
  async text(): Promise<[Buffer, Buffer]> {
    this.cached ??= this.stable.metrics().then((t) => Buffer.from(`${t}\n`));
    return Promise.all([this.cached, this.live.metrics().then((t) => Buffer.from(t))]);
  }
}

/**
 * The process' own metrics, under the names prom-client's default collectors use, read the cheap
 * way. (Its collectDefaultMetrics, measured in bench/metrics.ts, cost more per scrape than all of
 * Burrow's own series: percentiles of the event-loop histogram, a GC observer, /proc reads.)
 */
function processMetrics(r: Registry): () => void {
  const started = Date.now() / 1000 - process.uptime();
  new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds.', registers: [r] }).set(started);
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent, in seconds.',
    registers: [r],
    collect() {
      const c = process.cpuUsage();
      this.reset();
      this.inc((c.user + c.system) / 1e6);
    },
  });
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size, in bytes.',
    registers: [r],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'nodejs_heap_size_used_bytes',
    help: "V8's heap in use, in bytes.",
    registers: [r],
    collect() {
      this.set(v8.getHeapStatistics().used_heap_size);
    },
  });
  if (process.platform === 'linux') {
    new Gauge({
      name: 'process_open_fds',
      help: 'Open file descriptors.',
      registers: [r],
      collect() {
        try {
          this.set(readdirSync('/proc/self/fd').length);
        } catch {
          /* not readable: no value */
        }
      },
    });
  }
  // The event loop's worst delay since the last scrape: a Burrow whose loop stalls is one whose
  // tunnels stall. Reset at each scrape, so no percentile is computed. Sampled once a second, not
  // every 10–20 ms as usual: each sample wakes the process, and 50 wake-ups a second cost an idle
  // Burrow more CPU than the scrapes (bench/metrics.ts). A stall of a second or more, the kind
  // that stalls tunnels, is always seen; shorter ones show in the utilization below.
  const delay = monitorEventLoopDelay({ resolution: 1000 });
  delay.enable();
  new Gauge({
    name: 'nodejs_eventloop_delay_max_seconds',
    help: "The event loop's longest delay since the previous scrape, in seconds.",
    registers: [r],
    collect() {
      this.set(delay.max / 1e9);
      delay.reset();
    },
  });
  // The share of the time since the last scrape the loop spent working (0 idle, 1 saturated):
  // read from counters Node keeps anyway, no timer.
  let elu = performance.eventLoopUtilization();
  new Gauge({
    name: 'nodejs_eventloop_utilization',
    help: 'Share of the time since the previous scrape the event loop was busy (0 to 1).',
    registers: [r],
    collect() {
      const now = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(now, elu).utilization);
      elu = now;
    },
  });
  return () => delay.disable();
}

/** Why each autostart session is not ready; empty when all are. */
export function notReady(views: Views): Array<{ session: string; state: SessionState; error?: string }> {
  return views
    .filter((v) => v.config.autostart && v.snapshot.state !== 'connected')
    .map((v) => ({ session: v.config.name, state: v.snapshot.state, ...(v.snapshot.lastError ? { error: v.snapshot.lastError.code } : {}) }));
}

export class MetricsEndpoint {
  private constructor(
    private readonly server: http.Server,
    private readonly detach: () => void,
    private readonly metrics: Metrics,
    readonly address: ListenAddress,
  ) {}

  /** Serves the endpoint for `app` on `where`; a MetricsError says why it cannot. */
  static async listen(app: AppPort, where: ListenAddress): Promise<MetricsEndpoint> {
    const info = await app.call('app:info', {});
    const metrics = new Metrics(info.ok ? { version: info.value.version, door: info.value.door } : { version: 'unknown', door: 'unknown' });
    // The sessions come from the app's events, which carry every change a window is shown (the
    // counters of a connected session at most once a second); the list at the start fills in what
    // came before. A session removed while that list was on its way is not brought back by it.
    const removed = new Set<string>();
    let listed = false;
    const detach = app.attach(
      (name, payload) => {
        if (name === 'sessions:changed') metrics.follow(payload as Events['sessions:changed']);
        else if (name === 'sessions:removed') {
          const { id } = payload as Events['sessions:removed'];
          metrics.forget(id);
          if (!listed) removed.add(id);
        }
      },
      { answers: false },
    );
    const first = await app.call('sessions:list', {});
    listed = true;
    if (first.ok) metrics.follow(first.value.filter((v) => !removed.has(v.config.id) && !metrics.has(v.config.id)));
    const loopbackOnly = isLoopback(where.host);
    const server = http.createServer((req, res) => {
      const send = (status: number, type: string, body: string | ReadonlyArray<Buffer>): void => {
        const parts = typeof body === 'string' ? [Buffer.from(body)] : body;
        res.writeHead(status, {
          'content-type': type,
          'content-length': parts.reduce((n, b) => n + b.length, 0),
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        });
        if (req.method !== 'HEAD') for (const b of parts) res.write(b);
        res.end();
      };
      // On loopback, a page on some web site must not read the endpoint through a name that
      // resolves to 127.0.0.1 (DNS rebinding): only loopback names are served.
      if (loopbackOnly && !/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i.test(req.headers.host ?? '')) {
        send(403, 'text/plain; charset=utf-8', 'Only loopback host names are served here.\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        send(405, 'text/plain; charset=utf-8', 'GET or HEAD only.\n');
        return;
      }
      const route = (req.url ?? '/').split('?')[0];
      if (route === '/healthz') {
        send(200, 'text/plain; charset=utf-8', 'ok\n');
        return;
      }
      if (route !== '/metrics' && route !== '/readyz') {
        send(404, 'text/plain; charset=utf-8', 'Not here: /metrics, /healthz and /readyz are.\n');
        return;
      }
      if (route === '/readyz') {
        const waiting = notReady(metrics.current());
        send(waiting.length === 0 ? 200 : 503, 'application/json', JSON.stringify({ ready: waiting.length === 0, notReady: waiting }) + '\n');
        return;
      }
      metrics.text().then(
        (parts) => send(200, metrics.contentType, parts),
        (err: unknown) => send(500, 'text/plain; charset=utf-8', `The metrics could not be formatted: ${err instanceof Error ? err.message : String(err)}\n`),
      );
    });
    // A scraper that stalls must not hold a socket for ever.
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, where)));
      server.listen(where.port, where.host, () => resolve());
    }).catch((err: unknown) => {
      detach();
      metrics.close();
      throw err;
    });
    return new MetricsEndpoint(server, detach, metrics, where);
  }

  /** `http://127.0.0.1:9876`, as a person opens it. */
  get url(): string {
    return `http://${authority(this.address)}`;
  }

  async close(): Promise<void> {
    this.detach();
    this.metrics.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
