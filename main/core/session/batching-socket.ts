/**
 * TCP sockets that gather the writes of one event-loop turn into a single writev.
 *
 * ssh2 writes every SSH packet (≤ 32 KiB) with its own `write()`, and a piped channel writes every
 * packet it receives to the local socket the same way: one syscall, and on loopback one trip
 * through the TCP stack, per packet (strace: ~30 KiB per write, where OpenSSH's client averages
 * ~140 KiB, draining whole buffers once per poll() round). Corking on the first write of a turn
 * and uncorking in `setImmediate` — after the poll phase has handled every readable socket — does
 * the same. Nothing waits longer than the current turn.
 */
import net from 'node:net';

/**
 * A pipe pauses its source as soon as `write()` returns false, which with Node's 16 KiB default
 * happens at the first SSH packet of a turn, so nothing would be batched. One turn's worth of
 * packets (the SSH window is 2 MiB) may queue before the source is paused.
 */
const HIGH_WATER_MARK = 1024 * 1024;

export interface BatchingOptions {
  readonly allowHalfOpen?: boolean;
  /** Called after each batch has been handed to the kernel (the SSH socket checks its rekey limit). */
  readonly afterFlush?: () => void;
}

/**
 * Connects a socket whose writes are batched per turn, with no delay (small database requests must
 * not wait for Nagle). The wrapper is installed on the instance after `connect()` because
 * net.Socket's connect() puts its own `write` back on the instance, which hides a subclass override.
 */
export function connectBatching(host: string, port: number, opts: BatchingOptions = {}): net.Socket {
  const { allowHalfOpen = false, afterFlush } = opts;
  const sock = new net.Socket({ allowHalfOpen, writableHighWaterMark: HIGH_WATER_MARK } as net.SocketConstructorOpts);
  sock.setNoDelay(true);
  sock.connect({ host, port });
  const write = sock.write;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    sock.uncork();
    afterFlush?.();
  };
  sock.write = function batchedWrite(this: net.Socket, ...args: unknown[]): boolean {
    if (!scheduled) {
      scheduled = true;
      sock.cork();
      setImmediate(flush);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as net.Socket['write'];
  return sock;
}
