/**
 * Streams that prove every byte both ways: a target that sends random bytes while it reads, and a
 * client that checks both directions by SHA-256. Protocol per connection: the client sends an
 * 8-byte length N, then N bytes; the target sends N random bytes, the SHA-256 of those, and, once
 * it has read all N bytes, the SHA-256 of what it read. Nothing is compared by the target, so a
 * test sees every mismatch itself.
 */
import net from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';

const CHUNK = 64 * 1024;

/** Resolves when `sock` drains or closes, leaving no listener behind. */
function drainedOrClosed(sock: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      sock.off('drain', done);
      sock.off('close', done);
      resolve();
    };
    sock.on('drain', done);
    sock.on('close', done);
  });
}

/** Writes `n` random bytes to `sock` with backpressure and returns their SHA-256. */
async function sendRandom(sock: net.Socket, n: number): Promise<Buffer> {
  const hash = createHash('sha256');
  for (let sent = 0; sent < n;) {
    const chunk = randomBytes(Math.min(CHUNK, n - sent));
    hash.update(chunk);
    sent += chunk.length;
    if (!sock.write(chunk)) await drainedOrClosed(sock);
    if (sock.destroyed) throw new Error(`connection closed after ${sent} of ${n} bytes sent`);
  }
  return hash.digest();
}

export interface HashingTarget {
  readonly port: number;
  close(): Promise<void>;
}

/** The service behind the tunnel: see the file's header for its protocol. */
export async function hashingTarget(): Promise<HashingTarget> {
  const sockets = new Set<net.Socket>();
  // Half-open allowed: a client that has sent everything ends its side while still reading ours.
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let header = Buffer.alloc(0);
    let want = -1;
    let got = 0;
    const received = createHash('sha256');
    let sentHash: Promise<Buffer> | undefined;
    sock.on('data', (chunk: Buffer) => {
      if (want < 0) {
        header = Buffer.concat([header, chunk]);
        if (header.length < 8) return;
        want = Number(header.readBigUInt64BE(0));
        chunk = header.subarray(8);
        sentHash = sendRandom(sock, want).then(async (h) => {
          sock.write(h);
          return h;
        });
      }
      received.update(chunk);
      got += chunk.length;
      if (got >= want) {
        sock.removeAllListeners('data');
        void sentHash!.then(
          () => sock.end(received.digest()),
          () => sock.destroy(),
        );
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface ExchangeResult {
  /** Both directions arrived whole and unchanged. */
  readonly ok: boolean;
  readonly detail: string;
}

/** Sends and receives `bytes` each way through host:port at once, and checks both by hash. */
export async function exchange(port: number, bytes: number, host = '127.0.0.1'): Promise<ExchangeResult> {
  try {
    return await exchangeOnce(port, bytes, host);
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

async function exchangeOnce(port: number, bytes: number, host: string): Promise<ExchangeResult> {
  const sock = net.connect(port, host);
  await once(sock, 'connect');
  const got: Buffer[] = [];
  let gotBytes = 0;
  sock.on('data', (d: Buffer) => {
    got.push(d);
    gotBytes += d.length;
  });
  // An error (a reset) closes the socket too; the byte counts below then tell what went wrong.
  sock.on('error', () => undefined);
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  const header = Buffer.alloc(8);
  header.writeBigUInt64BE(BigInt(bytes));
  sock.write(header);
  const sentHash = await sendRandom(sock, bytes);
  sock.end();
  await closed;
  if (gotBytes !== bytes + 64) return { ok: false, detail: `received ${gotBytes} of ${bytes + 64} bytes` };
  const all = Buffer.concat(got);
  const theirSent = all.subarray(bytes, bytes + 32);
  const theirReceived = all.subarray(bytes + 32);
  const ours = createHash('sha256').update(all.subarray(0, bytes)).digest();
  if (!ours.equals(theirSent)) return { ok: false, detail: 'target → client bytes differ from what the target sent' };
  if (!sentHash.equals(theirReceived)) return { ok: false, detail: 'client → target bytes differ from what the client sent' };
  return { ok: true, detail: `${bytes} bytes each way verified` };
}
