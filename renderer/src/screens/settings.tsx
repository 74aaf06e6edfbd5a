/** Settings: launch at login, start at boot (the service), notifications, theme; and what this Burrow is and where it keeps things. */
import type { Settings } from '../../../common/contract.js';
import { useAction, useAppInfo, useSettings } from '../api/hooks.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Prose } from '../components/Prose.js';
import { StartAtBoot } from './start-at-boot.js';

export function SettingsScreen() {
  const [settings, setSettings] = useSettings();
  const info = useAppInfo();
  const save = useAction('settings:set');
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
      <ErrorNote error={save.error} />
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
        <fieldset>
          <legend>Notifications</legend>
          {info.mode === 'web' && <p className="field-hint">The desktop app shows these notifications; in browser mode they are kept for it.</p>}
          {(
            [
              ['down', 'When a tunnel goes down'],
              ['back', 'When it comes back'],
              ['needsPerson', 'When a tunnel needs you (a changed server key, a refused login)'],
            ] as const
          ).map(([k, label]) => (
            <label key={k} className="check">
              <input type="checkbox" checked={settings.notifications[k]} onChange={(e) => void change({ notifications: { [k]: e.target.checked } })} />
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
