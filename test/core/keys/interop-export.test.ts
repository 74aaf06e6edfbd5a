/**
 * Keys Burrow generates and writes are read by the real tools: ssh-keygen for OpenSSH files,
 * puttygen for .ppk v2/v3 (through its own private-key conversion, which checks the MAC and the
 * private numbers, not only the public half).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { exportKey, generateKey, importKey, keygenListLine, writeKeyFile } from '../../../main/core/keys/index.js';
import type { KeyPair, KeyType } from '../../../main/core/keys/index.js';
import { PASS, puttygenFingerprint, puttygenPublicViaPrivate, run, toolsMissing, Workdir } from './tools.js';

const skip = toolsMissing();
const w = skip ? undefined : new Workdir();
after(() => w?.dispose());

const SIZES: ReadonlyArray<readonly [KeyType, number | undefined]> = [
  ['ed25519', undefined],
  ['rsa', 2048],
  ['rsa', 3072],
  ['rsa', 4096],
  ['ecdsa', 256],
  ['ecdsa', 384],
  ['ecdsa', 521],
];

const publicPart = (line: string): string => line.trim().split(/\s+/).slice(0, 2).join(' ');

describe('keys Burrow generates and exports, read by the real tools', { skip }, () => {
  const generated: Array<{ label: string; key: KeyPair }> = [];

  test('generated keys of every type and size: ssh-keygen reads the file, with and without a passphrase, and prints the same fingerprint line', async () => {
    for (const [type, bits] of SIZES) {
      const label = `${type}-${bits ?? 256}`;
      const key = await generateKey({ type, ...(bits ? { bits } : {}), comment: `burrow ${label}` });
      generated.push({ label, key });
      assert.equal(key.info.type, type);
      assert.equal(key.info.bits, bits ?? 256);
      const plain = w!.path(`gen-${label}`);
      await writeKeyFile(plain, await exportKey(key, 'openssh'), 0o600);
      assert.equal(statSync(plain).mode & 0o777, 0o600, 'private key file mode');
      assert.equal(publicPart(run('ssh-keygen', ['-y', '-f', plain])), publicPart(key.info.publicKey), `${label}: ssh-keygen -y`);
      assert.equal(run('ssh-keygen', ['-lf', plain]).trim(), keygenListLine(key.info), `${label}: ssh-keygen -lf`);
      const enc = w!.path(`gen-${label}-enc`);
      await writeKeyFile(enc, await exportKey(key, 'openssh', { passphrase: PASS }), 0o600);
      assert.equal(publicPart(run('ssh-keygen', ['-y', '-P', PASS, '-f', enc])), publicPart(key.info.publicKey), `${label}: ssh-keygen -y -P`);
      assert.throws(
        () => run('ssh-keygen', ['-y', '-P', 'wrong', '-f', enc]),
        (e: unknown) => /incorrect passphrase/.test(String((e as { stderr?: unknown }).stderr)),
        `${label}: the file is really encrypted`,
      );
    }
  });

  test('.ppk v3 and v2, plain and encrypted, are read back by puttygen with the same key', async () => {
    const matrix: string[] = [];
    assert.ok(generated.length >= 4, `only ${generated.length} generated keys`);
    for (const { label, key } of generated) {
      for (const format of ['ppk', 'ppk2'] as const) {
        for (const encrypted of [false, true]) {
          const file = w!.path(`gen-${label}-${format}${encrypted ? '-enc' : ''}.ppk`);
          await writeKeyFile(file, await exportKey(key, format, encrypted ? { passphrase: PASS } : {}), 0o600);
          const passFile = encrypted ? w!.passFile : w!.emptyFile;
          assert.equal(puttygenFingerprint(file, passFile), key.info.fingerprint, `${label} ${format}: puttygen -l`);
          assert.equal(puttygenPublicViaPrivate(w!, file, passFile), publicPart(key.info.publicKey), `${label} ${format}: puttygen's private key`);
          // And Burrow reads its own output back.
          assert.equal((await importKey(readFileSync(file), encrypted ? { passphrase: PASS } : {})).info.fingerprint, key.info.fingerprint);
          matrix.push(`${label} ${format}${encrypted ? ' encrypted' : ''}`);
        }
      }
    }
    process.stdout.write(`# puttygen read back ${matrix.length} Burrow .ppk files: ${matrix.join(', ')}\n`);
  });

  test("a PuTTY key from an imported .pem converts as Espresso's guide has people do in PuTTYgen", async () => {
    const pem = w!.path('espresso.pem');
    run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '', '-f', pem]);
    const key = await importKey(readFileSync(pem));
    const ppk = w!.path('espresso.ppk');
    await writeKeyFile(ppk, await exportKey(key, 'ppk'), 0o600);
    assert.equal(puttygenPublicViaPrivate(w!, ppk, w!.emptyFile), publicPart(run('ssh-keygen', ['-y', '-f', pem])));
  });

  test("an Ed25519 seed ending in a zero byte: Burrow's .ppk is byte for byte what puttygen writes, and reads back", async () => {
    // The secret is a little-endian integer in PuTTY, so a seed whose last byte is 0 is where an
    // encoder that trims or pads numbers would go wrong; 1 key in 256 has one.
    let pkcs8: string | undefined;
    for (let i = 0; i < 5000 && !pkcs8; i++) {
      const { privateKey } = generateKeyPairSync('ed25519');
      const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
      if (d[31] === 0) pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    }
    assert.ok(pkcs8, 'no seed ending in 0x00 found');
    const key = await importKey(pkcs8);
    const openssh = w!.path('zero-seed');
    await writeKeyFile(openssh, await exportKey(key, 'openssh'), 0o600);
    const theirs = w!.path('zero-seed-putty.ppk');
    run('puttygen', [openssh, '--new-passphrase', w!.emptyFile, '-o', theirs]);
    // An unencrypted v3 file has no salt or random padding: same key, same comment, same bytes.
    assert.equal((await exportKey(key, 'ppk')).toString(), readFileSync(theirs, 'utf8'));
    assert.equal((await importKey(readFileSync(theirs))).info.fingerprint, key.info.fingerprint);
  });
});
