/** Host-key policies, keys and connection errors of whole sessions, against a real sshd. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Session } from '../../../main/core/session/session.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { echoServer, freePort, roundTrip, waitFor } from '../../helpers/net.js';
import { loopbackRemote, sessionFor, testDeps, waitForState } from '../../helpers/session.js';
import type { SessionConfig } from '../../../common/config.js';
import type { SessionSnapshot } from '../../../common/session.js';

describe('logging in against a real sshd', { skip: sshdUnavailable() }, () => {
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

  const fwd = (): SessionConfig['forwards'] => [{ type: 'remote', bindPort: 0, targetHost: '127.0.0.1', targetPort: echo.port }];
  async function run(
    cfg: SessionConfig,
    until: (s: Session) => Promise<SessionSnapshot>,
    deps = testDeps(sshd),
  ): Promise<{ snap: SessionSnapshot; logs: string[] }> {
    const s = new Session(cfg, deps);
    const logs: string[] = [];
    s.on('log', (l) => logs.push(`${l.level}: ${l.message}`));
    s.start();
    try {
      return { snap: await until(s), logs };
    } finally {
      await s.stop();
    }
  }
  const file = (name: string, text: string): string => {
    const f = path.join(sshd.dir, name);
    writeFileSync(f, text);
    return f;
  };
  const otherKeyLine = (): string => {
    const f = path.join(sshd.dir, `other-${Math.random()}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f]);
    return readFileSync(f + '.pub', 'utf8')
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(' ');
  };

  test('a changed host key is refused every time, under "yes" and "accept-new", and never overwritten', async () => {
    const kh = file('changed', `[127.0.0.1]:${sshd.port} ${otherKeyLine()}\n`);
    const before = readFileSync(kh, 'utf8');
    for (const policy of ['yes', 'accept-new'] as const) {
      const cfg = sessionFor(sshd, fwd(), { hostKey: { policy, knownHostsFiles: [kh] } });
      const { snap } = await run(cfg, (s) => waitForState(s, 'error'));
      assert.equal(snap.lastError?.code, 'HOST_KEY_MISMATCH');
      assert.match(snap.lastError!.message, /CHANGED/);
      assert.match(snap.lastError!.hint!, /ssh-keygen -R/);
    }
    assert.equal(readFileSync(kh, 'utf8'), before);
  });

  test('"accept-new" trusts on first use and records a line OpenSSH itself then accepts', async () => {
    const kh = path.join(sshd.dir, 'tofu');
    const cfg = sessionFor(sshd, fwd(), { hostKey: { policy: 'accept-new', knownHostsFiles: [kh] } });
    const { snap, logs } = await run(cfg, (s) => waitForState(s, 'connected'));
    assert.equal(snap.hostKeyFingerprint, sshd.hostKeyFingerprint());
    assert.ok(logs.some((l) => /recorded/.test(l)));
    const out = execFileSync(
      'ssh',
      [
        '-i',
        sshd.clientKeyPath,
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${kh}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        `${sshd.user}@127.0.0.1`,
        'echo',
        'trusted',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(out.trim(), 'trusted');
  });

  test('"ask": an answer that comes after its attempt is over (stopped, restarted) is ignored; the current attempt\'s answer counts', async () => {
    const kh = path.join(sshd.dir, 'ask-late');
    const questions: Array<(yes: boolean) => void> = [];
    const cfg = sessionFor(sshd, fwd(), { hostKey: { policy: 'ask', knownHostsFiles: [kh] } });
    const s = new Session(cfg, testDeps(sshd, { prompt: () => new Promise<boolean>((resolve) => questions.push(resolve)) }));
    const states: string[] = [];
    s.on('snapshot', (x) => states.push(x.state));
    s.start();
    try {
      await waitFor(() => questions.length === 1, 'the first question');
      await s.stop();
      questions[0]!(true); // the person answers after the stop
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(s.snapshot().state, 'stopped');
      assert.ok(!states.includes('connected'), states.join(','));
      s.start();
      await waitFor(() => questions.length === 2, 'the second question');
      assert.equal(s.snapshot().state, 'connecting');
      questions[1]!(true);
      const up = await waitForState(s, 'connected');
      assert.equal(up.hostKeyFingerprint, sshd.hostKeyFingerprint());
    } finally {
      await s.stop();
    }
  });

  test('an unknown host under "yes" is an error that needs a person, retried only slowly', async () => {
    const cfg = sessionFor(sshd, fwd(), { hostKey: { policy: 'yes', knownHostsFiles: [path.join(sshd.dir, 'empty')] } });
    const s = new Session(cfg, testDeps(sshd, { backoff: { personMs: 60_000, jitter: 0 } }));
    let errors = 0;
    s.on('snapshot', (x) => {
      if (x.state === 'error') errors++;
    });
    s.start();
    try {
      const snap = await waitForState(s, 'error');
      assert.equal(snap.lastError?.code, 'HOST_KEY_UNKNOWN');
      assert.match(snap.lastError!.message, new RegExp(sshd.hostKeyFingerprint().replace(/[+/]/g, '\\$&')));
      const wait = Date.parse(snap.nextAttemptAt!) - Date.now();
      assert.ok(wait > 50_000, `next attempt in ${wait} ms`);
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(errors, 1, 'no hammering');
    } finally {
      await s.stop();
    }
  });

  test('"no" connects to any key and says so as a warning', async () => {
    const cfg = sessionFor(sshd, fwd(), { hostKey: { policy: 'no', knownHostsFiles: [path.join(sshd.dir, 'nothing')] } });
    const { logs } = await run(cfg, (s) => waitForState(s, 'connected'));
    assert.ok(
      logs.some((l) => l.startsWith('warn:') && /NOT checked/.test(l)),
      logs.join('\n'),
    );
  });

  test('a pinned fingerprint connects with no known_hosts at all, and a wrong pin is refused', async () => {
    const none = [path.join(sshd.dir, 'no-such-file')];
    await run(sessionFor(sshd, fwd(), { hostKey: { policy: 'yes', knownHostsFiles: none, fingerprint: sshd.hostKeyFingerprint() } }), (s) =>
      waitForState(s, 'connected'),
    );
    const wrong = 'SHA256:' + 'A'.repeat(43);
    const { snap } = await run(sessionFor(sshd, fwd(), { hostKey: { policy: 'accept-new', knownHostsFiles: none, fingerprint: wrong } }), (s) =>
      waitForState(s, 'error'),
    );
    assert.equal(snap.lastError?.code, 'HOST_KEY_MISMATCH');
  });

  test("with no file given, the user's ~/.ssh/known_hosts (hashed, as Debian writes it) is consulted", async () => {
    const home = path.join(sshd.dir, 'home');
    mkdirSync(path.join(home, '.ssh'), { recursive: true });
    const kh = path.join(home, '.ssh', 'known_hosts');
    writeFileSync(kh, readFileSync(sshd.knownHostsPath));
    execFileSync('ssh-keygen', ['-q', '-H', '-f', kh], { stdio: 'ignore' });
    const cfg = sessionFor(sshd, fwd(), { hostKey: { policy: 'yes' } });
    await run(cfg, (s) => waitForState(s, 'connected'), testDeps(sshd, { home }));
  });

  test('a key the server does not accept is AUTH_FAILED, slow retry; authorising it and nudging connects', async () => {
    const keyFile = path.join(sshd.dir, 'unauthorised');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', keyFile]);
    const cfg = sessionFor(sshd, fwd(), { auth: { identityFiles: [keyFile] } });
    const s = new Session(cfg, testDeps(sshd, { backoff: { personMs: 60_000, jitter: 0 } }));
    s.start();
    try {
      const snap = await waitForState(s, 'error');
      assert.equal(snap.lastError?.code, 'AUTH_FAILED');
      assert.match(snap.lastError!.hint!, /authorized_keys/);
      await sshd.authorize(readFileSync(keyFile + '.pub', 'utf8'));
      s.nudge();
      await waitForState(s, 'connected');
    } finally {
      await s.stop();
    }
  });

  test('a passphrase-protected key works with its passphrase and is KEY_PASSPHRASE without it', async () => {
    const keyFile = path.join(sshd.dir, 'protected');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-a', '4', '-N', 'correct horse', '-f', keyFile]);
    await sshd.authorize(readFileSync(keyFile + '.pub', 'utf8'));
    const cfg = sessionFor(sshd, fwd(), { auth: { identityFiles: [keyFile] } });
    await run(cfg, (s) => waitForState(s, 'connected'), testDeps(sshd, { passphrase: 'correct horse' }));
    const pf = file('pass.txt', 'correct horse\n');
    await run({ ...cfg, auth: { identityFiles: [keyFile], passphraseFile: pf } }, (s) => waitForState(s, 'connected'));
    const { snap } = await run(cfg, (s) => waitForState(s, 'error'));
    assert.equal(snap.lastError?.code, 'KEY_PASSPHRASE');
    const wrong = await run(cfg, (s) => waitForState(s, 'error'), testDeps(sshd, { passphrase: 'Zq9-not-it' }));
    assert.equal(wrong.snap.lastError?.code, 'KEY_PASSPHRASE');
    assert.match(wrong.snap.lastError!.message, /does not unlock/);
    assert.ok(!JSON.stringify(wrong).includes('Zq9-not-it'), 'the passphrase itself is in no snapshot or log');
  });

  test('a missing key file and a public key given as the identity are KEY_INVALID with the fix', async () => {
    const missing = await run(sessionFor(sshd, fwd(), { auth: { identityFiles: [path.join(sshd.dir, 'nope')] } }), (s) => waitForState(s, 'error'));
    assert.equal(missing.snap.lastError?.code, 'KEY_INVALID');
    assert.match(missing.snap.lastError!.hint!, /path/);
    const pub = await run(sessionFor(sshd, fwd(), { auth: { identityFiles: [sshd.clientKeyPath + '.pub'] } }), (s) => waitForState(s, 'error'));
    assert.equal(pub.snap.lastError?.code, 'KEY_INVALID');
    assert.match(pub.snap.lastError!.message, /public key|not a private key/);
  });

  test('a PuTTY .ppk v3 and a PKCS#8 key log in through the key layer, read once across reconnects', async () => {
    const ppk = path.join(sshd.dir, 'key.ppk');
    execFileSync('puttygen', [sshd.clientKeyPath, '-O', 'private', '-o', ppk]);
    assert.match(readFileSync(ppk, 'utf8'), /^PuTTY-User-Key-File-3: ssh-ed25519/);
    const pkcs8 = path.join(sshd.dir, 'pkcs8');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-m', 'PKCS8', '-N', '', '-f', pkcs8]);
    await sshd.authorize(readFileSync(pkcs8 + '.pub', 'utf8'));
    for (const key of [ppk, pkcs8]) {
      await run(sessionFor(sshd, fwd(), { auth: { identityFiles: [key] } }), (s) => waitForState(s, 'connected'));
    }
    // The identity is loaded once per session; a reconnect reuses it (no second KDF run).
    const { loadIdentity } = await import('../../../main/core/session/identity.js');
    let loads = 0;
    const counting = async (f: string, p: string | undefined) => {
      loads++;
      return loadIdentity(f, p);
    };
    const s = new Session(sessionFor(sshd, fwd(), { auth: { identityFiles: [ppk] } }), testDeps(sshd, { loadIdentity: counting }));
    s.start();
    try {
      await waitForState(s, 'connected');
      sshd.killSessions();
      await waitForState(s, 'connected', 15_000, (x) => x.reconnects === 1);
      assert.equal(loads, 1);
    } finally {
      await s.stop();
    }
  });

  test('a key held by the SecretStore (auth.keyId) logs in, and a missing one says how to fix it', async () => {
    const { FileSecretStore } = await import('../../../main/core/keys/index.js');
    const secrets = new FileSecretStore(path.join(sshd.dir, 'secrets'));
    await secrets.set('key-vendor', readFileSync(sshd.clientKeyPath, 'utf8'));
    const cfg = sessionFor(sshd, fwd(), { auth: { identityFiles: [], keyId: 'vendor' } });
    await run(cfg, (s) => waitForState(s, 'connected'), testDeps(sshd, { secrets }));
    const missing = await run({ ...cfg, auth: { identityFiles: [], keyId: 'gone' } }, (s) => waitForState(s, 'error'), testDeps(sshd, { secrets }));
    assert.equal(missing.snap.lastError?.code, 'KEY_INVALID');
    assert.match(missing.snap.lastError!.message, /not in the secret store/);
  });

  test("with no identity given, OpenSSH's default ~/.ssh/id_* keys are tried", async () => {
    const home = path.join(sshd.dir, 'home-default');
    mkdirSync(path.join(home, '.ssh'), { recursive: true });
    writeFileSync(path.join(home, '.ssh', 'id_ecdsa'), readFileSync(sshd.clientKeyPath), { mode: 0o600 });
    const cfg = sessionFor(sshd, fwd(), { auth: { identityFiles: [] } });
    await run(cfg, (s) => waitForState(s, 'connected'), testDeps(sshd, { home }));
  });

  test('connection failures carry their own codes: refused, unknown name, silent server', async () => {
    const closed = await freePort();
    const refused = await run({ ...sessionFor(sshd, fwd()), port: closed }, (s) => waitForState(s, 'reconnecting'));
    assert.equal(refused.snap.lastError?.code, 'CONNECT_REFUSED');
    const dns = await run({ ...sessionFor(sshd, fwd()), host: 'no-such-host.invalid' }, (s) => waitForState(s, 'reconnecting'));
    assert.equal(dns.snap.lastError?.code, 'DNS_FAILED');
    // Accepts TCP and never says a word: the connect timeout must cover the SSH handshake too.
    const silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const t0 = Date.now();
      const slow = await run({ ...sessionFor(sshd, fwd()), port: (silent.address() as net.AddressInfo).port, connectTimeoutSeconds: 1 }, (s) =>
        waitForState(s, 'reconnecting'),
      );
      assert.equal(slow.snap.lastError?.code, 'CONNECT_TIMEOUT');
      // The 1 s connect timeout ended it, not something else: not before it, and long before the
      // 20 s default (with room for a loaded machine).
      assert.ok(Date.now() - t0 >= 900 && Date.now() - t0 < 8_000, `ended after ${Date.now() - t0} ms`);
    } finally {
      silent.close();
    }
  });

  test('compression (-C) carries data', async () => {
    const port = await freePort();
    const cfg = sessionFor(sshd, [loopbackRemote(port, echo.port)], { compression: true });
    const s = new Session(cfg, testDeps(sshd));
    s.start();
    try {
      await waitForState(s, 'connected');
      const payload = Buffer.from('compressible '.repeat(10_000));
      assert.ok((await roundTrip(port, payload)).equals(payload));
      await waitFor(() => s.snapshot().bytesIn === payload.length, 'bytes to be counted');
    } finally {
      await s.stop();
    }
  });
});
