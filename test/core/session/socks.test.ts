/** The SOCKS4/4a/5 request parser, branch by branch, on an in-memory stream. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { readSocksRequest, SocksError, SOCKS5_REPLY } from '../../../main/core/session/socks.js';

/** A stream whose input the test pushes and whose output it reads back. */
class Wire extends Duplex {
  readonly written: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.written.push(chunk);
    cb();
  }
  out(): number[] {
    return [...Buffer.concat(this.written)];
  }
  send(...bytes: Array<number | string | Buffer>): void {
    this.push(Buffer.concat(bytes.map((b) => (typeof b === 'number' ? Buffer.from([b]) : Buffer.isBuffer(b) ? b : Buffer.from(b, 'latin1')))));
  }
}

const port = (p: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(p);
  return b;
};
const socksError =
  (re: RegExp) =>
  (e: unknown): boolean =>
    e instanceof SocksError && re.test(e.message);

test('SOCKS4 CONNECT to an IPv4 address; a success reply is 0x5a', async () => {
  const w = new Wire();
  w.send(4, 1, port(5432), Buffer.from([10, 1, 2, 3]), 'user', 0);
  const req = await readSocksRequest(w);
  assert.deepEqual([req.version, req.host, req.port], [4, '10.1.2.3', 5432]);
  req.reply(true);
  assert.deepEqual(w.out(), [0, 0x5a, 0, 0, 0, 0, 0, 0]);
});

test('SOCKS4a: 0.0.0.x means the name follows the user id; a failure reply is 0x5b', async () => {
  const w = new Wire();
  w.send(4, 1, port(443), Buffer.from([0, 0, 0, 9]), 0, 'db.internal', 0);
  const req = await readSocksRequest(w);
  assert.deepEqual([req.host, req.port], ['db.internal', 443]);
  req.reply(false);
  assert.deepEqual(w.out(), [0, 0x5b, 0, 0, 0, 0, 0, 0]);
});

test('SOCKS4 BIND is refused with 0x5b', async () => {
  const w = new Wire();
  w.send(4, 2, port(1), Buffer.from([1, 2, 3, 4]), 0);
  await assert.rejects(readSocksRequest(w), socksError(/SOCKS4 command 2 is not supported/));
  assert.deepEqual(w.out(), [0, 0x5b, 0, 0, 0, 0, 0, 0]);
});

test('a SOCKS4 user id longer than 255 bytes is refused', async () => {
  const w = new Wire();
  w.send(4, 1, port(1), Buffer.from([1, 2, 3, 4]), 'x'.repeat(300), 0);
  await assert.rejects(readSocksRequest(w), socksError(/SOCKS4 string too long/));
});

test('SOCKS5 CONNECT by IPv4, name and IPv6, with the no-authentication method', async () => {
  const cases: Array<[Buffer, string]> = [
    [Buffer.from([1, 192, 168, 0, 7]), '192.168.0.7'],
    [Buffer.concat([Buffer.from([3, 11]), Buffer.from('db.internal')]), 'db.internal'],
    [Buffer.concat([Buffer.from([4]), Buffer.from('20010db8000000000000000000000001', 'hex')]), '2001:db8:0:0:0:0:0:1'],
  ];
  for (const [addr, host] of cases) {
    const w = new Wire();
    w.send(5, 2, 2, 0, 5, 1, 0, addr, port(1433));
    const req = await readSocksRequest(w);
    assert.deepEqual([req.version, req.host, req.port], [5, host, 1433]);
    req.reply(true);
    assert.deepEqual(w.out(), [5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0], 'method choice, then success');
  }
  assert.equal(cases.length, 3);
});

test('a SOCKS5 failure reply says "host unreachable"', async () => {
  const w = new Wire();
  w.send(5, 1, 0, 5, 1, 0, 1, Buffer.from([1, 1, 1, 1]), port(1));
  const req = await readSocksRequest(w);
  req.reply(false);
  assert.equal(w.out()[3], SOCKS5_REPLY.hostUnreachable);
});

test('a SOCKS5 client without the no-authentication method is told "no acceptable method" (0xff)', async () => {
  const w = new Wire();
  w.send(5, 1, 2);
  await assert.rejects(readSocksRequest(w), socksError(/offers no "no authentication" method/));
  assert.deepEqual(w.out(), [5, 0xff]);
});

test('SOCKS5 refusals: a wrong request version, BIND, an unknown address type', async () => {
  const version = new Wire();
  version.send(5, 1, 0, 4, 1, 0, 1);
  await assert.rejects(readSocksRequest(version), socksError(/bad SOCKS5 request version 4/));

  const bind = new Wire();
  bind.send(5, 1, 0, 5, 2, 0, 1, Buffer.from([1, 2, 3, 4]), port(1));
  await assert.rejects(readSocksRequest(bind), socksError(/SOCKS5 command 2 is not supported/));
  assert.equal(bind.out()[3], SOCKS5_REPLY.commandNotSupported);

  const atyp = new Wire();
  atyp.send(5, 1, 0, 5, 1, 0, 9);
  await assert.rejects(readSocksRequest(atyp), socksError(/address type 9 is not supported/));
  assert.equal(atyp.out()[3], SOCKS5_REPLY.addressNotSupported);
});

test('something that is not SOCKS is refused by its first byte', async () => {
  const w = new Wire();
  w.send('GET / HTTP/1.1\r\n');
  await assert.rejects(readSocksRequest(w), socksError(/not a SOCKS request \(first byte 71\)/));
});

test('a client that closes during the handshake, or errors, ends it', async () => {
  const closes = new Wire();
  closes.send(5, 1);
  closes.push(null);
  await assert.rejects(readSocksRequest(closes), socksError(/closed during the SOCKS handshake/));

  const errors = new Wire();
  errors.send(4, 1);
  const pending = readSocksRequest(errors);
  errors.emit('error', new Error('reset'));
  await assert.rejects(pending, socksError(/closed during the SOCKS handshake/));
});

test('a client that says nothing is given up on after the timeout', async () => {
  const w = new Wire();
  const t0 = Date.now();
  await assert.rejects(readSocksRequest(w, 200), socksError(/no complete SOCKS request within 0.2 s/));
  assert.ok(Date.now() - t0 >= 190);
});

test('a client that floods before finishing its request is cut off, not buffered without end', async () => {
  const w = new Wire();
  w.send(4, 1, port(1), Buffer.from([1, 2, 3, 4]));
  w.send('x'.repeat(70 * 1024)); // a user id that never ends
  await assert.rejects(readSocksRequest(w), socksError(/more than 65536 bytes before finishing/));
});

test('data the client sends right after its request is kept for the connection', async () => {
  const w = new Wire();
  w.send(5, 1, 0, 5, 1, 0, 1, Buffer.from([1, 2, 3, 4]), port(80), 'GET / HTTP/1.0\r\n\r\n');
  const req = await readSocksRequest(w);
  assert.equal(req.port, 80);
  const first = await new Promise<Buffer>((resolve) => {
    w.once('data', resolve);
    w.resume();
  });
  assert.equal(first.toString(), 'GET / HTTP/1.0\r\n\r\n');
});
