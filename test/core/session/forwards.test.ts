/** Data through every forward type, against a real sshd. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { Session } from '../../../main/core/session/session.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { echoServer, freePort, roundTrip, waitFor } from '../../helpers/net.js';
import { loopbackRemote, sessionFor, testDeps, waitForState } from '../../helpers/session.js';
import { echoThrough, socksConnect, type SocksFlavour } from '../../helpers/socks-client.js';
import type { ForwardConfig } from '../../../common/config.js';

describe('forwards against a real sshd', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
  });

  async function withSession<T>(forwards: ForwardConfig[], fn: (s: Session) => Promise<T>): Promise<T> {
    const s = new Session(sessionFor(sshd, forwards), testDeps(sshd));
    s.start();
    try {
      await waitForState(s, 'connected');
      return await fn(s);
    } finally {
      await s.stop();
    }
  }

  test('remote forward carries data both ways and counts it', async () => {
    const port = await freePort();
    await withSession([{ type: 'remote', bindPort: port, targetHost: '127.0.0.1', targetPort: echo.port }], async (s) => {
      const payload = Buffer.alloc(256 * 1024, 7);
      const back = await roundTrip(port, payload);
      assert.ok(back.equals(payload));
      await waitFor(() => s.snapshot().openConnections === 0, 'the connection to close');
      const snap = s.snapshot();
      assert.equal(snap.totalConnections, 1);
      assert.equal(snap.forwards[0]!.bytesIn, payload.length);
      assert.equal(snap.forwards[0]!.bytesOut, payload.length);
      assert.equal(snap.bytesIn, payload.length);
    });
  });

  for (const bindAddress of [undefined, 'localhost', '127.0.0.1', '0.0.0.0', '*', '']) {
    test(`remote forward with bind address ${JSON.stringify(bindAddress)} accepts on 127.0.0.1`, async () => {
      const port = await freePort();
      await withSession(
        [{ type: 'remote', ...(bindAddress !== undefined ? { bindAddress } : {}), bindPort: port, targetHost: 'localhost', targetPort: echo.port }],
        async () => {
          assert.equal((await roundTrip(port, 'bind')).toString(), 'bind');
        },
      );
    });
  }

  // Target sockets read into one buffer shared by the process, and their bytes are handed to ssh2
  // only when it copies them into packets at once; when the SSH window is full ssh2 keeps what it
  // cannot send yet, and that must be a copy. Slow vendors fill every channel's window while four
  // targets stream different random bytes at once: a kept view of the shared buffer would be
  // overwritten by the next read, of this or another connection, and the hashes would differ.
  test('target → vendor with every SSH window full: four streams at once, every byte checked', async () => {
    const size = 12 * 1024 * 1024;
    const answers = new Map<number, Buffer>();
    const target = net
      .createServer((c) => {
        const answer = randomBytes(size);
        c.once('data', (id: Buffer) => {
          answers.set(id.readUInt8(0), answer);
          c.end(answer);
        });
      })
      .listen(0, '127.0.0.1');
    await once(target, 'listening');
    const port = await freePort();
    try {
      await withSession([loopbackRemote(port, (target.address() as net.AddressInfo).port)], async () => {
        const read = async (id: number): Promise<string> => {
          const c = net.connect(port, '127.0.0.1');
          await once(c, 'connect');
          c.write(Buffer.from([id]));
          c.pause(); // the window (2 MiB) fills while nobody reads
          await new Promise((r) => setTimeout(r, 300));
          const hash = createHash('sha256');
          let got = 0;
          c.on('data', (b: Buffer) => {
            hash.update(b);
            got += b.length;
            if (got % 7 === 0) {
              c.pause();
              setTimeout(() => c.resume(), 2);
            } // and stays short
          });
          c.resume();
          await once(c, 'end');
          assert.equal(got, size);
          return hash.digest('hex');
        };
        const hashes = await Promise.all([1, 2, 3, 4].map(read));
        hashes.forEach((h, i) =>
          assert.equal(
            h,
            createHash('sha256')
              .update(answers.get(i + 1)!)
              .digest('hex'),
            `stream ${i + 1}`,
          ),
        );
      });
    } finally {
      target.close();
    }
  });

  test('remote port 0 is assigned by the server and the real port is reported', async () => {
    await withSession([loopbackRemote(0, echo.port)], async (s) => {
      const bound = s.snapshot().forwards[0]!.boundPort!;
      assert.ok(bound > 0, `bound port ${bound}`);
      assert.equal((await roundTrip(bound, 'zero')).toString(), 'zero');
    });
  });

  for (const flavour of ['socks4', 'socks4a', 'socks5', 'socks5-name'] as SocksFlavour[]) {
    test(`reverse dynamic forward (-R port, no destination) speaks ${flavour}`, async () => {
      const port = await freePort();
      await withSession([{ type: 'remote-dynamic', bindPort: port }], async (s) => {
        // Names are resolved on this machine (the agent side), as Secoda's guide says.
        const host = flavour === 'socks4a' || flavour === 'socks5-name' ? 'localhost' : '127.0.0.1';
        const sock = await socksConnect(port, flavour, host, echo.port);
        assert.equal(await echoThrough(sock, `via ${flavour}`), `via ${flavour}`);
        sock.destroy();
        assert.equal(s.snapshot().state, 'connected');
      });
    });
  }

  test('reverse SOCKS to a closed target answers with a failure and the session stays up', async () => {
    const port = await freePort();
    const closed = await freePort();
    await withSession([{ type: 'remote-dynamic', bindPort: port }], async (s) => {
      await assert.rejects(socksConnect(port, 'socks5', '127.0.0.1', closed), /SOCKS5 request failed/);
      await assert.rejects(socksConnect(port, 'socks4', '127.0.0.1', closed), /SOCKS4 request rejected/);
      await waitFor(() => s.snapshot().failedConnections === 2, 'two failed connections to be counted');
      const sock = await socksConnect(port, 'socks5', '127.0.0.1', echo.port);
      assert.equal(await echoThrough(sock, 'still up'), 'still up');
      sock.destroy();
      assert.equal(s.snapshot().state, 'connected');
    });
  });

  test('local forward (-L) carries data through the server', async () => {
    const port = await freePort();
    await withSession([{ type: 'local', bindPort: port, targetHost: '127.0.0.1', targetPort: echo.port }], async (s) => {
      assert.equal((await roundTrip(port, 'local')).toString(), 'local');
      assert.equal(s.snapshot().forwards[0]!.boundPort, port);
    });
  });

  test('local port 0 (-L 0, -D 0) is picked here, reported, and carries data', async () => {
    await withSession(
      [
        { type: 'local', bindPort: 0, targetHost: '127.0.0.1', targetPort: echo.port },
        { type: 'local-dynamic', bindPort: 0 },
      ],
      async (s) => {
        const [local, dynamic] = s.snapshot().forwards.map((f) => f.boundPort!);
        assert.ok(local! > 0 && dynamic! > 0 && local !== dynamic, `bound ports ${local}, ${dynamic}`);
        assert.equal((await roundTrip(local!, 'picked')).toString(), 'picked');
        const sock = await socksConnect(dynamic!, 'socks5', '127.0.0.1', echo.port);
        assert.equal(await echoThrough(sock, 'picked too'), 'picked too');
        sock.destroy();
      },
    );
  });

  for (const flavour of ['socks4', 'socks5', 'socks5-name'] as SocksFlavour[]) {
    test(`local dynamic forward (-D) speaks ${flavour}`, async () => {
      const port = await freePort();
      await withSession([{ type: 'local-dynamic', bindPort: port }], async () => {
        const host = flavour === 'socks5-name' ? 'localhost' : '127.0.0.1';
        const sock = await socksConnect(port, flavour, host, echo.port);
        assert.equal(await echoThrough(sock, 'dynamic'), 'dynamic');
        sock.destroy();
      });
    });
  }

  test('a session with every forward type at once is connected only when all are up', async () => {
    const [r, rd, l, d] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    await withSession(
      [
        { type: 'remote', bindPort: r, targetHost: '127.0.0.1', targetPort: echo.port },
        { type: 'remote-dynamic', bindPort: rd },
        { type: 'local', bindPort: l, targetHost: '127.0.0.1', targetPort: echo.port },
        { type: 'local-dynamic', bindPort: d },
      ],
      async (s) => {
        assert.deepEqual(
          s.snapshot().forwards.map((f) => f.state),
          ['active', 'active', 'active', 'active'],
        );
        assert.equal((await roundTrip(r, 'r')).toString(), 'r');
        assert.equal((await roundTrip(l, 'l')).toString(), 'l');
      },
    );
  });

  test('the local target being down refuses that one connection cleanly and counts it', async () => {
    const port = await freePort();
    const targetPort = await freePort();
    await withSession([loopbackRemote(port, targetPort)], async (s) => {
      // sshd accepts on its side, then closes once we refuse the channel.
      const sock = net.connect(port, '127.0.0.1');
      await once(sock, 'close');
      await waitFor(() => s.snapshot().failedConnections === 1, 'the refused connection to be counted');
      assert.equal(s.snapshot().state, 'connected');
      // The target comes up: the same forward works without any reconnect.
      const target = net.createServer((c) => c.pipe(c)).listen(targetPort, '127.0.0.1');
      await once(target, 'listening');
      try {
        assert.equal((await roundTrip(port, 'up now')).toString(), 'up now');
        assert.equal(s.snapshot().reconnects, 0);
      } finally {
        target.close();
      }
    });
  });

  test('half-close is carried: the client can finish sending and still read the reply', async () => {
    const port = await freePort();
    // A target that answers only after the client has finished sending (like many request/response tools).
    const target = net
      .createServer({ allowHalfOpen: true }, (c) => {
        const chunks: Buffer[] = [];
        c.on('data', (d) => chunks.push(d));
        c.on('end', () => c.end(Buffer.concat(chunks).toString().toUpperCase()));
      })
      .listen(0, '127.0.0.1');
    await once(target, 'listening');
    const tport = (target.address() as net.AddressInfo).port;
    try {
      await withSession([loopbackRemote(port, tport)], async () => {
        const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
        await once(sock, 'connect');
        const got: Buffer[] = [];
        sock.on('data', (d) => got.push(d));
        sock.end('half closed');
        await once(sock, 'end');
        assert.equal(Buffer.concat(got).toString(), 'HALF CLOSED');
        sock.destroy();
      });
    } finally {
      target.close();
    }
  });
});
