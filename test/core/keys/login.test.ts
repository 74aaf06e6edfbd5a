/**
 * The end of the chain: keys Burrow generates log in to a real sshd with OpenSSH's client, and
 * keys in any format loaded through loadIdentity log in with ssh2 (the engine's path).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { exportKey, generateKey, writeKeyFile } from '../../../main/core/keys/index.js';
import { loadIdentity } from '../../../main/core/session/identity.js';
import type { KeyType } from '../../../main/core/keys/index.js';
import { BurrowError } from '../../../main/core/session/errors.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { PASS, run, toolsMissing, Workdir } from './tools.js';

const skip = toolsMissing() ?? sshdUnavailable();
const w = skip ? undefined : new Workdir();
let sshd: Sshd | undefined;

before(async () => {
  if (!skip) sshd = await Sshd.start();
});
after(async () => {
  await sshd?.dispose();
  w?.dispose();
});

/**
 * Logs in with OpenSSH's own client and the key file, nothing else (no agent, no config). With a
 * passphrase, ssh asks SSH_ASKPASS for it (BatchMode would forbid asking at all).
 */
function opensshLogin(keyFile: string, passphrase?: string): string {
  const askpass = passphrase === undefined ? undefined : w!.write('askpass.sh', `#!/bin/sh\nprintf '%s\\n' '${passphrase}'\n`);
  if (askpass) execFileSync('chmod', ['700', askpass]);
  return execFileSync(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-i',
      keyFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-o',
      askpass ? 'BatchMode=no' : 'BatchMode=yes',
      '-o',
      'PreferredAuthentications=publickey',
      '-o',
      `UserKnownHostsFile=${sshd!.knownHostsPath}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-p',
      String(sshd!.port),
      `${sshd!.user}@${sshd!.host}`,
      'echo logged-in',
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
      env: { ...process.env, ...(askpass ? { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' } : {}) },
    },
  ).trim();
}

/** Logs in with ssh2, as the engine does, checking the host key against the test server's. */
function ssh2Login(privateKey: Buffer): Promise<void> {
  const hostKey = Buffer.from(readFileSync(sshd!.knownHostsPath, 'utf8').trim().split(/\s+/)[2]!, 'base64');
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('ready', () => {
      c.end();
      resolve();
    });
    c.on('error', reject);
    c.connect({
      host: sshd!.host,
      port: sshd!.port,
      username: sshd!.user,
      privateKey,
      readyTimeout: 15_000,
      hostVerifier: (key: Buffer) => key.equals(hostKey),
    });
  });
}

describe('logging in to a real sshd', { skip }, () => {
  test("keys Burrow generates (every type) log in with OpenSSH's ssh, plain and passphrase-protected", async () => {
    for (const [type, bits] of [
      ['ed25519', undefined],
      ['rsa', 3072],
      ['ecdsa', 256],
      ['ecdsa', 521],
    ] as ReadonlyArray<[KeyType, number | undefined]>) {
      const key = await generateKey({ type, ...(bits ? { bits } : {}), comment: `login-${type}` });
      const file = w!.path(`login-${type}-${bits ?? ''}`);
      await writeKeyFile(file, await exportKey(key, 'openssh'), 0o600);
      assert.throws(
        () => opensshLogin(file),
        (e: unknown) => /Permission denied \(publickey\)/.test(String((e as { stderr?: unknown }).stderr)),
        `${type}: logged in before the key was authorised`,
      );
      await sshd!.authorize(key.info.publicKey);
      assert.equal(opensshLogin(file), 'logged-in', `${type} ${bits ?? ''}`);
      const enc = `${file}-enc`;
      await writeKeyFile(enc, await exportKey(key, 'openssh', { passphrase: PASS }), 0o600);
      assert.equal(opensshLogin(enc, PASS), 'logged-in', `${type} ${bits ?? ''} with a passphrase`);
      assert.throws(
        () => opensshLogin(enc, 'wrong'),
        (e: unknown) => /Permission denied \(publickey\)/.test(String((e as { stderr?: unknown }).stderr)),
        `${type}: a wrong passphrase logged in`,
      );
      // ssh-keygen -y derives the same public key the server was given.
      assert.equal(run('ssh-keygen', ['-y', '-f', file]).split(' ').slice(0, 2).join(' '), key.info.publicKey.split(' ').slice(0, 2).join(' '));
    }
  });

  test('loadIdentity turns a passphrase-protected .ppk v3, .ppk v2, PKCS#8 and PEM into keys ssh2 logs in with', async () => {
    const made: Array<[string, string]> = [];
    const ppk3 = w!.path('engine3.ppk');
    run('puttygen', ['-t', 'ed25519', '--new-passphrase', w!.passFile, '-o', ppk3]);
    made.push(['ppk v3 ed25519', ppk3]);
    const ppk2 = w!.path('engine2.ppk');
    run('puttygen', ['-t', 'ecdsa', '-b', '384', '--ppk-param', 'version=2', '--new-passphrase', w!.passFile, '-o', ppk2]);
    made.push(['ppk v2 ecdsa-384', ppk2]);
    const pkcs8 = w!.path('engine-pkcs8');
    run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PKCS8', '-N', PASS, '-f', pkcs8]);
    made.push(['pkcs8 rsa', pkcs8]);
    const pem = w!.path('engine-pem');
    run('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-m', 'PEM', '-N', PASS, '-f', pem]);
    made.push(['pem ecdsa', pem]);
    assert.ok(made.length >= 3, `only ${made.length} keys made`);
    for (const [label, file] of made) {
      const publicLine = file.endsWith('.ppk') ? run('puttygen', ['-L', '--old-passphrase', w!.passFile, file]) : readFileSync(file + '.pub', 'utf8');
      await sshd!.authorize(publicLine);
      const identity = await loadIdentity(file, PASS);
      assert.equal(identity.file, file);
      assert.equal(identity.passphrase, undefined, `${label}: the key is handed over decrypted`);
      assert.match(identity.privateKey.toString(), /^-----BEGIN OPENSSH PRIVATE KEY-----/);
      await ssh2Login(identity.privateKey);
    }
  });

  test("loadIdentity fails with the engine's codes and a hint: KEY_PASSPHRASE for a missing or wrong passphrase, KEY_INVALID otherwise", async () => {
    const enc = w!.path('fail-enc');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASS, '-f', enc]);
    const cases: Array<[string, string | undefined, string, string]> = [
      [enc, undefined, 'KEY_PASSPHRASE', 'KEY_PASSPHRASE_NEEDED'],
      [enc, 'wrong', 'KEY_PASSPHRASE', 'KEY_PASSPHRASE_WRONG'],
      [enc + '.pub', undefined, 'KEY_INVALID', 'KEY_PUBLIC_ONLY'],
      [w!.path('missing'), undefined, 'KEY_INVALID', 'KEY_UNREADABLE'],
      [w!.write('junk', 'not a key at all'), undefined, 'KEY_INVALID', 'KEY_UNRECOGNISED'],
    ];
    for (const [file, pass, code, cause] of cases) {
      await assert.rejects(loadIdentity(file, pass), (e: unknown) => {
        assert.ok(e instanceof BurrowError);
        assert.equal(e.info.code, code, `${file}: ${e.message}`);
        assert.equal(e.info.cause, cause);
        assert.ok(e.info.hint && e.info.hint.length > 10);
        assert.ok(e.message.includes(file), 'the message names the file');
        return true;
      });
    }
  });
});
