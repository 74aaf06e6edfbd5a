/**
 * The SSH connection's stream when it is not a plain TCP socket: a tunnel through a proxy, a jump
 * host's channel, or a ProxyCommand's standard input and output.
 *
 * ssh2 is handed this stream at once, while the route is still being opened: like a net.Socket it
 * says `connecting` until the route is there, then emits 'connect', and ssh2 starts its handshake
 * only then. It counts bytes each way as a net.Socket does, because the rekey limit (rekey.ts)
 * reads `bytesRead` and `bytesWritten`. Destroying it closes the whole route (the proxy's socket,
 * every jump host's connection, the command), so a session's teardown needs to know nothing of it.
 */
import type net from 'node:net';
import { Duplex, type Readable, type Writable } from 'node:stream';

/** Same as the batching socket's: one turn's worth of SSH packets may queue before ssh2 is paused. */
const HIGH_WATER_MARK = 1024 * 1024;

export interface RouteEnds {
  readonly readable: Readable;
  readonly writable: Writable;
  /** Bytes read past the proxy's answer: the start of the SSH server's own data. */
  readonly leftover?: Buffer;
}

export class RouteSocket extends Duplex {
  connecting = true;
  bytesRead = 0;
  bytesWritten = 0;
  private ends: RouteEnds | undefined;
  private readonly closers: Array<() => void> = [];

  constructor() {
    super({ allowHalfOpen: false, writableHighWaterMark: HIGH_WATER_MARK, readableHighWaterMark: HIGH_WATER_MARK });
  }

  /** Something to close when this stream is destroyed (a hop's client, the proxy socket, a child). */
  onClose(close: () => void): void {
    if (this.destroyed) close();
    else this.closers.push(close);
  }

  /** The route is open: its far end is the SSH server. */
  attach(ends: RouteEnds): void {
    if (this.destroyed) return;
    this.ends = ends;
    const { readable, writable } = ends;
    if (ends.leftover && ends.leftover.length > 0) this.deliver(ends.leftover);
    readable.on('data', (chunk: Buffer) => this.deliver(chunk));
    readable.once('end', () => this.push(null));
    const gone = (err?: Error): void => {
      if (!this.destroyed) this.destroy(err);
    };
    readable.once('error', gone);
    writable.once('error', gone);
    readable.once('close', () => gone());
    writable.on('drain', () => this.emit('inner-drain'));
    // A read asked for before the route was open (a 'data' listener attached early) found
    // nothing to resume: start the flow now; push() returning false pauses it again.
    readable.resume();
    this.connecting = false;
    this.emit('connect');
  }

  /** ssh2 calls these on a net.Socket; here there is no TCP socket of our own to tune. */
  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  private deliver(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    if (!this.push(chunk)) this.ends?.readable.pause();
  }

  override _read(): void {
    this.ends?.readable.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const w = this.ends?.writable;
    if (!w) return callback(new Error('the route is not open yet'));
    this.bytesWritten += chunk.length;
    if (w.write(chunk)) callback();
    else this.once('inner-drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.ends?.writable.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    for (const close of this.closers.splice(0)) {
      try {
        close();
      } catch {
        /* closing one part of a route must not keep the rest open */
      }
    }
    callback(err);
  }
}

/** What an SSH connection runs on: a TCP socket, or a route's stream. */
export type SshSocket = net.Socket | RouteSocket;
