/**
 * A remote forward checked from the server's side (issue 21, "a forward that only half works"):
 * sshd binds each loopback of `localhost` it can, so with 127.0.0.1:P taken by another program on
 * the server it listens on [::1]:P only, says nothing, and a vendor told "localhost" reaches that
 * program. Against a real sshd; the "other program" is a listener of this test on the same
 * machine, which here is the server.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import type { ForwardConfig } from '../../../common/config.js';
import type { SessionSnapshot } from '../../../common/session.js';
import { Session } from '../../../main/core/session/session.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { echoServer, freePort, roundTrip, waitFor } from '../../helpers/net.js';
import { sessionFor, testDeps, waitForState } from '../../helpers/session.js';

/** `-R P:127.0.0.1:target`: no bind address, so `localhost` (both loopbacks), as vendors' guides write it. */
const localhostRemote = (bindPort: number, targetPort: number): ForwardConfig => ({ type: 'remote', bindPort, targetHost: '127.0.0.1', targetPort });

const reachOf = (s: SessionSnapshot): SessionSnapshot['forwards'][number]['reach'] => s.forwards[0]!.reach;

describe('a remote forward checked from the server', { skip: sshdUnavailable() }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function setup(over: { overrideConfig?: string[] } = {}) {
    const sshd = await Sshd.start(over);
    const echo = await echoServer();
    cleanup.push(
      () => echo.close(),
      () => sshd.dispose(),
    );
    return { sshd, echo };
  }

  async function run(sshd: Sshd, forward: ForwardConfig) {
    const warnings: string[] = [];
    const s = new Session(sessionFor(sshd, [forward]), testDeps(sshd));
    s.on('log', (l) => {
      if (l.level === 'warn') warnings.push(l.message);
    });
    cleanup.push(() => s.stop());
    s.start();
    await waitForState(s, 'connected');
    await waitFor(() => reachOf(s.snapshot()) !== undefined, 'the check from the server', 10_000);
    return { s, warnings };
  }

  test('both loopbacks of localhost reach the tunnel; the check never reaches the target', async () => {
    const { sshd, echo } = await setup();
    const port = await freePort();
    const { s, warnings } = await run(sshd, localhostRemote(port, echo.port));
    assert.deepEqual(reachOf(s.snapshot()), [
      { address: '127.0.0.1', answer: 'tunnel' },
      { address: '::1', answer: 'tunnel' },
    ]);
    assert.deepEqual(warnings, []);
    assert.equal(echo.connections(), 0, "the check's connections were not passed to the target");
    assert.equal(s.snapshot().totalConnections, 0, 'nor counted as the vendor’s');
    assert.equal((await roundTrip(port, 'v4')).toString(), 'v4');
    assert.equal((await roundTrip(port, 'v6', '::1')).toString(), 'v6');
  });

  test('127.0.0.1:P held by another program on the server: the forward is said to half work, naming the address that is the tunnel’s', async () => {
    const { sshd, echo } = await setup();
    const port = await freePort();
    const other = net.createServer((c) => c.end('I am not your database\n'));
    other.listen(port, '127.0.0.1');
    await once(other, 'listening');
    cleanup.push(() => new Promise((r) => other.close(() => r())));
    let otherConnections = 0;
    other.on('connection', () => otherConnections++);
    const { s, warnings } = await run(sshd, localhostRemote(port, echo.port));
    // sshd bound [::1]:P only and reported success: "listening", connected.
    assert.equal(s.snapshot().state, 'connected');
    assert.equal(s.snapshot().forwards[0]!.state, 'active');
    assert.deepEqual(reachOf(s.snapshot()), [
      { address: '127.0.0.1', answer: 'other' },
      { address: '::1', answer: 'tunnel' },
    ]);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(
      warnings[0]!,
      /: only half working: on the server, 127\.0\.0\.1:\d+ is another program's: a vendor that connects there reaches it, not this tunnel; this tunnel answers at \[::1\]:\d+\. Give the vendor the address this tunnel answers at, or free the port on the server, or choose another remote port\./,
    );
    assert.equal(otherConnections, 1, 'the check connected to the other program once');
    assert.equal((await roundTrip(port, 'through v6', '::1')).toString(), 'through v6');
  });

  test('reachCheckSeconds: checked again while connected, every period, each time both loopbacks; the tunnel carries data between checks', async () => {
    const sshd = await Sshd.start({ logLevel: 'DEBUG1' });
    const echo = await echoServer();
    cleanup.push(
      () => echo.close(),
      () => sshd.dispose(),
    );
    const port = await freePort();
    const s = new Session(sessionFor(sshd, [localhostRemote(port, echo.port)], { reachCheckSeconds: 5 }), testDeps(sshd));
    const warnings: string[] = [];
    s.on('log', (l) => {
      if (l.level === 'warn') warnings.push(l.message);
    });
    cleanup.push(() => s.stop());
    s.start();
    await waitForState(s, 'connected');
    // One "connect to 127.0.0.1:P" and one to "::1:P" per check, as sshd logs each direct-tcpip request.
    const checks = (target: string): number =>
      (sshd.log().match(new RegExp(`server_request_direct_tcpip: .* target ${target} port ${port}\\b`, 'g')) ?? []).length;
    // Both loopbacks of the third check: sshd may log its ::1 request a moment after the 127.0.0.1 one.
    await waitFor(() => checks('127\\.0\\.0\\.1') >= 3 && checks('::1') >= 3, 'the check at connect and two periodic ones, each to both loopbacks', 20_000);
    assert.deepEqual(reachOf(s.snapshot()), [
      { address: '127.0.0.1', answer: 'tunnel' },
      { address: '::1', answer: 'tunnel' },
    ]);
    assert.deepEqual(warnings, []);
    assert.equal(echo.connections(), 0, "the checks' connections never reach the target");
    assert.equal((await roundTrip(port, 'between checks')).toString(), 'between checks');
    assert.equal(s.snapshot().state, 'connected');
    assert.equal(s.snapshot().reconnects, 0);
  });

  test("Secoda's reverse SOCKS on every interface (-R 0.0.0.0:P) is checked through 127.0.0.1, without a SOCKS complaint", async () => {
    const { sshd } = await setup();
    const port = await freePort();
    const { s, warnings } = await run(sshd, { type: 'remote-dynamic', bindAddress: '0.0.0.0', bindPort: port });
    assert.deepEqual(reachOf(s.snapshot()), [{ address: '127.0.0.1', answer: 'tunnel' }]);
    assert.deepEqual(warnings, []);
    assert.equal(s.snapshot().failedConnections, 0);
  });

  test('a server that does not let the check connect (AllowTcpForwarding remote): unknown, no warning, the tunnel as usual', async () => {
    const { sshd, echo } = await setup({ overrideConfig: ['AllowTcpForwarding remote'] });
    const port = await freePort();
    const { s, warnings } = await run(sshd, localhostRemote(port, echo.port));
    assert.deepEqual(
      reachOf(s.snapshot())!.map((r) => r.answer),
      ['unknown', 'unknown'],
    );
    assert.deepEqual(warnings, []);
    assert.equal((await roundTrip(port, 'still works')).toString(), 'still works');
  });

  test("vendors' connections that arrive while the check runs reach the target intact, whichever side speaks first", async () => {
    const { sshd } = await setup();
    // A target that greets first (as MySQL and SSH do), then echoes.
    const greeter = net.createServer((c) => {
      c.write('hello\n');
      c.pipe(c);
    });
    greeter.listen(0, '127.0.0.1');
    await once(greeter, 'listening');
    cleanup.push(() => new Promise((r) => greeter.close(() => r())));
    const port = await freePort();
    const s = new Session(sessionFor(sshd, [localhostRemote(port, (greeter.address() as net.AddressInfo).port)]), testDeps(sshd));
    let held = 0;
    s.on('log', (l) => {
      if (l.message.includes('came while the forward was checked from the server; passed on')) held++;
    });
    cleanup.push(() => s.stop());
    s.start();
    await waitForState(s, 'connected');
    // At once, while the check runs: clients that speak first and clients that wait for the greeting.
    const speakFirst = Array.from(
      { length: 10 },
      (_, i) =>
        new Promise<string>((resolve, reject) => {
          const want = `hello\nclient ${i}`;
          let got = '';
          const c = net.connect(port, '127.0.0.1', () => c.write(`client ${i}`));
          c.setTimeout(10_000, () => reject(new Error(`only ${JSON.stringify(got)}`)));
          c.on('data', (d) => {
            got += d.toString();
            if (got.length >= want.length) {
              resolve(got);
              c.destroy();
            }
          });
          c.on('error', reject);
        }),
    );
    const waitFirst = Array.from(
      { length: 5 },
      () =>
        new Promise<string>((resolve, reject) => {
          const c = net.connect(port, '127.0.0.1');
          c.setTimeout(10_000, () => reject(new Error('no greeting')));
          c.once('data', (d) => {
            resolve(d.toString());
            c.destroy();
          });
          c.on('error', reject);
        }),
    );
    assert.deepEqual(
      await Promise.all(speakFirst),
      Array.from({ length: 10 }, (_, i) => `hello\nclient ${i}`),
    );
    assert.deepEqual(await Promise.all(waitFirst), Array(5).fill('hello\n'));
    await waitFor(() => reachOf(s.snapshot()) !== undefined, 'the check');
    // They did arrive while it ran (all 15 in every run here): the hold was what they went through.
    assert.ok(held > 0, 'no connection came during the check');
    assert.ok(
      reachOf(s.snapshot())!.every((r) => r.answer === 'tunnel'),
      JSON.stringify(reachOf(s.snapshot())),
    );
  });
});
