/**
 * The service behind the tunnel in benchmarks, in its own process so it does not share a core's
 * event loop with the tunnel under test. Protocol per connection: first byte 'E' = echo the rest;
 * 'S' + 8-byte length = swallow that many bytes, then answer one byte; 'R' + 8-byte length = send
 * that many bytes, then close (the target → vendor direction).
 */
import net from 'node:net';

const CHUNK = Buffer.alloc(256 * 1024, 0xa5);

/** Writes `n` bytes with backpressure, then ends the connection. */
function send(sock: net.Socket, n: number): void {
  const more = (): void => {
    while (n > 0) {
      const len = Math.min(CHUNK.length, n);
      n -= len;
      if (!sock.write(len === CHUNK.length ? CHUNK : CHUNK.subarray(0, len))) {
        sock.once('drain', more);
        return;
      }
    }
    sock.end();
  };
  more();
}

const server = net.createServer((sock) => {
  sock.setNoDelay(true);
  let mode: 'E' | 'S' | 'R' | undefined;
  let header = Buffer.alloc(0);
  let remaining = 0;
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: Buffer) => {
    if (mode === 'E') {
      sock.write(chunk);
      return;
    }
    if (mode === 'S') {
      remaining -= chunk.length;
      if (remaining <= 0) sock.end(Buffer.from([1]));
      return;
    }
    if (mode === 'R') return;
    header = Buffer.concat([header, chunk]);
    if (header[0] === 0x45) {
      // 'E'
      mode = 'E';
      if (header.length > 1) sock.write(header.subarray(1));
    } else if (header[0] === 0x53 && header.length >= 9) {
      // 'S'
      mode = 'S';
      remaining = Number(header.readBigUInt64BE(1)) - (header.length - 9);
      if (remaining <= 0) sock.end(Buffer.from([1]));
    } else if (header[0] === 0x52 && header.length >= 9) {
      // 'R'
      mode = 'R';
      send(sock, Number(header.readBigUInt64BE(1)));
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
