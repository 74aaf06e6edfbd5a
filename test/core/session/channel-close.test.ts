/**
 * Who closes a finished channel first. Burrow lets the server send CHANNEL_CLOSE and answers it,
 * so sshd (which keeps Nagle on for `ssh -N` connections) is never left waiting 40 ms for a delayed
 * ACK before the next connection's first bytes. See letServerCloseFirst in forward.ts.
 */
import { describe, test, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import net from 'node:net';
import { once } from 'node:events';
import type { ClientChannel } from 'ssh2';
import { letServerCloseFirst, SERVER_CLOSE_WAIT_MS } from '../../../main/core/session/forward.js';
import { Session } from '../../../main/core/session/session.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { echoServer, freePort, waitFor } from '../../helpers/net.js';
import { loopbackRemote, sessionFor, testDeps, waitForState } from '../../helpers/session.js';

/** A stand-in for ssh2's channel: a Duplex whose destroy() is what would send CHANNEL_CLOSE. */
class FakeChannel extends Duplex {
  closesSent = 0;
  constructor() {
    super({ allowHalfOpen: true, emitClose: false });
  }
  override _read(): void {}
  override _write(_c: Buffer, _e: BufferEncoding, cb: () => void): void {
    cb();
  }
  override destroy(err?: Error): this {
    this.closesSent++;
    return super.destroy(err);
  }
}

async function finishBothWays(ch: FakeChannel): Promise<void> {
  ch.resume();
  ch.push(null);
  ch.end();
  await Promise.all([once(ch, 'end'), once(ch, 'finish')]);
  // autoDestroy runs on the tick after 'end'/'finish'.
  await new Promise((r) => setImmediate(r));
}

describe('letServerCloseFirst', () => {
  test('a channel finished both ways does not close at once, and does not close at all when the server closes first', async () => {
    const ch = new FakeChannel();
    letServerCloseFirst(ch as unknown as ClientChannel);
    await finishBothWays(ch);
    assert.equal(ch.closesSent, 0);
    ch.emit('close'); // ssh2 answers the server's CLOSE itself and emits 'close'
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(ch.closesSent, 0);
  });

  test('a server that never closes first gets our CLOSE after SERVER_CLOSE_WAIT_MS', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const ch = new FakeChannel();
      letServerCloseFirst(ch as unknown as ClientChannel);
      await finishBothWays(ch);
      mock.timers.tick(SERVER_CLOSE_WAIT_MS - 1);
      assert.equal(ch.closesSent, 0);
      mock.timers.tick(1);
      assert.equal(ch.closesSent, 1);
    } finally {
      mock.timers.reset();
    }
  });

  test('errors and an unfinished channel still close at once, and so does the returned destroy', () => {
    const a = new FakeChannel();
    letServerCloseFirst(a as unknown as ClientChannel);
    a.on('error', () => undefined);
    a.destroy(new Error('boom'));
    assert.equal(a.closesSent, 1);

    const b = new FakeChannel();
    letServerCloseFirst(b as unknown as ClientChannel);
    b.destroy();
    assert.equal(b.closesSent, 1);

    const c = new FakeChannel();
    const destroyNow = letServerCloseFirst(c as unknown as ClientChannel);
    destroyNow();
    assert.equal(c.closesSent, 1);
  });
});

describe('channel close order against a real sshd', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    sshd = await Sshd.start({ logLevel: 'DEBUG2' });
    echo = await echoServer();
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
  });

  test('sshd sends CHANNEL_CLOSE first for every connection a -R client closes, and Burrow answers it', async () => {
    const port = await freePort();
    const s = new Session(sessionFor(sshd, [loopbackRemote(port, echo.port)]), testDeps(sshd));
    s.start();
    try {
      await waitForState(s, 'connected');
      for (let i = 0; i < 5; i++) {
        const c = net.connect(port, '127.0.0.1');
        c.write('ping');
        await once(c, 'data');
        c.end();
        await once(c, 'close');
      }
      // Five closes, and each answered (the check from the server's side adds its own two channels).
      const count = (what: string): number => (sshd.log().match(new RegExp(`channel \\d+: ${what} close`, 'g')) ?? []).length;
      await waitFor(() => count('rcvd') >= 5 && count('rcvd') === count('send'), 'sshd to log five closes, each answered');
      // sshd reuses channel numbers, so read its log per number, in order: every close must be
      // "send close" (sshd first) followed by "rcvd close" (Burrow's answer).
      const order = new Map<string, string[]>();
      for (const m of sshd.log().matchAll(/channel (\d+): (send|rcvd) close/g)) {
        order.set(m[1]!, [...(order.get(m[1]!) ?? []), m[2]!]);
      }
      const all = [...order.values()].flat();
      assert.ok(all.length >= 10, `closes seen: ${JSON.stringify([...order])}`);
      for (const seq of order.values()) assert.match(seq.join(','), /^(send,rcvd,?)+$/);
      assert.equal(s.snapshot().forwards[0]!.openConnections, 0);
    } finally {
      await s.stop();
    }
  });
});
