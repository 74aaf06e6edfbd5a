/**
 * The browser mode's door lets in only its own pages: a one-time token handed over in the
 * WebSocket's first frame (then a session credential of the page's own), a loopback Host of this
 * port, and this origin. A bad request or message gets an answer or a close, never a hang.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WebSocket } from 'ws';
import { BurrowApp } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { CLOSE_REFUSED, WebBridge } from '../../main/web/bridge.js';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import { tempDir } from '../core/config/fixtures.js';
import { waitFor } from '../helpers/net.js';

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes and resolves with everything the server answered before it closed (or '' after `ms`). */
function raw(port: number, bytes: string, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(`${got}<hung>`);
    }, ms);
    s.on('data', (d) => {
      got += d.toString();
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.on('error', () => undefined);
    s.write(bytes);
  });
}

/** Tries a WebSocket upgrade; resolves with "open" or the HTTP status it was refused with. */
function upgrade(port: number, headers: Record<string, string>, pathname = '/bridge'): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${pathname}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
}

/** A WebSocket that said hello: its first answer (welcome, or the close code and reason). */
async function hello(port: number, frame: object): Promise<{ ws: WebSocket; welcome?: string; closed?: [number, string] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/bridge`, { headers: { origin: `http://127.0.0.1:${port}` } });
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify(frame));
  return new Promise((resolve) => {
    ws.once('message', (d) => resolve({ ws, welcome: (JSON.parse(d.toString()) as { session: string }).session }));
    ws.once('close', (code, reason) => resolve({ ws, closed: [code, reason.toString()] }));
  });
}

describe('web bridge', () => {
  const token = 'test-token-0123456789';
  let bridge: WebBridge;
  let app: BurrowApp;
  let port: number;
  let session: string;

  before(async () => {
    const dir = tempDir();
    const site = path.join(dir, 'site');
    mkdirSync(path.join(site, 'assets'), { recursive: true });
    writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>Burrow</title>');
    writeFileSync(path.join(site, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'secret.txt'), 'outside the site');
    const store = ConfigStore.open(path.join(dir, 'cfg', 'config.json'));
    bridge = new WebBridge({ staticDir: site, token });
    app = new BurrowApp({ store, secrets: new FileSecretStore(path.join(dir, 'cfg', 'secrets')), mode: 'web', exporter: bridge });
    await app.start();
    await bridge.listen(app);
    port = bridge.address.port;
  });
  after(async () => {
    await app.close();
    await bridge.close();
  });

  test('it listens on 127.0.0.1 only; the address carries the token in its fragment, which no browser sends', () => {
    assert.equal(bridge.address.host, '127.0.0.1');
    assert.equal(bridge.url, `http://127.0.0.1:${port}/#token=${token}`);
  });

  test('the page itself holds no data and loads under the CSP; no cookie is ever set', async () => {
    const page = await get(port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Burrow<\/title>/);
    assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['set-cookie'], undefined);
  });

  test('the token works once: traded for a session in the first frame; the same token again is refused as used', async () => {
    const first = await hello(port, { type: 'hello', token });
    assert.ok(first.welcome, 'welcomed');
    session = first.welcome!;
    assert.notEqual(session, token, 'the session is a credential of its own');
    first.ws.close();
    const again = await hello(port, { type: 'hello', token });
    assert.deepEqual(again.closed, [CLOSE_REFUSED, 'used']);
    const wrong = await hello(port, { type: 'hello', token: 'not-the-token' });
    assert.deepEqual(wrong.closed, [CLOSE_REFUSED, 'unknown']);
    const none = await hello(port, { type: 'hello' });
    assert.deepEqual(none.closed, [CLOSE_REFUSED, 'unknown']);
    const back = await hello(port, { type: 'hello', session });
    assert.equal(back.welcome, session, 'the session opens the window again (a reload, another tab)');
    back.ws.close();
    const fresh = bridge.newUrl();
    const other = await hello(port, { type: 'hello', token: new URL(fresh).hash.slice('#token='.length) });
    assert.ok(other.welcome, 'a new address lets one more browser in');
    other.ws.close();
  });

  test('a call before the hello ends the connection', async () => {
    const r = await hello(port, { type: 'call', seq: 1, name: 'app:info', args: {} });
    assert.equal(r.closed?.[0], 1008);
  });

  test('a non-loopback Host (DNS rebinding) and a foreign Origin get 403', async () => {
    const cases: Array<Record<string, string>> = [
      { host: `evil.example:${port}` },
      { host: `127.0.0.1:${port + 1}` },
      { host: 'localhost' },
      { origin: 'http://evil.example' },
      { origin: `http://127.0.0.1:${port + 1}` },
    ];
    for (const h of cases) {
      const r = await get(port, '/', h);
      assert.equal(r.status, 403, JSON.stringify(h));
      assert.doesNotMatch(r.body, /<title>/);
    }
    const ok = await get(port, '/', { host: `localhost:${port}`, origin: `http://localhost:${port}` });
    assert.equal(ok.status, 200, 'localhost is the same machine');
  });

  test('only GET and HEAD; no file outside the built window; a target that does not decode gets 400', async () => {
    const post = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/', method: 'POST', headers: { host: `127.0.0.1:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.end();
    });
    assert.equal(post, 405);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/%00', '/nothing-here']) {
      const r = await get(port, p);
      assert.notEqual(r.status, 200, p);
      assert.doesNotMatch(r.body, /outside the site/, p);
    }
    assert.equal((await get(port, '/%')).status, 400);
    assert.match(await raw(port, `GET /% HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`), /^HTTP\/1\.1 400/);
  });

  test('the WebSocket needs this origin and a loopback Host; a target that does not parse ends the socket', async () => {
    const origin = `http://127.0.0.1:${port}`;
    assert.equal(await upgrade(port, { origin }), 'open');
    assert.equal(await upgrade(port, {}), '403', 'no origin');
    assert.equal(await upgrade(port, { origin: 'http://evil.example' }), '403', 'foreign origin');
    assert.equal(await upgrade(port, { origin, host: `rebound.example:${port}` }), '403', 'foreign host');
    assert.equal(await upgrade(port, { origin }, '/other'), '404');
    const bad = `GET http://[/bridge HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${origin}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
    assert.doesNotMatch(await raw(port, bad), /<hung>/, 'closed, not left open');
    await waitFor(() => bridge.pendingConnections === 0, 'every refused connection let go');
  });

  test('calls and replies travel as the contract says; a malformed call is refused with the field named', async () => {
    const { ws, welcome } = await hello(port, { type: 'hello', session });
    assert.ok(welcome);
    const replies = new Map<number, { ok: boolean; value?: unknown; error?: { code: string; field?: string; message: string } }>();
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type: string; seq: number };
      if (m.type === 'reply') replies.set(m.seq, m as never);
    });
    const call = async (seq: number, name: string, args: unknown) => {
      ws.send(JSON.stringify({ type: 'call', seq, name, args }));
      for (let i = 0; i < 100 && !replies.has(seq); i++) await new Promise((r) => setTimeout(r, 20));
      return replies.get(seq)!;
    };
    const info = await call(1, 'app:info', {});
    assert.equal(info.ok, true);
    assert.equal((info.value as { mode: string }).mode, 'web');
    const bad = await call(2, 'sessions:start', { id: 42 });
    assert.deepEqual([bad.ok, bad.error!.code, bad.error!.field], [false, 'INVALID_INPUT', 'id']);
    const unknown = await call(3, 'sessions:explode', {});
    assert.match(unknown.error!.message, /not a request Burrow knows/);
    const extra = await call(4, 'sessions:list', { sneaky: true });
    assert.equal(extra.error!.code, 'INVALID_INPUT');
    ws.send('not json');
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    assert.equal(code, 1008);
  });

  test('every message that is not a call gets a close, never a hang: null, arrays, numbers, strings, half a call', async () => {
    for (const frame of [
      'null',
      '[]',
      '42',
      '"call"',
      'true',
      '{}',
      '{"type":"call"}',
      '{"type":"call","seq":-1,"name":"app:info"}',
      '{"type":"call","seq":1,"name":7}',
    ]) {
      const { ws, welcome } = await hello(port, { type: 'hello', session });
      assert.ok(welcome);
      ws.send(frame);
      const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
      assert.equal(code, 1008, frame);
    }
  });

  test('a key export is a one-time download at an address only the window is given', async () => {
    const { downloadUrl } = await bridge.offer('vendor.ppk', Buffer.from('KEY BYTES'));
    assert.match(downloadUrl, /^\/download\/[0-9a-f-]{36}$/);
    const r = await get(port, downloadUrl);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'KEY BYTES');
    assert.match(String(r.headers['content-disposition']), /attachment; filename="vendor.ppk"/);
    assert.equal((await get(port, downloadUrl)).status, 404, 'taken once');
    assert.equal((await get(port, '/download/00000000-0000-4000-8000-000000000000')).status, 404, 'an address not given');
  });

  test("nothing answers on the machine's other addresses", async () => {
    const addrs = Object.values((await import('node:os')).networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal);
    for (const a of addrs) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, a!.address);
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      assert.equal(ok, false, `answered on ${a!.address}`);
    }
  });
});
