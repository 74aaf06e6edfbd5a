/**
 * What the desktop app does, as plain logic over small ports that main/electron/ fills with
 * Electron's Tray, Notification, BrowserWindow and clipboard: the tray follows the sessions
 * (coalesced), notices go out as the policy says, tray actions become contract calls, closing the
 * window keeps Burrow in the tray (said once), and Quit stops every tunnel before the app exits.
 */
import type { EventName, Replies, RequestArgs, RequestName, SessionView, Settings } from '../../common/contract.js';
import type { AppPort } from '../app/app.js';

export type { AppPort };
import { Coalescer, type Timers } from './coalesce.js';
import { NotificationPolicy, type Notice } from '../../common/notifications.js';
import { Nudger } from './nudger.js';
import { overallOf, tooltipOf, type Overall } from './overall.js';
import { trayMenu, type LoginItemState, type MenuEntry, type TrayAction } from './tray-menu.js';

export interface DesktopPorts {
  showTray(overall: Overall, tooltip: string, menu: ReadonlyArray<MenuEntry>): void;
  notify(notice: Notice): void;
  /** Shows the window at a route of the renderer (`/sessions/x/test`). */
  showWindow(route?: string): void;
  copy(text: string): void;
  /** The OS's launch-at-login state, when this system has one the app can set. */
  loginState(): LoginItemState | undefined;
  /** Ends the process (after the tunnels are stopped). */
  exit(): void;
  /** When another Burrow (a service) runs the tunnels this app shows: who. Quit then leaves them up. */
  runBy(): { readonly door: string; readonly pid: number } | undefined;
  timers: Timers;
}

export class DesktopController {
  private views = new Map<string, SessionView>();
  private order: string[] = [];
  private notifySettings: Settings['notifications'] = { down: true, back: true, needsPerson: true };
  private readonly policy: NotificationPolicy;
  private readonly rebuild: Coalescer;
  readonly nudger: Nudger;
  private detach: (() => void) | undefined;
  private toldAboutTray = false;
  private quitting: Promise<void> | undefined;

  constructor(
    private readonly app: AppPort,
    private readonly ports: DesktopPorts,
  ) {
    this.policy = new NotificationPolicy(
      () => this.notifySettings,
      () => ports.timers.now(),
    );
    this.rebuild = new Coalescer(() => this.showTray(), 300, ports.timers);
    this.nudger = new Nudger(() => {
      void this.call('sessions:nudge-all', {});
    }, ports.timers);
  }

  /** Loads the sessions and settings, then follows the app's events. */
  async start(): Promise<void> {
    this.detach = this.app.attach((name, payload) => this.onEvent(name, payload));
    const [views, settings] = await Promise.all([this.call('sessions:list', {}), this.call('settings:get', {})]);
    if (settings) this.notifySettings = settings.notifications;
    // The state at start is not news (no notices), and the tray is drawn once with all of it.
    for (const v of views ?? []) this.track(v, false, false);
    this.showTray();
  }

  /** A tray menu action. */
  async act(a: TrayAction): Promise<void> {
    switch (a.kind) {
      case 'start':
        await this.call('sessions:start', { id: a.id });
        break;
      case 'stop':
        await this.call('sessions:stop', { id: a.id });
        break;
      case 'retry':
        await this.call('sessions:retry', { id: a.id });
        break;
      case 'start-all':
        await this.call('sessions:start-all', {});
        break;
      case 'stop-all':
        await this.call('sessions:stop-all', {});
        break;
      case 'copy-public-key': {
        const keyId = this.views.get(a.id)?.config.auth.keyId;
        const key = keyId !== undefined ? await this.call('keys:get', { id: keyId }) : undefined;
        if (key) this.ports.copy(key.publicKey);
        break;
      }
      case 'test':
        this.ports.showWindow(`/sessions/${encodeURIComponent(a.id)}/test`);
        break;
      case 'details':
        this.ports.showWindow(`/sessions/${encodeURIComponent(a.id)}`);
        break;
      case 'open':
        this.ports.showWindow();
        break;
      case 'toggle-login': {
        const now = this.ports.loginState();
        await this.call('settings:set', { launchAtLogin: !(now?.enabled ?? false) });
        this.showTray();
        break;
      }
      case 'quit':
        await this.quit();
        break;
    }
  }

  /** The window was closed: Burrow stays in the tray, and says so the first time. */
  windowClosed(): void {
    if (this.toldAboutTray) return;
    this.toldAboutTray = true;
    this.ports.notify({
      kind: 'back',
      sessionId: '',
      title: 'Burrow keeps running',
      body: 'Your tunnels stay up. Open Burrow from its icon in the tray or menu bar; quit it there to stop them.',
    });
  }

  /**
   * Stops every tunnel this app runs cleanly (remote listeners cancelled), then exits; tunnels a
   * service runs keep running. Safe to call twice.
   */
  quit(): Promise<void> {
    this.quitting ??= (async () => {
      this.rebuild.cancel();
      this.nudger.cancel();
      if (!this.ports.runBy()) await this.call('sessions:stop-all', {});
      this.detach?.();
      this.ports.exit();
    })();
    return this.quitting;
  }

  /** Resume, unlock, network up: retry the waiting tunnels now (and a few times more). */
  wake(): void {
    this.nudger.wake();
  }

  private onEvent(name: EventName, payload: unknown): void {
    if (name === 'sessions:changed') for (const v of payload as ReadonlyArray<SessionView>) this.track(v, true);
    else if (name === 'sessions:removed') {
      const { id } = payload as { id: string };
      this.views.delete(id);
      this.order = this.order.filter((x) => x !== id);
      this.policy.forget(id);
      this.rebuild.request();
    } else if (name === 'settings:changed') {
      this.notifySettings = (payload as Settings).notifications;
      this.rebuild.request();
    } else if (name === 'app:changed') {
      // This app took over the tunnels from a service that stopped (or the other way round).
      this.rebuild.request();
    }
  }

  private track(v: SessionView, notify: boolean, rebuild = true): void {
    if (!this.views.has(v.config.id)) this.order.push(v.config.id);
    this.views.set(v.config.id, v);
    const notice = this.policy.onSnapshot(v.config.name, v.snapshot);
    if (notice && notify) this.ports.notify(notice);
    if (rebuild) this.rebuild.request();
  }

  private showTray(): void {
    const views = this.order.map((id) => this.views.get(id)!).filter(Boolean);
    const snaps = views.map((v) => v.snapshot);
    this.ports.showTray(overallOf(snaps), tooltipOf(snaps), trayMenu(views, this.ports.loginState(), this.ports.runBy()));
  }

  private async call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<Replies[K] | undefined> {
    const r = await this.app.call(name, args);
    return r.ok ? r.value : undefined;
  }
}
