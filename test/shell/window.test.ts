/**
 * The window's security, as the code really passes it to Electron: the BrowserWindow options, the
 * navigation and new-window handlers, permissions, the app: origin's files and headers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import { createWindow, type WindowLike } from '../../main/shell/window.js';
import { APP_HEADERS, APP_URL, appFile, externalUrl, isOwnUrl } from '../../main/shell/window-policy.js';

type Handler = (...args: unknown[]) => unknown;

/** Records what createWindow does to a BrowserWindow, as Electron's would receive it. */
class FakeWindow implements WindowLike {
  static made: FakeWindow[] = [];
  readonly handlers = new Map<string, Handler>();
  openHandler: Handler | undefined;
  permissionHandler: Handler | undefined;
  loaded: string[] = [];
  readonly webContents = {
    on: (event: string, listener: Handler) => {
      this.handlers.set(event, listener);
    },
    setWindowOpenHandler: (h: Handler) => {
      this.openHandler = h;
    },
    session: {
      setPermissionRequestHandler: (h: Handler) => {
        this.permissionHandler = h;
      },
    },
  } as unknown as WindowLike['webContents'];

  constructor(readonly options: Record<string, unknown>) {
    FakeWindow.made.push(this);
  }

  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
}

function open(): { win: FakeWindow; opened: string[] } {
  const opened: string[] = [];
  const win = createWindow(
    {
      BrowserWindow: FakeWindow,
      openExternal: async (u) => {
        opened.push(u);
      },
    },
    '/app/dist/preload/index.cjs',
    '/app/build/icon.png',
  );
  return { win, opened };
}

/** Fires a will-navigate style event; returns whether the handler prevented it. */
function prevented(win: FakeWindow, event: string, url: string): boolean {
  let stop = false;
  win.handlers.get(event)!(
    {
      preventDefault: () => {
        stop = true;
      },
    },
    url,
  );
  return stop;
}

test('the BrowserWindow gets an isolated, sandboxed page without Node, and loads only app://burrow', () => {
  const { win } = open();
  assert.deepEqual(win.options.webPreferences, {
    preload: '/app/dist/preload/index.cjs',
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    disableBlinkFeatures: 'Auxclick',
  });
  assert.equal(win.options.show, false, 'shown when ready, not as a white flash');
  assert.equal(win.options.icon, '/app/build/icon.png');
  assert.deepEqual(win.loaded, [APP_URL]);
  assert.equal(APP_URL, 'app://burrow/index.html');
});

test("navigation and redirects stay on Burrow's own pages", () => {
  const { win } = open();
  for (const event of ['will-navigate', 'will-redirect']) {
    assert.equal(prevented(win, event, 'app://burrow/index.html#/keys'), false);
    for (const url of ['https://evil.example/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'app://other/index.html', 'javascript:alert(1)', 'not a url']) {
      assert.equal(prevented(win, event, url), true, `${event} ${url}`);
    }
  }
  assert.equal(prevented(win, 'will-attach-webview', ''), true, 'no <webview> can be attached');
});

test('no new windows; https links go to the system browser, nothing else does', () => {
  const { win, opened } = open();
  const links: Array<[string, string | undefined]> = [
    [
      'https://fivetran.com/docs/connectors/databases/connection-options#sshtunnel',
      'https://fivetran.com/docs/connectors/databases/connection-options#sshtunnel',
    ],
    ['http://example.com/', undefined],
    ['file:///C:/Windows/System32/calc.exe', undefined],
    ['smb://attacker/share', undefined],
    ['javascript:alert(1)', undefined],
    ['https://user:pass@example.com/', undefined],
    ['app://burrow/index.html', undefined],
  ];
  for (const [url, external] of links) {
    opened.length = 0;
    assert.deepEqual(win.openHandler!({ url }), { action: 'deny' }, url);
    assert.deepEqual(opened, external ? [external] : [], url);
    assert.equal(externalUrl(url), external);
  }
});

test('the page gets no permission but writing to the clipboard', () => {
  const { win } = open();
  for (const [permission, granted] of [
    ['clipboard-sanitized-write', true],
    ['media', false],
    ['geolocation', false],
    ['notifications', false],
    ['openExternal', false],
    ['clipboard-read', false],
  ] as const) {
    let answer: boolean | undefined;
    win.permissionHandler!({}, permission, (g: boolean) => {
      answer = g;
    });
    assert.equal(answer, granted, permission);
  }
});

test("app:// serves only files inside the renderer folder, with the browser mode's CSP", () => {
  const root = path.resolve('/srv/burrow/dist/renderer');
  const f = (url: string): string | undefined => appFile(url, root, path.join, path.resolve, path.sep);
  assert.equal(f('app://burrow/'), path.join(root, 'index.html'));
  assert.equal(f('app://burrow/assets/index-abc.js'), path.join(root, 'assets', 'index-abc.js'));
  for (const url of [
    'app://burrow/../secret.txt',
    'app://burrow/%2e%2e/secret.txt',
    'app://burrow/assets/..%2f..%2fsecret',
    'app://burrow/%2e%2e%5csecret',
    'app://evil/index.html',
    'https://burrow/index.html',
  ]) {
    const got = f(url);
    assert.ok(got === undefined || got.startsWith(root + path.sep), `${url} → ${got}`);
  }
  // An encoded slash survives URL parsing and would climb out once decoded: refused.
  assert.equal(f('app://burrow/assets/..%2f..%2fsecret'), undefined);
  assert.equal(f('app://burrow/%2e%2e/secret.txt'), path.join(root, 'secret.txt'), 'dot segments are resolved by the URL parser, inside the root');
  assert.equal(f('app://evil/index.html'), undefined);
  assert.equal(APP_HEADERS['Content-Security-Policy'], CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /^default-src 'none'; script-src 'self';/);
  assert.equal(isOwnUrl('app://burrow/x'), true);
  assert.equal(isOwnUrl('app://burrow.evil/x'), false);
  assert.equal(isOwnUrl('app://burrow:8080/x'), false);
});

test('the page carries the same policy in a meta tag (defence in depth, should a header be lost), minus frame-ancestors, which only works as a header', () => {
  const html = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../renderer/index.html'), 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.equal(
    meta,
    CONTENT_SECURITY_POLICY.split('; ')
      .filter((d) => !d.startsWith('frame-ancestors'))
      .join('; '),
  );
});
