/** Sessions exports: only Burrow's own encryption parameters are read, and an import that fails leaves no key file behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyImport } from '../../../main/core/config/apply-import.js';
import { ConfigError } from '../../../main/core/config/config-error.js';
import { ConfigStore } from '../../../main/core/config/store.js';
import { exportSessions, importBundle } from '../../../main/core/config/transfer.js';
import { FileSecretStore } from '../../../main/core/keys/secret-store.js';
import { secodaKey, tempDir } from './fixtures.js';

const PASSPHRASE = 'correct horse battery staple';

/** An export with secrets of one session, "sql", whose key file is a real private key. */
async function sealedExport(): Promise<{ text: string; pem: string }> {
  const { pem } = secodaKey();
  const keyFile = path.join(tempDir(), 'id_ed25519');
  writeFileSync(keyFile, pem, { mode: 0o600 });
  const session = {
    id: 'sql',
    name: 'sql',
    host: '1.2.3.4',
    port: 22,
    user: 'fivetran',
    auth: { identityFiles: [keyFile] },
    hostKey: { policy: 'ask' as const },
    keepalive: { intervalSeconds: 10, countMax: 1 },
    connectTimeoutSeconds: 20,
    compression: false,
    autostart: false,
    forwards: [{ type: 'remote' as const, bindPort: 11433, targetHost: 'db', targetPort: 1433 }],
  };
  return { text: (await exportSessions([session], { secretsPassphrase: PASSPHRASE })).text, pem };
}

/** A fresh store with its secret store, and where the export's key files go. */
function target() {
  const dir = tempDir();
  const store = ConfigStore.open(path.join(dir, 'config.json'));
  return { dir, store, keys: path.join(dir, 'keys'), secrets: new FileSecretStore(path.join(dir, 'secrets'), { env: {} }) };
}

function keyFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

test('the secrets section is read only with the exact scrypt cost, salt, IV and 16-byte GCM tag Burrow writes', async () => {
  const { text } = await sealedExport();
  const change = (edit: (secrets: Record<string, unknown>) => void): string => {
    const doc = JSON.parse(text);
    edit(doc.secrets);
    return JSON.stringify(doc);
  };
  const b64 = (v: unknown) => Buffer.from(v as string, 'base64');
  const cases: Array<[string, (s: Record<string, unknown>) => void]> = [
    // Cheap to run, but still refused before scrypt: N, r and p decide the memory and time it takes.
    [
      'secrets.N',
      (s) => {
        s.N = 65536;
      },
    ],
    [
      'secrets.r',
      (s) => {
        s.r = 16;
      },
    ],
    [
      'secrets.p',
      (s) => {
        s.p = 2;
      },
    ],
    [
      'secrets.kdf',
      (s) => {
        s.kdf = 'argon2id';
      },
    ],
    [
      'secrets.cipher',
      (s) => {
        s.cipher = 'aes-128-gcm';
      },
    ],
    [
      'secrets.salt',
      (s) => {
        s.salt = b64(s.salt).subarray(0, 8).toString('base64');
      },
    ],
    [
      'secrets.iv',
      (s) => {
        s.iv = Buffer.concat([b64(s.iv), Buffer.alloc(4)]).toString('base64');
      },
    ],
    // A 4-byte tag is one a forger guesses in 2^32 tries; Node's setAuthTag takes it without a word.
    [
      'secrets.tag',
      (s) => {
        s.tag = b64(s.tag).subarray(0, 4).toString('base64');
      },
    ],
    [
      'secrets.tag',
      (s) => {
        s.tag = `${s.tag as string}!`;
      },
    ],
    [
      'secrets.data',
      (s) => {
        s.data = 42;
      },
    ],
  ];
  for (const [field, edit] of cases) {
    const { store } = target();
    await assert.rejects(
      importBundle(change(edit), { store, passphrase: PASSPHRASE }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.equal(e.field, field);
        assert.match(e.fix, /burrow sessions export --with-secrets/);
        return true;
      },
      field,
    );
  }
  const { store } = target();
  assert.equal((await importBundle(text, { store, passphrase: PASSPHRASE })).sessions.length, 1, 'the export as written is read');
  assert.equal(JSON.parse(text).format, 1, 'with text keys only, an export stays readable by a Burrow that knows format 1');
});

test('a session that cannot be saved, a wrong passphrase or a taken name leaves no key file behind', async () => {
  const { text } = await sealedExport();

  const failing = target();
  failing.store.addMany = async () => {
    throw new ConfigError('sessions[0]', 'cannot be saved (the disk is full)', 'Free some space.');
  };
  const report = await importBundle(text, { store: failing.store, passphrase: PASSPHRASE, keyDir: failing.keys });
  await assert.rejects(applyImport(failing.store, report, { secrets: failing.secrets }), /disk is full/);
  assert.deepEqual(keyFiles(failing.keys), [], 'the key file of the unsaved session is gone');

  const wrong = target();
  await assert.rejects(
    importBundle(text, { store: wrong.store, passphrase: 'not the passphrase', keyDir: wrong.keys }),
    (e: ConfigError) => e.field === 'passphrase',
  );
  assert.deepEqual(keyFiles(wrong.keys), [], 'nothing is written on a wrong passphrase');

  const taken = target();
  await taken.store.add({ name: 'sql', host: 'h', user: 'u', forwards: [{ type: 'remote', bindPort: 1, targetHost: 'db', targetPort: 2 }] });
  const clash = await importBundle(text, { store: taken.store, passphrase: PASSPHRASE, keyDir: taken.keys });
  assert.match(clash.couldNot[0]!.why, /already has this name/);
  await applyImport(taken.store, clash, { secrets: taken.secrets });
  assert.deepEqual(keyFiles(taken.keys), [], 'a session not imported brings no key file');
});

test('a key file already in the keys folder is never replaced: the imported key gets a free name', async () => {
  const { text, pem } = await sealedExport();
  const t = target();
  // The name the import would pick, already taken (by an earlier import of a session "sql", say).
  const wanted = path.join(t.keys, 'sql-id_ed25519');
  mkdirSync(t.keys, { mode: 0o700 });
  writeFileSync(wanted, 'mine', { mode: 0o600 });
  const report = await importBundle(text, { store: t.store, passphrase: PASSPHRASE, keyDir: t.keys });
  assert.equal(readFileSync(wanted, 'utf8'), 'mine', 'reading the export writes nothing');
  const result = await applyImport(t.store, report, { secrets: t.secrets });
  const placed = result.saved[0]!.auth.identityFiles[0]!;
  assert.notEqual(placed, wanted);
  assert.equal(readFileSync(wanted, 'utf8'), 'mine');
  assert.equal(readFileSync(placed, 'utf8'), pem);
  assert.deepEqual(t.store.find('sql')!.auth.identityFiles, [placed]);
});
