/**
 * The tray's menu as data, rebuilt whole from the sessions' views each time (never patched item by
 * item, so it cannot drift from the truth). main/electron/tray.ts turns it into Electron's Menu.
 */
import type { SessionView } from '../../common/contract.js';
import type { SessionState } from '../../common/session.js';

export type TrayAction =
  | { readonly kind: 'start' | 'stop' | 'retry' | 'copy-public-key' | 'test' | 'details'; readonly id: string }
  | { readonly kind: 'start-all' | 'stop-all' | 'open' | 'toggle-login' | 'quit' };

export type MenuEntry =
  | { readonly type: 'separator' }
  | { readonly type: 'item'; readonly label: string; readonly enabled: boolean; readonly action?: TrayAction }
  | {
      readonly type: 'checkbox';
      readonly label: string;
      readonly checked: boolean;
      readonly enabled: boolean;
      readonly action: TrayAction;
      readonly sublabel?: string;
    }
  | { readonly type: 'submenu'; readonly label: string; readonly items: ReadonlyArray<MenuEntry> };

/** The OS's launch-at-login state, as the tray's checkbox shows it. */
export interface LoginItemState {
  readonly enabled: boolean;
  /** macOS: waiting for the person's approval in System Settings. */
  readonly needsApproval?: boolean;
  /** Windows/macOS: turned off by the person in Task Manager / System Settings. */
  readonly disabledByUser?: boolean;
}

/** A state as a glyph and a word: menus show no colour, so the word carries it. */
const MARK: Record<SessionState, string> = {
  connected: '● Connected',
  connecting: '◐ Connecting',
  reconnecting: '◐ Reconnecting',
  error: '▲ Needs attention',
  stopped: '■ Stopped',
};

function sessionItems(v: SessionView): MenuEntry[] {
  const { config: c, snapshot: s } = v;
  const running = s.state !== 'stopped';
  const items: MenuEntry[] = [
    running
      ? { type: 'item', label: 'Stop', enabled: true, action: { kind: 'stop', id: c.id } }
      : { type: 'item', label: 'Start', enabled: true, action: { kind: 'start', id: c.id } },
    // A waiting tunnel can be tried at once (the person fixed what was wrong, or the network is back).
    ...(s.state === 'reconnecting' || s.state === 'error'
      ? [{ type: 'item', label: 'Retry now', enabled: true, action: { kind: 'retry', id: c.id } } as const]
      : []),
    { type: 'item', label: 'Copy public key', enabled: c.auth.keyId !== undefined, action: { kind: 'copy-public-key', id: c.id } },
    { type: 'item', label: 'Test connection…', enabled: true, action: { kind: 'test', id: c.id } },
    { type: 'item', label: 'Details…', enabled: true, action: { kind: 'details', id: c.id } },
  ];
  if (s.lastError) items.unshift({ type: 'item', label: `${s.lastError.code}: ${s.lastError.message}`.slice(0, 90), enabled: false }, { type: 'separator' });
  return items;
}

/**
 * The whole menu. `runBy`: the Burrow (a service) that runs these tunnels when it is not this
 * app; they are steered from here all the same, and Quit leaves them running.
 */
export function trayMenu(
  views: ReadonlyArray<SessionView>,
  login: LoginItemState | undefined,
  runBy?: { readonly door: string; readonly pid: number },
): MenuEntry[] {
  const entries: MenuEntry[] = [];
  if (runBy) entries.push({ type: 'item', label: `Tunnels run in ${runBy.door} (pid ${runBy.pid})`, enabled: false }, { type: 'separator' });
  if (views.length === 0) entries.push({ type: 'item', label: 'No tunnels yet', enabled: false });
  for (const v of views) entries.push({ type: 'submenu', label: `${v.config.name} — ${MARK[v.snapshot.state]}`, items: sessionItems(v) });
  const anyStopped = views.some((v) => v.snapshot.state === 'stopped');
  const anyRunning = views.some((v) => v.snapshot.state !== 'stopped');
  entries.push(
    { type: 'separator' },
    { type: 'item', label: 'Start all', enabled: anyStopped, action: { kind: 'start-all' } },
    { type: 'item', label: 'Stop all', enabled: anyRunning, action: { kind: 'stop-all' } },
    { type: 'separator' },
    { type: 'item', label: 'Open Burrow', enabled: true, action: { kind: 'open' } },
  );
  if (login) {
    const sublabel = login.needsApproval
      ? 'Waiting for your approval in System Settings › Login Items'
      : login.disabledByUser
        ? "Turned off in your system's startup settings"
        : undefined;
    entries.push({
      type: 'checkbox',
      label: 'Launch at login',
      checked: login.enabled && !login.disabledByUser,
      enabled: true,
      action: { kind: 'toggle-login' },
      ...(sublabel ? { sublabel } : {}),
    });
  }
  const quit = runBy ? `Quit Burrow (${runBy.door} keeps the tunnels up)` : anyRunning ? 'Quit Burrow (stops every tunnel)' : 'Quit Burrow';
  entries.push({ type: 'separator' }, { type: 'item', label: quit, enabled: true, action: { kind: 'quit' } });
  return entries;
}

/** A menu item in the shape Electron's `Menu.buildFromTemplate` takes (a subset of MenuItemConstructorOptions). */
export interface MenuTemplateItem {
  readonly type?: 'separator' | 'checkbox';
  readonly label?: string;
  readonly sublabel?: string;
  readonly toolTip?: string;
  readonly enabled?: boolean;
  readonly checked?: boolean;
  readonly submenu?: MenuTemplateItem[];
  readonly click?: () => void;
}

/** The menu data as Electron's template, each action's click calling `act`. */
export function menuTemplate(entries: ReadonlyArray<MenuEntry>, act: (a: TrayAction) => void): MenuTemplateItem[] {
  return entries.map((e): MenuTemplateItem => {
    switch (e.type) {
      case 'separator':
        return { type: 'separator' };
      case 'submenu':
        return { label: e.label, submenu: menuTemplate(e.items, act) };
      case 'checkbox':
        return {
          type: 'checkbox',
          label: e.label,
          checked: e.checked,
          enabled: e.enabled,
          click: () => act(e.action),
          ...(e.sublabel ? { sublabel: e.sublabel, toolTip: e.sublabel } : {}),
        };
      case 'item': {
        const action = e.action;
        return { label: e.label, enabled: e.enabled, ...(action ? { click: () => act(action) } : {}) };
      }
    }
  });
}
