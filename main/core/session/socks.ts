/**
 * The server half of SOCKS4, SOCKS4a and SOCKS5 (CONNECT, no authentication), spoken on any
 * duplex stream: a local TCP socket for `-D`, or an incoming SSH channel for reverse dynamic
 * forwarding (`-R port` with no destination), where names are resolved on this machine.
 */
import type { Duplex } from 'node:stream';

export interface SocksRequest {
  readonly version: 4 | 5;
  readonly host: string;
  readonly port: number;
  /** Reply to the client; after a success reply the stream carries the connection's data. */
  reply(ok: boolean): void;
}

export class SocksError extends Error {}

/** SOCKS5 reply codes (RFC 1928 §6) for the failures we can tell apart. */
export const SOCKS5_REPLY = {
  succeeded: 0,
  generalFailure: 1,
  hostUnreachable: 4,
  connectionRefused: 5,
  commandNotSupported: 7,
  addressNotSupported: 8,
} as const;

/** How long a client may take to send its whole SOCKS request: one that says nothing is closed. */
export const SOCKS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The most a client may send before its request is complete. A request is at most ~600 bytes; a
 * client may send its first data right behind it (before our reply), which is kept for the pipe,
 * but a flood before the request is finished is not buffered without end.
 */
const MAX_BUFFERED = 64 * 1024;

/** Reads exactly what the handshake needs; data after it is pushed back for the pipe. */
class Reader {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private failed: Error | undefined;
  private readonly timer: NodeJS.Timeout;
  /** Set when the client sent too much: fatal at once, unlike an end after a complete request. */
  private overflow: Error | undefined;
  private readonly onData = (c: Buffer): void => {
    this.buf = Buffer.concat([this.buf, c]);
    if (this.buf.length > MAX_BUFFERED) this.overflow ??= new SocksError(`the client sent more than ${MAX_BUFFERED} bytes before finishing its SOCKS request`);
    this.wake?.();
  };
  private readonly onEnd = (): void => this.fail(new SocksError('the client closed during the SOCKS handshake'));

  constructor(
    private readonly stream: Duplex,
    timeoutMs: number,
  ) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onEnd);
    // A stream paused on purpose stays paused when a 'data' listener is added: a channel held
    // while its forward was checked (forward.ts) comes paused, with its first bytes put back.
    stream.resume();
    this.timer = setTimeout(() => this.fail(new SocksError(`no complete SOCKS request within ${timeoutMs / 1000} s`)), timeoutMs);
  }

  private fail(err: Error): void {
    this.failed ??= err;
    this.wake?.();
  }

  async take(n: number): Promise<Buffer> {
    if (this.overflow) throw this.overflow;
    while (this.buf.length < n) {
      if (this.failed) throw this.failed;
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = undefined;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Reads up to and including a NUL (SOCKS4 user id and 4a host name). */
  async takeCString(max: number): Promise<string> {
    let s = '';
    for (;;) {
      const b = (await this.take(1))[0]!;
      if (b === 0) return s;
      s += String.fromCharCode(b);
      if (s.length > max) throw new SocksError('SOCKS4 string too long');
    }
  }

  release(): void {
    clearTimeout(this.timer);
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onEnd);
    this.stream.pause();
    if (this.buf.length) this.stream.unshift(this.buf);
  }
}

/**
 * Reads one SOCKS request from `stream`. Rejects with SocksError (after telling the client, where
 * the protocol has a way) when the request is not a CONNECT we support, or does not arrive whole
 * within `timeoutMs`.
 */
export async function readSocksRequest(stream: Duplex, timeoutMs = SOCKS_HANDSHAKE_TIMEOUT_MS): Promise<SocksRequest> {
  const r = new Reader(stream, timeoutMs);
  try {
    const [version] = await r.take(1);
    if (version === 4) {
      const head = await r.take(7);
      const cmd = head[0];
      const port = head.readUInt16BE(1);
      const ip = [...head.subarray(3, 7)];
      await r.takeCString(255); // user id, unused: no authentication
      let host = ip.join('.');
      // SOCKS4a: 0.0.0.x with x ≠ 0 means "the name follows".
      if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) host = await r.takeCString(255);
      const reply4 = (ok: boolean): void => {
        stream.write(Buffer.from([0, ok ? 0x5a : 0x5b, 0, 0, 0, 0, 0, 0]));
      };
      if (cmd !== 1) {
        reply4(false);
        throw new SocksError(`SOCKS4 command ${cmd} is not supported (only CONNECT)`);
      }
      r.release();
      return { version: 4, host, port, reply: reply4 };
    }
    if (version === 5) {
      const [nMethods] = await r.take(1);
      const methods = await r.take(nMethods!);
      if (!methods.includes(0)) {
        stream.write(Buffer.from([5, 0xff]));
        throw new SocksError('the SOCKS5 client offers no "no authentication" method');
      }
      stream.write(Buffer.from([5, 0]));
      const [ver, cmd, , atyp] = await r.take(4);
      if (ver !== 5) throw new SocksError(`bad SOCKS5 request version ${ver}`);
      const fail5 = (code: number): void => {
        stream.write(Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]));
      };
      let host: string;
      if (atyp === 1) host = [...(await r.take(4))].join('.');
      else if (atyp === 3) {
        const [len] = await r.take(1);
        host = (await r.take(len!)).toString('latin1');
      } else if (atyp === 4) {
        const b = await r.take(16);
        host = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':');
      } else {
        fail5(SOCKS5_REPLY.addressNotSupported);
        throw new SocksError(`SOCKS5 address type ${atyp} is not supported`);
      }
      const port = (await r.take(2)).readUInt16BE(0);
      if (cmd !== 1) {
        fail5(SOCKS5_REPLY.commandNotSupported);
        throw new SocksError(`SOCKS5 command ${cmd} is not supported (only CONNECT)`);
      }
      r.release();
      return {
        version: 5,
        host,
        port,
        // The bound address is not meaningful through a tunnel; OpenSSH also answers 0.0.0.0:0.
        reply: (ok) => (ok ? stream.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0])) : fail5(SOCKS5_REPLY.hostUnreachable)),
      };
    }
    throw new SocksError(`not a SOCKS request (first byte ${version})`);
  } catch (err) {
    r.release();
    throw err;
  }
}
