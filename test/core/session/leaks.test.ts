/**
 * Issue 24, "a tunnel that stays small for months": a closed connection must leave nothing behind.
 * 10,000 connections go through a real tunnel (a vendor's connections to a remote forward, each a
 * round trip and a close); once they are all closed, no count is above where it started: the
 * SSH channels ssh2 holds, the process's sockets and timers (libuv's active handles and requests),
 * and the listeners on the SSH client and its socket. A per-connection object kept by mistake — a
 * channel never freed, a timer never cleared, a listener added per connection — shows here as a
 * count that grew with the connections.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { EventEmitter } from 'node:events';
import { Session } from '../../../main/core/session/session.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { echoServer, freePort, waitFor } from '../../helpers/net.js';
import { loopbackRemote, sessionFor, testDeps, waitForState } from '../../helpers/session.js';

const CONNECTIONS = 10_000;
const AT_ONCE = 50;

/** One vendor connection: connect, send, read the echo, close; resolves once the socket is closed. */
function oneConnection(port: number, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const payload = `connection ${i}\n`;
    let got = '';
    const s = net.connect(port, '127.0.0.1');
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
      if (got.length >= payload.length) s.end();
    });
    s.on('error', reject);
    s.on('close', () => (got === payload ? resolve() : reject(new Error(`connection ${i} got ${JSON.stringify(got)}`))));
    s.write(payload);
  });
}

async function connections(port: number, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      while (next < count) await oneConnection(port, next++);
    }),
  );
}

/** What Burrow's engine holds, reached as a debugger would: ssh2's channel table and the attempt's client and socket. */
interface Internals {
  current?: { client: EventEmitter & { _chanMgr?: { _count: number } }; sock: EventEmitter };
}

function listeners(e: EventEmitter): number {
  return e.eventNames().reduce((n, name) => n + e.listenerCount(name), 0);
}

function counts(s: Session): Record<string, number> {
  const a = (s as unknown as Internals).current!;
  const resources: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
  return {
    'ssh2 channels': a.client._chanMgr?._count ?? -1,
    'listeners on the SSH client': listeners(a.client),
    'listeners on the SSH socket': listeners(a.sock),
    'connections the session counts open': s.snapshot().openConnections,
    ...Object.fromEntries(Object.entries(resources).map(([k, v]) => [`active ${k}`, v])),
  };
}

describe('a closed connection leaves nothing behind', { skip: sshdUnavailable() }, () => {
  test(`${CONNECTIONS.toLocaleString('en')} connections through a remote forward: channels, sockets, timers and listeners return to their start`, async () => {
    const sshd = await Sshd.start();
    const echo = await echoServer();
    const port = await freePort();
    const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)]), testDeps(sshd));
    s.start();
    try {
      await waitForState(s, 'connected');
      await waitFor(() => s.snapshot().forwards[0]!.reach !== undefined, 'the check from the server to end', 10_000);
      // Warm up: what the first connections create once (pools, lazily made objects) is not a leak.
      await connections(port, 200);
      await waitFor(() => counts(s)['ssh2 channels'] === 0 && s.snapshot().openConnections === 0, 'the warm-up connections to close', 10_000);
      const before = counts(s);
      await connections(port, CONNECTIONS);
      assert.equal(s.snapshot().totalConnections, 200 + CONNECTIONS, 'every connection went through the tunnel');
      // Closing is asynchronous on both sides (our EOF, the server's CLOSE): give it a moment, then
      // compare. A count may end below its start — a timer running then (a keepalive's wait, a
      // warm-up connection's close wait) may have fired since — but none may have grown: what a
      // kept object does is grow with the connections (one timer kept per connection: 202 → 10,201).
      const grown = (now: Record<string, number>): string[] =>
        Object.entries(now)
          .filter(([k, v]) => v > (before[k] ?? 0))
          .map(([k, v]) => `${k}: ${before[k] ?? 0} → ${v}`);
      let after = counts(s);
      await waitFor(
        () => {
          after = counts(s);
          return grown(after).length === 0;
        },
        'every count back at its start',
        15_000,
      ).catch(() => undefined);
      assert.deepEqual(grown(after), [], `grew with the connections (all counts: ${JSON.stringify(after)})`);
      assert.equal(after['ssh2 channels'], 0);
      assert.equal(after['connections the session counts open'], 0);
      assert.equal(s.snapshot().state, 'connected');
    } finally {
      await s.stop();
      await echo.close();
      await sshd.dispose();
    }
  });
});
