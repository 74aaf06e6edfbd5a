/** Tunnels that stay up: server restarts, frozen links, taken and forbidden ports, stop vs retry. */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { writeFileSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Session } from '../../../main/core/session/session.js';
import type { BackoffOptions } from '../../../main/core/session/backoff.js';
import { tuneV8ForTunnels } from '../../../main/core/session/v8-flags.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { echoServer, freePort, roundTrip, waitFor } from '../../helpers/net.js';
import { loopbackRemote, sessionFor, testDeps, waitForState } from '../../helpers/session.js';

describe('staying up against a real sshd', { skip: sshdUnavailable() }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function setup(extraConfig: string[] = []) {
    const sshd = await Sshd.start({ extraConfig });
    const echo = await echoServer();
    cleanup.push(
      () => echo.close(),
      () => sshd.dispose(),
    );
    return { sshd, echo };
  }

  test('sshd killed and restarted: the session comes back without help and data flows again', async () => {
    const { sshd, echo } = await setup();
    const port = await freePort();
    const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)]), testDeps(sshd));
    s.start();
    try {
      await waitForState(s, 'connected');
      await sshd.stop();
      const down = await waitForState(s, 'reconnecting');
      assert.ok(down.lastError, 'a reason is given while reconnecting');
      await sshd.launch();
      const up = await waitForState(s, 'connected', 20_000);
      assert.equal(up.reconnects, 1);
      assert.equal((await roundTrip(port, 'after restart')).toString(), 'after restart');
    } finally {
      await s.stop();
    }
  });

  // A stalled server (a bastion that stops reading: overloaded, or its link gone quiet) must not
  // make Burrow read every target for all the SSH window it has: ssh2 would queue it all in
  // memory. Nor must vendors that read slowly: ssh2 keeps what the window cannot take, without
  // limit. Reads wait while the SSH socket has a backlog over its mark, and a read ssh2 would keep
  // stops the reading of that target (forward.ts, join), so the targets' data waits in their own
  // sockets. Without the first, 16 streams queue ~29 MiB here; without the second, ~30 MiB.
  for (const stalled of ['the server', 'the vendors'] as const)
    test(`${stalled} stalled: what 16 busy targets send waits in their sockets, not in Burrow's memory`, async () => {
      const { sshd } = await setup();
      // Measured as `burrow run` carries data (v8-flags.ts): with V8's sweeping on a helper thread,
      // memory already freed is still counted for a while on a loaded machine.
      tuneV8ForTunnels();
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      const chunk = Buffer.alloc(64 * 1024, 0x42);
      const targets = new Set<net.Socket>();
      const busy = net
        .createServer((c) => {
          targets.add(c);
          c.on('error', () => undefined);
          const pump = (): void => {
            while (!c.destroyed && c.write(chunk));
          };
          c.on('drain', pump);
          pump();
        })
        .listen(0, '127.0.0.1');
      await once(busy, 'listening');
      const port = await freePort();
      const s = new Session(sessionFor(sshd, [loopbackRemote(port, (busy.address() as net.AddressInfo).port)]), testDeps(sshd));
      s.start();
      const vendors: net.Socket[] = [];
      let frozen: number[] = [];
      try {
        await waitForState(s, 'connected');
        frozen = sshd.connectionPids();
        if (stalled === 'the server') for (const p of frozen) process.kill(p, 'SIGSTOP');
        const before = (gc(), process.memoryUsage().arrayBuffers);
        // A stalled server: the vendors' connections are opened, then it is frozen with every
        // channel's window still open (frozen first too, so the baseline is read with nothing moving).
        if (stalled === 'the server') for (const p of frozen) process.kill(p, 'SIGCONT');
        for (let i = 0; i < 16; i++) {
          const v = net.connect(port, '127.0.0.1');
          v.on('error', () => undefined);
          v.pause(); // the vendor reads nothing: the server's windows and buffers fill
          vendors.push(v);
        }
        await waitFor(() => s.snapshot().openConnections === 16, 'sixteen forwarded connections');
        if (stalled === 'the server') for (const p of frozen) process.kill(p, 'SIGSTOP');
        // Until no more is read from the targets: all the windows and buffers there are, are full.
        let read = -1;
        for (let i = 0; i < 40 && s.snapshot().bytesOut !== read; i++) {
          read = s.snapshot().bytesOut;
          await new Promise((r) => setTimeout(r, 500));
        }
        const grown = (gc(), process.memoryUsage().arrayBuffers) - before;
        assert.ok(grown < 8 * 1024 * 1024, `Burrow holds ${(grown / 1048576).toFixed(1)} MiB more while the server is stalled`);
      } finally {
        for (const p of frozen) {
          try {
            process.kill(p, 'SIGCONT');
          } catch {
            /* gone */
          }
        }
        for (const v of vendors) v.destroy();
        for (const t of targets) t.destroy();
        await s.stop();
        busy.close();
      }
    });

  test('a frozen link (sshd SIGSTOPped) is detected by keepalive within (count + 1) × interval', async () => {
    const { sshd, echo } = await setup();
    const port = await freePort();
    const interval = 2;
    const count = 2;
    const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)], { keepalive: { intervalSeconds: interval, countMax: count } }), testDeps(sshd));
    s.start();
    let frozen: number[] = [];
    try {
      await waitForState(s, 'connected');
      frozen = sshd.connectionPids();
      assert.ok(frozen.length > 0, 'the connection has sshd processes');
      const t0 = Date.now();
      for (const p of frozen) process.kill(p, 'SIGSTOP');
      const lost = await waitForState(s, 'reconnecting', 10_000);
      const elapsed = Date.now() - t0;
      assert.equal(lost.lastError?.code, 'KEEPALIVE_TIMEOUT');
      // OpenSSH's ServerAlive semantics: not before `count` probes went unanswered, and within
      // (count + 1) × interval, with a second of room for timers that fire late on a loaded machine.
      assert.ok(elapsed >= (count - 1) * interval * 1000, `detected after only ${elapsed} ms: not by keepalive`);
      assert.ok(elapsed <= (count + 1) * interval * 1000 + 1_000, `detected after ${elapsed} ms`);
      // The frozen session still holds the remote port, so the new connection cannot be "connected"…
      await waitFor(() => s.snapshot().lastError?.code === 'FORWARD_REFUSED', 'the held port to be refused', 10_000);
      assert.notEqual(s.snapshot().state, 'connected');
      // …until the server lets go of it.
      for (const p of frozen) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await waitForState(s, 'connected', 20_000);
      assert.equal((await roundTrip(port, 'thawed')).toString(), 'thawed');
    } finally {
      for (const p of frozen) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await s.stop();
    }
  });

  /**
   * The issue-21 case: the link froze, Burrow reconnected, but the server still holds the remote
   * port for the frozen (old) session until it notices that session is gone. Frozen here by
   * SIGSTOPping the old session's sshd processes; "the server lets go" is killing them.
   */
  async function staleRemotePort(backoff: Partial<BackoffOptions>) {
    const { sshd, echo } = await setup();
    const port = await freePort();
    // The production backoff (waits growing from 1 s to a minute), with a fast keepalive.
    const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)], { keepalive: { intervalSeconds: 1, countMax: 2 } }), { home: sshd.dir, backoff });
    const logins: number[] = [];
    s.on('log', (l) => {
      if (l.message.startsWith('logged in as')) logins.push(Date.now());
    });
    s.start();
    await waitForState(s, 'connected');
    const frozen = sshd.connectionPids();
    for (const p of frozen) process.kill(p, 'SIGSTOP');
    const release = (): number => {
      for (const p of frozen) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      return Date.now();
    };
    cleanup.push(async () => {
      release();
      await s.stop();
    });
    await waitForState(s, 'reconnecting', 10_000, (x) => x.lastError?.code === 'FORWARD_REFUSED');
    return { s, port, logins, release };
  }

  test('a remote port still held by our own lost connection is asked for again every ~1.5 s on the new connection: back within 2 s of its release', async () => {
    const { s, port, logins, release } = await staleRemotePort({ stableMs: 60_000 });
    const loginsBefore = logins.length;
    const waiting = s.snapshot();
    assert.equal(waiting.forwards[0]!.state, 'failed');
    assert.ok(waiting.nextAttemptAt, 'the next try is shown');
    // Held for 8 s: backing off would have made new handshakes at about 1, 2 and 4 s after the
    // loss and waited 8 s more; asking again on the connection that is up makes none.
    await new Promise((r) => setTimeout(r, 8_000));
    assert.equal(logins.length, loginsBefore, 'no new login while the port is held');
    assert.notEqual(s.snapshot().state, 'connected');
    const t0 = release();
    const up = await waitForState(s, 'connected', 10_000);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 2_000, `connected ${elapsed} ms after the server let go of the port`);
    assert.equal(up.reconnects, 1);
    assert.equal(up.lastError, undefined);
    assert.equal((await roundTrip(port, 'healed')).toString(), 'healed');
  });

  test('"Retry now" (nudge) asks for a held port at once', async () => {
    // Asked again only every 60 s by itself: the nudge is what brings it back.
    const { s, release } = await staleRemotePort({ stalePortRetryMs: 60_000 });
    await new Promise((r) => setTimeout(r, 500));
    const t0 = release();
    // The server has let go by the time the process is reaped.
    await new Promise((r) => setTimeout(r, 200));
    s.nudge();
    await waitForState(s, 'connected', 5_000);
    assert.ok(Date.now() - t0 < 2_000, `connected ${Date.now() - t0} ms after the release`);
  });

  test('a port held for longer than a lost connection of ours would be: back to backing off, with new connections', async () => {
    const { s, logins, release } = await staleRemotePort({ stalePortWindowMs: 4_000, initialMs: 500, maxMs: 1_000 });
    const loginsBefore = logins.length;
    // After the window the session gives up the connection and backs off as for any refusal.
    await waitFor(() => logins.length >= loginsBefore + 2, 'new logins after the window', 15_000);
    assert.equal(s.snapshot().lastError?.code, 'FORWARD_REFUSED');
    release();
    await waitForState(s, 'connected', 10_000);
  });

  test('a remote port that is taken is never "connected", then connects once freed', async () => {
    const { sshd, echo } = await setup();
    const port = await freePort();
    const squatter = net.createServer().listen(port, '127.0.0.1');
    await once(squatter, 'listening');
    const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)]), testDeps(sshd));
    const states: string[] = [];
    s.on('snapshot', (x) => states.push(x.state));
    s.start();
    try {
      await waitFor(() => s.snapshot().lastError?.code === 'FORWARD_REFUSED', 'FORWARD_REFUSED');
      const snap = s.snapshot();
      assert.equal(snap.state, 'reconnecting');
      assert.equal(snap.forwards[0]!.state, 'failed');
      assert.match(snap.lastError!.hint!, /in use|not permitted/);
      // Let it retry a few times: still never connected.
      await new Promise((r) => setTimeout(r, 1_000));
      assert.ok(!states.includes('connected'), `states: ${states.join(',')}`);
      squatter.close();
      await waitForState(s, 'connected', 10_000);
      assert.equal((await roundTrip(port, 'freed')).toString(), 'freed');
    } finally {
      squatter.close();
      await s.stop();
    }
  });

  test('when a sibling forward is refused, the forward that did bind says it is pending again', async () => {
    const { sshd, echo } = await setup();
    const [good, taken] = [await freePort(), await freePort()];
    const squatter = net.createServer().listen(taken, '127.0.0.1');
    await once(squatter, 'listening');
    const s = new Session(sessionFor(sshd, [loopbackRemote(good, echo.port), loopbackRemote(taken, echo.port)]), testDeps(sshd));
    const events: string[] = [];
    s.on('forward', (f) => {
      if (f.index === 0) events.push(f.state);
    });
    s.start();
    try {
      await waitFor(() => events.filter((e) => e === 'active').length >= 2, 'two attempts binding the good forward');
      // Every "active" is followed by a "pending" before the next attempt's "active".
      assert.match(events.join(','), /^(active,pending,)+active(,pending)?$/, events.join(','));
      assert.equal(s.snapshot().state === 'connected', false);
    } finally {
      squatter.close();
      await s.stop();
    }
  });

  test('a remote port the server does not permit is never "connected", then connects once permitted', async () => {
    const allowed = await freePort();
    const { sshd, echo } = await setup([`PermitListen 127.0.0.1:${allowed}`]);
    const port = await freePort();
    const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)]), testDeps(sshd));
    const states: string[] = [];
    s.on('snapshot', (x) => states.push(x.state));
    s.start();
    try {
      await waitFor(() => s.snapshot().lastError?.code === 'FORWARD_REFUSED', 'FORWARD_REFUSED');
      await new Promise((r) => setTimeout(r, 1_000));
      assert.ok(!states.includes('connected'), `states: ${states.join(',')}`);
      // The administrator permits the port and restarts sshd.
      writeFileSync(sshd.configPath, readFileSync(sshd.configPath, 'utf8').replace(`PermitListen 127.0.0.1:${allowed}`, `PermitListen 127.0.0.1:${port}`));
      await sshd.restart();
      await waitForState(s, 'connected', 20_000);
      assert.equal((await roundTrip(port, 'permitted')).toString(), 'permitted');
    } finally {
      await s.stop();
    }
  });

  test("a user's stop is never undone by a pending reconnect", async () => {
    // A server that accepts and hangs up at once: the session retries quickly, and we count tries.
    let tries = 0;
    const hangup = net
      .createServer((c) => {
        tries++;
        c.destroy();
      })
      .listen(0, '127.0.0.1');
    await once(hangup, 'listening');
    cleanup.push(async () => {
      hangup.close();
    });
    const { sshd } = await setup();
    const cfg = {
      ...sessionFor(sshd, [{ type: 'remote' as const, bindPort: 0, targetHost: '127.0.0.1', targetPort: 1 }]),
      port: (hangup.address() as net.AddressInfo).port,
    };
    const s = new Session(cfg, testDeps(sshd));
    s.start();
    await waitFor(() => tries >= 2, 'two attempts');
    await s.stop();
    const after = tries;
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(tries, after, 'no attempt after stop');
    assert.equal(s.snapshot().state, 'stopped');
    assert.equal(s.snapshot().nextAttemptAt, undefined);
  });

  test('nudge() retries at once instead of waiting for the backoff', async () => {
    const { sshd, echo } = await setup();
    const port = await freePort();
    await sshd.stop();
    const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)]), testDeps(sshd, { backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 } }));
    s.start();
    try {
      const waiting = await waitForState(s, 'reconnecting');
      assert.equal(waiting.lastError?.code, 'CONNECT_REFUSED');
      await sshd.launch();
      const t0 = Date.now();
      s.nudge();
      await waitForState(s, 'connected', 5_000);
      assert.ok(Date.now() - t0 < 5_000);
    } finally {
      await s.stop();
    }
  });

  for (const outage of [5, 60]) {
    test(
      `after a ${outage} s server outage the tunnel is back within 1 s of sshd listening again (default backoff)`,
      { timeout: (outage + 30) * 1000 },
      async () => {
        const { sshd, echo } = await setup();
        const port = await freePort();
        // The real retry timing, not the tests' fast one.
        const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)]), { home: sshd.dir });
        const refused: number[] = [];
        s.on('log', (l) => {
          if (l.message.startsWith('CONNECT_REFUSED')) refused.push(Date.now());
        });
        s.start();
        try {
          await waitForState(s, 'connected');
          await sshd.stop();
          await new Promise((r) => setTimeout(r, outage * 1000));
          await sshd.launch();
          const listening = Date.now();
          await waitForState(s, 'connected', 10_000, (x) => x.reconnects === 1);
          const backIn = Date.now() - listening;
          const perSecond = refused.length / outage;
          process.stdout.write(
            `# ${outage} s outage: back ${backIn} ms after sshd listened; ${refused.length} refused connection attempts (${perSecond.toFixed(1)}/s), no SSH handshake during the outage\n`,
          );
          assert.ok(backIn < 1_000, `back ${backIn} ms after sshd listened`);
          // Refusals are retried often (every 250 ms) but not in a tight loop.
          assert.ok(perSecond >= 2 && perSecond <= 4.5, `${refused.length} refused attempts in ${outage} s`);
          assert.equal((await roundTrip(port, 'back')).toString(), 'back');
        } finally {
          await s.stop();
        }
      },
    );
  }

  test('a server that accepts TCP and then fails gets at most one attempt per second (default backoff)', async () => {
    const starts: number[] = [];
    const hangup = net
      .createServer((c) => {
        starts.push(Date.now());
        c.destroy();
      })
      .listen(0, '127.0.0.1');
    await once(hangup, 'listening');
    cleanup.push(async () => {
      hangup.close();
    });
    const { sshd } = await setup();
    const cfg = {
      ...sessionFor(sshd, [{ type: 'remote' as const, bindPort: 0, targetHost: '127.0.0.1', targetPort: 1 }]),
      port: (hangup.address() as net.AddressInfo).port,
    };
    // Full jitter would allow a first retry after 0.7 s; the minimum gap keeps it at 1 s or more.
    const s = new Session(cfg, { home: sshd.dir, backoff: { jitter: 0.3, initialMs: 1_000, maxMs: 1_000 } });
    s.start();
    try {
      await waitFor(() => starts.length >= 4, 'four attempts', 10_000);
    } finally {
      await s.stop();
    }
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    assert.equal(gaps.length >= 3, true);
    for (const g of gaps) assert.ok(g >= 990, `gaps between handshakes: ${gaps.join(', ')} ms`);
  });

  test('backoff grows between attempts and is capped', async () => {
    let tries: number[] = [];
    const hangup = net
      .createServer((c) => {
        tries.push(Date.now());
        c.destroy();
      })
      .listen(0, '127.0.0.1');
    await once(hangup, 'listening');
    cleanup.push(async () => {
      hangup.close();
    });
    const { sshd } = await setup();
    const cfg = {
      ...sessionFor(sshd, [{ type: 'remote' as const, bindPort: 0, targetHost: '127.0.0.1', targetPort: 1 }]),
      port: (hangup.address() as net.AddressInfo).port,
    };
    const s = new Session(cfg, testDeps(sshd, { backoff: { initialMs: 100, maxMs: 400, factor: 2, jitter: 0, minGapMs: 0 } }));
    tries = [];
    s.start();
    try {
      await waitFor(() => tries.length >= 6, 'six attempts', 10_000);
    } finally {
      await s.stop();
    }
    const gaps = tries.slice(1).map((t, i) => t - tries[i]!);
    // 100, 200, 400, 400, 400 ms plus each attempt's own time: growing, then flat at the cap.
    // (Backoff's exact delays are unit-tested in backoff.test.ts; this checks the session uses them.)
    assert.ok(gaps[1]! > gaps[0]! && gaps[2]! > gaps[1]!, `gaps ${gaps.join(',')}`);
    assert.ok(gaps[3]! >= 400 && gaps[4]! >= 400 && gaps[3]! < 400 + 800 && gaps[4]! < 400 + 800, `capped gaps ${gaps.join(',')}`);
  });

  test('10,000 short connections through one forward leave no channel, socket or listener behind', { timeout: 180_000 }, async () => {
    const { sshd, echo } = await setup();
    const port = await freePort();
    const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)]), testDeps(sshd));
    s.start();
    try {
      await waitForState(s, 'connected');
      const resources = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
      const baseline = resources();
      const total = 10_000;
      const parallel = 50;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < total) {
          const i = next++;
          const back = await roundTrip(port, `c${i}`);
          assert.equal(back.toString(), `c${i}`);
        }
      };
      await Promise.all(Array.from({ length: parallel }, worker));
      await waitFor(() => s.snapshot().openConnections === 0, 'all forwarded connections to close', 20_000);
      const snap = s.snapshot();
      assert.equal(snap.totalConnections, total);
      assert.equal(snap.failedConnections, 0);
      assert.equal(snap.state, 'connected');
      await waitFor(() => resources() <= baseline, `TCP handles back to ${baseline} (now ${resources()})`, 20_000);
      // ssh2 keeps its channels in a private manager; it must be empty again (ssh2 #717-style leaks).
      const client = (s as unknown as { current: { client: { _chanMgr: { _count: number } } } }).current.client;
      await waitFor(() => client._chanMgr._count === 0, `ssh2 channels to be released (now ${client._chanMgr._count})`, 20_000);
      assert.equal(echo.connections() >= total, true);
      assert.equal((client as unknown as { listenerCount(e: string): number }).listenerCount('tcp connection'), 1);
    } finally {
      await s.stop();
    }
  });
});
