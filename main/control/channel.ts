/**
 * The control channel: how the Burrow that runs the tunnels (a service, `burrow run`, the app,
 * `burrow web`) is seen and steered by the others (`burrow status|start|stop|logs|reload`, the
 * window of an app started later). It carries the app contract unchanged, one JSON message per
 * line — the same messages as the web bridge (common/api.ts) — over a Unix socket in the config
 * folder (a named pipe on Windows).
 *
 * Who may connect: the socket sits in the config folder (0700) and is itself 0600, so only its
 * owner (and root) can open it. A Windows named pipe's default security gives write access only to
 * its creator, SYSTEM and administrators, so another user cannot open it for writing.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ClientMessage, ServerMessage } from '../../common/api.js';
import type { EventName, Events } from '../../common/contract.js';
import type { AppPort, AttachOptions, CallResult } from '../app/app.js';

/** A line longer than this is not a Burrow message: the connection is closed. */
const MAX_LINE = 4 * 1024 * 1024;

/**
 * Where the channel of a config folder lives. Unix socket paths are limited to ~104 bytes
 * (sun_path); a deeper folder gets a short path in a private folder under the temp directory,
 * named after the config folder.
 */
export function controlPath(configFolder: string, platform: NodeJS.Platform = process.platform): string {
  const folder = path.resolve(configFolder);
  const tag = createHash('sha256').update(folder).digest('hex').slice(0, 16);
  if (platform === 'win32') return `\\\\.\\pipe\\burrow-${tag}`;
  const inFolder = path.join(folder, 'burrow.sock');
  if (Buffer.byteLength(inFolder) <= 100) return inFolder;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return path.join(os.tmpdir(), `burrow-${uid}`, `${tag}.sock`);
}

/** Splits a stream into lines of JSON; a line that is not JSON, or too long, ends the connection. */
function readLines(sock: net.Socket, onMessage: (msg: unknown) => void): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() === '') continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        sock.destroy();
        return;
      }
      onMessage(msg);
    }
    if (buf.length > MAX_LINE) sock.destroy();
  });
}

/** Serves an app on the control channel: each connection is one more door attached to it. */
export class ControlServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(readonly path: string, private readonly app: AppPort) {
    this.server = net.createServer((sock) => this.carry(sock));
  }

  /**
   * Listens at `file`, or returns undefined when a live Burrow already does. A socket left by a
   * Burrow that crashed (nobody answers on it) is removed and taken.
   */
  static async listen(file: string, app: AppPort): Promise<ControlServer | undefined> {
    const server = new ControlServer(file, app);
    if (process.platform !== 'win32') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await server.bind();
        return server;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        if (await ControlClient.answers(file)) return undefined;
        // Nobody answers: a stale socket file. (On Windows a pipe disappears with its process.)
        try { unlinkSync(file); } catch { /* another Burrow removed it first */ }
      }
    }
    return (await ControlClient.answers(file)) ? undefined : Promise.reject(new Error(`cannot listen on ${file}`));
  }

  private bind(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      // The socket is created with the umask's mode: make it 0600 from the start, not after.
      // (listen() creates it before returning, so the umask is back at once.)
      const oldMask = process.platform === 'win32' ? undefined : process.umask(0o177);
      this.server.listen(this.path, () => {
        this.server.off('error', onError);
        if (process.platform !== 'win32') chmodSync(this.path, 0o600);
        resolve();
      });
      if (oldMask !== undefined) process.umask(oldMask);
    });
  }

  private carry(sock: net.Socket): void {
    this.sockets.add(sock);
    const send = (m: ServerMessage): void => { if (!sock.destroyed && sock.writable) sock.write(`${JSON.stringify(m)}\n`); };
    let detach: (() => void) | undefined;
    sock.on('close', () => {
      detach?.();
      this.sockets.delete(sock);
    });
    sock.on('error', () => sock.destroy());
    readLines(sock, (raw) => {
      const msg = raw as Partial<ClientMessage> & { type?: unknown };
      if (msg.type === 'attach') {
        // Events only for clients that ask: `burrow status` wants an answer, not a stream.
        detach ??= this.app.attach((name, payload) => send({ type: 'event', name, payload }), { answers: (raw as { answers?: unknown }).answers === true });
        return;
      }
      if (msg.type !== 'call' || typeof msg.seq !== 'number' || typeof msg.name !== 'string') {
        sock.destroy();
        return;
      }
      const seq = msg.seq;
      void this.app.call(msg.name, msg.args).then((r) => send(r.ok ? { type: 'reply', seq, ok: true, value: r.value } : { type: 'reply', seq, ok: false, error: r.error }));
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    // net.Server removes its Unix socket file on close; a crash leaves it (listen() takes it over).
  }
}

/** A door's view of the Burrow that runs the tunnels, over its control channel. */
export class ControlClient implements AppPort {
  private seq = 0;
  private readonly pending = new Map<number, (r: CallResult) => void>();
  private readonly listeners = new Set<<E extends EventName>(name: E, payload: Events[E]) => void>();
  private readonly closedListeners = new Set<() => void>();
  private attached = false;
  private closed = false;

  private constructor(private readonly sock: net.Socket) {
    readLines(sock, (raw) => {
      const m = raw as ServerMessage;
      if (m.type === 'reply') {
        const done = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        done?.(m.ok ? { ok: true, value: m.value } : { ok: false, error: m.error });
      } else if (m.type === 'event') {
        for (const l of this.listeners) (l as (n: EventName, p: unknown) => void)(m.name, m.payload);
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.closed = true;
      for (const done of this.pending.values()) done({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'The running Burrow went away before it answered', hint: 'See whether it still runs with `burrow status`.' } });
      this.pending.clear();
      for (const l of this.closedListeners) l();
    });
  }

  /** Connects to the Burrow at `file`, or resolves undefined when none answers there. */
  static connect(file: string, timeoutMs = 2000): Promise<ControlClient | undefined> {
    return new Promise((resolve) => {
      const sock = net.connect(file);
      const timer = setTimeout(() => { sock.destroy(); resolve(undefined); }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve(new ControlClient(sock));
      });
      sock.once('error', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }

  /** Whether a live Burrow answers at `file`. */
  static async answers(file: string): Promise<boolean> {
    const c = await ControlClient.connect(file);
    c?.close();
    return c !== undefined;
  }

  call(name: string, args: unknown): Promise<CallResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'The running Burrow went away', hint: 'See whether it still runs with `burrow status`.' } });
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.sock.write(`${JSON.stringify({ type: 'call', seq, name, args: args ?? {} } satisfies ClientMessage)}\n`);
    });
  }

  /** One attach per connection: its `answers` is the first listener's. */
  attach(listener: <E extends EventName>(name: E, payload: Events[E]) => void, opts: AttachOptions = {}): () => void {
    if (!this.attached && !this.closed) {
      this.attached = true;
      this.sock.write(`${JSON.stringify({ type: 'attach', answers: opts.answers ?? true } satisfies ClientMessage)}\n`);
    }
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Called once when the running Burrow goes away (it stopped, or crashed). */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closedListeners.add(listener);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.sock.destroy();
  }
}
