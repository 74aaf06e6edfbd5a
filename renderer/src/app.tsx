/** The window's frame: navigation, the screen of the current route, questions, and the theme. */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { BridgeClient, LinkState } from './api/bridge-client.js';
import { useBrowserNotices } from './notices.js';
import { useAppInfo, useQuestions, useSettings } from './api/hooks.js';
import { QuestionDialogs } from './screens/questions.js';
import { SessionsScreen } from './screens/sessions.js';
import { SessionDetail } from './screens/session-detail.js';
import { SessionEditor } from './screens/session-editor.js';
import { NewTunnel, PasteCommand, PresetSession } from './screens/new-tunnel.js';
import { DiagnoseScreen } from './screens/diagnose.js';
import { KeysScreen, KeyImport, KeyWizard } from './screens/keys.js';
import { SettingsScreen } from './screens/settings.js';
import { KnownHostsScreen } from './screens/known-hosts.js';
import { VendorKeysScreen } from './screens/vendor-keys.js';
import { navigate, useRoute } from './router.js';

function Screen({ route }: { route: string[] }) {
  const [first, second, third] = route;
  if (first === undefined || (first === 'sessions' && second === undefined)) return <SessionsScreen />;
  if (first === 'sessions' && second && third === 'edit') return <SessionEditor id={second} />;
  if (first === 'sessions' && second && third === 'test') return <DiagnoseScreen id={second} />;
  if (first === 'sessions' && second) return <SessionDetail id={second} />;
  if (first === 'new' && second === undefined) return <NewTunnel />;
  if (first === 'new' && second === 'preset' && third) return <PresetSession presetId={third} />;
  if (first === 'new' && second === 'paste') return <PasteCommand />;
  if (first === 'new' && second === 'blank') return <SessionEditor />;
  if (first === 'keys' && second === undefined) return <KeysScreen />;
  if (first === 'keys' && second === 'new') return <KeyWizard vendor={third} />;
  if (first === 'keys' && second === 'vendors') return <VendorKeysScreen />;
  if (first === 'keys' && second === 'import') return <KeyImport />;
  if (first === 'settings') return <SettingsScreen />;
  if (first === 'known-hosts') return <KnownHostsScreen />;
  return (
    <section className="screen">
      <h1>Not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <a href="#/">Back to the tunnels</a>
      </p>
    </section>
  );
}

const NAV: ReadonlyArray<[string, string]> = [
  ['#/', 'Tunnels'],
  ['#/keys', 'Keys'],
  ['#/known-hosts', 'Known hosts'],
  ['#/settings', 'Settings'],
];

function useLinkState(link: BridgeClient | undefined): LinkState {
  const [state, setState] = useState<LinkState>(link?.state ?? 'open');
  useEffect(() => link?.onState(setState), [link]);
  return state;
}

function LinkBanner({ state }: { state: LinkState }) {
  if (state !== 'lost') return null;
  return (
    <div className="banner banner-danger" role="alert">
      Burrow does not answer, so the buttons are off. If you stopped <code>burrow web</code> (Ctrl-C), run it again and open the address it prints; if it is
      only a moment's break, this window comes back by itself.
    </div>
  );
}

/** Browser mode, when Burrow did not let this browser in: nothing else is shown, only what to do. */
function Refused({ link }: { link: BridgeClient }) {
  return (
    <section className="screen">
      <h1>Burrow did not let this window in</h1>
      <div className="banner banner-danger" role="alert">
        {link.refusedWhy === 'used' ? (
          <>
            This address has been used already: each address <code>burrow web</code> prints lets one browser in, once. Run <code>burrow web</code> again for a
            new one.
          </>
        ) : (
          <>
            This window cannot reach Burrow: it was probably restarted. Open the new address <code>burrow web</code> printed.
          </>
        )}
      </div>
    </section>
  );
}

export function App({ link }: { link?: BridgeClient | undefined }) {
  const linkState = useLinkState(link);
  const route = useRoute();
  const questions = useQuestions();
  const [settings] = useSettings();
  const info = useAppInfo();
  useBrowserNotices(info, settings);
  useEffect(() => {
    const theme = settings?.theme ?? 'system';
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [settings?.theme]);
  useEffect(() => {
    document.title = 'Burrow';
  }, []);
  const path = route.join('/');
  const firstRoute = useRef(true);
  // A layout effect, so focus has moved before the new screen is painted: with a passive effect a
  // Tab pressed as soon as the screen shows could land first and then be undone (seen in CI).
  useLayoutEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    // A new screen: keyboard and screen-reader users go on from its top, not from the link they left.
    document.getElementById('main')?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [path]);
  const section = route[0] ?? '';
  const current = (href: string): boolean => (href === '#/' ? section === '' || section === 'sessions' || section === 'new' : href === `#/${section}`);
  return (
    <>
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="top" inert={linkState === 'lost'}>
        <a className="brand" href="#/" aria-label="Burrow, home">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path d="M2 20 Q12 2 22 20 Z" />
            <circle cx="12" cy="16" r="3" className="brand-hole" />
          </svg>
          Burrow
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={current(href) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="button button-primary" onClick={() => navigate('/new')}>
          New tunnel
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {link && linkState === 'refused' ? (
          <Refused link={link} />
        ) : (
          <>
            <LinkBanner state={linkState} />
            {info?.runBy ? (
              <p className="mode-note">
                Your tunnels run in {info.runBy.door} (pid {info.runBy.pid}): this window shows and steers them, and they keep running when you close it.
              </p>
            ) : (
              info?.mode === 'web' && (
                <p className="mode-note">
                  Browser mode: Burrow runs on this machine and keeps your tunnels up while <code>burrow web</code> runs.
                </p>
              )
            )}
            {/* Nothing here can be done while Burrow does not answer: the screen stays readable, its controls are out of reach. */}
            <div inert={linkState === 'lost'}>
              <Screen route={route} />
            </div>
          </>
        )}
      </main>
      <QuestionDialogs questions={questions} />
    </>
  );
}
