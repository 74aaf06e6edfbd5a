/** Settings: launch at login, start at boot (the service), notifications, theme; and what this Burrow is and where it keeps things. */
import type { Settings } from '../../../common/contract.js';
import { useState } from 'react';
import type { AppError } from '../../../common/contract.js';
import { authority, parseListenAddress } from '../../../common/metrics.js';
import { useAction, useAppInfo, useSettings } from '../api/hooks.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Prose } from '../components/Prose.js';
import { StartAtBoot } from './start-at-boot.js';
import { askNoticePermission, noticePermission, type NoticePermission } from '../notices.js';

export function SettingsScreen() {
  const [settings, setSettings] = useSettings();
  const info = useAppInfo();
  const save = useAction('settings:set');
  const [permission, setPermission] = useState<NoticePermission>(noticePermission);
  const change = async (c: Parameters<typeof save.run>[0]): Promise<void> => {
    const next = await save.run(c);
    if (next) setSettings(next as Settings);
  };
  if (!settings || !info)
    return (
      <section className="screen">
        <h1>Settings</h1>
        <p role="status">Loading…</p>
      </section>
    );
  const canLogin = info.launchAtLogin.supported;
  return (
    <section className="screen">
      <h1>Settings</h1>
      <ErrorNote error={save.error?.field?.startsWith('metrics') ? undefined : save.error} />
      <form className="form" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Start</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={settings.launchAtLogin}
              disabled={!canLogin}
              aria-describedby="login-why"
              onChange={(e) => void change({ launchAtLogin: e.target.checked })}
            />
            Launch Burrow at login, in the background, and start the tunnels marked "start automatically"
          </label>
          {!canLogin && (
            <p className="field-hint" id="login-why">
              Not available here: <Prose text={info.launchAtLogin.reason ?? ''} />
            </p>
          )}
        </fieldset>
        <StartAtBoot />
        <MetricsSettings metrics={settings.metrics} change={change} error={save.error} />
        <ProxySettings proxy={settings.proxy} change={change} error={save.error} />
        <fieldset>
          <legend>Notifications</legend>
          {info.mode === 'web' && (
            <p className="field-hint" role="status">
              {permission === 'denied'
                ? 'This browser blocks notifications from this page: allow them in its site settings (the icon left of the address), then reload.'
                : permission === 'unsupported'
                  ? 'This browser cannot show notifications; the desktop app can.'
                  : 'This browser shows them while this page is open; it asks your permission when you switch one on.'}
            </p>
          )}
          {(
            [
              ['down', 'When a tunnel goes down'],
              ['back', 'When it comes back'],
              ['needsPerson', 'When a tunnel needs you (a changed server key, a refused login)'],
            ] as const
          ).map(([k, label]) => (
            <label key={k} className="check">
              <input
                type="checkbox"
                checked={settings.notifications[k]}
                onChange={(e) => {
                  const on = e.target.checked;
                  void change({ notifications: { [k]: on } });
                  // In browser mode a switch turned on asks the browser for permission (once).
                  if (on && info.mode === 'web') void askNoticePermission().then(setPermission);
                }}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Theme</legend>
          {(
            [
              ['system', 'Follow the system'],
              ['light', 'Light'],
              ['dark', 'Dark'],
            ] as const
          ).map(([v, label]) => (
            <label key={v} className="radio">
              <input type="radio" name="theme" value={v} checked={settings.theme === v} onChange={() => void change({ theme: v })} />
              <span>{label}</span>
            </label>
          ))}
        </fieldset>
      </form>
      <section aria-labelledby="about-title">
        <h2 id="about-title">About this Burrow</h2>
        <dl className="facts">
          <dt>Version</dt>
          <dd>
            {info.version} ({info.mode === 'web' ? 'browser mode' : 'desktop app'}, {info.platform})
          </dd>
          <dt>Tunnels are saved in</dt>
          <dd>
            <code>{info.configPath}</code>
          </dd>
          <dt>Keys and passphrases are kept in</dt>
          <dd>{info.secretStore.backend}</dd>
          <dt>SSH engine</dt>
          <dd>
            {info.ssh2.nativeCrypto ? 'native crypto' : 'slow JavaScript crypto (reinstall with a compiler)'};{' '}
            {info.ssh2.patched ? 'rekey fix applied' : 'rekey fix MISSING (reinstall with npm ci)'}
          </dd>
          <dt>Memory after busy spells</dt>
          <dd>
            {info.memoryReturn === 'trim'
              ? 'given back once quiet'
              : info.memoryReturn === 'allocator'
                ? "given back by the system's allocator"
                : 'kept until used again (heap-trim addon missing: reinstall with a C compiler)'}
          </dd>
        </dl>
        {info.secretStore.warnings.map((w, i) => (
          <p key={i} className="banner banner-warn">
            {w}
          </p>
        ))}
      </section>
    </section>
  );
}

/**
 * The operator's endpoint: Prometheus' /metrics, /healthz and /readyz, served by the Burrow that
 * runs the tunnels while switched on. The address is checked by the app (the same reading as
 * `--metrics`); a wrong one is refused with the field named.
 */
function MetricsSettings({
  metrics,
  change,
  error,
}: {
  metrics: Settings['metrics'];
  change: (c: { metrics: Partial<Settings['metrics']> }) => Promise<void>;
  error: AppError | undefined;
}) {
  const [address, setAddress] = useState(metrics.address);
  const mine = error?.field?.startsWith('metrics') ? error : undefined;
  const parsed = parseListenAddress(metrics.address);
  const url = `http://${'problem' in parsed ? metrics.address : authority(parsed)}`;
  return (
    <fieldset aria-describedby="metrics-what">
      <legend>Metrics and health checks</legend>
      <p className="field-hint" id="metrics-what">
        For monitoring: Prometheus' /metrics (each tunnel's state, traffic and reconnections), /healthz and /readyz, served by the Burrow that runs the tunnels.
      </p>
      <label className="check">
        <input type="checkbox" checked={metrics.enabled} onChange={(e) => void change({ metrics: { enabled: e.target.checked } })} />
        Serve metrics and health checks
      </label>
      <div className={`field${mine ? ' field-invalid' : ''}`}>
        <label htmlFor="metrics-address">Address</label>
        <div className="field-row">
          <input
            id="metrics-address"
            value={address}
            onChange={(e) => setAddress(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void change({ metrics: { address: address.trim() } });
              }
            }}
            spellCheck={false}
            aria-describedby="metrics-address-hint"
            aria-invalid={mine !== undefined || undefined}
          />
          <button
            type="button"
            className="button"
            disabled={address.trim() === metrics.address}
            onClick={() => void change({ metrics: { address: address.trim() } })}
          >
            Save address
          </button>
        </div>
        <p className="field-hint" id="metrics-address-hint">
          ADDRESS:PORT, or a port alone for this machine only (127.0.0.1). Another address lets other machines read them.
        </p>
        <ErrorNote error={mine} />
      </div>
      {metrics.enabled && (
        <p>
          Served at <code>{url}/metrics</code>, <code>{url}/healthz</code> and <code>{url}/readyz</code>.
        </p>
      )}
    </fieldset>
  );
}

/**
 * The default proxy: for a company network whose only way out is a proxy, once for every tunnel
 * (a tunnel's own Connect through wins). Its password goes to the secret store, never shown again.
 */
function ProxySettings({
  proxy,
  change,
  error,
}: {
  proxy: Settings['proxy'];
  change: (c: { proxy: unknown; proxyPassword?: string }) => Promise<void>;
  error: AppError | undefined;
}) {
  const [type, setType] = useState<'none' | 'http' | 'socks5' | 'socks4'>(proxy?.type ?? 'none');
  const [host, setHost] = useState(proxy?.host ?? '');
  const [port, setPort] = useState(proxy ? String(proxy.port) : '');
  const [user, setUser] = useState(proxy?.user ?? '');
  const [password, setPassword] = useState('');
  const [exclude, setExclude] = useState((proxy?.exclude ?? []).join(', '));
  const mine = error?.field?.startsWith('proxy') ? error : undefined;
  const save = (): void => {
    const list = exclude.split(/[\s,]+/).filter(Boolean);
    void change(
      type === 'none'
        ? { proxy: null }
        : {
            proxy: {
              type,
              host: host.trim(),
              port: /^\d+$/.test(port.trim()) ? Number(port.trim()) : port.trim(),
              ...(user.trim() ? { user: user.trim() } : {}),
              ...(proxy && proxy.remoteDns === false ? { remoteDns: false } : {}),
              exclude: list,
            },
            ...(password && user.trim() ? { proxyPassword: password } : {}),
          },
    ).then(() => setPassword(''));
  };
  return (
    <fieldset aria-describedby="proxy-what">
      <legend>Default proxy</legend>
      <p className="field-hint" id="proxy-what">
        For a network whose only way out is a proxy: every tunnel without a proxy of its own connects through this one (a tunnel&apos;s Edit → Advanced →
        Connect through wins). This machine (localhost, 127.*) is always reached directly.
      </p>
      <div className="field">
        <label htmlFor="proxy-type">Proxy</label>
        <select id="proxy-type" value={type} onChange={(e) => setType(e.target.value as typeof type)}>
          <option value="none">None: connect directly</option>
          <option value="http">HTTP proxy (CONNECT)</option>
          <option value="socks5">SOCKS5 proxy</option>
          <option value="socks4">SOCKS4 proxy</option>
        </select>
      </div>
      {type !== 'none' && (
        <>
          <div className="field">
            <label htmlFor="proxy-host">Proxy host</label>
            <input
              id="proxy-host"
              value={host}
              onChange={(e) => setHost(e.target.value)}
              spellCheck={false}
              aria-invalid={mine?.field === 'proxy.host' || undefined}
            />
          </div>
          <div className="field">
            <label htmlFor="proxy-port">Proxy port</label>
            <input
              id="proxy-port"
              inputMode="numeric"
              value={port}
              onChange={(e) => setPort(e.target.value)}
              aria-invalid={mine?.field === 'proxy.port' || undefined}
            />
          </div>
          <div className="field">
            <label htmlFor="proxy-user">Proxy user (empty: none)</label>
            <input id="proxy-user" value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" spellCheck={false} />
          </div>
          {user.trim() !== '' && (
            <div className="field">
              <label htmlFor="proxy-password">Proxy password</label>
              <input
                id="proxy-password"
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-describedby="proxy-password-hint"
              />
              <p className="field-hint" id="proxy-password-hint">
                Kept in Burrow&apos;s secret store when you save (empty: keep the one kept); a service may be given it as BURROW_SECRET_PROXY_DEFAULT.
              </p>
            </div>
          )}
          <div className="field">
            <label htmlFor="proxy-exclude">Reach these directly</label>
            <input
              id="proxy-exclude"
              value={exclude}
              onChange={(e) => setExclude(e.target.value)}
              spellCheck={false}
              placeholder="*.corp.example, 10.*"
              aria-describedby="proxy-exclude-hint"
              aria-invalid={mine?.field === 'proxy.exclude' || undefined}
            />
            <p className="field-hint" id="proxy-exclude-hint">
              Host names or patterns, separated by commas: a tunnel whose server (or first jump host) matches one does not use the proxy.
            </p>
          </div>
        </>
      )}
      <ErrorNote error={mine} />
      <div className="form-actions">
        <button type="button" className="button" onClick={save}>
          Save proxy
        </button>
      </div>
    </fieldset>
  );
}
