/** `burrow diagnose`, black-box: each checklist step passes or fails for the right reason. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { echoServer, freePort } from '../helpers/net.js';
import { runBurrow } from '../helpers/cli.js';

interface Report {
  ok: boolean;
  steps: Array<{ id: string; status: string; detail: string; hint?: string; ms: number }>;
}

describe('burrow diagnose', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let limited: Sshd;
  let allowed: number;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    sshd = await Sshd.start();
    allowed = await freePort();
    limited = await Sshd.start({ extraConfig: [`PermitListen 127.0.0.1:${allowed}`] });
    echo = await echoServer();
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
    await limited?.dispose();
  });

  async function diagnose(server: Sshd, forward: string[], extra: string[] = []): Promise<{ code: number | null; report: Report; stdout: string }> {
    const r = await runBurrow([
      'diagnose',
      '--json',
      '--',
      'ssh',
      '-N',
      ...forward,
      '-i',
      server.clientKeyPath,
      '-p',
      String(server.port),
      '-o',
      `UserKnownHostsFile=${server.knownHostsPath}`,
      ...extra,
      `${server.user}@127.0.0.1`,
    ]);
    return { code: r.code, report: JSON.parse(r.stdout) as Report, stdout: r.stdout + r.stderr };
  }
  const status = (r: Report): string => r.steps.map((s) => `${s.id.split(':')[0]}=${s.status}`).join(' ');

  test('a healthy tunnel passes every step, in order, each timed', async () => {
    const port = await freePort();
    const { code, report } = await diagnose(sshd, ['-R', `127.0.0.1:${port}:127.0.0.1:${echo.port}`]);
    assert.equal(code, 0);
    assert.equal(status(report), 'dns=pass tcp=pass algorithms=pass host-key=pass login=pass bind=pass reach=pass target=pass');
    assert.match(report.steps.find((s) => s.id.startsWith('reach'))!.detail, new RegExp(`^127\\.0\\.0\\.1:${port}: this tunnel$`));
    assert.match(report.steps[1]!.detail, /SSH-2\.0-OpenSSH/);
    assert.match(report.steps[2]!.detail, /^key exchange curve25519-sha256, host key ssh-ed25519, cipher \S+/);
    assert.doesNotMatch(report.steps[2]!.detail, /WEAK/);
    assert.equal(report.steps[3]!.detail, sshd.hostKeyFingerprint());
    assert.ok(report.steps.every((s) => typeof s.ms === 'number'));
  });

  test('a remote port in use is told apart from one that is not permitted', async () => {
    const taken = await freePort();
    const squatter = net.createServer().listen(taken, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const inUse = await diagnose(sshd, ['-R', `127.0.0.1:${taken}:127.0.0.1:${echo.port}`]);
      assert.equal(inUse.code, 1);
      const bind = inUse.report.steps.find((s) => s.id.startsWith('bind'))!;
      assert.equal(bind.status, 'fail');
      assert.match(bind.detail, /IN USE/);
    } finally {
      squatter.close();
    }
    const other = await freePort();
    const forbidden = await diagnose(limited, ['-R', `127.0.0.1:${other}:127.0.0.1:${echo.port}`]);
    assert.equal(forbidden.code, 1);
    const bind = forbidden.report.steps.find((s) => s.id.startsWith('bind'))!;
    assert.match(bind.detail, /NOT PERMITTED/);
    assert.match(bind.hint!, /PermitListen/);
    const ok = await diagnose(limited, ['-R', `127.0.0.1:${allowed}:127.0.0.1:${echo.port}`]);
    assert.equal(ok.code, 0, ok.stdout);
  });

  test('a localhost port half taken on the server (127.0.0.1 by another program, so sshd listens on ::1 only) fails the reach step, naming the address that works', async () => {
    const port = await freePort();
    const squatter = net.createServer((c) => c.end('not your database\n')).listen(port, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      // No bind address: "localhost", as vendors' guides write -R.
      const { code, report } = await diagnose(sshd, ['-R', `${port}:127.0.0.1:${echo.port}`]);
      assert.equal(code, 1);
      assert.equal(status(report), 'dns=pass tcp=pass algorithms=pass host-key=pass login=pass bind=pass reach=fail target=pass');
      const reach = report.steps.find((s) => s.id.startsWith('reach'))!;
      assert.equal(
        reach.detail,
        `on the server, 127.0.0.1:${port} is another program's: a vendor that connects there reaches it, not this tunnel; this tunnel answers at [::1]:${port}`,
      );
      assert.match(reach.hint!, new RegExp(`^Give the vendor \\[::1\\]:${port} as the address to connect to, or choose another remote port`));
    } finally {
      squatter.close();
    }
    // Freed: both loopbacks are the tunnel's, and the port was given back after the check.
    const again = await diagnose(sshd, ['-R', `${port}:127.0.0.1:${echo.port}`]);
    assert.equal(again.code, 0, again.stdout);
    assert.equal(again.report.steps.find((s) => s.id.startsWith('reach'))!.detail, `127.0.0.1:${port}: this tunnel; [::1]:${port}: this tunnel`);
  });

  test('a database that is down fails the last step with the fix, and local targets are checked from the server', async () => {
    const down = await freePort();
    const remote = await diagnose(sshd, ['-R', `0:127.0.0.1:${down}`]);
    assert.equal(remote.code, 1);
    const target = remote.report.steps.at(-1)!;
    assert.equal(target.status, 'fail');
    assert.match(target.detail, /cannot be reached from this machine \(ECONNREFUSED\)/);
    assert.match(target.hint!, /not running/);
    const local = await diagnose(sshd, ['-L', `${await freePort()}:127.0.0.1:${down}`]);
    assert.match(local.report.steps.at(-1)!.detail, /the SSH server cannot reach/);
  });

  test('an unknown host key stops at the host-key step and skips the rest; a refused port stops at step 2', async () => {
    const bad = await runBurrow([
      'diagnose',
      '--json',
      '--',
      'ssh',
      '-N',
      '-R',
      '0:127.0.0.1:1',
      '-i',
      sshd.clientKeyPath,
      '-p',
      String(sshd.port),
      '-o',
      `UserKnownHostsFile=${path.join(sshd.dir, 'none')}`,
      `${sshd.user}@127.0.0.1`,
    ]);
    const report = JSON.parse(bad.stdout) as Report;
    assert.equal(bad.code, 1);
    assert.equal(status(report), 'dns=pass tcp=pass algorithms=pass host-key=fail login=skip bind=skip target=skip');
    assert.match(report.steps[3]!.detail, /not a known host/);
    const closed = await freePort();
    const refused = await runBurrow(['diagnose', '--json', '--', 'ssh', '-N', '-R', '0:127.0.0.1:1', '-p', String(closed), 'u@127.0.0.1']);
    const r2 = JSON.parse(refused.stdout) as Report;
    assert.equal(status(r2), 'dns=pass tcp=fail algorithms=skip host-key=skip login=skip bind=skip target=skip');
    assert.match(r2.steps[1]!.hint!, /SSH port/);
  });

  test('an unauthorised key fails the login step with the authorized_keys fix; an unknown name fails the first step', async () => {
    const r = await runBurrow([
      'diagnose',
      '--json',
      '--',
      'ssh',
      '-N',
      '-R',
      '0:127.0.0.1:1',
      '-i',
      sshd.clientKeyPath,
      '-p',
      String(sshd.port),
      '-o',
      `UserKnownHostsFile=${sshd.knownHostsPath}`,
      `nobody-here@127.0.0.1`,
    ]);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(status(report), 'dns=pass tcp=pass algorithms=pass host-key=pass login=fail bind=skip target=skip');
    assert.match(report.steps[4]!.hint!, /authorized_keys/);
    const dns = await runBurrow(['diagnose', '--', 'ssh', '-N', '-R', '1:h:2', 'u@no-such-host.invalid']);
    assert.equal(dns.code, 1);
    assert.match(dns.stdout, /FAIL 1\. "no-such-host\.invalid" resolves/);
    assert.match(dns.stdout, /fix: /);
  });

  test('an old server fails the algorithms step with what each side offers and the -o; with that -o it passes, marked WEAK', async () => {
    const old = await Sshd.start({ extraConfig: ['KexAlgorithms diffie-hellman-group14-sha1'] });
    try {
      const port = await freePort();
      const fails = await diagnose(old, ['-R', `127.0.0.1:${port}:127.0.0.1:${echo.port}`]);
      assert.equal(fails.code, 1);
      assert.equal(status(fails.report), 'dns=pass tcp=pass algorithms=fail host-key=skip login=skip bind=skip target=skip');
      const step = fails.report.steps[2]!;
      assert.match(step.detail, /no key exchange method in common: the server offers diffie-hellman-group14-sha1; Burrow offers curve25519-sha256/);
      assert.match(step.hint!, /-o KexAlgorithms=\+diffie-hellman-group14-sha1 .*weak \(SHA-1\)/);
      const passes = await diagnose(old, ['-R', `127.0.0.1:${port}:127.0.0.1:${echo.port}`], ['-o', 'KexAlgorithms=+diffie-hellman-group14-sha1']);
      assert.equal(passes.code, 0, passes.stdout);
      assert.match(passes.report.steps[2]!.detail, /^key exchange diffie-hellman-group14-sha1, .* WEAK: diffie-hellman-group14-sha1: SHA-1/);
    } finally {
      await old.dispose();
    }
  });

  test('a server that wants a second factor after the key fails the login step as such, not as a refused key', async () => {
    const strict = await Sshd.start({ overrideConfig: ['KbdInteractiveAuthentication yes', 'AuthenticationMethods publickey,keyboard-interactive'] });
    try {
      const { report } = await diagnose(strict, ['-R', `0:127.0.0.1:${echo.port}`]);
      assert.equal(status(report), 'dns=pass tcp=pass algorithms=pass host-key=pass login=fail bind=skip target=skip');
      assert.match(report.steps[4]!.detail, /accepted the key .* but requires more before letting it in: keyboard-interactive/);
      assert.match(report.steps[4]!.hint!, /unattended tunnel cannot answer a second factor/);
    } finally {
      await strict.dispose();
    }
  });
});
