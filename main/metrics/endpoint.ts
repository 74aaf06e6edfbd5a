/**
 * The operator's door: what Prometheus, a load balancer or Kubernetes asks of a Burrow, over plain
 * HTTP on an address the operator chose (127.0.0.1 unless told otherwise).
 *
 *   /metrics   Prometheus' text format (prom-client): per session (label: its name) up, state,
 *              seconds in that state, reconnects, bytes each way, connections open/total/refused,
 *              the last error's code, each forward's listening state, handshake durations as a
 *              histogram; and the process' own metrics.
 *   /healthz   200 while this process answers, reconnecting or not (liveness).
 *   /readyz    200 when every session marked "start automatically" is connected, else 503 with
 *              a JSON body naming the ones that are not and why (readiness).
 *
 * Like every door it only carries the contract: each scrape is one `sessions:list`, so the values
 * are the ones the window and `burrow status` show. Nothing here names a key, a key path, a
 * passphrase or a host key: labels are session names, forward specs and error codes, and the
 * readiness body gives codes, not messages (a message may quote a key's path).
 */
import http from 'node:http';
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Events, SessionView } from '../../common/contract.js';
import { authority, isLoopback, type ListenAddress } from '../../common/metrics.js';
import type { SessionState } from '../../common/session.js';
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

/** The scrape's view of every session, taken once per request. */
type Views = ReadonlyArray<SessionView>;

class Metrics {
  readonly registry = new Registry();
  private views: Views = [];
  /** The connection each handshake was observed for (a session's `connectedSince`). */
  private readonly observed = new Map<string, string>();
  private readonly handshake: Histogram<'session'>;
  /** Stops what the process metrics watch (the event-loop monitor). */
  readonly close: () => void;

  constructor(info: { version: string; door: string }) {
    const r = this.registry;
    this.close = processMetrics(r);
    // A gauge's series are the sessions of this scrape: a removed session's series go with it.
    const each = <T extends string>(m: Gauge<T>, f: (v: SessionView) => ReadonlyArray<[Record<T, string>, number]>): void => {
      m.reset();
      for (const v of this.views) for (const [labels, value] of f(v)) m.set(labels, value);
    };
    const views = (): Views => this.views;
    new Gauge({ name: 'burrow_info', help: 'This Burrow: its version and which door runs it.', labelNames: ['version', 'door'], registers: [r] }).set(info, 1);
    new Gauge({
      name: 'burrow_sessions',
      help: 'Saved sessions this Burrow knows.',
      registers: [r],
      collect() {
        this.set(views().length);
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
    new Gauge({
      name: 'burrow_session_state_seconds',
      help: 'Seconds since the session entered its current state.',
      labelNames: ['session'],
      registers: [r],
      collect() {
        const now = Date.now();
        each(this, (v) => (v.snapshot.stateSince ? [[{ session: v.config.name }, Math.max(0, (now - Date.parse(v.snapshot.stateSince)) / 1000)]] : []));
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
    this.handshake = new Histogram({
      name: 'burrow_session_handshake_seconds',
      help: 'Time from the first packet to logged in (TCP, key exchange, login), per connection.',
      labelNames: ['session'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
  }

  /** Views as the app pushed them: each new connection's handshake is observed once. */
  follow(views: Events['sessions:changed']): void {
    for (const v of views) {
      const s = v.snapshot;
      if (s.state !== 'connected' || s.handshakeMs === undefined || s.connectedSince === undefined) continue;
      if (this.observed.get(v.config.id) === s.connectedSince) continue;
      this.observed.set(v.config.id, s.connectedSince);
      this.handshake.observe({ session: v.config.name }, s.handshakeMs / 1000);
    }
  }

  forget(id: string): void {
    this.observed.delete(id);
  }

  async text(views: Views): Promise<string> {
    this.views = views;
    try {
      return await this.registry.metrics();
    } finally {
      this.views = [];
    }
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
  // tunnels stall. Reset at each scrape, so no percentile is computed.
  const delay = monitorEventLoopDelay({ resolution: 20 });
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
    const detach = app.attach(
      (name, payload) => {
        if (name === 'sessions:changed') metrics.follow(payload as Events['sessions:changed']);
        else if (name === 'sessions:removed') metrics.forget((payload as Events['sessions:removed']).id);
      },
      { answers: false },
    );
    const list = async (): Promise<Views> => {
      const r = await app.call('sessions:list', {});
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    metrics.follow(await list().catch(() => []));
    const loopbackOnly = isLoopback(where.host);
    const server = http.createServer((req, res) => {
      const send = (status: number, type: string, body: string): void => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        res.end(req.method === 'HEAD' ? undefined : body);
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
      list().then(
        async (views) => {
          if (route === '/readyz') {
            const waiting = notReady(views);
            send(waiting.length === 0 ? 200 : 503, 'application/json', JSON.stringify({ ready: waiting.length === 0, notReady: waiting }) + '\n');
          } else {
            send(200, metrics.registry.contentType, await metrics.text(views));
          }
        },
        (err: unknown) => send(500, 'text/plain; charset=utf-8', `Burrow did not answer: ${err instanceof Error ? err.message : String(err)}\n`),
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
