/**
 * TCP sockets that gather the writes of one event-loop turn into a single writev, and (for the SSH
 * connection) read into large slabs.
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

/**
 * Size of a read slab, and the most one read may take: 64 KiB, as Node's own reads. Larger reads
 * made half as many read calls but checked the rekey limit (after each read) later: with a 1 MiB
 * limit, a fifth fewer key exchanges than OpenSSH's per-packet check would make.
 */
const SLAB_BYTES = 1024 * 1024;
const READ_BYTES = 64 * 1024;

export interface BatchingOptions {
  readonly allowHalfOpen?: boolean;
  /** Called after each batch has been handed to the kernel (the SSH socket checks its rekey limit). */
  readonly afterFlush?: () => void;
  /**
   * Read into 1 MiB slabs, each read right after the previous one and no byte ever reused, and
   * hand each read on as a `'data'` chunk. For the SSH socket: ssh2 (patched) then decrypts a
   * packet that spans two reads (with 64 KiB reads, about every other 32 KiB packet) where it lies
   * instead of copying it into a buffer of its own.
   * Not for target sockets: every open connection would hold a slab.
   */
  readonly slabReads?: boolean;
  /**
   * Read into one buffer shared by every such socket and hand each read on as a `'data'` chunk
   * that is valid only while its listeners run: whoever keeps it must copy it. For target sockets,
   * whose bytes are copied into an SSH packet anyway (see `join` in forward.ts). Such a socket
   * starts paused. Every read being a new `ArrayBuffer` (Node's own reads) doubled the external
   * memory a tunnel churns through target → vendor, and set off V8's old-space collections.
   */
  readonly transientReads?: boolean;
}

/**
 * The memory of every transient read. Reads are handed on synchronously, one at a time, on the
 * one JavaScript thread, so one buffer serves every target socket of the process.
 */
const TRANSIENT = Buffer.allocUnsafeSlow(READ_BYTES);

function transientReads(deliver: (chunk: Buffer) => void): net.OnReadOpts {
  return {
    buffer: TRANSIENT,
    callback: (n: number, buf: Uint8Array) => {
      deliver(buf.subarray(0, n) as Buffer);
      return true;
    },
  };
}

/**
 * Node's `onread` option for slab reads: `buffer()` is asked for the next read's memory after
 * each read, so reads follow each other in one slab until it has less than READ_BYTES left.
 * A chunk handed on may be kept by whoever receives it (ssh2's payloads are views of it), which is
 * why a slab is never written twice.
 */
function slabReads(deliver: (chunk: Buffer) => void): net.OnReadOpts {
  let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  let used = 0;
  return {
    buffer: () => {
      if (SLAB_BYTES - used < READ_BYTES) {
        slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
        used = 0;
      }
      return slab.subarray(used, used + READ_BYTES);
    },
    callback: (n: number, buf: Uint8Array) => {
      used += n;
      deliver(buf.subarray(0, n) as Buffer);
      return true;
    },
  };
}

/**
 * Connects a socket whose writes are batched per turn, with no delay (small database requests must
 * not wait for Nagle). The wrapper is installed on the instance after `connect()` because
 * net.Socket's connect() puts its own `write` back on the instance, which hides a subclass override.
 */
export function connectBatching(host: string, port: number, opts: BatchingOptions = {}): net.Socket {
  const { allowHalfOpen = false, afterFlush } = opts;
  // With `onread`, Node emits no 'data' itself: the slab reader does, so ssh2 reads as before.
  const emit = (chunk: Buffer): void => {
    sock.emit('data', chunk);
  };
  const onread = opts.slabReads ? slabReads(emit) : opts.transientReads ? transientReads(emit) : undefined;
  const sock: net.Socket = new net.Socket({
    allowHalfOpen,
    writableHighWaterMark: HIGH_WATER_MARK,
    ...(onread ? { onread } : {}),
  } as net.SocketConstructorOpts);
  sock.setNoDelay(true);
  // A transient read is emitted, not buffered: one that came before anyone listens would be lost.
  // Such a socket starts paused and reads once its reader calls resume().
  if (opts.transientReads) sock.pause();
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
