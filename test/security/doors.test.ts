/**
 * The doors under attack by another local user (issue: "the doors under attack"): a second,
 * unprivileged user made by the test floods `burrow web` with malformed upgrades, requests and
 * idle connections, and tries to pose as the running Burrow on the control channel. The tunnels
 * keep carrying data, the descriptors come back, and the impostor is refused by name before
 * anything is sent to it. Run as root, against a real `burrow web`/`burrow run` and a real sshd.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { controlPath } from '../../main/control/channel.js';
import { runBurrow, startBurrow } from '../helpers/cli.js';
import { createHostileUser, hostileUserUnavailable, type HostileUser } from '../helpers/hostile-user.js';
import { echoServer, freePort, roundTrip, waitFor } from '../helpers/net.js';
import { loopbackRemote } from '../helpers/session.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';

const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

describe('the doors, attacked by another local user', { skip: sshdUnavailable() ?? hostileUserUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let hostile: HostileUser;
  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
    hostile = createHostileUser();
  });
  after(async () => {
    hostile?.dispose();
    await echo?.close();
    await sshd?.dispose();
  });

  const session = (name: string, port: number): object => ({
    name,
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    autostart: true,
    auth: { identityFiles: [sshd.clientKeyPath] },
    hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
    forwards: [loopbackRemote(port, echo.port)],
  });

  test('thousands of malformed upgrades, requests, unauthenticated WebSockets and idle connections: tunnels carry data throughout, and the descriptors come back', async () => {
    const dir = path.join(sshd.dir, 'web');
    mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, 'config.json');
    const tunnel = await freePort();
    writeFileSync(file, JSON.stringify({ version: 3, sessions: [session('warehouse', tunnel)] }));
    const web = startBurrow(['web', '--config', file]);
    try {
      let out = '';
      web.child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
      });
      await waitFor(() => /http:\/\/127\.0\.0\.1:(\d+)\//.test(out), "burrow web's address");
      const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1]);
      await waitFor(async () => (await roundTrip(tunnel, 'up').catch(() => Buffer.alloc(0))).toString() === 'up', 'the tunnel', 20_000, 200);
      const pid = web.child.pid!;
      // Settle: the first round trips may open descriptors that stay (the tunnel's channel pool).
      for (let i = 0; i < 5; i++) await roundTrip(tunnel, 'x');
      const start = fds(pid);

      const attack = hostile.startNode(`
        import net from 'node:net';
        const port = ${port};
        const host = '127.0.0.1:' + port, origin = 'http://127.0.0.1:' + port;
        const one = (bytes, holdMs = 0) => new Promise((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.resume();
          s.on('error', () => resolve('error'));
          s.on('close', () => resolve('closed'));
          s.on('connect', () => { if (bytes) s.write(bytes); if (holdMs) setTimeout(() => { s.destroy(); resolve('held'); }, holdMs); });
        });
        const upgrade = (target) => 'GET ' + target + ' HTTP/1.1\\r\\nHost: ' + host + '\\r\\nOrigin: ' + origin + '\\r\\nConnection: Upgrade\\r\\nUpgrade: websocket\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n';
        const batch = async (n, make) => { for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: Math.min(100, n - i) }, make)); };
        // Idle connections and half-sent headers, held open for 25 s unless the server drops them.
        const idle = Array.from({ length: 300 }, (_, i) => one(i % 2 ? '' : 'GET / HTTP/1.1\\r\\nHost: ' + host + '\\r\\n', 25000));
        await batch(3000, () => one(upgrade('http://[/bridge')));
        await batch(1000, () => one('GET /% HTTP/1.1\\r\\nHost: ' + host + '\\r\\n\\r\\n'));
        // Unauthenticated WebSockets that send null, an array, a number instead of a hello.
        await batch(500, (_, i) => new Promise((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.on('error', () => resolve());
          s.on('close', () => resolve());
          s.on('data', () => { const f = Buffer.from(['null', '[]', '42'][Math.floor(Math.random() * 3)]); const frame = Buffer.concat([Buffer.from([0x81, 0x80 | f.length, 0, 0, 0, 0]), f]); s.write(frame); });
          s.on('connect', () => s.write(upgrade('/bridge')));
        }));
        const ends = await Promise.all(idle);
        console.log(JSON.stringify({ idleDroppedByServer: ends.filter((e) => e !== 'held').length }));
      `);
      let attackOut = '';
      attack.stdout!.on('data', (d: Buffer) => {
        attackOut += d.toString();
      });
      let attackErr = '';
      attack.stderr!.on('data', (d: Buffer) => {
        attackErr += d.toString();
      });
      const attacked = new Promise<number | null>((r) => attack.on('exit', r));

      // Throughout the attack, the tunnel answers and the control channel answers.
      let trips = 0;
      let worst = 0;
      let done = false;
      void attacked.then(() => {
        done = true;
      });
      while (!done) {
        const t = Date.now();
        assert.equal((await roundTrip(tunnel, `ping ${trips}`)).toString(), `ping ${trips}`);
        worst = Math.max(worst, Date.now() - t);
        trips++;
        if (trips % 20 === 0) {
          const status = await runBurrow(['status', '--config', file]);
          assert.equal(status.code, 0, status.stderr);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(await attacked, 0, attackErr);
      const { idleDroppedByServer } = JSON.parse(attackOut) as { idleDroppedByServer: number };
      console.log(
        `# ${trips} round trips through the tunnel during the attack, worst ${worst} ms; ${idleDroppedByServer} of 300 idle connections dropped by Burrow within 25 s; descriptors at start ${start}, at the end of the attack ${fds(pid)}`,
      );
      assert.equal(idleDroppedByServer, 300, 'every idle or half-sent connection is dropped by Burrow');
      await waitFor(() => fds(pid) <= start + 2, `descriptors back to ${start} (now ${fds(pid)})`, 40_000, 500);
      assert.equal((await roundTrip(tunnel, 'after')).toString(), 'after');
      const status = await runBurrow(['status', '--config', file]);
      assert.equal(status.code, 0, status.stderr);
    } finally {
      web.child.kill('SIGTERM');
      await web.exited;
    }
  });

  test('another user who makes the control folder first is refused by name: burrow run starts nothing, burrow status sends nothing', async () => {
    // A config folder others can write (a shared, sticky folder), where the squat is possible at all.
    const dir = path.join(hostile.shared, 'squatted');
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o1777);
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ version: 3, sessions: [session('warehouse', await freePort())] }));
    // The impostor's own control folder and socket, answering as "the running Burrow".
    const impostor = hostile.startNode(`
      import net from 'node:net'; import fs from 'node:fs';
      fs.mkdirSync(${JSON.stringify(path.join(dir, 'control'))}, { mode: 0o700 });
      let got = 0;
      net.createServer((s) => s.on('data', (d) => { got += d.length; console.log('GOT ' + got); })).listen(${JSON.stringify(path.join(dir, 'control', 'burrow.sock'))}, () => console.log('LISTENING'));
    `);
    let heard = '';
    impostor.stdout!.on('data', (d: Buffer) => {
      heard += d.toString();
    });
    try {
      await waitFor(() => heard.includes('LISTENING'), 'the impostor');
      const run = await runBurrow(['run', '--config', file]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`control: belongs to ${hostile.name} \\(uid ${hostile.uid}\\), not to root \\(uid 0\\): another user made it`));
      for (const verb of ['status', 'reload']) {
        const r = await runBurrow([verb, '--config', file]);
        assert.equal(r.code, 1, verb);
        assert.match(
          r.stderr,
          new RegExp(`^burrow ${verb}: refused to talk to the Burrow on .*: .*control: belongs to ${hostile.name} \\(uid ${hostile.uid}\\)`),
          verb,
        );
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.doesNotMatch(heard, /GOT/, 'the impostor received nothing');
    } finally {
      impostor.kill('SIGKILL');
    }
  });

  test('another user who swaps the control folder after Burrow started is refused by name, and receives nothing', async () => {
    // A config folder anyone may rename things in (0777, no sticky bit): the worst case.
    const dir = path.join(hostile.shared, 'swapped');
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o777);
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ version: 3, sessions: [session('warehouse', await freePort())] }));
    const run = startBurrow(['run', '--json', '--config', file]);
    let impostor: ReturnType<HostileUser['startNode']> | undefined;
    try {
      await run.waitForLine((l) => l.session === 'warehouse' && l.state === 'connected');
      assert.equal((await runBurrow(['status', '--config', file])).code, 0, 'the real Burrow answers first');
      impostor = hostile.startNode(`
        import net from 'node:net'; import fs from 'node:fs';
        fs.renameSync(${JSON.stringify(path.join(dir, 'control'))}, ${JSON.stringify(path.join(dir, 'moved-away'))});
        fs.mkdirSync(${JSON.stringify(path.join(dir, 'control'))}, { mode: 0o700 });
        let got = 0;
        net.createServer((s) => s.on('data', (d) => { got += d.length; console.log('GOT ' + got); })).listen(${JSON.stringify(path.join(dir, 'control', 'burrow.sock'))}, () => console.log('LISTENING'));
      `);
      let heard = '';
      let err = '';
      impostor.stdout!.on('data', (d: Buffer) => {
        heard += d.toString();
      });
      impostor.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
      });
      await waitFor(() => heard.includes('LISTENING') || err !== '', 'the impostor');
      assert.equal(err, '', 'the other user could swap the folder');
      const status = await runBurrow(['status', '--config', file]);
      assert.equal(status.code, 1);
      assert.match(status.stderr, new RegExp(`control: belongs to ${hostile.name} \\(uid ${hostile.uid}\\)`));
      await new Promise((r) => setTimeout(r, 300));
      assert.doesNotMatch(heard, /GOT/, 'the impostor received nothing');
    } finally {
      impostor?.kill('SIGKILL');
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  test('a config folder deeper than a socket path may be keeps its channel in itself, never in a shared temp folder another user could take first', async () => {
    // Another user's folder where the old fallback put the socket.
    const uid = process.getuid!();
    hostile.run(['mkdir', '-m', '777', `/tmp/burrow-${uid}`]);
    const dir = path.join(sshd.dir, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'config.json');
    const port = await freePort();
    writeFileSync(file, JSON.stringify({ version: 3, sessions: [session('deep', port)] }));
    const run = startBurrow(['run', '--json', '--config', file]);
    try {
      await run.waitForLine((l) => l.session === 'deep' && l.state === 'connected');
      assert.ok(Buffer.byteLength(controlPath(dir).file) > 108, 'longer than sun_path');
      assert.ok(existsSync(controlPath(dir).file), 'the socket is in the config folder');
      const status = await runBurrow(['status', '--config', file]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /deep: connected/);
      assert.deepEqual(readdirSync(`/tmp/burrow-${uid}`), [], 'nothing in the shared temp folder');
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
      hostile.run(['rmdir', `/tmp/burrow-${uid}`]);
    }
  });
});
