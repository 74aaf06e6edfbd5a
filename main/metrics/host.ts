/**
 * When and where a Burrow serves the operator's endpoint: on the address the command line gave
 * (`--metrics`), else as Settings say (switched on, at their address), following changes made in
 * the window. Only the Burrow that runs the tunnels serves it: a window that shows a service's
 * tunnels leaves the endpoint to the service (two would fight over one port, and the service is
 * what a probe should ask). A failure to listen is reported and retried at the next change; it
 * never stops a tunnel.
 */
import type { AppInfo, Settings } from '../../common/contract.js';
import { authority, parseListenAddress, type ListenAddress } from '../../common/metrics.js';
import type { AppPort } from '../app/app.js';
// The endpoint (and prom-client) is loaded when it is switched on: a Burrow without metrics,
// the usual case, carries none of it.
type Endpoint = import('./endpoint.js').MetricsEndpoint;

export interface MetricsReport {
  /** The endpoint listens: its URL. */
  serving(url: string): void;
  /** It cannot listen, or stopped: why, and what to do. */
  problem(message: string, hint: string): void;
}

export class MetricsHost {
  private endpoint: Endpoint | undefined;
  /** What is served now (or was asked for and failed): `host:port`, or undefined when off. */
  private wanted: string | undefined;
  private settings: Settings['metrics'] | undefined;
  private runBy: AppInfo['runBy'];
  private queue: Promise<void> = Promise.resolve();
  private readonly detach: () => void;
  private closed = false;

  private constructor(
    private readonly app: AppPort,
    private readonly fixed: ListenAddress | undefined,
    private readonly report: MetricsReport,
  ) {
    this.detach = app.attach(
      (name, payload) => {
        if (name === 'settings:changed') {
          this.settings = (payload as Settings).metrics;
          this.update();
        } else if (name === 'app:changed') {
          this.runBy = (payload as AppInfo).runBy;
          this.update();
        }
      },
      { answers: false },
    );
  }

  /** Starts following; resolves once the first decision is carried out (listening, or reported). */
  static async start(app: AppPort, report: MetricsReport, fixed?: ListenAddress): Promise<MetricsHost> {
    const host = new MetricsHost(app, fixed, report);
    const [settings, info] = await Promise.all([app.call('settings:get', {}), app.call('app:info', {})]);
    if (settings.ok) host.settings = settings.value.metrics;
    if (info.ok) host.runBy = info.value.runBy;
    host.update();
    await host.queue;
    return host;
  }

  /** The address to serve now, or undefined. */
  private target(): ListenAddress | undefined {
    if (this.runBy) return undefined;
    if (this.fixed) return this.fixed;
    if (!this.settings?.enabled) return undefined;
    const a = parseListenAddress(this.settings.address);
    return 'problem' in a ? undefined : a;
  }

  private update(): void {
    this.queue = this.queue.then(() => this.apply()).catch(() => undefined);
  }

  private async apply(): Promise<void> {
    const t = this.closed ? undefined : this.target();
    const key = t ? authority(t) : undefined;
    if (key === this.wanted && (this.endpoint !== undefined || key === undefined)) return;
    this.wanted = key;
    const old = this.endpoint;
    this.endpoint = undefined;
    await old?.close();
    if (!t) return;
    const { MetricsEndpoint, MetricsError } = await import('./endpoint.js');
    try {
      this.endpoint = await MetricsEndpoint.listen(this.app, t);
      this.report.serving(this.endpoint.url);
    } catch (err) {
      if (err instanceof MetricsError) this.report.problem(err.message, err.hint);
      else this.report.problem(`the metrics endpoint failed: ${err instanceof Error ? err.message : String(err)}`, 'See the log.');
    }
  }

  /** The endpoint's URL while it listens. */
  get url(): string | undefined {
    return this.endpoint?.url;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.detach();
    this.update();
    await this.queue;
  }
}
