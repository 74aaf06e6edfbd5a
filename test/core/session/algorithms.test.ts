/**
 * Servers as they are in the wild: algorithm lists in OpenSSH's syntax, and handshakes that fail
 * on algorithms or on a second factor, each with its own code and fix, against a real sshd
 * configured as older or stricter servers are.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  ALGORITHM_KINDS,
  AlgorithmListError,
  DEFAULT_ALGORITHMS,
  OPENSSH_OPTION,
  SUPPORTED_ALGORITHMS,
  resolveAlgorithms,
  type AlgorithmKind,
} from '../../../common/algorithms.js';
import type { SessionConfig } from '../../../common/config.js';
import type { SessionSnapshot } from '../../../common/session.js';
import { parseCommandLine } from '../../../main/core/config/importers/command-line.js';
import { sessionOffer } from '../../../main/core/session/handshake.js';
import { Session } from '../../../main/core/session/session.js';
import { Sshd, sshdUnavailable, type SshdOptions } from '../../helpers/sshd.js';
import { toolsMissing } from '../../helpers/tools.js';
import { sessionFor, testDeps, waitForState } from '../../helpers/session.js';

const require = createRequire(import.meta.url);
const ssh2Constants = require('ssh2/lib/protocol/constants.js') as Record<string, string[]>;

test('the algorithms Burrow says it can use are exactly what the installed ssh2 supports here', () => {
  const ssh2: Record<AlgorithmKind, string[]> = {
    kex: ssh2Constants.SUPPORTED_KEX!,
    hostKey: ssh2Constants.SUPPORTED_SERVER_HOST_KEY!,
    pubkey: ssh2Constants.SUPPORTED_SERVER_HOST_KEY!,
    ciphers: ssh2Constants.SUPPORTED_CIPHER!,
    macs: ssh2Constants.SUPPORTED_MAC!,
  };
  assert.equal(ALGORITHM_KINDS.length, 5);
  for (const kind of ALGORITHM_KINDS) {
    assert.deepEqual([...SUPPORTED_ALGORITHMS[kind]].sort(), [...ssh2[kind]].sort(), kind);
    for (const a of DEFAULT_ALGORITHMS[kind]) assert.ok(SUPPORTED_ALGORITHMS[kind].includes(a), `${kind} default ${a} is supported`);
  }
});

test("the defaults are OpenSSH's: no SHA-1 key exchange, no ssh-rsa signatures, unless a session asks", () => {
  const offer = sessionOffer(undefined, false);
  assert.ok(!offer.kex.some((k) => k.endsWith('-sha1')), offer.kex.join(','));
  assert.ok(!offer.hostKey.includes('ssh-rsa') && !offer.pubkey.includes('ssh-rsa'));
  assert.ok(offer.kex.includes('curve25519-sha256') && offer.hostKey.includes('rsa-sha2-512'));
  const asked = sessionOffer({ kex: '+diffie-hellman-group14-sha1', pubkey: '+ssh-rsa' }, false);
  assert.equal(asked.kex.at(-1), 'diffie-hellman-group14-sha1');
  assert.equal(asked.pubkey.at(-1), 'ssh-rsa');
});

describe("OpenSSH's list syntax, compared with OpenSSH's own client", { skip: toolsMissing('ssh') }, () => {
  /** What `ssh -G` makes of `-o Option=value`, less what Burrow's engine cannot do. */
  const openssh = (kind: AlgorithmKind, value: string): string[] => {
    const out = execFileSync('ssh', ['-G', '-o', `${OPENSSH_OPTION[kind]}=${value}`, 'localhost'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const key = kind === 'pubkey' ? 'pubkeyacceptedalgorithms' : OPENSSH_OPTION[kind].toLowerCase();
    const line = out.split('\n').find((l) => l.startsWith(`${key} `))!;
    return line
      .split(' ')[1]!
      .split(',')
      .filter((a) => SUPPORTED_ALGORITHMS[kind].includes(a));
  };
  const cases: Array<[AlgorithmKind, string]> = [
    ['kex', '+diffie-hellman-group14-sha1'],
    ['kex', '^diffie-hellman-group14-sha1,diffie-hellman-group1-sha1'],
    ['kex', '-curve25519*,ecdh-sha2-nistp521'],
    ['kex', 'diffie-hellman-group14-sha1,curve25519-sha256'],
    ['hostKey', '+ssh-rsa'],
    ['hostKey', '-rsa-sha2-*'],
    ['hostKey', 'ssh-rsa,ssh-ed25519'],
    ['pubkey', '+ssh-rsa'],
    ['pubkey', '^ssh-rsa'],
    ['ciphers', '-chacha20-poly1305@openssh.com'],
    ['ciphers', '+aes128-cbc,3des-cbc'],
    ['ciphers', 'aes256-ctr,aes128-ctr'],
    ['macs', '-hmac-sha1*'],
    ['macs', '^hmac-sha2-512'],
  ];
  test('a plain list replaces, + appends, - removes (with patterns), ^ puts first: the same list as ssh -G', () => {
    assert.equal(cases.length, 14);
    for (const [kind, value] of cases) {
      assert.deepEqual(resolveAlgorithms(kind, value), openssh(kind, value), `${OPENSSH_OPTION[kind]}=${value}`);
    }
    // With nothing set, OpenSSH's own defaults (less what ssh2 lacks) are Burrow's.
    for (const kind of ALGORITHM_KINDS) assert.deepEqual(DEFAULT_ALGORITHMS[kind], openssh(kind, '-no-such-name'), kind);
  });
});

test("a name Burrow's engine cannot use is refused naming it; so are empty and negated names and a list left empty", () => {
  const cases: Array<[AlgorithmKind, string, RegExp]> = [
    ['kex', '+sntrup761x25519-sha512@openssh.com', /sntrup761x25519-sha512@openssh\.com is not a key exchange method Burrow can use/],
    ['macs', 'umac-64@openssh.com', /umac-64@openssh\.com is not a MAC/],
    ['hostKey', '+ssh-ed25519-cert-v01@openssh.com', /cert-v01.* is not a host key algorithm/],
    ['ciphers', '+blowfish*', /blowfish\* is not a cipher/],
    ['kex', '+a,,b', /empty name/],
    ['kex', '!diffie-hellman-group1-sha1', /cannot negate/],
    ['ciphers', '-*', /removes every cipher/],
  ];
  assert.equal(cases.length, 7);
  for (const [kind, value, re] of cases) {
    assert.throws(
      () => resolveAlgorithms(kind, value),
      (e: unknown) => e instanceof AlgorithmListError && re.test(e.message) && e.fix.includes(OPENSSH_OPTION[kind]),
      value,
    );
  }
});

describe('servers as they are in the wild', { skip: sshdUnavailable() }, () => {
  const fwd = [{ type: 'remote' as const, bindPort: 0, targetHost: '127.0.0.1', targetPort: 1 }];
  const servers: Sshd[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.dispose()));
  });
  const start = async (opts: SshdOptions): Promise<Sshd> => {
    const s = await Sshd.start(opts);
    servers.push(s);
    return s;
  };

  /**
   * Runs the session until its first failure and checks it needs a person: state `error`, the next
   * attempt only after testDeps' 3 s "person" delay, and no second attempt in the meantime.
   */
  async function failsSlowly(sshd: Sshd, cfg: SessionConfig): Promise<SessionSnapshot> {
    const s = new Session(cfg, testDeps(sshd));
    let attempts = 0;
    s.on('snapshot', (x) => {
      if (x.state === 'error') attempts++;
    });
    s.start();
    try {
      const snap = await waitForState(s, 'error');
      const wait = Date.parse(snap.nextAttemptAt!) - Date.now();
      assert.ok(wait > 2_000, `next attempt in ${wait} ms: a slow retry`);
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(attempts, 1, 'no fast retry');
      return snap;
    } finally {
      await s.stop();
    }
  }

  /** The `-o Key=Value` a hint gives, read by the command-line parser as a person would paste it. */
  function optionFromHint(hint: string): SessionConfig['algorithms'] {
    const m = /-o (\w+=\S+?)(?=[ )]|$)/.exec(hint);
    assert.ok(m, `the hint gives an -o option: ${hint}`);
    return parseCommandLine(['-N', '-R', '0:127.0.0.1:1', '-o', m[1]!, 'u@h']).session.algorithms;
  }

  async function connects(sshd: Sshd, cfg: SessionConfig): Promise<string[]> {
    const s = new Session(cfg, testDeps(sshd));
    const logs: string[] = [];
    s.on('log', (l) => logs.push(`${l.level}: ${l.message}`));
    s.start();
    try {
      await waitForState(s, 'connected');
      return logs;
    } finally {
      await s.stop();
    }
  }

  test('a server with only SHA-1 key exchange: ALGORITHM_MISMATCH naming both sides and the -o, slow retry; with the -o it connects, warned', async () => {
    const sshd = await start({ extraConfig: ['KexAlgorithms diffie-hellman-group14-sha1'] });
    const snap = await failsSlowly(sshd, sessionFor(sshd, fwd));
    const e = snap.lastError!;
    assert.equal(e.code, 'ALGORITHM_MISMATCH');
    assert.match(e.message, /no key exchange method in common: the server offers diffie-hellman-group14-sha1; Burrow offers curve25519-sha256,/);
    assert.match(e.hint!, /-o KexAlgorithms=\+diffie-hellman-group14-sha1 /);
    assert.match(e.hint!, /"kex": "\+diffie-hellman-group14-sha1"/);
    assert.match(e.hint!, /weak \(SHA-1\)/);
    const algorithms = optionFromHint(e.hint!);
    assert.deepEqual(algorithms, { kex: '+diffie-hellman-group14-sha1' });
    const logs = await connects(sshd, sessionFor(sshd, fwd, { algorithms }));
    assert.ok(
      logs.some((l) => l.startsWith('warn:') && /uses diffie-hellman-group14-sha1, which is weak/.test(l)),
      logs.join('\n'),
    );
  });

  test('a server with only an ssh-rsa host key: ALGORITHM_MISMATCH with HostKeyAlgorithms=+ssh-rsa, slow retry; with it the known key is checked and it connects', async () => {
    const sshd = await start({ hostKeyType: 'rsa', extraConfig: ['HostKeyAlgorithms ssh-rsa'] });
    const snap = await failsSlowly(sshd, sessionFor(sshd, fwd));
    const e = snap.lastError!;
    assert.equal(e.code, 'ALGORITHM_MISMATCH');
    assert.match(e.message, /no host key algorithm in common: the server offers ssh-rsa; Burrow offers rsa-sha2-512, rsa-sha2-256, ssh-ed25519/);
    assert.match(e.hint!, /-o HostKeyAlgorithms=\+ssh-rsa /);
    assert.match(e.hint!, /weak \(SHA-1 signatures\)/);
    const algorithms = optionFromHint(e.hint!);
    assert.deepEqual(algorithms, { hostKey: '+ssh-rsa' });
    const s = new Session(sessionFor(sshd, fwd, { algorithms }), testDeps(sshd));
    s.start();
    try {
      assert.equal((await waitForState(s, 'connected')).hostKeyFingerprint, sshd.hostKeyFingerprint());
    } finally {
      await s.stop();
    }
  });

  test('a server taking only ssh-rsa signatures from user keys: AUTH_FAILED whose fix is PubkeyAcceptedAlgorithms=+ssh-rsa, slow retry; with it the RSA key logs in', async () => {
    const sshd = await start({ extraConfig: ['PubkeyAcceptedAlgorithms ssh-rsa'] });
    const key = path.join(sshd.dir, 'id_rsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', key]);
    await sshd.authorize(readFileSync(`${key}.pub`, 'utf8'));
    const cfg = sessionFor(sshd, fwd, { auth: { identityFiles: [key] } });
    // Burrow never signs with SHA-1 unless asked: the server, which lists rsa-sha2-* in
    // server-sig-algs (OpenSSH 9.2 lists all it knows) but accepts only ssh-rsa, refuses the key.
    const snap = await failsSlowly(sshd, cfg);
    const e = snap.lastError!;
    assert.equal(e.code, 'AUTH_FAILED');
    assert.match(e.hint!, /only the old ssh-rsa signatures from RSA keys/);
    assert.match(e.hint!, /-o PubkeyAcceptedAlgorithms=\+ssh-rsa /);
    assert.match(e.hint!, /weak \(SHA-1 signatures\).*Ed25519/);
    const algorithms = optionFromHint(e.hint!);
    assert.deepEqual(algorithms, { pubkey: '+ssh-rsa' });
    // Appended, ssh-rsa comes after rsa-sha2-512 and -256; each is tried in turn (OpenSSH's own
    // client would stop at the first the server lists, and needs ^ssh-rsa here).
    await connects(sshd, { ...cfg, algorithms });
    // The old name of the option, as older guides write it, does the same.
    await connects(sshd, { ...cfg, algorithms: parseCommandLine(['-N', '-R', '0:h:1', '-o', 'PubkeyAcceptedKeyTypes=+ssh-rsa', 'u@h']).session.algorithms! });
  });

  test('a server that wants a second factor after the key: AUTH_PARTIAL naming what it still wants and how vendors set up tunnel users, slow retry', async () => {
    // sshd keeps the first value of a keyword, and the helper's defaults say "no" (FACTS.md).
    const sshd = await start({ overrideConfig: ['KbdInteractiveAuthentication yes', 'AuthenticationMethods publickey,keyboard-interactive'] });
    const snap = await failsSlowly(sshd, sessionFor(sshd, fwd));
    const e = snap.lastError!;
    assert.equal(e.code, 'AUTH_PARTIAL');
    assert.match(e.message, /accepted the key for user "[^"]+" but requires more before letting it in: keyboard-interactive \(a second factor/);
    assert.doesNotMatch(e.message, /refused/);
    assert.match(e.hint!, /unattended tunnel cannot answer a second factor/);
    assert.match(e.hint!, /logs in with the key alone/);
    assert.match(e.hint!, /Match User/);
  });
});
