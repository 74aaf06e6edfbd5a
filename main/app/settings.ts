/**
 * The app's own settings (not a session's): launch at login, notifications, theme, the
 * operator's endpoint. Kept in
 * `settings.json` beside the config; launch at login is the OS's state, asked of the door's
 * LoginItem (the desktop app has one; browser mode does not, and says why).
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../../common/contract.js';
import { DEFAULT_METRICS_ADDRESS, parseListenAddress } from '../../common/metrics.js';
import { parseDefaultProxy } from '../../common/config-schema.js';
import { writeKeyFile } from '../core/keys/index.js';
import { fail } from './errors.js';

/** The OS's "start at login" switch, as the desktop shell provides it. */
export interface LoginItem {
  get(): Promise<boolean>;
  set(enabled: boolean): Promise<void>;
}

const DEFAULTS: Settings = {
  launchAtLogin: false,
  notifications: { down: true, back: true, needsPerson: true },
  theme: 'system',
  metrics: { enabled: false, address: DEFAULT_METRICS_ADDRESS },
  proxy: null,
};

type Stored = Omit<Settings, 'launchAtLogin'>;

export class SettingsStore {
  private readonly file: string;

  constructor(
    configFolder: string,
    private readonly loginItem: LoginItem | undefined,
    private readonly noLoginItemReason: string,
  ) {
    this.file = path.join(configFolder, 'settings.json');
  }

  async get(): Promise<Settings> {
    const stored = await this.read();
    return { ...stored, launchAtLogin: this.loginItem ? await this.loginItem.get() : false };
  }

  async set(change: {
    launchAtLogin?: boolean;
    notifications?: Partial<Settings['notifications']>;
    theme?: Settings['theme'];
    metrics?: Partial<Settings['metrics']>;
    proxy?: unknown;
  }): Promise<Settings> {
    if (change.launchAtLogin !== undefined) {
      if (!this.loginItem) fail('UNSUPPORTED', 'Launch at login cannot be set here', this.noLoginItemReason, 'launchAtLogin');
      await this.loginItem.set(change.launchAtLogin);
    }
    const stored = await this.read();
    const next: Stored = {
      theme: change.theme ?? stored.theme,
      notifications: { ...stored.notifications, ...(change.notifications ?? {}) },
      metrics: { ...stored.metrics, ...(change.metrics ?? {}) },
      // Checked as a session's proxy is: a ConfigError names the field (proxy.port, …).
      proxy: change.proxy === undefined ? stored.proxy : change.proxy === null ? null : parseDefaultProxy(change.proxy),
    };
    // A first run may change a setting before any session made the config folder.
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeKeyFile(this.file, JSON.stringify(next, null, 2) + '\n', 0o600, true);
    return this.get();
  }

  private async read(): Promise<Stored> {
    try {
      const doc = JSON.parse(await readFile(this.file, 'utf8')) as Partial<Stored>;
      const theme = doc.theme === 'light' || doc.theme === 'dark' || doc.theme === 'system' ? doc.theme : DEFAULTS.theme;
      const n: Partial<Settings['notifications']> = doc.notifications ?? {};
      const flag = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);
      const m: Partial<Settings['metrics']> = doc.metrics ?? {};
      // An address edited by hand into something unreadable falls back to the default, as a bad theme does.
      const address = typeof m.address === 'string' && !('problem' in parseListenAddress(m.address)) ? m.address : DEFAULTS.metrics.address;
      return {
        theme,
        notifications: { down: flag(n.down, true), back: flag(n.back, true), needsPerson: flag(n.needsPerson, true) },
        metrics: { enabled: flag(m.enabled, false), address },
        proxy: storedProxy(doc.proxy),
      };
    } catch {
      // No file yet (or a damaged one, rewritten on the next change): the defaults.
      return { theme: DEFAULTS.theme, notifications: DEFAULTS.notifications, metrics: DEFAULTS.metrics, proxy: DEFAULTS.proxy };
    }
  }
}

/**
 * The default proxy as settings.json holds it. One edited by hand into something unreadable is
 * not used (connecting directly past a proxy a network requires fails visibly, and Settings shows
 * none to fix), rather than guessed at.
 */
function storedProxy(v: unknown): Settings['proxy'] {
  if (v === undefined || v === null) return null;
  try {
    return parseDefaultProxy(v);
  } catch {
    return null;
  }
}
