/**
 * Live forwards: the sockets, listeners and counters behind a ForwardConfig. A forward lives as
 * long as its Session; `bind()` is called on every fresh SSH connection and `release()` when the
 * connection ends, so every `forwardIn` is re-issued after a reconnect.
 */
import net from 'node:net';
import { once } from 'node:events';
import type { Client, ClientChannel, TcpConnectionDetails } from 'ssh2';
import type { ForwardConfig } from '../../../common/config.js';
import type { ErrorInfo, ForwardReach, ForwardSnapshot, ForwardState, ReachAnswer } from '../../../common/session.js';
import { assertNever } from '../../../common/assert-never.js';
import { readSocksRequest } from './socks.js';
import { forwardSpec } from '../../../common/forward-spec.js';
import { connectBatching } from './batching-socket.js';
import type { SshSocket } from './route-socket.js';

/** How long we wait for a local target to accept before refusing the forwarded connection. */
const TARGET_CONNECT_TIMEOUT_MS = 10_000;

/** How long a check of a remote forward from the server's side waits for its connection to come back. */
const REACH_CHECK_MS = 3_000;

/**
 * How long a connection that arrives while such a check runs is held, unread by the target, to
 * see whether it is the check's own (it ends at once, having sent nothing): at its first byte, or
 * after this long with none (a protocol where the server speaks first), it goes on as any other.
 */
const REACH_HOLD_MS = 1_000;

/**
 * The addresses a vendor may be told for a remote forward's bind address, to check from the
 * server: `localhost` is both loopbacks (sshd binds each it can, and one may be taken by another
 * program while the other is ours); every interface is checked through 127.0.0.1.
 */
export function reachAddresses(requestAddress: string): string[] {
  if (requestAddress === 'localhost') return ['127.0.0.1', '::1'];
  if (requestAddress === '' || requestAddress === '0.0.0.0') return ['127.0.0.1'];
  if (requestAddress === '::') return ['::1'];
  return [requestAddress];
}

export { forwardSpec } from '../../../common/forward-spec.js';

/**
 * The bind address sent in a `tcpip-forward` request, as the OpenSSH client sends it: no address
 * means "localhost", `*` or empty means every interface (""), anything else is sent as given.
 * Whether the server honours a non-loopback address is its GatewayPorts setting.
 */
export function remoteBindAddress(f: { bindAddress?: string }): string {
  if (f.bindAddress === undefined) return 'localhost';
  if (f.bindAddress === '*' || f.bindAddress === '') return '';
  return f.bindAddress;
}

/**
 * The address a local listener binds: OpenSSH's default is the loopback; `*`/empty means all
 * interfaces. `localhost` is pinned to 127.0.0.1 because Node would pick just one of
 * 127.0.0.1 and ::1 and clients commonly try the other.
 */
export function localBindAddress(f: { bindAddress?: string }): string | undefined {
  if (f.bindAddress === undefined || f.bindAddress === 'localhost') return '127.0.0.1';
  if (f.bindAddress === '*' || f.bindAddress === '') return undefined;
  return f.bindAddress;
}

/** Byte and connection counters kept without touching the data path: sockets count their own bytes. */
class Counters {
  private closedIn = 0;
  private closedOut = 0;
  total = 0;
  failed = 0;
  private readonly live = new Map<net.Socket, boolean>();

  /**
   * Counts a connection's local socket. `towardTarget` says which way its reads go: for a remote
   * forward the local socket is the target, so what we write to it is "in"; for a local forward
   * it is the client, so what we read from it is "in".
   */
  track(sock: net.Socket, isTarget: boolean): void {
    this.total++;
    this.live.set(sock, isTarget);
    sock.once('close', () => {
      this.live.delete(sock);
      this.closedIn += isTarget ? sock.bytesWritten : sock.bytesRead;
      this.closedOut += isTarget ? sock.bytesRead : sock.bytesWritten;
    });
  }

  get open(): number {
    return this.live.size;
  }

  bytes(): { bytesIn: number; bytesOut: number } {
    let bytesIn = this.closedIn;
    let bytesOut = this.closedOut;
    for (const [s, isTarget] of this.live) {
      bytesIn += isTarget ? s.bytesWritten : s.bytesRead;
      bytesOut += isTarget ? s.bytesRead : s.bytesWritten;
    }
    return { bytesIn, bytesOut };
  }

  /** Every live socket, so a stop can end them. */
  sockets(): IterableIterator<net.Socket> {
    return this.live.keys();
  }
}

/** How long a side may linger half-open after the other side has closed. */
const LINGER_MS = 30_000;

/**
 * How long a channel that has finished both ways waits for the server's CHANNEL_CLOSE before
 * sending its own. OpenSSH's sshd sends it as soon as both EOFs are through, so this only matters
 * for a server that waits for the client to close first.
 */
export const SERVER_CLOSE_WAIT_MS = 1_000;

/**
 * Lets the server send CHANNEL_CLOSE first when a channel ends normally; returns the immediate
 * destroy for errors and timeouts.
 *
 * Why: ssh2 sends CHANNEL_CLOSE as soon as both directions have ended (Node's autoDestroy calls
 * the channel's destroy()), and sshd answers with its own CLOSE, which nothing answers. sshd keeps
 * Nagle on for a connection with no shell session (`ssh -N`), so the next small packet it sends,
 * typically the first bytes of the next forwarded connection, waits for our kernel's delayed ACK
 * of that last CLOSE: 40 ms per connection for a client that opens them one after another (a
 * connection pool, a health check). Letting sshd close first makes our CLOSE the answer, and our
 * answer carries the ACK. RFC 4254 §5.3 allows either side to close first.
 */
export function letServerCloseFirst(channel: ClientChannel): () => void {
  const destroyNow = channel.destroy.bind(channel);
  let waiting: NodeJS.Timeout | undefined;
  channel.once('close', () => clearTimeout(waiting));
  channel.destroy = ((err?: Error) => {
    if (err === undefined && channel.readableEnded && channel.writableFinished) {
      if (waiting === undefined) {
        waiting = setTimeout(() => destroyNow(), SERVER_CLOSE_WAIT_MS);
        waiting.unref();
      }
      return channel;
    }
    clearTimeout(waiting);
    return destroyNow(); // ssh2's destroy() takes no error: it ends the channel and sends CLOSE
  }) as ClientChannel['destroy'];
  return () => {
    clearTimeout(waiting);
    destroyNow();
  };
}

/** Destroys a side that was asked to end, if it has not closed by itself within LINGER_MS. */
function linger(side: net.Socket | ClientChannel, destroy: () => void): void {
  const t = setTimeout(destroy, LINGER_MS);
  t.unref();
  side.once('close', () => clearTimeout(t));
}

/**
 * Joins a local socket and an SSH channel both ways, half-close included (TCP FIN ↔ SSH EOF).
 * An error on either side ends both at once. A clean close of one side only *ends* the other, so
 * what is still queued for it (waiting for SSH window, or for a slow reader) is delivered first;
 * destroying it would drop that tail. If the other side then never closes, it is destroyed after
 * LINGER_MS, so nothing is left behind.
 */
function join(sock: net.Socket, channel: ClientChannel, { transient = false, ssh }: JoinOptions): void {
  sock.setNoDelay(true);
  const destroyChannel = letServerCloseFirst(channel);
  let sockClosed = false;
  let channelClosed = false;
  const fail = (): void => {
    sock.destroy();
    destroyChannel();
  };
  // A -D client can reset while its channel is being opened (its socket is read during the SOCKS
  // handshake, so the reset is seen): its 'close' has already fired and nothing below would ever
  // close the channel, which would hold the server's connection to the target open.
  if (sock.destroyed) {
    fail();
    return;
  }
  sock.on('error', fail);
  channel.on('error', fail);
  // Data both ways with backpressure: a side that cannot take more pauses the other until it
  // drains. (Not stream.pipe(): per connection it adds and removes ~20 listeners, which was a
  // measurable part of Burrow's CPU per forwarded connection in the 200-connection burst.)
  channel.on('data', (d: Buffer) => {
    if (!sockClosed && !sock.write(d)) channel.pause();
  });
  sock.on('drain', () => channel.resume());
  // What is read from the local socket is read only while it can leave (as OpenSSH's client reads
  // a socket only while its channel has window and its output buffer room): ssh2 itself writes
  // packets to the SSH socket without looking at its backlog, queues them during a key exchange
  // (mustWait), and keeps what the SSH window cannot take. Held data lives long enough for V8 to
  // move it to the old generation, and 32 streams' worth of it set off a full collection every
  // few dozen MiB (README, Benchmark).
  sock.on('data', (d: Buffer) => {
    if (channelClosed) return;
    if (!transient || takesAtOnce(channel, d.length)) {
      if (!channel.write(d)) sock.pause();
      else if (ssh && mustWait(ssh)) waitForRoom(ssh, sock);
      return;
    }
    // A transient read that ssh2 would keep until the server opens the window: a copy, and no
    // more reads until ssh2 has sent it.
    sock.pause();
    channel.write(Buffer.from(d), () => {
      if (!channelClosed) sock.resume();
    });
  });
  channel.on('drain', () => sock.resume());
  // Half-close: an EOF from one side becomes a FIN (or an SSH EOF) to the other.
  // (end() on a stream that has already ended builds an Error with a stack trace nobody reads:
  // the writableEnded checks keep that off every connection's path.)
  channel.once('end', () => {
    if (!sockClosed && !sock.writableEnded) sock.end();
  });
  sock.once('end', () => {
    if (!channelClosed && !channel.writableEnded) channel.end();
  });
  sock.once('close', () => {
    sockClosed = true;
    if (channelClosed) return;
    if (!channel.writableEnded) channel.end();
    linger(channel, destroyChannel);
  });
  channel.once('close', () => {
    channelClosed = true;
    if (sockClosed) return;
    // Nothing can reach the channel any more. Once what we still owe the socket is flushed, close
    // it, as OpenSSH does: a target still streaming to a client that left (a big query result)
    // must not be held open. A target that stops reading is destroyed after LINGER_MS.
    if (sock.writableFinished) {
      sock.destroy();
      return;
    }
    sock.once('finish', () => sock.destroy());
    if (!sock.writableEnded) sock.end();
    linger(sock, () => sock.destroy());
  });
  // Both may have been paused: a -L socket accepted with pauseOnConnect, a stream a SOCKS
  // handshake was read from.
  sock.resume();
  channel.resume();
}

interface JoinOptions {
  /** `sock` reads transiently (batching-socket.ts): a read must be copied if ssh2 would keep it. */
  readonly transient?: boolean;
  /** The SSH connection: reading `sock` waits while it cannot send at once (mustWait). */
  readonly ssh?: SshLink | undefined;
}

/** An SSH connection as the forwards write to it: ssh2's client and the socket under it. */
export interface SshLink {
  readonly client: Client;
  readonly sock: SshSocket;
}

/**
 * Whether what is read from local sockets must wait before it is handed to `ssh`'s client: its
 * socket's write backlog is over its mark, or a key exchange is under way.
 *
 * During a key exchange ssh2 keeps every packet it is given — channel data too — in a queue of its
 * own, and writes the whole queue to the socket the moment the exchange ends. Reading on meanwhile
 * filled that queue to the SSH windows' worth: 30–63 MiB at the end of an exchange with 32
 * streams and keys renewed every MiB (measured). Whatever Burrow sent next waited behind it,
 * window adjusts and keepalive probes included: the server, its windows used up, fell silent for
 * up to 640 ms at a time, and a link with short keepalives was declared dead mid-transfer, every
 * stream cut (test/core/session/keepalive.test.ts). OpenSSH's client makes no channel packets
 * while rekeying and keeps its output under 128 KiB (clientloop.c, channel_output_poll).
 * `_protocol._kexinit` is ssh2 1.17's own mark of an exchange in progress: set when it sends its
 * KEXINIT (an exchange either side began), cleared when the exchange completes, just before it
 * writes its queue and emits 'handshake'. Not public: test/core/session/rekey.test.ts checks it
 * directly ("ssh2 marks…").
 */
export function mustWait(ssh: SshLink): boolean {
  return ssh.sock.writableNeedDrain || (ssh.client as unknown as { _protocol?: { _kexinit?: unknown } })._protocol?._kexinit !== undefined;
}

/**
 * Local sockets paused until their SSH connection can send again, per connection: read again when
 * its socket drains or a key exchange ends (ssh2 has written its queue by then), with one listener
 * of each — but only once neither holds, since every socket read again adds a read to the backlog
 * (with a thousand connections waiting, a resume too early would add up to a thousand reads). When
 * one event comes while the other cause holds, that cause's own event follows: a socket over its
 * mark emits 'drain', an exchange ends with 'handshake' (or the connection ends).
 */
const waitingForRoom = new WeakMap<SshSocket, Set<net.Socket>>();

function waitForRoom(ssh: SshLink, sock: net.Socket): void {
  let waiting = waitingForRoom.get(ssh.sock);
  if (!waiting) {
    const set = new Set<net.Socket>();
    const resumeAll = (): void => {
      if (mustWait(ssh)) return;
      for (const w of set) if (!w.destroyed) w.resume();
      set.clear();
    };
    ssh.sock.on('drain', resumeAll);
    ssh.client.on('handshake', resumeAll);
    waitingForRoom.set(ssh.sock, (waiting = set));
  }
  sock.pause();
  waiting.add(sock);
}

/**
 * Whether ssh2 copies `n` bytes written to `channel` into SSH packets before `write()` returns,
 * keeping nothing: its Writable has nothing queued (so `_write` runs now) and the channel's SSH
 * window takes all of them (ssh2's `Channel._write` keeps what the window cannot take, and
 * `Protocol.channelData` copies the rest into the packet). `outgoing` is ssh2's own record of the
 * channel (1.17, pinned and patched); test/core/session/forwards.test.ts fills the window with a
 * slow vendor and checks every byte, which fails if this ever says yes wrongly.
 */
function takesAtOnce(channel: ClientChannel, n: number): boolean {
  const outgoing = (channel as ClientChannel & { outgoing?: { state?: string; window?: number } }).outgoing;
  return channel.writableLength === 0 && !channel.writableCorked && outgoing?.state === 'open' && (outgoing.window ?? 0) >= n;
}

/** Connects to a local target; resolves with the socket or rejects with the OS error. */
function connectTarget(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = connectBatching(host, port, { allowHalfOpen: true, transientReads: true });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(Object.assign(new Error(`connect to ${host}:${port} timed out`), { code: 'ETIMEDOUT' }));
    }, TARGET_CONNECT_TIMEOUT_MS);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeListener('error', onError);
      resolve(sock);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    sock.once('error', onError);
  });
}

/** A forward's log line: a warning unless said otherwise. */
export type ForwardLog = (message: string, level?: 'warn' | 'debug') => void;

/** The live side of one ForwardConfig. */
export abstract class LiveForward {
  state: ForwardState = 'pending';
  boundPort: number | undefined;
  lastError: ErrorInfo | undefined;
  /** What answers at this forward's addresses on the server, once checked (remote forwards). */
  reach: ReadonlyArray<ForwardReach> | undefined;
  protected readonly counters = new Counters();
  /**
   * Bumped by every bind and release: work that started under one binding (a target connect, a
   * SOCKS handshake) checks it before touching the SSH client, which may be gone by then.
   */
  protected binding = 0;

  constructor(
    readonly index: number,
    readonly config: ForwardConfig,
    protected readonly log: ForwardLog,
  ) {}

  /** The SSH connection while bound (reads from local sockets wait until it can send: mustWait). */
  protected ssh: SshLink | undefined;

  /** Opens the forward on a ready client; resolves with the port actually bound. */
  abstract bind(client: Client, ssh?: SshSocket): Promise<number>;

  /** Gives back what `bind` took (remote listener, local server); never throws. */
  abstract release(client: Client | undefined): Promise<void>;

  get spec(): string {
    return forwardSpec(this.config);
  }

  /**
   * Handling one connection is fire-and-forget: a throw in it (a bug, or a channel that vanished
   * under us) ends that connection only, counted and logged, never as an unhandled rejection.
   */
  protected contain(work: Promise<unknown>, what: string, cleanup: () => void): void {
    work.catch((err: unknown) => {
      this.counters.failed++;
      this.log(`${this.spec}: internal error while ${what}: ${err instanceof Error ? err.message : String(err)}`);
      try {
        cleanup();
      } catch {
        /* already gone */
      }
    });
  }

  /** Ends every connection of this forward (used when the session stops or its link dies). */
  closeConnections(): void {
    for (const s of this.counters.sockets()) s.destroy();
  }

  snapshot(): ForwardSnapshot {
    const { bytesIn, bytesOut } = this.counters.bytes();
    return {
      index: this.index,
      type: this.config.type,
      spec: this.spec,
      state: this.state,
      ...(this.boundPort !== undefined ? { boundPort: this.boundPort } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.reach ? { reach: this.reach } : {}),
      bytesIn,
      bytesOut,
      openConnections: this.counters.open,
      totalConnections: this.counters.total,
      failedConnections: this.counters.failed,
    };
  }
}

/** `-R [bind:]port:host:hostport`. */
export class RemoteForward extends LiveForward {
  /** The address sent to the server, and so the `destIP` it reports for incoming connections. */
  readonly requestAddress = remoteBindAddress(this.config);

  async bind(client: Client, ssh?: SshSocket): Promise<number> {
    const binding = ++this.binding;
    this.ssh = ssh && { client, sock: ssh };
    const port = await new Promise<number>((resolve, reject) => {
      client.forwardIn(this.requestAddress, this.config.bindPort, (err, p) => (err ? reject(err) : resolve(p)));
    });
    if (binding === this.binding) this.boundPort = port;
    return port;
  }

  async release(client: Client | undefined): Promise<void> {
    this.binding++;
    this.reach = undefined;
    // Connections held by a check in progress go with the connection, not on to the target.
    this.probe?.done('unknown', false);
    const port = this.boundPort;
    if (client && port !== undefined) {
      // Cancel the listener politely so the server frees the port now, not when it notices the
      // connection is gone (which for a dead link is its ClientAliveInterval later).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        try {
          client.unforwardIn(this.requestAddress, port, () => {
            clearTimeout(timer);
            resolve();
          });
        } catch {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    this.boundPort = undefined;
  }

  /** The check running now, if any: one address at a time, so the connection that comes back is its. */
  private probe:
    { readonly address: string; readonly done: (a: ReachAnswer, passOn?: boolean) => void; readonly held: Set<(passOn: boolean) => void> } | undefined;

  /**
   * Checks the forward from the server's side: for each address a vendor may be told, the server
   * is asked to connect there (a direct-tcpip channel, as `ssh -W` would) and the connection is
   * closed at once. If that empty connection comes back through this forward, the address is the
   * tunnel's; if the server connected but nothing came back, another program on the server holds
   * the address (and a vendor told it reaches that program); refused, nothing listens there.
   * Nothing reaches the target: the check's connection is recognised before a target is connected.
   */
  async checkReach(client: Client): Promise<ReadonlyArray<ForwardReach> | undefined> {
    const port = this.boundPort;
    const binding = this.binding;
    if (port === undefined) return undefined;
    const out: ForwardReach[] = [];
    for (const address of reachAddresses(this.requestAddress)) {
      const answer = await this.probeOne(client, address, port);
      if (binding !== this.binding) return undefined;
      out.push({ address, answer });
    }
    this.reach = out;
    return out;
  }

  private probeOne(client: Client, address: string, port: number): Promise<ReachAnswer> {
    return new Promise((resolve) => {
      let opened = false;
      const held = new Set<(passOn: boolean) => void>();
      const done = (answer: ReachAnswer, passOn = true): void => {
        if (this.probe !== probe) return;
        this.probe = undefined;
        clearTimeout(timer);
        // Connections held to see whether they were the check's go on now.
        for (const go of held) go(passOn);
        resolve(answer);
      };
      const probe = { address, done, held };
      this.probe = probe;
      const timer = setTimeout(() => done(opened ? 'other' : 'unknown'), REACH_CHECK_MS);
      try {
        client.forwardOut(address.includes(':') ? '::1' : '127.0.0.1', 0, address, port, (err, ch) => {
          if (err) {
            // CONNECT_FAILED (2): the server could not connect there, nothing listens. Anything
            // else (administratively prohibited: AllowTcpForwarding remote, PermitOpen): unknown.
            done((err as Error & { reason?: number }).reason === 2 ? 'none' : 'unknown');
            return;
          }
          opened = true;
          closePolitely(ch);
        });
      } catch {
        done('unknown');
      }
    });
  }

  /**
   * A connection that arrived while a check runs: accepted, and held until it sends its first
   * byte (a vendor's: it goes on to the target with that byte first), ends having sent nothing
   * (the check's own, when it comes from the checked address: counted as the check's answer and
   * dropped), or REACH_HOLD_MS pass (a vendor whose protocol waits for the server: it goes on).
   */
  private holdDuringCheck(
    probe: NonNullable<RemoteForward['probe']>,
    info: TcpConnectionDetails,
    accept: () => ClientChannel,
    then: (ch: ClientChannel) => void,
  ): void {
    const ch = accept();
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      probe.held.delete(go);
      ch.removeListener('data', onData);
      ch.removeListener('end', onEnd);
      return true;
    };
    const passOn = (): void => {
      this.log(`${this.spec}: a connection from ${info.srcIP}:${info.srcPort} came while the forward was checked from the server; passed on`, 'debug');
      then(ch);
    };
    const go = (pass = true): void => {
      if (!settle()) return;
      if (!pass) {
        ch.destroy();
        return;
      }
      ch.pause();
      passOn();
    };
    const onData = (d: Buffer): void => {
      if (!settle()) return;
      ch.pause();
      ch.unshift(d);
      passOn();
    };
    const onEnd = (): void => {
      if (!settle()) return;
      // Ended from the next turn: ended inside its own 'end', Node's stream would destroy it at
      // once on the way out of the event (before it counts as finished), and we would close first.
      setImmediate(() => closePolitely(ch));
      if (sameAddress(info.srcIP, probe.address)) probe.done('tunnel');
    };
    const timer = setTimeout(() => go(), REACH_HOLD_MS);
    probe.held.add(go);
    ch.on('data', onData);
    ch.once('end', onEnd);
    ch.on('error', () => undefined);
  }

  /**
   * An incoming connection on the server's listener. While a check runs it is held first (it may
   * be the check's own); then served.
   */
  handle(info: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void): void {
    if (this.probe)
      this.holdDuringCheck(this.probe, info, accept, (ch) =>
        this.serve(
          info,
          () => ch,
          () => ch.destroy(),
        ),
      );
    else this.serve(info, accept, reject);
  }

  /** Connects the target first, then opens the channel (`open`); a target that is down is refused. */
  protected serve(info: TcpConnectionDetails, open: () => ClientChannel, refuse: () => void): void {
    const { targetHost, targetPort } = this.config as Extract<ForwardConfig, { type: 'remote' }>;
    const binding = this.binding;
    let target: net.Socket | undefined;
    this.contain(
      connectTarget(targetHost, targetPort).then(
        (sock) => {
          target = sock;
          // The link may have dropped while the target was connecting: nobody is left to accept.
          if (binding !== this.binding) {
            sock.destroy();
            return;
          }
          this.counters.track(sock, true);
          join(sock, open(), { transient: true, ssh: this.ssh });
        },
        (err: NodeJS.ErrnoException) => {
          this.counters.failed++;
          this.log(
            `${this.spec}: connection from ${info.srcIP}:${info.srcPort} refused: ${targetHost}:${targetPort} is unreachable (${err.code ?? err.message})`,
          );
          refuse();
        },
      ),
      `accepting a connection from ${info.srcIP}:${info.srcPort}`,
      () => target?.destroy(),
    );
  }
}

/** `-R [bind:]port` with no destination: each incoming channel speaks SOCKS, resolved here. */
export class RemoteDynamicForward extends RemoteForward {
  protected override serve(info: TcpConnectionDetails, open: () => ClientChannel): void {
    const channel = open();
    channel.on('error', () => channel.destroy());
    const binding = this.binding;
    this.contain(
      readSocksRequest(channel).then(
        (req) =>
          connectTarget(req.host, req.port).then(
            (sock) => {
              if (binding !== this.binding) {
                sock.destroy();
                channel.destroy();
                return;
              }
              req.reply(true);
              this.counters.track(sock, true);
              join(sock, channel, { transient: true, ssh: this.ssh });
            },
            (err: NodeJS.ErrnoException) => {
              this.counters.failed++;
              this.log(`${this.spec}: SOCKS request from ${info.srcIP} for ${req.host}:${req.port} failed (${err.code ?? err.message})`);
              req.reply(false);
              channel.end();
            },
          ),
        (err: Error) => {
          this.counters.failed++;
          this.log(`${this.spec}: bad SOCKS request from ${info.srcIP}: ${err.message}`);
          channel.end();
        },
      ),
      `serving a SOCKS request from ${info.srcIP}`,
      () => channel.destroy(),
    );
  }
}

/** `-L` and `-D`: a local listener whose connections go out through the SSH server. */
abstract class LocalListenerForward extends LiveForward {
  private server: net.Server | undefined;

  async bind(client: Client, ssh?: SshSocket): Promise<number> {
    const binding = ++this.binding;
    this.ssh = ssh && { client, sock: ssh };
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => {
      if (binding !== this.binding) {
        sock.destroy();
        return;
      }
      this.onConnection(client, sock, binding);
    });
    // Held before 'listening', so a release in the meantime closes it too.
    this.server = server;
    server.listen({ port: this.config.bindPort, host: localBindAddress(this.config) });
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([e]) => {
        throw e;
      }),
    ]);
    this.boundPort = (server.address() as net.AddressInfo).port;
    return this.boundPort;
  }

  /**
   * Stops listening at once. Not waiting for server.close()'s callback is deliberate: Node calls
   * it only when every accepted connection has ended, and a database pool's never do by itself;
   * the session ends those connections right after.
   */
  async release(): Promise<void> {
    this.binding++;
    const server = this.server;
    this.server = undefined;
    this.boundPort = undefined;
    server?.close();
  }

  protected abstract onConnection(client: Client, sock: net.Socket, binding: number): void;

  /** Opens a direct-tcpip channel to host:port for `sock`, or ends `sock` when the server refuses. */
  protected open(client: Client, sock: net.Socket, host: string, port: number, binding: number, onResult?: (ok: boolean) => void): void {
    const refuse = (why: string): void => {
      onResult?.(false);
      this.counters.failed++;
      this.log(`${this.spec}: the server could not connect to ${host}:${port} (${why})`);
      sock.destroy();
    };
    // The link may have gone while a SOCKS handshake was under way; ssh2 throws when not connected.
    if (binding !== this.binding) {
      refuse('the SSH connection is gone');
      return;
    }
    try {
      this.forwardOut(client, sock, host, port, onResult, refuse);
    } catch (err) {
      refuse((err as Error).message);
    }
  }

  private forwardOut(
    client: Client,
    sock: net.Socket,
    host: string,
    port: number,
    onResult: ((ok: boolean) => void) | undefined,
    refuse: (why: string) => void,
  ): void {
    client.forwardOut(sock.remoteAddress ?? '127.0.0.1', sock.remotePort ?? 0, host, port, (err, channel) => {
      if (err) {
        refuse(err.message);
        return;
      }
      onResult?.(true);
      join(sock, channel, { ssh: this.ssh });
      sock.resume();
    });
  }
}

/** `-L [bind:]port:host:hostport`. */
export class LocalForward extends LocalListenerForward {
  protected onConnection(client: Client, sock: net.Socket, binding: number): void {
    const { targetHost, targetPort } = this.config as Extract<ForwardConfig, { type: 'local' }>;
    this.counters.track(sock, false);
    sock.on('error', () => sock.destroy());
    this.open(client, sock, targetHost, targetPort, binding);
  }
}

/** `-D [bind:]port`: a local SOCKS server whose connections go out through the SSH server. */
export class LocalDynamicForward extends LocalListenerForward {
  protected onConnection(client: Client, sock: net.Socket, binding: number): void {
    this.counters.track(sock, false);
    sock.on('error', () => sock.destroy());
    sock.resume();
    this.contain(
      readSocksRequest(sock).then(
        (req) => this.open(client, sock, req.host, req.port, binding, (ok) => req.reply(ok)),
        (err: Error) => {
          this.counters.failed++;
          this.log(`${this.spec}: bad SOCKS request from ${sock.remoteAddress}: ${err.message}`);
          sock.destroy();
        },
      ),
      `serving a SOCKS request from ${sock.remoteAddress}`,
      () => sock.destroy(),
    );
  }
}

/** The live forward for a config. */
export function createForward(index: number, config: ForwardConfig, log: ForwardLog): LiveForward {
  switch (config.type) {
    case 'remote':
      return new RemoteForward(index, config, log);
    case 'remote-dynamic':
      return new RemoteDynamicForward(index, config, log);
    case 'local':
      return new LocalForward(index, config, log);
    case 'local-dynamic':
      return new LocalDynamicForward(index, config, log);
    default:
      return assertNever(config);
  }
}

/** Whether an originator address the server reports is `address` (IPv4 may come mapped into IPv6). */
function sameAddress(reported: string, address: string): boolean {
  return reported === address || reported === `::ffff:${address}`;
}

/**
 * Ends a channel of the check from the server's side as any finished connection ends: our EOF, then
 * the server's CLOSE first and ours in answer (letServerCloseFirst), so the check leaves sshd's
 * connection as a vendor's connection would; whatever comes back is not read. A program that never
 * closes its side (the check reached another program) loses the channel after a while.
 */
function closePolitely(ch: ClientChannel): void {
  const destroyNow = letServerCloseFirst(ch);
  const t = setTimeout(destroyNow, REACH_CHECK_MS + SERVER_CLOSE_WAIT_MS);
  t.unref();
  ch.once('close', () => clearTimeout(t));
  ch.on('error', () => undefined);
  ch.resume();
  ch.end();
}
