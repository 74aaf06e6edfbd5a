/**
 * One fault, one session: an uncaught error in one session's work is logged with that session's
 * name and retries only that session, while another session in the same process keeps carrying
 * data. Runs a door in a child process (test/helpers/fault-child.ts) against a real sshd, because
 * the test runner itself treats uncaught errors as failures.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { freePort, waitFor } from '../helpers/net.js';
import { exchange, hashingTarget, type HashingTarget } from '../helpers/hashed-streams.js';
import { loopbackRemote, sessionFor } from '../helpers/session.js';

const CHILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/fault-child.js');

describe('one fault, one session', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let target: HashingTarget;
  before(async () => {
    sshd = await Sshd.start();
    target = await hashingTarget();
  });
  after(async () => {
    await target?.close();
    await sshd?.dispose();
  });

  test('a dependency of one session throws later, outside any try: that session retries, the other never stops carrying data', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const trigger = path.join(sshd.dir, 'trigger');
    const spec = {
      a: {
        ...sessionFor(sshd, [loopbackRemote(pa, target.port)], {
          hostKey: { policy: 'accept-new' as const, knownHostsFiles: [path.join(sshd.dir, 'a_known_hosts')] },
        }),
        id: 'a',
        name: 'a',
      },
      b: { ...sessionFor(sshd, [loopbackRemote(pb, target.port)]), id: 'b', name: 'b' },
      home: sshd.dir,
      trigger,
    };
    const child = spawn(process.execPath, [CHILD, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<Record<string, unknown>> = [];
    let buf = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
        buf = buf.slice(nl + 1);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const connected = (id: string): boolean => lines.some((l) => l.type === 'state' && l.id === id && l.state === 'connected');
      // Connected, and each forward checked from the server's side (a log line and a snapshot that
      // follow "connected"): from then on nothing of b may change.
      const checked = (id: string): boolean => lines.some((l) => l.id === id && /checked from the server/.test(String(l.message)));
      await waitFor(() => connected('a') && connected('b') && checked('a') && checked('b'), `both sessions connected and checked (stderr: ${stderr})`);
      const mark = lines.length;
      // A long transfer through b, and a's dependency throws while it runs.
      const transfer = exchange(pb, 48 * 1024 * 1024);
      await new Promise((r) => setTimeout(r, 200));
      writeFileSync(trigger, '');
      const result = await transfer;
      if (!result.ok) await new Promise((r) => setTimeout(r, 1000)); // let the child's last words arrive
      assert.equal(result.ok, true, `${result.detail}: ${JSON.stringify(lines)} stderr: ${stderr}`);
      await waitFor(
        () => lines.some((l) => l.type === 'fault' && l.session === 'a' && /planted: a dependency/.test(String(l.message))),
        'the fault to be logged with its session',
      );
      await waitFor(() => lines.filter((l) => l.id === 'a' && l.state === 'connected').length >= 2, 'a to come back after its fault');
      assert.ok(
        lines.some((l) => l.id === 'a' && l.state === 'reconnecting' && l.code === 'INTERNAL_ERROR'),
        'a retried with INTERNAL_ERROR',
      );
      assert.deepEqual(
        lines.slice(mark).filter((l) => l.id === 'b'),
        [],
        `b did not change state at all: ${JSON.stringify(lines)}`,
      );
      // The log listener that threw while the new host key was accepted did not keep ssh2 waiting.
      assert.ok(lines.some((l) => l.type === 'fault' && l.session === 'a' && /listener of "log" threw: planted: a log listener/.test(String(l.message))));
      // The listener that threw was logged with its session and did not fail it.
      assert.ok(lines.some((l) => l.type === 'fault' && l.session === 'a' && /ListenerError: a listener of "snapshot" threw: planted/.test(String(l.message))));
      assert.equal(lines.filter((l) => l.id === 'a' && l.code === 'INTERNAL_ERROR').length >= 1, true);
      assert.equal(child.exitCode, null, 'the process is still running');
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
  });
});
