/**
 * Every way a key can be wrong gives its own plain error with the fix, within a time limit, and
 * nothing secret in it; hostile files (extreme KDF costs) are stopped without touching Burrow.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import { exportKey, generateKey, importKey, inspectKey, KeyError, KeyWorker, readKeyFile } from '../../../main/core/keys/index.js';
import type { KeyErrorCode } from '../../../main/core/keys/index.js';
import { PASS, run, toolsMissing, Workdir } from './tools.js';
import { forkLauncher, type WorkerLauncher } from '../../../main/core/keys/key-worker.js';
import { waitFor } from '../../helpers/net.js';

const skip = toolsMissing();
const w = skip ? undefined : new Workdir();
const files: Record<string, string> = {};

before(() => {
  if (skip) return;
  const keygen = (name: string, args: ReadonlyArray<string>): void => {
    files[name] = w!.path(name);
    run('ssh-keygen', ['-q', '-C', 'errors@test', ...args, '-f', files[name]!]);
  };
  keygen('ed25519', ['-t', 'ed25519', '-N', '']);
  keygen('ed25519-enc', ['-t', 'ed25519', '-N', PASS]);
  keygen('rsa-pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '']);
  keygen('dsa', ['-t', 'dsa', '-N', '']);
  keygen('chacha', ['-t', 'ed25519', '-N', PASS, '-Z', 'chacha20-poly1305@openssh.com']);
  files['ppk'] = w!.path('k.ppk');
  run('puttygen', ['-t', 'ed25519', '--new-passphrase', w!.emptyFile, '-o', files['ppk']]);
  files['ppk-enc'] = w!.path('k-enc.ppk');
  run('puttygen', ['-t', 'ed25519', '--new-passphrase', w!.passFile, '-o', files['ppk-enc']]);
  files['rfc4716'] = w!.path('k.pub.rfc');
  run('puttygen', [files['ppk'], '-O', 'public', '-o', files['rfc4716']]);
  files['spki'] = w!.path('rsa.spki.pem');
  run('openssl', ['pkey', '-in', files['rsa-pem']!, '-pubout', '-out', files['spki']]);
  files['ed448'] = w!.path('ed448.pem');
  run('openssl', ['genpkey', '-algorithm', 'ed448', '-out', files['ed448']]);
  files['k256'] = w!.path('secp256k1.pem');
  run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1', '-out', files['k256']]);
  files['cert'] = w!.path('cert.pem');
  run('openssl', ['req', '-x509', '-key', files['rsa-pem']!, '-subj', '/CN=burrow', '-days', '1', '-out', files['cert']]);
});
after(() => w?.dispose());

const text = (name: string): string => readFileSync(files[name]!, 'utf8');

/** Expects a KeyError with `code` whose message and hint hold no passphrase and no key bytes. */
async function rejectsWith(p: Promise<unknown>, code: KeyErrorCode, secretSource?: string): Promise<KeyError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${code}, got a key`),
    (e: unknown) => {
      caught = e;
    },
  );
  assert.ok(caught instanceof KeyError, `expected KeyError, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  assert.ok(caught.hint.length > 10, 'every error carries a fix');
  const said = `${caught.message} ${caught.hint} ${caught.stack ?? ''} ${JSON.stringify(caught)}`;
  assert.ok(!said.includes(PASS), 'the passphrase appears in the error');
  if (secretSource) {
    // No run of 16 base64 characters from the key file may be repeated in the error.
    const body = secretSource.replace(/-----[^-]+-----|PuTTY[^\n]*|[A-Za-z0-9-]+: [^\n]*/g, '').replace(/\s/g, '');
    for (let i = 0; i + 16 <= body.length; i += 8) assert.ok(!said.includes(body.slice(i, i + 16)), 'key bytes appear in the error');
  }
  return caught;
}

describe('key errors: distinct, plain, with the fix, never secret', { skip }, () => {
  test('a truncated key (cut anywhere, or missing its END line) is KEY_TRUNCATED', async () => {
    const openssh = text('ed25519');
    await rejectsWith(importKey(openssh.slice(0, openssh.length / 2)), 'KEY_TRUNCATED', openssh);
    const lines = openssh.trim().split('\n');
    await rejectsWith(importKey([...lines.slice(0, 3), lines.at(-1)].join('\n')), 'KEY_TRUNCATED', openssh);
    const ppk = text('ppk');
    await rejectsWith(importKey(ppk.split('\n').slice(0, -3).join('\n')), 'KEY_TRUNCATED', ppk);
    const pem = text('rsa-pem');
    await rejectsWith(importKey(pem.slice(0, 900)), 'KEY_TRUNCATED', pem);
  });

  test('a public key given instead of a private one is KEY_PUBLIC_ONLY, and can still be identified', async () => {
    for (const name of ['ed25519', 'rfc4716', 'spki']) {
      const input = name === 'ed25519' ? readFileSync(files[name] + '.pub') : readFileSync(files[name]!);
      const e = await rejectsWith(importKey(input), 'KEY_PUBLIC_ONLY');
      assert.match(e.hint, /private key/);
      const info = await inspectKey(input);
      assert.equal(info.format, 'public');
    }
    const fromPub = await inspectKey(readFileSync(files['ed25519'] + '.pub'));
    assert.equal(fromPub.fingerprint, (await readKeyFile(files['ed25519']!)).info.fingerprint);
  });

  test('key types and ciphers Burrow does not handle are KEY_UNSUPPORTED, naming the type', async () => {
    assert.match((await rejectsWith(readKeyFile(files['dsa']!), 'KEY_UNSUPPORTED')).message, /DSA/);
    assert.match((await rejectsWith(readKeyFile(files['ed448']!), 'KEY_UNSUPPORTED')).message, /ed448/);
    assert.match((await rejectsWith(readKeyFile(files['k256']!), 'KEY_UNSUPPORTED')).message, /secp256k1/);
    assert.match((await rejectsWith(readKeyFile(files['chacha']!, { passphrase: PASS }), 'KEY_UNSUPPORTED')).hint, /ssh-keygen -p/);
    const v1 = text('ppk').replace('PuTTY-User-Key-File-3', 'PuTTY-User-Key-File-1');
    assert.match((await rejectsWith(importKey(v1), 'KEY_UNSUPPORTED')).hint, /PuTTYgen/);
  });

  test('an EC key from `openssl ecparam -genkey` (parameters block first) reads', async () => {
    const file = w!.write('ecparam.pem', run('openssl', ['ecparam', '-name', 'secp384r1', '-genkey']));
    assert.match(readFileSync(file, 'utf8'), /^-----BEGIN EC PARAMETERS-----/);
    const key = await readKeyFile(file);
    assert.equal(key.info.algorithm, 'ecdsa-sha2-nistp384');
    assert.equal(key.info.format, 'pem-sec1');
  });

  test('things that are not keys are KEY_UNRECOGNISED; a missing file is KEY_UNREADABLE', async () => {
    await rejectsWith(importKey('hello, I am not a key'), 'KEY_UNRECOGNISED');
    assert.match((await rejectsWith(readKeyFile(files['cert']!), 'KEY_UNRECOGNISED')).message, /certificate/);
    await rejectsWith(importKey(Buffer.alloc(300_000, 0x41)), 'KEY_UNRECOGNISED');
    const big = w!.write('big', Buffer.alloc(300_000, 0x41));
    assert.match((await rejectsWith(readKeyFile(big), 'KEY_UNRECOGNISED')).message, /big is 300000 bytes/);
    assert.match((await rejectsWith(readKeyFile(w!.path('nope')), 'KEY_UNREADABLE')).hint, /does not exist/);
  });

  test('a changed unencrypted .ppk is KEY_CORRUPT; the same change in an encrypted one reads as a wrong passphrase', async () => {
    const flip = (s: string): string => s.replace(/Private-MAC: (.)/, (_, c: string) => `Private-MAC: ${c === '0' ? '1' : '0'}`);
    await rejectsWith(importKey(flip(text('ppk'))), 'KEY_CORRUPT', text('ppk'));
    await rejectsWith(importKey(flip(text('ppk-enc')), { passphrase: PASS }), 'KEY_PASSPHRASE_WRONG', text('ppk-enc'));
  });

  test('a key whose halves do not belong together is KEY_CORRUPT', async () => {
    // Swap the public half of one .ppk into another: the MAC is then wrong too, so recompute
    // nothing and check an OpenSSH file instead, whose unencrypted form has no checksum at all.
    const other = readFileSync(files['ed25519'] + '.pub', 'utf8').split(' ')[1]!;
    const bin = Buffer.from(
      text('ed25519')
        .replace(/-----[^-]+-----/g, '')
        .replace(/\s/g, ''),
      'base64',
    );
    const pubAt = bin.indexOf(Buffer.from(other, 'base64').subarray(19));
    assert.ok(pubAt > 0);
    bin[pubAt + 5] ^= 0xff;
    await rejectsWith(importKey(bin), 'KEY_CORRUPT');
  });

  test('KeyPair and errors never show private material: JSON, inspect and String give public info only', async () => {
    const key = await readKeyFile(files['ed25519-enc']!, { passphrase: PASS });
    // The secret itself (the Ed25519 seed), as ssh2 sees it, in every encoding it could leak in.
    const parsed = ssh2.utils.parseKey(key.privateKeyForSsh2());
    assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed));
    const seed = Buffer.from(createPrivateKey(parsed.getPrivatePEM()).export({ format: 'jwk' }).d!, 'base64url');
    const body = key
      .privateKeyForSsh2()
      .toString()
      .replace(/-----[^-]+-----|\s/g, '');
    // …and the private section of the internal form, should the whole form leak.
    const encodings = [
      seed.toString('hex'),
      seed.toString('base64').slice(0, 40),
      seed.toString('base64url').slice(0, 40),
      body.slice(-120, -80),
      body.slice(-80, -40),
    ];
    for (const shown of [JSON.stringify(key), inspect(key, { showHidden: true, depth: 5 }), String(key), JSON.stringify({ nested: [key] })]) {
      for (const e of encodings) assert.ok(!shown.includes(e), `private material in: ${shown}`);
      assert.ok(!shown.includes(PASS));
    }
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(key))).sort(), [
      'algorithm',
      'bits',
      'comment',
      'encrypted',
      'fingerprint',
      'format',
      'publicKey',
      'type',
    ]);
  });
});

describe('heavy work stays off the main thread, and hostile keys are stopped by the time limit', { skip }, () => {
  /** Sets the bcrypt round count of an encrypted OpenSSH key file. */
  function withRounds(file: string, rounds: number): Buffer {
    const bin = Buffer.from(
      readFileSync(file, 'utf8')
        .replace(/-----[^-]+-----/g, '')
        .replace(/\s/g, ''),
      'base64',
    );
    let at = 15;
    const skipString = (): void => {
      at += 4 + bin.readUInt32BE(at);
    };
    skipString(); // cipher
    skipString(); // kdf name
    at += 4; // kdf options length
    skipString(); // salt
    bin.writeUInt32BE(rounds, at);
    return bin;
  }

  /** A DER node: primitive bytes, or children of a constructed one. */
  type Der = { tag: number; body: Buffer } | { tag: number; children: Der[] };

  function parseDer(b: Buffer): Der[] {
    const out: Der[] = [];
    for (let i = 0; i < b.length;) {
      const tag = b[i]!;
      let len = b[i + 1]!;
      let at = i + 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = b.subarray(at, at + n).reduce((a, x) => a * 256 + x, 0);
        at += n;
      }
      const body = b.subarray(at, at + len);
      out.push(tag & 0x20 ? { tag, children: parseDer(body) } : { tag, body });
      i = at + len;
    }
    return out;
  }

  function writeDer(nodes: Der[]): Buffer {
    return Buffer.concat(
      nodes.map((n) => {
        const body = 'body' in n ? n.body : writeDer(n.children);
        const len =
          body.length < 0x80
            ? Buffer.from([body.length])
            : Buffer.from([
                0x80 | Math.ceil(body.length.toString(16).length / 2),
                ...Buffer.from(body.length.toString(16).padStart(Math.ceil(body.length.toString(16).length / 2) * 2, '0'), 'hex'),
              ]);
        return Buffer.concat([Buffer.from([n.tag]), len, body]);
      }),
    );
  }

  /** Rewrites the PBKDF2 iteration count (OpenSSL writes 2048) of an encrypted PKCS#8 key. */
  function setIterations(der: Buffer, count: number): Buffer {
    const tree = parseDer(der);
    let found = 0;
    const walk = (nodes: Der[]): void => {
      for (const n of nodes) {
        if ('children' in n) walk(n.children);
        else if (n.tag === 0x02 && n.body.equals(Buffer.from([0x08, 0x00]))) {
          // DER integers are minimal: no leading zero byte unless the top bit needs one.
          const hex = count.toString(16);
          n.body = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
          if (n.body[0]! & 0x80) n.body = Buffer.concat([Buffer.alloc(1), n.body]);
          found++;
        }
      }
    };
    walk(tree);
    assert.equal(found, 1, 'the iteration count was not found');
    return writeDer(tree);
  }

  /** Counts event-loop ticks while `p` runs: a blocked main thread would count none. */
  async function ticksDuring<T>(p: Promise<T>): Promise<{ result: T | KeyError; ticks: number; ms: number }> {
    let ticks = 0;
    const t = setInterval(() => {
      ticks++;
    }, 50);
    const start = Date.now();
    const result = await p.catch((e: KeyError) => e);
    clearInterval(t);
    return { result, ticks, ms: Date.now() - start };
  }

  test('a huge bcrypt round count is a KEY_TIMEOUT at the limit, the UI thread keeps running, and the next key reads fine', async () => {
    const worker = new KeyWorker();
    try {
      const hostile = withRounds(files['ed25519-enc']!, 0xffffffff);
      const { result, ticks, ms } = await ticksDuring(importKey(hostile, { passphrase: PASS, timeoutMs: 1500, worker }));
      assert.ok(result instanceof KeyError && result.code === 'KEY_TIMEOUT', `got ${String(result)}`);
      assert.ok(ms >= 1400 && ms < 4000, `stopped after ${ms} ms`);
      assert.ok(ticks >= 15, `the main thread ticked only ${ticks} times in ${ms} ms`);
      assert.match(result.hint, /ssh-keygen -p/);
      const ok = await readKeyFile(files['ed25519']!, { worker });
      assert.match(ok.info.fingerprint, /^SHA256:/);
    } finally {
      worker.close();
    }
  });

  test('a PKCS#8 key asking for 2^31 PBKDF2 iterations (native OpenSSL work a thread could not interrupt) is stopped too', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const der = privateKey.export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASS });
    const hostile = setIterations(der, 0x7fffffff);
    const worker = new KeyWorker();
    try {
      const { result, ticks, ms } = await ticksDuring(importKey(hostile, { passphrase: PASS, timeoutMs: 1500, worker }));
      assert.ok(result instanceof KeyError && result.code === 'KEY_TIMEOUT', `got ${String(result)}`);
      assert.ok(ticks >= 15, `the main thread ticked only ${ticks} times in ${ms} ms`);
      // The same file with a sane count reads, so it was the count that was stopped.
      assert.equal((await importKey(setIterations(der, 2048), { passphrase: PASS, worker })).info.format, 'pkcs8');
    } finally {
      worker.close();
    }
  });

  test('RSA-4096 generation and bcrypt encryption run off the main thread', async () => {
    const { result, ticks, ms } = await ticksDuring(generateKey({ type: 'rsa', bits: 4096 }).then((k) => exportKey(k, 'openssh', { passphrase: PASS })));
    assert.ok(Buffer.isBuffer(result), `got ${String(result)}`);
    // One tick per 50 ms is expected; a blocked thread would manage none until the end.
    assert.ok(ticks >= Math.floor(ms / 50) - 3, `the main thread ticked ${ticks} times in ${ms} ms`);
  });

  test('an idle worker process ends after its idle time, and the next job starts a fresh one', async () => {
    const started: number[] = [];
    const ended: string[] = [];
    const counting: WorkerLauncher = (script, execArgv) => {
      const p = forkLauncher(script, execArgv);
      started.push(Date.now());
      p.onExit((why) => ended.push(why));
      return p;
    };
    const worker = new KeyWorker(undefined, counting, 300);
    try {
      await readKeyFile(files['ed25519']!, { worker });
      await readKeyFile(files['rsa-pem']!, { worker });
      assert.equal(started.length, 1, 'jobs in a row share one process');
      await waitFor(() => ended.length === 1, 'the idle worker to end', 3_000);
      assert.match((await readKeyFile(files['ed25519']!, { worker })).info.fingerprint, /^SHA256:/);
      assert.equal(started.length, 2);
    } finally {
      worker.close();
    }
  });

  test('PuTTY Argon2 settings: absurd memory is refused up front, absurd passes hit the time limit', async () => {
    const worker = new KeyWorker();
    try {
      const ppk = text('ppk-enc');
      const memory = await rejectsWith(importKey(ppk.replace(/Argon2-Memory: \d+/, 'Argon2-Memory: 4000000'), { passphrase: PASS, worker }), 'KEY_UNSUPPORTED');
      assert.match(memory.message, /4000000 KiB/);
      const { result } = await ticksDuring(
        importKey(ppk.replace(/Argon2-Passes: \d+/, 'Argon2-Passes: 4000000000'), { passphrase: PASS, timeoutMs: 1500, worker }),
      );
      assert.ok(result instanceof KeyError && result.code === 'KEY_TIMEOUT', `got ${String(result)}`);
      assert.equal((await importKey(ppk, { passphrase: PASS, worker })).info.format, 'ppk3');
    } finally {
      worker.close();
    }
  });
});
