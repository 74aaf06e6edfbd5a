/** `burrow run`, black-box: the vendors' command lines and config files, JSON lines, signals. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { echoServer, freePort, roundTrip, waitFor } from '../helpers/net.js';
import { runBurrow, startBurrow } from '../helpers/cli.js';
import { loopbackRemote } from '../helpers/session.js';

describe('burrow run', { skip: sshdUnavailable() }, () => {
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

  const refused = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`Fivetran's autossh line runs, prints JSON lines, and ${signal} stops it cleanly (exit 0, port released)`, async () => {
      const port = await freePort();
      const r = startBurrow([
        'run',
        '--json',
        '--',
        'autossh',
        '-M',
        '0',
        '-f',
        '-N',
        '-R',
        `${port}:127.0.0.1:${echo.port}`,
        `${sshd.user}@127.0.0.1`,
        '-g',
        '-i',
        sshd.clientKeyPath,
        '-o',
        'ServerAliveInterval=10',
        '-o',
        'ServerAliveCountMax=1',
        '-o',
        'ExitOnForwardFailure=yes',
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${sshd.knownHostsPath}`,
      ]);
      try {
        const fwd = await r.waitForLine((l) => l.type === 'forward' && l.state === 'active');
        assert.equal(fwd.port, port);
        assert.equal(fwd.forward, `-R ${port}:127.0.0.1:${echo.port}`);
        assert.equal(typeof fwd.ts, 'string');
        await r.waitForLine((l) => l.type === 'state' && l.state === 'connected');
        assert.ok(r.lines.some((l) => l.type === 'state' && l.state === 'connecting'));
        assert.ok(r.lines.some((l) => l.type === 'note' && String(l.message).startsWith('-f')));
        assert.equal((await roundTrip(port, 'through the cli')).toString(), 'through the cli');
        r.child.kill(signal);
        assert.equal(await r.exited, 0);
        assert.ok(r.lines.some((l) => l.type === 'state' && l.state === 'stopped'));
        await waitFor(() => refused(port), 'the server to release the remote port', 5_000);
      } finally {
        r.child.kill('SIGKILL');
      }
    });
  }

  test('-i takes an encrypted PuTTY .ppk v3; with no terminal the passphrase comes from --passphrase-file or BURROW_PASSPHRASE', async () => {
    const ppk = path.join(sshd.dir, 'vendor.ppk');
    const passFile = path.join(sshd.dir, 'ppk-pass');
    writeFileSync(passFile, 'tunnel pass\n');
    execFileSync('puttygen', [sshd.clientKeyPath, '-O', 'private', '--new-passphrase', passFile, '-o', ppk]);
    // Real plink syntax: -P for the port, -hostkey to pin the server's key.
    const base = [
      '--',
      'plink',
      '-ssh',
      '-batch',
      '-N',
      '-P',
      String(sshd.port),
      '-i',
      ppk,
      '-hostkey',
      sshd.hostKeyFingerprint(),
      '-R',
      `0:127.0.0.1:${echo.port}`,
      `${sshd.user}@127.0.0.1`,
    ];
    for (const [args, env] of [
      [['run', '--json', '--passphrase-file', passFile, ...base], {}],
      [['run', '--json', ...base], { BURROW_PASSPHRASE: 'tunnel pass' }],
    ] as const) {
      const r = startBurrow([...args], env);
      try {
        await r.waitForLine((l) => l.type === 'state' && l.state === 'connected');
      } finally {
        r.child.kill('SIGTERM');
        assert.equal(await r.exited, 0);
      }
      assert.ok(!JSON.stringify(r.lines).includes('tunnel pass') && !r.stderr().includes('tunnel pass'), 'the passphrase is never printed');
    }
    const none = startBurrow(['run', '--json', ...base]);
    try {
      const line = await none.waitForLine((l) => l.type === 'state' && l.state === 'error');
      assert.equal((line.error as { code: string }).code, 'KEY_PASSPHRASE');
    } finally {
      none.child.kill('SIGTERM');
      await none.exited;
    }
  });

  test('-L 0 binds a free local port and reports it in the forward line, as -R 0 does', async () => {
    const r = startBurrow([
      'run',
      '--json',
      '--',
      'ssh',
      '-N',
      '-L',
      `0:127.0.0.1:${echo.port}`,
      '-i',
      sshd.clientKeyPath,
      '-p',
      String(sshd.port),
      '-o',
      `UserKnownHostsFile=${sshd.knownHostsPath}`,
      `${sshd.user}@127.0.0.1`,
    ]);
    try {
      const fwd = await r.waitForLine((l) => l.type === 'forward' && l.state === 'active');
      assert.equal(fwd.forward, `-L 0:127.0.0.1:${echo.port}`);
      assert.ok(typeof fwd.port === 'number' && fwd.port > 0, `port ${String(fwd.port)}`);
      assert.equal((await roundTrip(fwd.port, 'picked here')).toString(), 'picked here');
    } finally {
      r.child.kill('SIGTERM');
      assert.equal(await r.exited, 0);
    }
  });

  test('a vendor bastion with only SHA-1 key exchange: the error names both sides and the -o; that -o connects, with a warning', async () => {
    const old = await Sshd.start({ extraConfig: ['KexAlgorithms diffie-hellman-group14-sha1'] });
    const args = (...extra: string[]): string[] => [
      'run',
      '--json',
      '--',
      'ssh',
      '-N',
      '-R',
      `0:127.0.0.1:${echo.port}`,
      '-i',
      old.clientKeyPath,
      '-p',
      String(old.port),
      '-o',
      `UserKnownHostsFile=${old.knownHostsPath}`,
      ...extra,
      `${old.user}@127.0.0.1`,
    ];
    try {
      const r = startBurrow(args());
      let hint: string;
      try {
        const line = await r.waitForLine((l) => l.type === 'state' && l.state === 'error');
        const error = line.error as { code: string; message: string; hint: string };
        assert.equal(error.code, 'ALGORITHM_MISMATCH');
        assert.match(error.message, /the server offers diffie-hellman-group14-sha1; Burrow offers curve25519-sha256/);
        hint = error.hint;
      } finally {
        r.child.kill('SIGTERM');
        await r.exited;
      }
      const option = /-o (KexAlgorithms=\S+)/.exec(hint)![1]!;
      assert.equal(option, 'KexAlgorithms=+diffie-hellman-group14-sha1');
      const fixed = startBurrow(args('-o', option));
      try {
        await fixed.waitForLine((l) => l.type === 'state' && l.state === 'connected');
        assert.ok(fixed.lines.some((l) => l.type === 'log' && l.level === 'warn' && /diffie-hellman-group14-sha1, which is weak/.test(String(l.message))));
      } finally {
        fixed.child.kill('SIGTERM');
        assert.equal(await fixed.exited, 0);
      }
    } finally {
      await old.dispose();
    }
  });

  test('an unknown host key with no terminal is refused with its code, fingerprint and fix', async () => {
    const r = startBurrow([
      'run',
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
      `UserKnownHostsFile=${path.join(sshd.dir, 'empty_known_hosts')}`,
      `${sshd.user}@127.0.0.1`,
    ]);
    try {
      const line = await r.waitForLine((l) => l.type === 'state' && l.state === 'error');
      const error = line.error as { code: string; message: string; hint: string };
      assert.equal(error.code, 'HOST_KEY_UNKNOWN');
      assert.ok(error.message.includes(sshd.hostKeyFingerprint()));
      assert.match(error.hint, /accept-new/);
      assert.ok(r.lines.some((l) => l.type === 'note' && /no terminal/.test(String(l.message))));
    } finally {
      r.child.kill('SIGTERM');
      await r.exited;
    }
  });

  test('--config FILE NAME runs only the named sessions; a wrong name lists the right ones', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const mk = (name: string, port: number): object => ({
      name,
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      auth: { identityFiles: [sshd.clientKeyPath] },
      hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
      forwards: [loopbackRemote(port, echo.port)],
    });
    const file = path.join(sshd.dir, 'burrow.json');
    writeFileSync(file, JSON.stringify({ version: 2, sessions: [mk('warehouse', p1), mk('crm', p2)] }));
    const r = startBurrow(['run', '--json', '--config', file, 'crm']);
    try {
      await r.waitForLine((l) => l.session === 'crm' && l.state === 'connected');
      assert.equal((await roundTrip(p2, 'crm')).toString(), 'crm');
      assert.ok(!r.lines.some((l) => l.session === 'warehouse'));
      assert.ok(await refused(p1));
    } finally {
      r.child.kill('SIGTERM');
      assert.equal(await r.exited, 0);
    }
    const bad = await runBurrow(['run', '--config', file, 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no session named "nope".*warehouse, crm/);
  });

  test("two sessions with differently protected keys run together: each session's own passphrase wins, the global one is a fallback", async () => {
    const keys: Record<string, string> = {};
    for (const [name, pass] of [
      ['alpha', 'alpha pass'],
      ['beta', 'beta pass'],
    ]) {
      keys[name] = path.join(sshd.dir, `id_${name}`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass!, '-C', name!, '-f', keys[name]!]);
      await sshd.authorize(readFileSync(`${keys[name]}.pub`, 'utf8'));
    }
    const alphaPass = path.join(sshd.dir, 'alpha-pass');
    writeFileSync(alphaPass, 'alpha pass\n');
    const [pa, pb] = [await freePort(), await freePort()];
    const mk = (name: string, port: number, auth: object): object => ({
      name,
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      auth,
      hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
      forwards: [loopbackRemote(port, echo.port)],
    });
    const file = path.join(sshd.dir, 'two-keys.json');
    writeFileSync(
      file,
      JSON.stringify({
        sessions: [mk('alpha', pa, { identityFiles: [keys.alpha], passphraseFile: alphaPass }), mk('beta', pb, { identityFiles: [keys.beta] })],
      }),
    );
    // The global passphrase is beta's; alpha's own file must win for alpha.
    const r = startBurrow(['run', '--json', '--config', file], { BURROW_PASSPHRASE: 'beta pass' });
    try {
      await r.waitForLine((l) => l.session === 'alpha' && l.state === 'connected');
      await r.waitForLine((l) => l.session === 'beta' && l.state === 'connected');
      assert.equal((await roundTrip(pa, 'alpha')).toString(), 'alpha');
      assert.equal((await roundTrip(pb, 'beta')).toString(), 'beta');
    } finally {
      r.child.kill('SIGTERM');
      assert.equal(await r.exited, 0);
    }
  });

  test('--autostart runs only the sessions marked "start automatically"', async () => {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    const mk = (name: string, port: number, autostart: boolean): object => ({
      name,
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      autostart,
      auth: { identityFiles: [sshd.clientKeyPath] },
      hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
      forwards: [loopbackRemote(port, echo.port)],
    });
    const file = path.join(sshd.dir, 'autostart.json');
    writeFileSync(file, JSON.stringify({ sessions: [mk('one', p1, true), mk('two', p2, false), mk('three', p3, true)] }));
    const r = startBurrow(['run', '--json', '--autostart', '--config', file]);
    try {
      await r.waitForLine((l) => l.session === 'one' && l.state === 'connected');
      await r.waitForLine((l) => l.session === 'three' && l.state === 'connected');
      assert.ok(!r.lines.some((l) => l.session === 'two'));
      assert.ok(await refused(p2));
    } finally {
      r.child.kill('SIGTERM');
      assert.equal(await r.exited, 0);
    }
    const none = path.join(sshd.dir, 'no-autostart.json');
    writeFileSync(none, JSON.stringify({ sessions: [mk('two', p2, false)] }));
    const bad = await runBurrow(['run', '--autostart', '--config', none]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no session in .* is marked "start automatically"/);
  });

  test('bad input is a usage error (exit 2) that names the option, with nothing started', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', '--', 'ssh', '-R', '1:h:2', '-o', 'ExitOnForwardFailure=no', 'u@h'], /ExitOnForwardFailure/],
      [['run', '--', 'ssh', '-N', 'u@h'], /no -R, -L or -D/],
      [
        ['run', '--', 'ssh', '-R', '1:h:2', '-o', 'KexAlgorithms=+sntrup761x25519-sha512@openssh.com', 'u@h'],
        /-o KexAlgorithms: sntrup761x25519-sha512@openssh\.com is not a key exchange method Burrow can use/,
      ],
      [['run', '--frobnicate'], /unknown option --frobnicate/],
      [['run', '--config', '/nonexistent/burrow.json'], /does not exist/],
      [['nonsense'], /unknown command "nonsense"/],
    ];
    for (const [args, re] of cases) {
      const r = await runBurrow(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
    }
  });

  test('with nothing to run, a first-time user is told how to add a session', async () => {
    const r = await runBurrow(['run'], { BURROW_CONFIG: path.join(sshd.dir, 'fresh', 'config.json') });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /has no saved sessions: add one with `burrow import/);
  });

  test('a config file with a mistake names the field and the fix', async () => {
    const file = path.join(sshd.dir, 'broken.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 2,
        sessions: [{ name: 'x', host: 'h', user: 'u', forwards: [{ type: 'remote', bindPort: 99999, targetHost: 'db', targetPort: 5432 }] }],
      }),
    );
    const r = await runBurrow(['run', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /sessions\[0\]\.forwards\[0\]\.bindPort/);
  });
});
