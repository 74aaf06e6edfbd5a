/**
 * The service behind the tunnel in benchmarks, in its own process so it does not share a core's
 * event loop with the tunnel under test. Protocol per connection: first byte 'E' = echo the rest;
 * 'S' + 8-byte length = swallow that many bytes, then answer one byte; 'R' + 8-byte length = send
 * that many bytes, then close (the target → vendor direction); 'M' + 8-byte length = the same in
 * writes of 1 MiB each (a database answering a large query: issue 24's outside benchmark).
 */
import net from 'node:net';

const CHUNK = Buffer.alloc(256 * 1024, 0xa5);
const MIB_CHUNK = Buffer.alloc(1024 * 1024, 0xa5);

/** Writes `n` bytes with backpressure, `chunk` at a time, then ends the connection. */
function send(sock: net.Socket, n: number, chunk = CHUNK): void {
  const more = (): void => {
    while (n > 0) {
      const len = Math.min(chunk.length, n);
      n -= len;
      if (!sock.write(len === chunk.length ? chunk : chunk.subarray(0, len))) {
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
  let mode: 'E' | 'S' | 'R' | 'M' | undefined;
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
    if (mode === 'R' || mode === 'M') return;
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
    } else if (header[0] === 0x4d && header.length >= 9) {
      // 'M'
      mode = 'M';
      send(sock, Number(header.readBigUInt64BE(1)), MIB_CHUNK);
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
