/**
 * `burrow trust`, black-box against a real sshd: a saved session's host key checked and recorded
 * on purpose, so that it then runs unattended; a changed key or a stale pin refused unless
 * --replace; and `burrow diagnose` on a terminal offering the same.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { echoServer, roundTrip } from '../helpers/net.js';
import { runBurrow, runOnTerminal, startBurrow, terminalUnavailable } from '../helpers/cli.js';
import { world, type World } from '../helpers/newcomer.js';

interface Report {
  ok: boolean;
  steps: Array<{ id: string; status: string; detail: string; hint?: string }>;
}

describe('burrow trust', { skip: sshdUnavailable() }, () => {
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

  /** The tunnel a vendor's guide gives, pointed at the test server; host keys as OpenSSH asks (policy "ask"). */
  const command = (...extra: string[]): string[] => [
    'ssh',
    '-N',
    '-R',
    `0:127.0.0.1:${echo.port}`,
    '-i',
    sshd.clientKeyPath,
    '-p',
    String(sshd.port),
    ...extra,
    `${sshd.user}@127.0.0.1`,
  ];
  const name = (): string => `[127.0.0.1]:${sshd.port}`;

  async function saved(w: World, session = 'vendor'): Promise<void> {
    const r = await runBurrow(['import', '--name', session, '--', ...command()], w.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(w.session(session).hostKey.policy, 'ask');
  }

  /** Another host key, as a reinstalled server (or an impostor) would have. */
  let made = 0;
  function otherHostKey(w: World): string {
    const file = path.join(w.home, `other_host_key_${++made}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    return readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  }

  test('trust NAME shows the key type and SHA256 fingerprint; with no terminal nothing is recorded until --yes; then the saved session runs unattended', async () => {
    const w = world();
    await saved(w);
    const fp = sshd.hostKeyFingerprint();
    const asked = await runBurrow(['trust', 'vendor'], w.env);
    assert.equal(asked.code, 1);
    assert.match(
      asked.stdout,
      new RegExp(`^vendor: \\[127\\.0\\.0\\.1\\]:${sshd.port} presents this ssh-ed25519 host key:\\n  ${fp.replace(/[+/]/g, '\\$&')}\\n`),
    );
    assert.match(asked.stderr, /vendor: not recorded\. Compare it with the fingerprint the vendor publishes, then record it: `burrow trust vendor --yes`/);
    assert.ok(!existsSync(w.knownHosts), 'nothing was recorded');

    const yes = await runBurrow(['trust', 'VENDOR', '--yes'], w.env);
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, new RegExp(`recorded in ${w.knownHosts.replace(/[.]/g, '\\.')}\\n$`));
    // OpenSSH's own tool finds it where ssh would look.
    assert.match(execFileSync('ssh-keygen', ['-F', name(), '-f', w.knownHosts], { encoding: 'utf8' }), /found: line 1/);
    const again = await runBurrow(['trust', 'vendor'], w.env);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already trusted: .*known_hosts line 1 records it/);

    const run = startBurrow(['run', '--json', 'vendor'], w.env);
    try {
      const fwd = await run.waitForLine((l) => l.type === 'forward' && l.state === 'active');
      await run.waitForLine((l) => l.type === 'state' && l.state === 'connected');
      assert.equal((await roundTrip(fwd.port as number, 'trusted on purpose')).toString(), 'trusted on purpose');
      assert.ok(!run.lines.some((l) => l.type === 'note' && /not a known host/.test(String(l.message))), 'a known host gets no "no terminal to ask" note');
    } finally {
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
    }
  });

  test('an unknown host with no terminal: the note and the error say how to trust it in the words the session was given in', async () => {
    const w = world();
    await saved(w);
    const fp = sshd.hostKeyFingerprint();
    const cases: Array<[string[], RegExp, RegExp]> = [
      [['vendor'], /vendor: \[127\.0\.0\.1\]:\d+ is not a known host .* `burrow trust vendor`/, /then check and record it with `burrow trust vendor`/],
      [
        ['--', ...command()],
        /-o StrictHostKeyChecking=accept-new to trust it on first use, or check and record it first with `burrow trust -- <the same command>`/,
        /add -o StrictHostKeyChecking=accept-new/,
      ],
      [
        ['--', 'plink', '-batch', '-N', '-P', String(sshd.port), '-i', sshd.clientKeyPath, '-R', `0:127.0.0.1:${echo.port}`, `${sshd.user}@127.0.0.1`],
        /pin it with -hostkey SHA256:… in the plink command/,
        new RegExp(`pin it with -hostkey ${fp.replace(/[+/]/g, '\\$&')} in the plink command`),
      ],
    ];
    assert.equal(cases.length, 3);
    for (const [args, note, hint] of cases) {
      const r = startBurrow(['run', '--json', ...args], w.env);
      try {
        const error = await r.waitForLine((l) => l.type === 'state' && l.state === 'error');
        const notes = r.lines.filter((l) => l.type === 'note').map((l) => String(l.message));
        assert.ok(
          notes.some((n) => note.test(n)),
          `${args[0]}: ${notes.join(' | ')}`,
        );
        assert.ok(
          !notes.some((n) => /-o StrictHostKeyChecking/.test(n)) || (args[0] === '--' && args[1] === 'ssh'),
          'a saved session or plink is not told to use -o',
        );
        const e = error.error as { code: string; hint: string };
        assert.equal(e.code, 'HOST_KEY_UNKNOWN');
        assert.match(e.hint, hint);
      } finally {
        r.child.kill('SIGTERM');
        await r.exited;
      }
    }
  });

  test('a changed host key is refused with the recorded and the presented fingerprints; --replace swaps it, keeping the old file as .old', async () => {
    const w = world();
    await saved(w);
    mkdirSync(path.dirname(w.knownHosts), { recursive: true });
    const unrelated = `other.example ${otherHostKey(w)}`;
    const stale = `${name()} ${otherHostKey(w)}`;
    writeFileSync(w.knownHosts, `${unrelated}\n${stale}\n`);
    const staleFp = execFileSync('ssh-keygen', ['-lf', '-'], { input: stale.split(' ').slice(1).join(' '), encoding: 'utf8' }).split(' ')[1]!;
    const before = readFileSync(w.knownHosts, 'utf8');

    const refused = await runBurrow(['trust', 'vendor', '--yes'], w.env);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /HOST KEY CHANGED/);
    assert.ok(refused.stdout.includes(`ssh-ed25519 ${staleFp} (${w.knownHosts} line 2)`), refused.stdout);
    assert.ok(refused.stdout.includes(`ssh-ed25519 ${sshd.hostKeyFingerprint()} (presented now)`), refused.stdout);
    assert.match(refused.stderr, /refused: someone may be intercepting the connection.*`burrow trust vendor --replace`/);
    assert.equal(readFileSync(w.knownHosts, 'utf8'), before, '--yes does not replace a changed key');
    const diagnosed = await runBurrow(['diagnose', '--json', 'vendor'], w.env);
    assert.equal((JSON.parse(diagnosed.stdout) as Report).steps.find((s) => s.id === 'host-key')!.status, 'fail');

    const replaced = await runBurrow(['trust', 'vendor', '--replace'], w.env);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /replaced: 1 old line removed/);
    assert.equal(readFileSync(`${w.knownHosts}.old`, 'utf8'), before);
    const now = readFileSync(w.knownHosts, 'utf8');
    assert.ok(now.includes(unrelated), 'other hosts are kept');
    assert.ok(!now.includes(stale), 'the old key is gone');
    const ok = await runBurrow(['diagnose', '--json', 'vendor'], w.env);
    assert.equal(ok.code, 0, ok.stdout);
  });

  test('a pin the server no longer matches is refused; --replace re-pins a saved session, and a command line is told to change its -hostkey', async () => {
    const w = world();
    await saved(w);
    const wrong = `SHA256:${'A'.repeat(43)}`;
    assert.equal((await runBurrow(['sessions', 'edit', 'vendor', '--fingerprint', wrong], w.env)).code, 0);
    const refused = await runBurrow(['trust', 'vendor'], w.env);
    assert.equal(refused.code, 1);
    assert.ok(refused.stdout.includes(`${wrong} (pinned)\n  ${sshd.hostKeyFingerprint()} (presented now)`), refused.stdout);
    assert.equal(w.session('vendor').hostKey.fingerprint, wrong);
    const replaced = await runBurrow(['trust', 'vendor', '--replace'], w.env);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(w.session('vendor').hostKey.fingerprint, sshd.hostKeyFingerprint());
    assert.match((await runBurrow(['trust', 'vendor'], w.env)).stdout, /it is the key this session pins: nothing to record/);

    const plink = await runBurrow(
      ['trust', '--replace', '--', 'plink', '-N', '-P', String(sshd.port), '-hostkey', wrong, '-R', '1:h:2', `${sshd.user}@127.0.0.1`],
      w.env,
    );
    assert.equal(plink.code, 1);
    assert.match(plink.stderr, new RegExp(`replace ${wrong} with ${sshd.hostKeyFingerprint().replace(/[+/]/g, '\\$&')} in it \\(-hostkey\\)`));
  });

  test("trust -- <command> records the key in the command's own UserKnownHostsFile", async () => {
    const w = world();
    const own = path.join(w.home, 'vendor_known_hosts');
    const r = await runBurrow(['trust', '--yes', '--', ...command('-o', `UserKnownHostsFile=${own}`)], w.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(execFileSync('ssh-keygen', ['-F', name(), '-f', own], { encoding: 'utf8' }), /found: line 1/);
    assert.ok(!existsSync(w.knownHosts));
    const d = await runBurrow(['diagnose', '--', ...command('-o', `UserKnownHostsFile=${own}`)], w.env);
    assert.equal(d.code, 0, d.stdout);
  });

  test('a server that cannot be reached: the error and its fix, exit 1', async () => {
    const w = world();
    const r = await runBurrow(['trust', '--yes', '--', 'ssh', '-N', '-R', '1:h:2', '-p', '1', 'u@127.0.0.1'], w.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CONNECT_REFUSED: Nothing accepts SSH connections at 127\.0\.0\.1:1\n {2}fix: /);
    assert.equal((await runBurrow(['trust'], w.env)).code, 2);
  });

  test(
    'diagnose on a terminal shows an unknown key; "yes" records it and the remaining steps run, "no" stops there',
    { skip: terminalUnavailable() },
    async () => {
      const w = world();
      await saved(w);
      const no = await runOnTerminal(['diagnose', 'vendor'], w.env, ['no']);
      assert.equal(no.code, 1);
      assert.match(
        no.output,
        new RegExp(
          `ssh-ed25519 key fingerprint is ${sshd.hostKeyFingerprint().replace(/[+/]/g, '\\$&')}\\.\\r?\\nTrust it and record it in known_hosts \\(yes/no\\)\\? `,
        ),
      );
      assert.match(no.output, /FAIL 4\. the host key/);
      assert.match(no.output, /skip 5\. user/);
      assert.ok(!existsSync(w.knownHosts));

      const yes = await runOnTerminal(['diagnose', 'vendor'], w.env, ['yes']);
      assert.equal(yes.code, 0, yes.output);
      assert.match(yes.output, /ok {3}4\. the host key .* is the expected one/);
      assert.match(yes.output, /ok {3}5\. user .* can log in with the key/);
      assert.match(yes.output, /ok {3}8\. 127\.0\.0\.1:\d+ is reachable from this machine/);
      assert.match(execFileSync('ssh-keygen', ['-F', name(), '-f', w.knownHosts], { encoding: 'utf8' }), /found: line 1/);
      // Known now: no question the second time.
      const quiet = await runOnTerminal(['diagnose', 'vendor'], w.env, []);
      assert.equal(quiet.code, 0);
      assert.doesNotMatch(quiet.output, /\(yes\/no\)/);
    },
  );
});
