/**
 * The control channel, black-box: a real `burrow run` with three sessions against a real sshd,
 * driven with `burrow status|stop|start|logs|reload` and SIGHUP; sshd's own log proves which
 * sessions (re)connected. Also: nothing running, a stale socket, and other users kept out.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { controlPath } from '../../main/control/channel.js';
import { runBurrow, startBurrow, type Running } from '../helpers/cli.js';
import { echoServer, freePort, roundTrip, waitFor } from '../helpers/net.js';
import { loopbackRemote } from '../helpers/session.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

describe('the control channel', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  /** Each session logs in with its own key, so sshd's log tells their logins apart. */
  const keys = new Map<string, { path: string; fingerprint: string }>();
  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
    for (const name of ['alpha', 'bravo', 'charlie', 'delta']) {
      const file = path.join(sshd.dir, `id_${name}`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
      await sshd.authorize(readFileSync(`${file}.pub`, 'utf8'));
      keys.set(name, { path: file, fingerprint: execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1]! });
    }
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
  });

  /** How many times sshd accepted a session's key: one per (re)connection. */
  const logins = (name: string): number =>
    sshd
      .log()
      .split('\n')
      .filter((l) => l.includes('Accepted publickey') && l.includes(keys.get(name)!.fingerprint)).length;

  function session(name: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      name,
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      auth: { identityFiles: [keys.get(name)!.path] },
      hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
      forwards: [loopbackRemote(port, echo.port)],
      ...extra,
    };
  }

  const writeConfig = (file: string, sessions: unknown[]): void => writeFileSync(file, JSON.stringify({ version: 3, sessions }, null, 2));

  test('status, stop, start, logs and reload steer a running burrow run; SIGHUP applies edits and leaves untouched sessions connected', async () => {
    const dir = path.join(sshd.dir, 'steer');
    mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, 'config.json');
    const [pa, pb, pc, pd] = [await freePort(), await freePort(), await freePort(), await freePort()];
    writeConfig(file, [session('alpha', pa), session('bravo', pb), session('charlie', pc)]);
    const run: Running = startBurrow(['run', '--json', '--config', file]);
    const cli = (...args: string[]): ReturnType<typeof runBurrow> => runBurrow([...args, '--config', file]);
    try {
      for (const n of ['alpha', 'bravo', 'charlie']) await run.waitForLine((l) => l.session === n && l.state === 'connected');
      assert.deepEqual(['alpha', 'bravo', 'charlie'].map(logins), [1, 1, 1]);

      // status, for people and for programs
      const status = await cli('status');
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, new RegExp(`^burrow run \\(pid ${run.child.pid}\\) runs the tunnels of `));
      for (const [n, p] of [
        ['alpha', pa],
        ['bravo', pb],
        ['charlie', pc],
      ] as const)
        assert.match(status.stdout, new RegExp(`${n}: connected since .*\\n    -R 127\\.0\\.0\\.1:${p}:127\\.0\\.0\\.1:${echo.port}: active`));
      const json = JSON.parse((await cli('status', '--json')).stdout) as {
        runBy: { pid: number };
        sessions: Array<{ name: string; state: string; forwards: Array<{ port: number }> }>;
      };
      assert.equal(json.runBy.pid, run.child.pid);
      assert.deepEqual(
        json.sessions.map((s) => [s.name, s.state, s.forwards[0]!.port]),
        [
          ['alpha', 'connected', pa],
          ['bravo', 'connected', pb],
          ['charlie', 'connected', pc],
        ],
      );

      // stop and start one, by name in any case
      const stop = await cli('stop', 'BRAVO');
      assert.deepEqual([stop.code, stop.stdout.trim()], [0, 'bravo: stopped']);
      assert.ok(await refused(pb), 'the remote port is released');
      const start = await cli('start', 'bravo');
      assert.equal(start.code, 0, start.stderr);
      await waitFor(async () => (await roundTrip(pb, 'b').catch(() => Buffer.alloc(0))).toString() === 'b', 'bravo back');
      assert.equal(logins('bravo'), 2);
      // "Restart" of a connected session: it reconnects (one login more) and carries data again.
      const retry = await cli('retry', 'Bravo');
      assert.equal(retry.code, 0, retry.stderr);
      assert.match(retry.stdout.trim(), /^bravo: (connecting|reconnecting|connected)$/);
      await waitFor(() => logins('bravo') === 3, 'bravo logged in again');
      await waitFor(async () => (await roundTrip(pb, 'b2').catch(() => Buffer.alloc(0))).toString() === 'b2', 'bravo back after the restart');
      const wrong = await cli('start', 'nope');
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /no session named "nope" \(there are: alpha, bravo, charlie\)/);

      // logs, then following them while something happens
      const logs = await cli('logs', 'bravo');
      assert.equal(logs.code, 0);
      assert.match(logs.stdout, /state: stopped/);
      const follow = startBurrow(['logs', 'bravo', '-f', '--config', file]);
      // startBurrow reads JSON lines; the log's text lines arrive as { raw }.
      const followed = (): string[] => follow.lines.map((l) => String(l.raw));
      await waitFor(() => followed().some((l) => /state: connected/.test(l)), 'the history first');
      const seen = followed().length;
      await cli('stop', 'bravo');
      await waitFor(
        () =>
          followed()
            .slice(seen)
            .some((l) => /^\S+ info {2}state: stopped$/.test(l)),
        'the followed log to show the stop',
        10_000,
      );
      follow.child.kill('SIGINT');
      assert.equal(await follow.exited, 0);
      await cli('start', 'bravo');
      await run.waitForLine(
        (l) => l.session === 'bravo' && l.state === 'connected' && run.lines.filter((x) => x.session === 'bravo' && x.state === 'connected').length >= 3,
      );
      const loginsBefore = { alpha: logins('alpha'), bravo: logins('bravo'), charlie: logins('charlie') };

      // Edit the config: add delta, change charlie, remove bravo; alpha stays as it was.
      writeConfig(file, [session('alpha', pa), session('charlie', pc, { keepalive: { intervalSeconds: 7, countMax: 3 } }), session('delta', pd)]);
      run.child.kill('SIGHUP');
      await run.waitForLine((l) => l.type === 'note' && /^reloaded .*: added delta; removed bravo; changed charlie \(1 unchanged\)$/.test(String(l.message)));
      await run.waitForLine((l) => l.session === 'delta' && l.state === 'connected');
      await waitFor(() => logins('charlie') === loginsBefore.charlie + 1, 'charlie to reconnect with its new settings', 10_000);
      assert.ok(await refused(pb), 'removed bravo is stopped and its port released');
      assert.equal((await roundTrip(pd, 'delta')).toString(), 'delta');
      assert.equal((await roundTrip(pa, 'alpha')).toString(), 'alpha');

      // `burrow reload` with nothing changed, then with a broken config: nothing changes.
      const same = await cli('reload');
      assert.equal(same.code, 0, same.stderr);
      assert.match(same.stdout, /: no change \(3 unchanged\)$/m);
      writeFileSync(file, '{ "version": 3, "sessions": [ {"name": "alpha", ');
      const broken = await cli('reload');
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /^burrow reload: .*config\.json.*(JSON|json)/m);
      run.child.kill('SIGHUP');
      await run.waitForLine((l) => l.type === 'error' && /^reload of .* failed, the running tunnels are unchanged: /.test(String(l.message)));
      const afterStatus = await cli('status', '--json');
      assert.equal(afterStatus.code, 0, afterStatus.stderr);
      const after = JSON.parse(afterStatus.stdout) as { sessions: Array<{ name: string; state: string }> };
      assert.deepEqual(
        after.sessions.map((s) => [s.name, s.state]),
        [
          ['alpha', 'connected'],
          ['charlie', 'connected'],
          ['delta', 'connected'],
        ],
      );

      // sshd's own log: alpha, never touched, logged in exactly once in all this.
      assert.equal(logins('alpha'), 1);
      assert.equal(loginsBefore.alpha, 1);
      assert.equal(logins('bravo'), loginsBefore.bravo);
      assert.equal(logins('delta'), 1);
    } finally {
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
    }
    // Stopped cleanly: the socket is gone with it.
    assert.ok(!existsSync(controlPath(dir).file));
  });

  test('a session imported while burrow run runs reaches it at once: it is added and started', async () => {
    const dir = path.join(sshd.dir, 'import');
    mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, 'config.json');
    const [pa, pn] = [await freePort(), await freePort()];
    writeConfig(file, [session('alpha', pa)]);
    const run = startBurrow(['run', '--json', '--config', file]);
    try {
      await run.waitForLine((l) => l.session === 'alpha' && l.state === 'connected');
      const alphaLogins = logins('alpha');
      const imp = await runBurrow([
        'import',
        '--name',
        'newcomer',
        '--config',
        file,
        '--',
        'ssh',
        '-N',
        '-R',
        `127.0.0.1:${pn}:127.0.0.1:${echo.port}`,
        '-i',
        keys.get('delta')!.path,
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${sshd.knownHostsPath}`,
        `${sshd.user}@127.0.0.1`,
      ]);
      assert.equal(imp.code, 0, imp.stderr);
      assert.match(imp.stderr, /^note: burrow run took the change: added newcomer$/m);
      await run.waitForLine((l) => l.session === 'newcomer' && l.state === 'connected');
      assert.equal((await roundTrip(pn, 'new')).toString(), 'new');
      assert.equal(logins('alpha'), alphaLogins, 'alpha was not touched');
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  test('with nothing running, each command says so, points to burrow run and service install, and exits 1', async () => {
    const file = path.join(sshd.dir, 'idle', 'config.json');
    for (const args of [['status'], ['start', 'x'], ['stop', 'x'], ['retry', 'x'], ['logs', 'x'], ['reload']]) {
      const r = await runBurrow([...args, '--config', file]);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(
        r.stderr,
        new RegExp(`^burrow ${args[0]}: no Burrow is running on .*idle/config\\.json\\. Run its tunnels with \`burrow run\` .* or \`burrow service install\``),
      );
    }
  });

  test('a socket left by a killed Burrow is replaced by the next one; until then nothing answers on it', async () => {
    const dir = path.join(sshd.dir, 'stale');
    mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, 'config.json');
    writeConfig(file, [session('alpha', await freePort())]);
    const first = startBurrow(['run', '--json', '--config', file]);
    await first.waitForLine((l) => l.state === 'connected');
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(existsSync(controlPath(dir).file), 'kill -9 leaves the socket file');
    const none = await runBurrow(['status', '--config', file]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no Burrow is running/);
    const second = startBurrow(['run', '--json', '--config', file]);
    try {
      await second.waitForLine((l) => l.state === 'connected');
      const status = await runBurrow(['status', '--config', file]);
      assert.match(status.stdout, new RegExp(`pid ${second.child.pid}`));
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  test("the socket is the owner's only: mode 0600 in a 0700 folder, and another user is refused even with the folder opened", async () => {
    const dir = path.join(sshd.dir, 'private');
    mkdirSync(dir, { mode: 0o700 });
    const file = path.join(dir, 'config.json');
    writeConfig(file, []);
    const run = startBurrow(['run', '--json', '--config', file, '--service']);
    try {
      const sock = controlPath(dir).file;
      await waitFor(() => existsSync(sock), 'the control socket');
      assert.equal(statSync(sock).mode & 0o777, 0o600);
      assert.equal(statSync(path.dirname(sock)).mode & 0o777, 0o700);
      const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
      const root = process.getuid?.() === 0 && has('useradd') && has('runuser');
      if (!root) {
        console.log("# not root (or no useradd/runuser): another user's refusal is shown by the modes above only");
        return;
      }
      const user = 'burrow-ctl-test';
      spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
      try {
        const tryConnect = (): string =>
          spawnSync(
            'runuser',
            [
              '-u',
              user,
              '--',
              process.execPath,
              '-e',
              `require('net').connect(${JSON.stringify(sock)}).on('connect', () => { console.log('CONNECTED'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`,
            ],
            { encoding: 'utf8' },
          ).stdout.trim();
        // Every folder above must be passable for the test to reach the socket's own check.
        for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d))
          if ((statSync(d).mode & 0o001) === 0) chmodSync(d, statSync(d).mode | 0o001);
        assert.equal(tryConnect(), 'EACCES', 'the 0700 folder keeps another user out');
        chmodSync(dir, 0o755);
        chmodSync(path.dirname(sock), 0o755);
        assert.equal(tryConnect(), 'EACCES', 'and so does the 0600 socket on its own');
      } finally {
        chmodSync(path.dirname(sock), 0o700);
        chmodSync(dir, 0o700);
        spawnSync('userdel', [user]);
      }
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
});
