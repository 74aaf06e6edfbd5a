/**
 * Keys made by the real tools (ssh-keygen, puttygen, openssl) in every format and type import with
 * the fingerprint the tool itself prints, and come out as a key ssh2 signs with.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import ssh2 from 'ssh2';
import { exportKey, importKey, inspectKey, KeyError, readKeyFile, writeKeyFile } from '../../../main/core/keys/index.js';
import type { KeyPair, KeySourceFormat } from '../../../main/core/keys/index.js';
import { PASS, puttygenFingerprint, keygenFingerprint, run, toolsMissing, Workdir } from './tools.js';
import { readFileSync } from 'node:fs';

const skip = toolsMissing();

interface Fixture {
  readonly name: string;
  readonly file: string;
  readonly format: KeySourceFormat;
  readonly encrypted: boolean;
  readonly fingerprint: string;
  /** The public key line as the tool wrote it. */
  readonly publicLine: string;
}

const TYPES: ReadonlyArray<readonly [string, string, string]> = [
  // [label, ssh-keygen -t, -b]
  ['ed25519', 'ed25519', '256'],
  ['rsa-2048', 'rsa', '2048'],
  ['rsa-4096', 'rsa', '4096'],
  ['ecdsa-256', 'ecdsa', '256'],
  ['ecdsa-384', 'ecdsa', '384'],
  ['ecdsa-521', 'ecdsa', '521'],
];

const w = skip ? undefined : new Workdir();
const fixtures: Fixture[] = [];

function keygen(name: string, type: string, bits: string, extra: ReadonlyArray<string>, format: KeySourceFormat, encrypted: boolean): void {
  const file = w!.path(name);
  run('ssh-keygen', ['-q', '-t', type, '-b', bits, '-C', `${name}@test`, '-N', encrypted ? PASS : '', ...extra, '-f', file]);
  fixtures.push({ name, file, format, encrypted, fingerprint: keygenFingerprint(file + '.pub'), publicLine: readFileSync(file + '.pub', 'utf8').trim() });
}

function puttygen(name: string, type: string, bits: string, version: 2 | 3, encrypted: boolean): void {
  const file = w!.path(name + '.ppk');
  run('puttygen', [
    '-t',
    type,
    '-b',
    bits,
    '-C',
    `${name}@putty`,
    '--new-passphrase',
    encrypted ? w!.passFile : w!.emptyFile,
    '--ppk-param',
    `version=${version}`,
    '-o',
    file,
  ]);
  const publicLine = run('puttygen', ['-L', '--old-passphrase', w!.passFile, file]).trim();
  fixtures.push({ name, file, format: version === 2 ? 'ppk2' : 'ppk3', encrypted, fingerprint: puttygenFingerprint(file, w!.passFile), publicLine });
}

/** openssl writes Ed25519 as PKCS#8, which ssh-keygen cannot: the reference is openssl's own public key bytes. */
function opensslEd25519(name: string, encrypted: boolean): void {
  const file = w!.path(name);
  run('openssl', ['genpkey', '-algorithm', 'ed25519', ...(encrypted ? ['-aes256', '-pass', `file:${w!.passFile}`] : []), '-out', file]);
  const spki = execFileSync('openssl', ['pkey', '-in', file, '-pubout', '-outform', 'DER', ...(encrypted ? ['-passin', `file:${w!.passFile}`] : [])]);
  const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const blob = Buffer.concat([str(Buffer.from('ssh-ed25519')), str(spki.subarray(spki.length - 32))]);
  fixtures.push({
    name,
    file,
    format: 'pkcs8',
    encrypted,
    fingerprint: 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, ''),
    publicLine: `ssh-ed25519 ${blob.toString('base64')}`,
  });
}

before(() => {
  if (skip) return;
  for (const [label, type, bits] of TYPES) {
    keygen(`openssh-${label}`, type, bits, [], 'openssh', false);
    keygen(`openssh-${label}-enc`, type, bits, [], 'openssh', true);
    if (type !== 'ed25519') {
      // ssh-keygen writes Ed25519 in its own format whatever -m says; openssl covers Ed25519 PKCS#8 below.
      const pemFormat: KeySourceFormat = type === 'rsa' ? 'pem-pkcs1' : 'pem-sec1';
      keygen(`pem-${label}`, type, bits, ['-m', 'PEM'], pemFormat, false);
      keygen(`pem-${label}-enc`, type, bits, ['-m', 'PEM'], pemFormat, true);
      keygen(`pkcs8-${label}`, type, bits, ['-m', 'PKCS8'], 'pkcs8', false);
      keygen(`pkcs8-${label}-enc`, type, bits, ['-m', 'PKCS8'], 'pkcs8', true);
    }
    if (label !== 'rsa-4096') {
      for (const version of [2, 3] as const) {
        puttygen(`ppk${version}-${label}`, type, bits, version, false);
        puttygen(`ppk${version}-${label}-enc`, type, bits, version, true);
      }
    }
  }
  // Every cipher ssh-keygen -Z offers that Burrow reads (aes256-ctr is the default above).
  for (const cipher of ['aes128-ctr', 'aes192-ctr', 'aes128-cbc', 'aes256-cbc', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']) {
    keygen(`openssh-ed25519-${cipher.replace('@openssh.com', '')}`, 'ed25519', '256', ['-Z', cipher], 'openssh', true);
  }
  opensslEd25519('pkcs8-ed25519', false);
  opensslEd25519('pkcs8-ed25519-enc', true);
});

after(() => w?.dispose());

/** ssh2 parses the internal form without a passphrase and its signatures verify with the tool's public key. */
function assertSignsLikeTool(key: KeyPair, publicLine: string): void {
  const priv = ssh2.utils.parseKey(key.privateKeyForSsh2());
  assert.ok(!(priv instanceof Error), `ssh2 cannot parse the internal form: ${priv instanceof Error ? priv.message : ''}`);
  const pub = ssh2.utils.parseKey(publicLine);
  assert.ok(!(pub instanceof Error));
  const p = Array.isArray(priv) ? priv[0]! : priv;
  const q = Array.isArray(pub) ? pub[0]! : pub;
  const data = Buffer.from('a tunnel login');
  const sig = p.sign(data);
  assert.ok(!(sig instanceof Error));
  assert.equal(q.verify(data, sig as Buffer), true, "the signature does not verify with the tool's public key");
}

describe('importing keys made by ssh-keygen, puttygen and openssl', { skip }, () => {
  test("every format × type imports with the tool's own fingerprint and signs like the tool's key", async () => {
    const matrix: string[] = [];
    assert.ok(fixtures.length >= 50, `only ${fixtures.length} fixtures were made`);
    for (const f of fixtures) {
      const key = await readKeyFile(f.file, f.encrypted ? { passphrase: PASS } : {});
      assert.equal(key.info.fingerprint, f.fingerprint, `${f.name}: fingerprint`);
      assert.equal(key.info.format, f.format, `${f.name}: format`);
      assert.equal(key.info.encrypted, f.encrypted, `${f.name}: encrypted`);
      assert.equal(key.info.publicKey.split(' ').slice(0, 2).join(' '), f.publicLine.split(' ').slice(0, 2).join(' '), `${f.name}: public key line`);
      assertSignsLikeTool(key, f.publicLine);
      matrix.push(`${f.name.padEnd(34)} ${f.format.padEnd(10)} ${f.fingerprint}`);
    }
    process.stdout.write(`# import matrix (${matrix.length} keys, all passed):\n# ${matrix.join('\n# ')}\n`);
  });

  test('an encrypted key without a passphrase, or with a wrong one, is each its own plain error', async () => {
    const encrypted = fixtures.filter((x) => x.encrypted);
    assert.ok(encrypted.length >= 20, `only ${encrypted.length} encrypted fixtures`);
    for (const f of encrypted) {
      await assert.rejects(
        readKeyFile(f.file),
        (e: KeyError) => e.code === 'KEY_PASSPHRASE_NEEDED' && /--passphrase-file/.test(e.hint),
        `${f.name}: no passphrase`,
      );
      await assert.rejects(readKeyFile(f.file, { passphrase: 'not it' }), (e: KeyError) => {
        assert.equal(e.code, 'KEY_PASSPHRASE_WRONG', `${f.name}: wrong passphrase gave ${e.code}: ${e.message}`);
        assert.ok(!e.message.includes('not it') && !e.message.includes(PASS));
        return true;
      });
    }
  });

  test('OpenSSH and PuTTY keys are identified without their passphrase (their public half is in the clear)', async () => {
    const clearPublic = fixtures.filter((x) => x.encrypted && (x.format === 'openssh' || x.format.startsWith('ppk')));
    assert.ok(clearPublic.length >= 8, `only ${clearPublic.length} such fixtures`);
    for (const f of clearPublic) {
      const info = await inspectKey(readFileSync(f.file));
      assert.equal(info.fingerprint, f.fingerprint, f.name);
      assert.equal(info.encrypted, true);
    }
  });

  test('a .ppk comment in Windows-1252 (Windows PuTTYgen) or UTF-8 keeps its MAC valid and reads as text, both ways', async () => {
    // printf through sh: argv from Node is always UTF-8, and the point is bytes that are not.
    for (const [label, printf, shown] of [
      ['cp1252', 'Jos\\351 \\200', 'José €'],
      ['utf8', 'José ✓', 'José ✓'],
    ] as const) {
      const file = w!.path(`comment-${label}.ppk`);
      execFileSync('sh', ['-c', `puttygen -t ed25519 -C "$(printf '${printf}')" --new-passphrase "$1" -o "$2"`, 'sh', w!.passFile, file]);
      const key = await readKeyFile(file, { passphrase: PASS });
      assert.equal(key.info.comment, shown);
      assert.equal((await inspectKey(readFileSync(file))).comment, shown);
      const ours = w!.path(`comment-${label}-burrow.ppk`);
      await writeKeyFile(ours, await exportKey(key, 'ppk', { passphrase: PASS }), 0o600);
      assert.equal(run('puttygen', ['-L', '--old-passphrase', w!.passFile, ours]).trim(), `${key.info.publicKey.split(' ').slice(0, 2).join(' ')} ${shown}`);
    }
  });

  test("a key pasted as base64 of the file (Secoda's SSH_KEY_BASE64) or through an env file reads the same", async () => {
    const pasted = fixtures.filter((x) => ['openssh-rsa-2048', 'ppk3-ed25519', 'pem-ecdsa-384', 'pkcs8-ed25519'].includes(x.name));
    assert.equal(pasted.length, 4);
    for (const f of pasted) {
      const raw = readFileSync(f.file);
      const wrapped = raw.toString('base64').replace(/.{76}/g, '$&\n');
      assert.equal((await importKey(wrapped)).info.fingerprint, f.fingerprint, `${f.name} as base64`);
      const envStyle = `"${raw.toString('utf8').trim().replace(/\n/g, '\\n')}"`;
      assert.equal((await importKey(envStyle)).info.fingerprint, f.fingerprint, `${f.name} as an escaped env value`);
      const crlf = raw.toString('utf8').replace(/\n/g, '\r\n');
      assert.equal((await importKey(`\n  ${crlf}  \n`)).info.fingerprint, f.fingerprint, `${f.name} with CRLF and blank space`);
    }
    // Binary DER (a .der file, or base64 of one), encrypted PKCS#8 included.
    const f = fixtures.find((x) => x.name === 'pkcs8-rsa-2048-enc')!;
    const der = execFileSync('openssl', [
      'pkcs8',
      '-topk8',
      '-v2',
      'aes256',
      '-in',
      f.file,
      '-passin',
      `file:${w!.passFile}`,
      '-passout',
      `pass:${PASS}`,
      '-outform',
      'DER',
    ]);
    for (const input of [der, der.toString('base64')]) {
      const key = await importKey(input, { passphrase: PASS });
      assert.equal(key.info.fingerprint, f.fingerprint);
      assert.equal(key.info.encrypted, true);
      await assert.rejects(importKey(input), (e: KeyError) => e.code === 'KEY_PASSPHRASE_NEEDED');
    }
  });
});
