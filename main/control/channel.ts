/**
 * The control channel: how the Burrow that runs the tunnels (a service, `burrow run`, the app,
 * `burrow web`) is seen and steered by the others (`burrow status|start|stop|logs|reload`, the
 * window of an app started later). It carries the app contract unchanged, one JSON message per
 * line — the same messages as the web bridge (common/api.ts, checked by common/wire.ts) — over a
 * Unix socket (a named pipe on Windows).
 *
 * Who may connect, and whom a client talks to. The socket lives in `control/` in the config
 * folder: a folder Burrow makes itself, mode 0700, and checks — owned by this user, not a
 * symlink, mode 0700 — before it listens, before a client connects, and on every connection it
 * accepts. Another user who made that folder first (in a config folder they can write), or put
 * their own socket in its place, is refused and named; nothing is sent to them.
 *
 * On Linux the folder is opened once (O_DIRECTORY|O_NOFOLLOW), checked through that descriptor,
 * and the socket is bound and connected through `/proc/self/fd/N/burrow.sock`: the folder checked
 * is the folder used (no window to swap it between the check and the connect), and a config
 * folder of any depth works although socket paths are limited to ~104 bytes (sun_path). Elsewhere
 * a path too long for sun_path moves to a private folder under the user's temp folder (on macOS a
 * per-user folder already), checked the same way.
 *
 * Windows: Node cannot give a named pipe an ACL, and a pipe's default security lets another user
 * open it for reading and create one of the same name first. So the pipe's name carries a random
 * secret kept in the config folder (`control/pipe-name`): a user who cannot read that folder
 * cannot find or squat the pipe. (Not run on this project's machines: there is no Windows here.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ClientMessage } from '../../common/api.js';
import type { AppError, EventName, Events, RequestArgs, RequestName } from '../../common/contract.js';
import { MAX_REQUEST_BYTES } from '../../common/limits.js';
import { parseClientMessage, parseServerMessage } from '../../common/wire.js';
import type { AppPort, AttachOptions, CallResult } from '../app/app.js';
import { orderedSender } from '../app/wire-text.js';
import { ConfigError } from '../../common/config-schema.js';

/**
 * A request line longer than this is not a Burrow message: the connection is closed. Requests
 * carry at most a picked file (common/limits.ts).
 */
export const MAX_REQUEST_LINE = MAX_REQUEST_BYTES;
/** Replies may be large (the status of 10,000 sessions is several MiB): a client reads up to this. */
export const MAX_REPLY_LINE = 1024 * 1024 * 1024;

/** Where a config folder's control channel is. */
export type ControlEndpoint =
  | {
      readonly kind: 'unix';
      /** The private folder the socket lives in. */
      readonly folder: string;
      /** The socket's path, as people see it. */
      readonly file: string;
      /** The config folder it belongs to (its owner is whom root talks to). */
      readonly configFolder: string;
    }
  | { readonly kind: 'pipe'; readonly folder: string; readonly file: string; readonly configFolder: string };

const SOCKET = 'burrow.sock';

/** The control channel of a config folder. */
export function controlPath(configFolder: string, platform: NodeJS.Platform = process.platform): ControlEndpoint {
  const config = path.resolve(configFolder);
  const folder = path.join(config, 'control');
  if (platform === 'win32') return { kind: 'pipe', folder, file: `${folder}\\pipe-name`, configFolder: config };
  const inFolder = path.join(folder, SOCKET);
  if (platform === 'linux' || Buffer.byteLength(inFolder) <= 100) return { kind: 'unix', folder, file: inFolder, configFolder: config };
  const tag = createHash('sha256').update(config).digest('hex').slice(0, 16);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const short = path.join(os.tmpdir(), `burrow-${uid}-${tag}`);
  return { kind: 'unix', folder: short, file: path.join(short, SOCKET), configFolder: config };
}

/** The control folder is not this user's own private folder: Burrow will not listen or talk there. */
export class ControlFolderError extends ConfigError {
  constructor(folder: string, problem: string, fix: string) {
    super(folder, problem, fix);
    this.name = 'ControlFolderError';
  }
}

/** A local account's name, for messages ("mallory (uid 1001)"). */
function accountName(uid: number): string {
  try {
    if (uid === process.getuid?.()) return `${os.userInfo().username} (uid ${uid})`;
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    return line ? `${line.split(':')[0]} (uid ${uid})` : `uid ${uid}`;
  } catch {
    return `uid ${uid}`;
  }
}

/**
 * Whose the control folder must be: this user's. Root may also talk to (not listen for) the
 * Burrow of a config folder another user owns, as `sudo burrow status --config ~alice/…` asks to.
 */
function expectedOwners(e: ControlEndpoint, listening: boolean): number[] {
  const me = process.getuid?.() ?? 0;
  if (me !== 0 || listening) return [me];
  try {
    return [0, statSync(e.configFolder).uid];
  } catch {
    return [0];
  }
}

/**
 * Opens the control folder and checks it is private and whose it should be. Returns its
 * descriptor (to reach the socket through), or undefined when it does not exist and `create` is
 * false (no Burrow has run here).
 */
function openFolder(e: ControlEndpoint, create: boolean): number | undefined {
  if (create) {
    mkdirSync(path.dirname(e.folder), { recursive: true, mode: 0o700 });
    try {
      mkdirSync(e.folder, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  let fd: number;
  try {
    fd = openSync(e.folder, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !create) return undefined;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      throw new ControlFolderError(
        e.folder,
        "is a symbolic link or not a folder, so it may be another user's",
        'Remove it; Burrow makes its own control folder, private to you.',
      );
    }
    throw err;
  }
  try {
    checkFolder(e, fd, create);
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The check made before listening, before connecting, and on every connection accepted. */
function checkFolder(e: ControlEndpoint, fd: number, listening: boolean): void {
  const st = fstatSync(fd);
  const owners = expectedOwners(e, listening);
  if (!owners.includes(st.uid)) {
    throw new ControlFolderError(
      e.folder,
      `belongs to ${accountName(st.uid)}, not to ${accountName(owners.at(-1)!)}: another user made it, and may be posing as Burrow`,
      'Burrow will not listen or talk there. Remove that folder (it may take root), or keep your config in a folder only you can write.',
    );
  }
  if ((st.mode & 0o777) !== 0o700) {
    throw new ControlFolderError(
      e.folder,
      `has mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}, not 700: another user may have put a socket there`,
      `Remove the folder (Burrow makes it again, private), or run \`chmod 700 ${e.folder}\` if you changed it yourself.`,
    );
  }
}

/** The path to bind or connect: through the folder's descriptor on Linux (see the file's comment). */
function socketPath(e: ControlEndpoint, fd: number): string {
  return process.platform === 'linux' && existsSync('/proc/self/fd') ? `/proc/self/fd/${fd}/${SOCKET}` : e.file;
}

/** The pipe of a config folder on Windows: its name carries the secret in `control/pipe-name`. */
function pipeName(e: ControlEndpoint, create: boolean): string | undefined {
  const secretFile = path.join(e.folder, 'pipe-name');
  let secret: string;
  try {
    secret = readFileSync(secretFile, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !create) return undefined;
    mkdirSync(e.folder, { recursive: true });
    try {
      writeFileSync(secretFile, randomBytes(24).toString('hex'), { flag: 'wx', mode: 0o600 });
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code !== 'EEXIST') throw e2;
    }
    secret = readFileSync(secretFile, 'utf8').trim();
  }
  if (!/^[0-9a-f]{48}$/.test(secret)) throw new ControlFolderError(secretFile, 'is not a pipe name Burrow wrote', 'Remove it; Burrow writes a new one.');
  return `\\\\.\\pipe\\burrow-${secret}`;
}

/**
 * Splits a stream into lines of JSON. A line longer than `maxLine` ends the connection; the
 * search for the end of a line looks at each chunk once, so a long line costs its length, not
 * its length squared.
 */
function readLines(sock: net.Socket, maxLine: number, onLine: (text: string) => void): void {
  let parts: Buffer[] = [];
  let size = 0;
  sock.on('data', (chunk: Buffer) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      const line = size === 0 ? piece : Buffer.concat([...parts, piece]);
      parts = [];
      size = 0;
      start = nl + 1;
      if (line.length > maxLine) {
        sock.destroy();
        return;
      }
      const text = line.toString('utf8');
      if (text.trim() !== '') onLine(text);
      if (sock.destroyed) return;
    }
    if (start < chunk.length) {
      parts.push(chunk.subarray(start));
      size += chunk.length - start;
      if (size > maxLine) sock.destroy();
    }
  });
}

/** Serves an app on the control channel: each connection is one more door attached to it. */
export class ControlServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private fd: number | undefined;

  private constructor(
    readonly endpoint: ControlEndpoint,
    private readonly app: AppPort,
    private readonly onRefused?: (why: string) => void,
  ) {
    this.server = net.createServer((sock) => this.carry(sock));
  }

  /**
   * Listens on the config folder's channel, or returns undefined when a live Burrow already does.
   * A socket left by a Burrow that crashed (nobody answers on it) is removed and taken. Throws
   * ControlFolderError when the control folder is not this user's own.
   */
  static async listen(endpoint: ControlEndpoint, app: AppPort, onRefused?: (why: string) => void): Promise<ControlServer | undefined> {
    const server = new ControlServer(endpoint, app, onRefused);
    let target: string;
    if (endpoint.kind === 'pipe') {
      target = pipeName(endpoint, true)!;
    } else {
      server.fd = openFolder(endpoint, true)!;
      target = socketPath(endpoint, server.fd);
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await server.bind(target);
          return server;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
          if (await ControlClient.answers(endpoint)) {
            server.release();
            return undefined;
          }
          // Nobody answers: a stale socket file. (On Windows a pipe disappears with its process.)
          try {
            unlinkSync(target);
          } catch {
            /* another Burrow removed it first */
          }
        }
      }
      if (await ControlClient.answers(endpoint)) {
        server.release();
        return undefined;
      }
      throw new Error(`cannot listen on ${endpoint.file}`);
    } catch (err) {
      server.release();
      throw err;
    }
  }

  private bind(target: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      // The socket is created with the umask's mode: make it 0600 from the start, not after.
      // (listen() creates it before returning, so the umask is back at once.)
      const oldMask = process.platform === 'win32' ? undefined : process.umask(0o177);
      this.server.listen(target, () => {
        this.server.off('error', onError);
        resolve();
      });
      if (oldMask !== undefined) process.umask(oldMask);
    });
  }

  private release(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private carry(sock: net.Socket): void {
    if (this.fd !== undefined) {
      try {
        checkFolder(this.endpoint, this.fd, true);
      } catch (err) {
        this.onRefused?.(`a connection to the control channel was refused: ${(err as Error).message}`);
        sock.destroy();
        return;
      }
    }
    this.sockets.add(sock);
    const send = orderedSender((text) => {
      if (!sock.destroyed && sock.writable) sock.write(`${text}\n`);
    });
    let detach: (() => void) | undefined;
    sock.on('close', () => {
      detach?.();
      this.sockets.delete(sock);
    });
    sock.on('error', () => sock.destroy());
    readLines(sock, MAX_REQUEST_LINE, (text) => {
      const msg = parseClientMessage(text);
      if (msg?.type === 'attach') {
        // Events only for clients that ask: `burrow status` wants an answer, not a stream.
        detach ??= this.app.attach((name, payload) => send({ type: 'event', name, payload }), { answers: msg.answers });
        return;
      }
      if (msg?.type !== 'call') {
        // Not a message of the contract (or a browser's hello): nothing to answer, nobody to keep talking to.
        sock.destroy();
        return;
      }
      const seq = msg.seq;
      void this.app
        .dispatch(msg.name, msg.args)
        .then((r) => send(r.ok ? { type: 'reply', seq, ok: true, value: r.value } : { type: 'reply', seq, ok: false, error: r.error }));
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    // net.Server removes its Unix socket file on close (through the folder's descriptor, still
    // open); a crash leaves it (listen() takes it over).
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.release();
  }
}

/** A door's view of the Burrow that runs the tunnels, over its control channel. */
export class ControlClient implements AppPort {
  private seq = 0;
  private readonly pending = new Map<number, (r: { ok: true; value: unknown } | { ok: false; error: AppError }) => void>();
  private readonly listeners = new Set<<E extends EventName>(name: E, payload: Events[E]) => void>();
  private readonly closedListeners = new Set<() => void>();
  private attached = false;
  private closed = false;

  private constructor(private readonly sock: net.Socket) {
    readLines(sock, MAX_REPLY_LINE, (text) => {
      const m = parseServerMessage(text);
      if (m?.type === 'reply') {
        const done = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        done?.(m.ok ? { ok: true, value: m.value } : { ok: false, error: m.error });
      } else if (m?.type === 'event') {
        for (const l of this.listeners) (l as (n: EventName, p: unknown) => void)(m.name, m.payload);
      } else {
        sock.destroy();
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.closed = true;
      for (const done of this.pending.values())
        done({
          ok: false,
          error: {
            code: 'INTERNAL_ERROR',
            message: 'The running Burrow went away before it answered',
            hint: 'See whether it still runs with `burrow status`.',
          },
        });
      this.pending.clear();
      for (const l of this.closedListeners) l();
    });
  }

  /**
   * Connects to the Burrow of `endpoint`, or resolves undefined when none answers there. Throws
   * ControlFolderError, before anything is sent, when the control folder is not this user's.
   */
  static connect(endpoint: ControlEndpoint, timeoutMs = 2000): Promise<ControlClient | undefined> {
    let target: string | undefined;
    let fd: number | undefined;
    try {
      if (endpoint.kind === 'pipe') {
        target = pipeName(endpoint, false);
      } else {
        fd = openFolder(endpoint, false);
        if (fd !== undefined) target = socketPath(endpoint, fd);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (target === undefined) return Promise.resolve(undefined);
    const release = (): void => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    };
    return new Promise((resolve) => {
      const sock = net.connect(target);
      const timer = setTimeout(() => {
        release();
        sock.destroy();
        resolve(undefined);
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        release();
        resolve(new ControlClient(sock));
      });
      sock.once('error', () => {
        clearTimeout(timer);
        release();
        resolve(undefined);
      });
    });
  }

  /** Whether a live Burrow answers at `endpoint`. */
  static async answers(endpoint: ControlEndpoint): Promise<boolean> {
    const c = await ControlClient.connect(endpoint);
    c?.close();
    return c !== undefined;
  }

  /**
   * A request to the running Burrow. Its reply is taken as the contract types it: it comes from
   * the app of a Burrow of this user (the control folder's owner, checked before connecting).
   */
  call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<CallResult<K>> {
    return this.dispatch(name, args) as Promise<CallResult<K>>;
  }

  dispatch(name: string, args: unknown): Promise<CallResult> {
    if (this.closed)
      return Promise.resolve({
        ok: false,
        error: { code: 'INTERNAL_ERROR', message: 'The running Burrow went away', hint: 'See whether it still runs with `burrow status`.' },
      });
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve as (r: { ok: true; value: unknown } | { ok: false; error: AppError }) => void);
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
    return () => {
      this.listeners.delete(listener);
    };
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
