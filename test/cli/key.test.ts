/** `burrow key …` black-box: the real CLI process against ssh-keygen and puttygen. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from '../helpers/cli.js';
import { PASS, puttygenFingerprint, puttygenPublicViaPrivate, run, toolsMissing, Workdir } from '../core/keys/tools.js';

const BURROW = fileURLToPath(new URL('../../main/cli/burrow.js', import.meta.url));
const skip = toolsMissing();
const w = skip ? undefined : new Workdir();
after(() => w?.dispose());

function burrow(args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BURROW, 'key', ...args], { encoding: 'utf8', env: cleanEnv(env), timeout: 60_000 });
  const said = r.stdout + r.stderr;
  assert.ok(!said.includes(PASS), 'a passphrase was printed');
  assert.ok(!/PRIVATE KEY|PuTTY-User-Key-File/.test(said), 'key material was printed');
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const publicPart = (line: string): string => line.trim().split(/\s+/).slice(0, 2).join(' ');

describe('burrow key', { skip }, () => {
  test('generate (Ed25519 by default) writes a 0600 key and its .pub, and prints what ssh-keygen -lf prints', () => {
    const out = w!.path('id_burrow');
    const r = burrow(['generate', '--comment', 'me@laptop', '--out', out]);
    assert.equal(r.code, 0, r.err);
    const [publicLine, listLine] = r.out.trim().split('\n');
    assert.match(publicLine!, /^ssh-ed25519 AAAA\S+ me@laptop$/);
    assert.equal(listLine, run('ssh-keygen', ['-lf', out]).trim());
    assert.equal(readFileSync(out + '.pub', 'utf8').trim(), publicLine);
    assert.equal(publicPart(run('ssh-keygen', ['-y', '-f', out])), publicPart(publicLine!));
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const again = burrow(['generate', '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists \[KEY_WRITE_FAILED\]\n {2}fix: .*--force/);
    assert.equal(burrow(['generate', '--out', out, '--force']).code, 0);
  });

  test('generate --type rsa --bits 4096 with --passphrase-file makes the key vendors like Holistics ask for, encrypted', () => {
    const out = w!.path('id_rsa_4096');
    const r = burrow(['generate', '--type', 'rsa', '--bits', '4096', '--passphrase-file', w!.passFile, '--out', out]);
    assert.equal(r.code, 0, r.err);
    // ssh-keygen's default comment: user@host.
    assert.equal(r.out.split('\n')[1]!, run('ssh-keygen', ['-lf', `${out}.pub`]).trim());
    assert.match(r.out.split('\n')[1]!, new RegExp(`^4096 SHA256:\\S+ ${userInfo().username}@${hostname()} \\(RSA\\)$`));
    assert.equal(publicPart(run('ssh-keygen', ['-y', '-P', PASS, '-f', out])), publicPart(r.out.split('\n')[0]!));
    assert.throws(
      () => run('ssh-keygen', ['-y', '-P', '', '-f', out]),
      (e: unknown) => /incorrect passphrase/.test(String((e as { stderr?: unknown }).stderr)),
      'the key is really encrypted',
    );
  });

  test('bad options name the option and the fix: exit 2 for usage, 1 for values', () => {
    const forceNoOut = burrow(['generate', '--force']);
    assert.equal(forceNoOut.code, 2);
    assert.match(forceNoOut.err, /--force replaces the file given with --out; without --out, an existing ~\/\.ssh key is never replaced/);
    assert.match(burrow(['generate', '--format', 'pem', '--out', w!.path('x')]).err, /--format must be openssh, ppk or ppk2 \(got "pem"\)/);
    const dsa = burrow(['generate', '--type', 'dsa', '--out', w!.path('x')]);
    assert.equal(dsa.code, 1);
    assert.match(dsa.err, /--type must be ed25519, rsa or ecdsa/);
    assert.match(burrow(['generate', '--type', 'constructor', '--out', w!.path('x')]).err, /--type must be/);
    const bits = burrow(['generate', '--type', 'rsa', '--bits', '1024', '--out', w!.path('x')]);
    assert.equal(bits.code, 1);
    assert.match(bits.err, /--bits for rsa must be 2048, 3072, 4096/);
    assert.equal(burrow(['convert', w!.passFile, '--to', 'pem', '--out', w!.path('x')]).code, 2);
    assert.equal(burrow(['frobnicate']).code, 2);
  });

  test('fingerprint and public read any format; the passphrase comes from --passphrase-file or BURROW_PASSPHRASE', () => {
    const ppk = w!.path('putty.ppk');
    run('puttygen', ['-t', 'rsa', '-b', '2048', '--new-passphrase', w!.passFile, '-o', ppk]);
    // A .ppk carries its public half in the clear: no passphrase needed to identify it.
    const fp = burrow(['fingerprint', ppk]);
    assert.equal(fp.code, 0, fp.err);
    assert.equal(fp.out.trim(), puttygenFingerprint(ppk, w!.passFile));
    const pem = w!.path('espresso.pem');
    run('ssh-keygen', ['-q', '-t', 'ecdsa', '-m', 'PEM', '-N', PASS, '-f', pem]);
    const needed = burrow(['public', pem]);
    assert.equal(needed.code, 1);
    assert.match(needed.err, /\[KEY_PASSPHRASE_NEEDED\]\n {2}fix: .*--passphrase-file/);
    const wrong = burrow(['public', pem], { BURROW_PASSPHRASE: 'nope' });
    assert.match(wrong.err, /KEY_PASSPHRASE_WRONG/);
    const viaFile = burrow(['public', pem, '--passphrase-file', w!.passFile]);
    assert.equal(viaFile.code, 0, viaFile.err);
    assert.equal(publicPart(viaFile.out), publicPart(readFileSync(pem + '.pub', 'utf8')));
    const viaEnv = burrow(['fingerprint', pem], { BURROW_PASSPHRASE: PASS });
    assert.equal(viaEnv.out.trim(), run('ssh-keygen', ['-lf', pem + '.pub']).split(' ')[1]);
  });

  test("convert: a vendor's .pem to .ppk for PuTTY (v3 and v2), and a .ppk back to OpenSSH", () => {
    const pem = w!.path('vendor.pem');
    run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '', '-f', pem]);
    const expected = publicPart(run('ssh-keygen', ['-y', '-f', pem]));
    for (const to of ['ppk', 'ppk2']) {
      const out = w!.path(`vendor-${to}.ppk`);
      const r = burrow(['convert', pem, '--to', to, '--out', out, '--new-passphrase-file', w!.passFile]);
      assert.equal(r.code, 0, r.err);
      assert.match(readFileSync(out, 'utf8'), new RegExp(`^PuTTY-User-Key-File-${to === 'ppk' ? 3 : 2}: ssh-rsa\nEncryption: aes256-cbc`));
      assert.equal(puttygenPublicViaPrivate(w!, out, w!.passFile), expected);
      assert.equal(statSync(out).mode & 0o777, 0o600);
    }
    const back = w!.path('vendor-back');
    const r = burrow(['convert', w!.path('vendor-ppk.ppk'), '--to', 'openssh', '--out', back, '--passphrase-file', w!.passFile]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /not protected by a passphrase/);
    assert.equal(publicPart(run('ssh-keygen', ['-y', '-f', back])), expected);
  });

  test('generate without --out writes ~/.ssh/id_<type> as ssh-keygen does, and never replaces a key there', () => {
    const home = w!.path('home');
    const r = burrow(['generate', '--type', 'ecdsa'], { HOME: home });
    assert.equal(r.code, 0, r.err);
    const key = path.join(home, '.ssh', 'id_ecdsa');
    assert.equal(statSync(path.join(home, '.ssh')).mode & 0o777, 0o700);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.equal(readFileSync(`${key}.pub`, 'utf8').trim(), r.out.split('\n')[0]);
    assert.equal(publicPart(run('ssh-keygen', ['-y', '-f', key])), publicPart(r.out.split('\n')[0]!));
    const before = readFileSync(key);
    const again = burrow(['generate', '--type', 'ecdsa'], { HOME: home });
    assert.equal(again.code, 2);
    assert.match(
      again.err,
      new RegExp(`${key.replace(/[.]/g, '\\.')} already exists: Burrow never replaces a key it was not told to; give another path with --out`),
    );
    assert.deepEqual(readFileSync(key), before);
    assert.ok(!existsSync(path.join(home, '.ssh', 'id_ed25519')), 'only the asked type was written');
  });

  test("generate --out NAME.ppk writes PuTTY .ppk v3 (and NAME.pub), as Fivetran's PuTTYgen steps ask; --format chooses outright", () => {
    const ppk = w!.path('fivetran.ppk');
    const r = burrow(['generate', '--type', 'rsa', '--bits', '2048', '--out', ppk]);
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(ppk, 'utf8'), /^PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: \S+@\S+\n/);
    assert.equal(publicPart(readFileSync(w!.path('fivetran.pub'), 'utf8')), publicPart(r.out.split('\n')[0]!));
    // puttygen itself reads it and finds the same key.
    assert.equal(puttygenFingerprint(ppk, w!.emptyFile), r.out.split('\n')[1]!.split(' ')[1]);
    const v2 = w!.path('old-putty.key');
    assert.equal(burrow(['generate', '--format', 'ppk2', '--out', v2]).code, 0);
    assert.match(readFileSync(v2, 'utf8'), /^PuTTY-User-Key-File-2: ssh-ed25519\n/);
    const openssh = w!.path('plain.ppk');
    assert.equal(burrow(['generate', '--format', 'openssh', '--out', openssh]).code, 0);
    assert.match(readFileSync(openssh, 'utf8'), /^-----BEGIN OPENSSH PRIVATE KEY-----/);
  });
});
