import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { connectBatching } from '../../../main/core/session/batching-socket.js';

test('writes made in one event-loop turn leave as one writev, in order, and later turns are not held back', async () => {
  const received: Buffer[] = [];
  const srv = net.createServer((s) => s.on('data', (d: Buffer) => received.push(d))).listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const sock = connectBatching('127.0.0.1', (srv.address() as net.AddressInfo).port);
  await once(sock, 'connect');
  const calls = { write: 0, writev: 0 };
  const s = sock as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const [w, wv] = [s._write, s._writev];
  s._write = function (...a) {
    calls.write++;
    return w.apply(this, a);
  };
  s._writev = function (...a) {
    calls.writev++;
    return wv.apply(this, a);
  };
  try {
    // Four SSH-packet-sized writes in one turn: a plain socket makes four write() calls.
    for (let i = 0; i < 4; i++) assert.equal(sock.write(Buffer.alloc(32 * 1024, i)), true, 'no backpressure inside one turn');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(calls, { write: 0, writev: 1 });
    sock.write('next turn');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(calls, { write: 1, writev: 1 });
    const all = Buffer.concat(received);
    assert.equal(all.length, 4 * 32 * 1024 + 'next turn'.length);
    for (let i = 0; i < 4; i++) assert.equal(all[i * 32 * 1024], i);
    assert.equal(all.subarray(-9).toString(), 'next turn');
  } finally {
    sock.destroy();
    srv.close();
  }
});

// Target sockets read into one shared buffer and emit each read once, unbuffered (forward.ts copies
// what ssh2 would keep). A target that speaks first — a MySQL or SMTP greeting — must not lose
// its first bytes to the time before join() listens, and two sockets' reads must not mix.
test('transient reads: nothing read before the reader resumes is lost, and reads land in one shared buffer', async () => {
  const srv = net
    .createServer((s) => {
      s.end(`greeting from ${(s.address() as net.AddressInfo).port}`);
    })
    .listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  const socks = [connectBatching('127.0.0.1', port, { transientReads: true }), connectBatching('127.0.0.1', port, { transientReads: true })];
  try {
    await Promise.all(socks.map((s) => once(s, 'connect')));
    await new Promise((r) => setTimeout(r, 100)); // the greetings have arrived by now
    const memory = new Set<ArrayBuffer>();
    const texts = await Promise.all(
      socks.map(async (s) => {
        let text = '';
        s.on('data', (d: Buffer) => {
          memory.add(d.buffer as ArrayBuffer);
          text += d.toString();
        });
        s.resume();
        await Promise.race([once(s, 'end'), new Promise((r) => setTimeout(r, 2_000))]);
        return text;
      }),
    );
    assert.deepEqual(texts, [`greeting from ${port}`, `greeting from ${port}`]);
    assert.equal(memory.size, 1, 'every read in the one shared buffer');
  } finally {
    socks.forEach((s) => s.destroy());
    srv.close();
  }
});
