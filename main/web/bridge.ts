/**
 * Browser mode's door (`burrow web`): serves the built renderer and carries the contract over a
 * WebSocket, on 127.0.0.1 only. It authenticates and transports; every request goes to the app
 * as it came, every event comes back as the app sent it.
 *
 * Who may talk to it: a page that knows the random token (in the printed address; after the first
 * load an HttpOnly, SameSite=Strict cookie carries it, so it leaves the address bar), asks for this
 * very host and port by a loopback name (a DNS-rebinding page asks for its own name), and, for
 * the WebSocket and any request that names one, comes from this origin. Anything else gets 401 or
 * 403 and no data.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerMessage } from '../../common/contract.js';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import type { AppPort } from '../app/app.js';
import type { Exporter } from '../app/keys.js';

/** Largest message a window may send: a picked key or config file, as base64, with room. */
const MAX_MESSAGE = 2 * 1024 * 1024;
/** How long a key export waits to be downloaded. */
const DOWNLOAD_MS = 5 * 60_000;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.json': 'application/json',
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function sameSecret(a: string, b: string): boolean {
  // Hashing first makes both sides the same length, so the comparison takes the same time whatever was sent.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface WebBridgeOptions {
  /** The built renderer (index.html and assets/). */
  readonly staticDir: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Tests pass their own; otherwise 32 random bytes. */
  readonly token?: string;
}

export class WebBridge implements Exporter {
  readonly token: string;
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly downloads = new Map<string, { readonly fileName: string; readonly data: Buffer; readonly timer: NodeJS.Timeout }>();
  private app: AppPort | undefined;
  private port = 0;

  constructor(private readonly options: WebBridgeOptions) {
    this.token = options.token ?? randomBytes(32).toString('base64url');
    this.server = http.createServer((req, res) => { void this.request(req, res); });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
    this.server.on('upgrade', (req, sock, head) => this.upgrade(req, sock as net.Socket, head));
  }

  /** Listens on 127.0.0.1 and carries `app`'s contract. */
  async listen(app: AppPort): Promise<void> {
    this.app = app;
    this.server.listen(this.options.port ?? 0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** The address to open: it carries the token once. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  get address(): { readonly host: string; readonly port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** A key export, offered as a one-time download to this browser (Exporter). */
  async offer(fileName: string, data: Buffer): Promise<{ downloadUrl: string }> {
    const id = randomUUID();
    const timer = setTimeout(() => this.downloads.delete(id), DOWNLOAD_MS);
    timer.unref();
    this.downloads.set(id, { fileName, data, timer });
    return { downloadUrl: `/download/${id}` };
  }

  async close(): Promise<void> {
    for (const d of this.downloads.values()) clearTimeout(d.timer);
    this.downloads.clear();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private get cookieName(): string {
    // Cookies are per host, not per port: two Burrows on one machine must not share one.
    return `burrow_${this.port}`;
  }

  /** A loopback name for this very port: a page reached through another name (DNS rebinding) is refused. */
  private hostOk(req: http.IncomingMessage): boolean {
    const host = req.headers.host;
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  /** This origin, when the request names one (browsers name it for fetches and WebSockets, not for page loads). */
  private originOk(req: http.IncomingMessage, required: boolean): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return !required;
    return origin === `http://127.0.0.1:${this.port}` || origin === `http://localhost:${this.port}`;
  }

  private cookieOk(req: http.IncomingMessage): boolean {
    const value = cookieValue(req.headers.cookie, this.cookieName);
    return value !== undefined && sameSecret(value, this.token);
  }

  private refuse(res: http.ServerResponse, status: 401 | 403 | 404 | 405, text: string): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text + '\n');
  }

  private async request(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.hostOk(req) || !this.originOk(req, false)) return this.refuse(res, 403, 'Forbidden: Burrow answers only on 127.0.0.1 and localhost, to its own pages.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.refuse(res, 405, 'Method not allowed.');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    const given = url.searchParams.get('token');
    if (given !== null) {
      if (!sameSecret(given, this.token)) return this.refuse(res, 401, 'This address is not valid any more: open the one `burrow web` printed last.');
      // The token moves into a cookie and out of the address bar (and the history).
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname,
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (!this.cookieOk(req)) return this.refuse(res, 401, 'Open the address `burrow web` printed (it carries a token).');
    if (url.pathname.startsWith('/download/')) return this.download(url.pathname.slice('/download/'.length), res);
    await this.file(url.pathname, res);
  }

  private download(id: string, res: http.ServerResponse): void {
    const d = this.downloads.get(id);
    if (!d) return this.refuse(res, 404, 'That download has been taken or has expired: export the key again.');
    this.downloads.delete(id);
    clearTimeout(d.timer);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${d.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'Content-Length': d.data.length,
      'Cache-Control': 'no-store',
    });
    res.end(d.data);
  }

  private async file(pathname: string, res: http.ServerResponse): Promise<void> {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const root = path.resolve(this.options.staticDir);
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) return this.refuse(res, 404, 'Not found.');
    try {
      if (!(await stat(file)).isFile()) return this.refuse(res, 404, 'Not found.');
      const data = await readFile(file);
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        // Built assets carry a content hash in their names; the page itself must always be fresh.
        'Cache-Control': rel.startsWith('assets/') ? 'max-age=31536000, immutable' : 'no-store',
      });
      res.end(data);
    } catch {
      this.refuse(res, 404, 'Not found.');
    }
  }

  private upgrade(req: http.IncomingMessage, sock: net.Socket, head: Buffer): void {
    const deny = (status: string): void => {
      sock.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      sock.destroy();
    };
    if (!this.hostOk(req) || !this.originOk(req, true)) return deny('403 Forbidden');
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/bridge') return deny('404 Not Found');
    if (!this.cookieOk(req)) return deny('401 Unauthorized');
    this.wss.handleUpgrade(req, sock, head, (ws) => this.carry(ws));
  }

  /** One window: its calls go to the app, the app's events come back to it. */
  private carry(ws: WebSocket): void {
    const app = this.app!;
    const send = (m: ServerMessage): void => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m)); };
    const detach = app.attach((name, payload) => send({ type: 'event', name, payload }));
    ws.on('close', detach);
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      let msg: { type?: unknown; seq?: unknown; name?: unknown; args?: unknown };
      try {
        msg = isBinary ? {} : JSON.parse(data.toString()) as typeof msg;
      } catch {
        msg = {};
      }
      if (msg.type !== 'call' || typeof msg.seq !== 'number' || typeof msg.name !== 'string') {
        // Not a message of the contract: nothing to answer, and nothing to keep talking to.
        ws.close(1008, 'not a Burrow message');
        return;
      }
      const seq = msg.seq;
      void app.call(msg.name, msg.args).then((r) => send(r.ok ? { type: 'reply', seq, ok: true, value: r.value } : { type: 'reply', seq, ok: false, error: r.error }));
    });
  }
}
