/**
 * The browser mode's door lets in only its own pages: the token (then its cookie), a loopback Host
 * of this port, and this origin. Everything else gets 401 or 403 and no data.
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
import { WebBridge } from '../../main/web/bridge.js';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import { tempDir } from '../core/config/fixtures.js';

interface Got { status: number; headers: http.IncomingHttpHeaders; body: string }

function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Tries a WebSocket upgrade; resolves with "open" or the HTTP status it was refused with. */
function upgrade(port: number, headers: Record<string, string>, pathname = '/bridge'): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${pathname}`, { headers });
    ws.on('open', () => { ws.close(); resolve('open'); });
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
}

describe('web bridge', () => {
  const token = 'test-token-0123456789';
  let bridge: WebBridge;
  let app: BurrowApp;
  let port: number;
  let cookie: string;

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
    cookie = `burrow_${port}=${token}`;
  });
  after(async () => { await app.close(); await bridge.close(); });

  test('it listens on 127.0.0.1 only', () => {
    assert.equal(bridge.address.host, '127.0.0.1');
    assert.match(bridge.url, new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=`));
  });

  test('the token in the address becomes an HttpOnly, SameSite=Strict cookie and leaves the address bar', async () => {
    const r = await get(port, `/?token=${token}`);
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/');
    assert.equal(r.headers['set-cookie']![0], `burrow_${port}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    const page = await get(port, '/', { cookie });
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Burrow<\/title>/);
    assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['cache-control'], 'no-store');
  });

  test('a missing or wrong token, and a wrong cookie, get 401 and no page', async () => {
    for (const [p, h] of [['/', {}], ['/?token=wrong', {}], ['/', { cookie: `burrow_${port}=wrong` }], ['/assets/app.js', {}], ['/', { cookie: `burrow_1=${token}` }]] as const) {
      const r = await get(port, p, h);
      assert.equal(r.status, 401, `${p} ${JSON.stringify(h)}`);
      assert.doesNotMatch(r.body, /<title>|console/);
    }
  });

  test('a non-loopback Host (DNS rebinding) and a foreign Origin get 403, even with the right cookie', async () => {
    const cases: Array<Record<string, string>> = [{ host: `evil.example:${port}` }, { host: `127.0.0.1:${port + 1}` }, { host: 'localhost' }, { origin: 'http://evil.example' }, { origin: `http://127.0.0.1:${port + 1}` }];
    for (const h of cases) {
      const r = await get(port, '/', { cookie, ...h });
      assert.equal(r.status, 403, JSON.stringify(h));
      assert.doesNotMatch(r.body, /<title>/);
    }
    const ok = await get(port, '/', { cookie, host: `localhost:${port}`, origin: `http://localhost:${port}` });
    assert.equal(ok.status, 200, 'localhost is the same machine');
  });

  test('only GET and HEAD; no file outside the built window', async () => {
    const post = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/', method: 'POST', headers: { host: `127.0.0.1:${port}`, cookie } }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.end();
    });
    assert.equal(post, 405);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt']) {
      const r = await get(port, p, { cookie });
      assert.notEqual(r.status, 200, p);
      assert.doesNotMatch(r.body, /outside the site/, p);
    }
  });

  test('the WebSocket needs the cookie, this origin and a loopback Host', async () => {
    const origin = `http://127.0.0.1:${port}`;
    assert.equal(await upgrade(port, { cookie, origin }), 'open');
    assert.equal(await upgrade(port, { origin }), '401', 'no cookie');
    assert.equal(await upgrade(port, { cookie }), '403', 'no origin');
    assert.equal(await upgrade(port, { cookie, origin: 'http://evil.example' }), '403', 'foreign origin');
    assert.equal(await upgrade(port, { cookie, origin, host: `rebound.example:${port}` }), '403', 'foreign host');
    assert.equal(await upgrade(port, { cookie, origin }, '/other'), '404');
  });

  test('calls and replies travel as the contract says; a malformed call is refused with the field named', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/bridge`, { headers: { cookie, origin: `http://127.0.0.1:${port}` } });
    await new Promise((r) => ws.once('open', r));
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

  test('a key export is a one-time download for this browser only', async () => {
    const { downloadUrl } = await bridge.offer('vendor.ppk', Buffer.from('KEY BYTES'));
    assert.equal((await get(port, downloadUrl)).status, 401, 'not without the cookie');
    const r = await get(port, downloadUrl, { cookie });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'KEY BYTES');
    assert.match(String(r.headers['content-disposition']), /attachment; filename="vendor.ppk"/);
    assert.equal((await get(port, downloadUrl, { cookie })).status, 404, 'taken once');
  });

  test('nothing answers on the machine\'s other addresses', async () => {
    const addrs = Object.values((await import('node:os')).networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal);
    for (const a of addrs) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, a!.address);
        s.once('connect', () => { s.destroy(); resolve(true); });
        s.once('error', () => resolve(false));
      });
      assert.equal(ok, false, `answered on ${a!.address}`);
    }
  });
});
