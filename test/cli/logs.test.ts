/**
 * A session's log outlives a restart: `burrow run` keeps it on disk beside the store, the next
 * run's `burrow logs NAME` (and the window, through logs:get) shows the lines of the run before,
 * and with nothing running `burrow logs NAME` still reads them. Under systemd, each line reaches
 * the journal with its priority and the session's name.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BURROW, cleanEnv, runBurrow, startBurrow } from '../helpers/cli.js';
import { echoServer, freePort } from '../helpers/net.js';
import { loopbackRemote } from '../helpers/session.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';

describe('logs kept across restarts', { skip: sshdUnavailable() }, () => {
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

  async function config(dir: string): Promise<string> {
    mkdirSync(dir, { mode: 0o700, recursive: true });
    const file = path.join(dir, 'config.json');
    const session = {
      name: 'warehouse',
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      auth: { identityFiles: [sshd.clientKeyPath] },
      hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
      forwards: [loopbackRemote(await freePort(), echo.port)],
    };
    writeFileSync(file, JSON.stringify({ version: 3, sessions: [session] }));
    return file;
  }

  test('burrow logs shows the lines of the run before a restart, and with nothing running reads them from disk', async () => {
    const file = await config(path.join(sshd.dir, 'restart'));
    const first = startBurrow(['run', '--json', '--config', file]);
    await first.waitForLine((l) => l.session === 'warehouse' && l.state === 'connected');
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    const restartedAt = new Date().toISOString();

    // Nothing runs: the log on disk, with a note that says so.
    const idle = await runBurrow(['logs', 'warehouse', '--config', file]);
    assert.equal(idle.code, 0, idle.stderr);
    assert.match(idle.stdout, /state: connected/);
    assert.match(idle.stderr, /no Burrow is running on .*config\.json; these lines are from the log kept on disk/);

    const second = startBurrow(['run', '--json', '--config', file]);
    try {
      await second.waitForLine((l) => l.session === 'warehouse' && l.state === 'connected');
      const r = await runBurrow(['logs', 'warehouse', '--config', file]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      const connected = lines.filter((l) => / state: connected$/.test(l));
      assert.equal(connected.length, 2, r.stdout);
      assert.ok(connected[0]! < restartedAt && connected[1]! > restartedAt, 'one from each run, in order');
      assert.match(r.stdout, /state: stopped/, 'the first run stopping is in it');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const folder = path.join(path.dirname(file), 'logs');
    assert.equal(statSync(folder).mode & 0o777, 0o700);
  });

  test("under systemd (JOURNAL_STREAM names standard error), each line carries the journal's priority and the session's name", async () => {
    const file = await config(path.join(sshd.dir, 'journal'));
    const errFile = path.join(path.dirname(file), 'stderr');
    const fd = openSync(errFile, 'w');
    const st = statSync(errFile, { bigint: true });
    // What systemd sets for a service whose standard error is the journal (systemd.exec(5)).
    const child = spawn(process.execPath, [BURROW, 'run', '--service', '--autostart', '--config', file], {
      stdio: ['ignore', 'ignore', fd],
      env: cleanEnv({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }),
    });
    closeSync(fd);
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    // Not autostart: nothing runs, so start it through the control channel.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await runBurrow(['start', 'warehouse', '--config', file])).code, 0);
    const deadline = Date.now() + 15_000;
    while (!/<5>warehouse: connected/.test(readFileSync(errFile, 'utf8')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const text = readFileSync(errFile, 'utf8');
    assert.match(text, /^<5>warehouse: connected$/m, text);
    assert.match(text, /^<6>warehouse: info: .*listening on port \d+$/m, 'info lines reach the journal too');
    assert.doesNotMatch(text, /^\d{4}-\d\d-\d\dT/m, 'no timestamps of our own: the journal stamps each line');

    // The same run with standard error elsewhere (JOURNAL_STREAM inherited but not ours): plain lines.
    const plain = await runBurrow(['run', '--', 'ssh', '-N', 'u@h'], { JOURNAL_STREAM: `${st.dev}:${st.ino}` });
    assert.doesNotMatch(plain.stderr, /^<\d>/m);
  });
});
