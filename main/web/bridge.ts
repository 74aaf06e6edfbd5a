/**
 * Browser mode's door (`burrow web`): serves the built renderer and carries the contract over a
 * WebSocket, on 127.0.0.1 only. It authenticates and transports; every request goes to the app
 * as it came, every event comes back as the app sent it.
 *
 * Who may talk to it. The address `burrow web` prints carries a one-time token in its fragment
 * (`#token=…`), which a browser never sends to a server, never puts in a Referer, and which the
 * page removes from the address bar at once. The page hands it to the bridge as the first frame of
 * its WebSocket (`hello`) and gets back a session credential of its own (`welcome`), kept in the
 * page's localStorage: storage is per origin, port included, so no page on another port of this
 * host ever sees it — unlike a cookie, which browsers send to every port of a host. The token
 * works once: the same address opened again is refused. The WebSocket must also ask for this very
 * host and port by a loopback name (a DNS-rebinding page asks for its own name) and come from this
 * origin. The page itself (HTML, scripts, styles) holds no data and is served to any loopback
 * request for this host and port; a key export is a one-time download whose random address only
 * the authenticated window is given.
 *
 * Nothing is held for a connection that has not authenticated: at most MAX_PENDING of them at a
 * time, each for at most PENDING_MS; every error path of a request or an upgrade ends its socket.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerMessage } from '../../common/api.js';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import { MAX_REQUEST_BYTES } from '../../common/limits.js';
import { parseClientMessage } from '../../common/wire.js';
import type { AppPort } from '../app/app.js';
import type { Exporter } from '../app/keys.js';
import { orderedSender } from '../app/wire-text.js';

/** Largest message a window may send: a picked file (a PuTTY export of 10,000 sessions) as base64, with room. */
const MAX_MESSAGE = MAX_REQUEST_BYTES;
/** How long a key export waits to be downloaded. */
const DOWNLOAD_MS = 5 * 60_000;
/** Connections that have not authenticated (page loads, upgrades before their hello), at most at once… */
const MAX_PENDING = 64;
/** …and for at most this long each. */
const PENDING_MS = 15_000;
/** How long a new WebSocket may take to say hello. */
const HELLO_MS = 10_000;
/** WebSocket close codes the page tells apart (4000–4999 are the application's). */
export const CLOSE_REFUSED = 4401;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
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

const newSecret = (): string => randomBytes(32).toString('base64url');

export interface WebBridgeOptions {
  /** The built renderer (index.html and assets/). */
  readonly staticDir: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Tests pass their own one-time token; otherwise 32 random bytes. */
  readonly token?: string;
}

export class WebBridge implements Exporter {
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly downloads = new Map<string, { readonly fileName: string; readonly data: Buffer; readonly timer: NodeJS.Timeout }>();
  /** One-time tokens not yet used. */
  private readonly tokens = new Set<string>();
  /** Tokens already traded for a session: a second use is refused as such. */
  private readonly usedTokens = new Set<string>();
  /** Session credentials given to windows (each `welcome`). */
  private readonly sessions = new Set<string>();
  /** Connections not authenticated yet, with the timer that ends them. */
  private readonly pending = new Map<net.Socket, NodeJS.Timeout>();
  private app: AppPort | undefined;
  private port = 0;
  private readonly firstToken: string;

  constructor(private readonly options: WebBridgeOptions) {
    this.firstToken = options.token ?? newSecret();
    this.tokens.add(this.firstToken);
    // A slow or idle client is dropped: headers within 10 s, a whole request within 15 s, an idle
    // keep-alive after 5 s, checked every second (Node's default check is every 30 s).
    this.server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
      void this.request(req, res);
    });
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 15_000;
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (sock: net.Socket) => this.admit(sock));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
    this.server.on('upgrade', (req: http.IncomingMessage, sock: net.Socket, head: Buffer) => {
      try {
        this.upgrade(req, sock, head);
      } catch {
        // A request target that does not parse, a socket gone meanwhile: nothing to answer, nothing to keep.
        sock.destroy();
      }
    });
  }

  /** Listens on 127.0.0.1 and carries `app`'s contract. */
  async listen(app: AppPort): Promise<void> {
    this.app = app;
    this.server.listen({ port: this.options.port ?? 0, host: '127.0.0.1' });
    await once(this.server, 'listening');
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** The address to open: it carries the first one-time token, in its fragment. */
  get url(): string {
    return this.link(this.firstToken);
  }

  /** A new one-time address (another browser, `--open`'s redirect file). */
  newUrl(): string {
    const token = newSecret();
    this.tokens.add(token);
    return this.link(token);
  }

  get address(): { readonly host: string; readonly port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** How many connections have not authenticated (for tests of the limits). */
  get pendingConnections(): number {
    return this.pending.size;
  }

  /** A key export, offered as a one-time download at an address only the asking window is given (Exporter). */
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
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private link(token: string): string {
    return `http://127.0.0.1:${this.port}/#token=${token}`;
  }

  /** A new connection counts as pending until it authenticates: bounded in number and in time. */
  private admit(sock: net.Socket): void {
    sock.on('error', () => sock.destroy());
    if (this.pending.size >= MAX_PENDING) {
      sock.destroy();
      return;
    }
    const timer = setTimeout(() => sock.destroy(), PENDING_MS);
    timer.unref();
    this.pending.set(sock, timer);
    sock.once('close', () => this.settle(sock));
  }

  /** The socket authenticated, or went away: it no longer counts as pending. */
  private settle(sock: net.Socket): void {
    const timer = this.pending.get(sock);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.pending.delete(sock);
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

  private refuse(res: http.ServerResponse, status: 400 | 403 | 404 | 405, text: string): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close' });
    res.end(text + '\n');
  }

  private async request(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      await this.answer(req, res);
    } catch {
      // A target that does not decode (`/%`), a file that vanished: every request gets an answer.
      if (!res.headersSent) this.refuse(res, 400, 'Bad request.');
      else res.destroy();
    }
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.hostOk(req) || !this.originOk(req, false))
      return this.refuse(res, 403, 'Forbidden: Burrow answers only on 127.0.0.1 and localhost, to its own pages.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.refuse(res, 405, 'Method not allowed.');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    if (url.pathname.startsWith('/download/')) return this.download(url.pathname.slice('/download/'.length), res);
    await this.file(decodeURIComponent(url.pathname), res);
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
    const rel = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
    const root = path.resolve(this.options.staticDir);
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep) || rel.includes('\0')) return this.refuse(res, 404, 'Not found.');
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
    this.wss.handleUpgrade(req, sock, head, (ws) => this.greet(ws, sock));
  }

  /** A new WebSocket: it must say hello with a token or a session credential before anything else. */
  private greet(ws: WebSocket, sock: net.Socket): void {
    const timer = setTimeout(() => ws.close(CLOSE_REFUSED, 'no hello'), HELLO_MS);
    ws.on('error', () => ws.terminate());
    ws.once('close', () => clearTimeout(timer));
    ws.once('message', (data, isBinary) => {
      clearTimeout(timer);
      const msg = isBinary ? undefined : parseClientMessage(data.toString());
      if (msg?.type !== 'hello') {
        ws.close(1008, 'say hello first');
        return;
      }
      const session = this.welcome(msg);
      if (typeof session !== 'string') {
        ws.close(CLOSE_REFUSED, session.why);
        return;
      }
      this.settle(sock);
      ws.send(JSON.stringify({ type: 'welcome', session } satisfies ServerMessage));
      this.carry(ws);
    });
  }

  /** The session credential for a hello, or why it is refused. */
  private welcome(msg: { token?: string; session?: string }): string | { why: 'used' | 'unknown' } {
    if (msg.session !== undefined) {
      for (const s of this.sessions) if (sameSecret(s, msg.session)) return s;
    }
    if (msg.token !== undefined) {
      for (const t of this.tokens) {
        if (!sameSecret(t, msg.token)) continue;
        this.tokens.delete(t);
        this.usedTokens.add(t);
        const session = newSecret();
        this.sessions.add(session);
        return session;
      }
      for (const t of this.usedTokens) if (sameSecret(t, msg.token)) return { why: 'used' };
    }
    return { why: 'unknown' };
  }

  /** One window: its calls go to the app, the app's events come back to it. */
  private carry(ws: WebSocket): void {
    const app = this.app!;
    const send = orderedSender((text) => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    });
    const detach = app.attach((name, payload) => send({ type: 'event', name, payload }));
    ws.on('close', detach);
    ws.on('message', (data, isBinary) => {
      const msg = isBinary ? undefined : parseClientMessage(data.toString());
      if (msg?.type !== 'call') {
        // Not a message of the contract: nothing to answer, and nothing to keep talking to.
        ws.close(1008, 'not a Burrow message');
        return;
      }
      const seq = msg.seq;
      void app
        .dispatch(msg.name, msg.args)
        .then((r) => send(r.ok ? { type: 'reply', seq, ok: true, value: r.value } : { type: 'reply', seq, ok: false, error: r.error }));
    });
  }
}
