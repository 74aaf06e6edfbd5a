/** The headless SecretStore keeps secrets in 0600 files, takes them from the environment, and never guesses. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileSecretStore, KeyError, safeStorageWarning, secretEnvName } from '../../../main/core/keys/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'burrow-secrets-'));
after(() => rmSync(root, { recursive: true, force: true }));

const posix = process.platform !== 'win32';

test('secrets round-trip through files readable only by their owner, in a folder only they can enter', async () => {
  const dir = path.join(root, 'plain', 'secrets');
  const store = new FileSecretStore(dir, { env: {} });
  assert.equal(await store.get('key-abc'), undefined);
  await store.set('key-abc', '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n');
  await store.set('passphrase-abc', 'p4ss');
  assert.equal(await store.get('passphrase-abc'), 'p4ss');
  assert.match((await store.get('key-abc'))!, /BEGIN OPENSSH/);
  if (posix) {
    assert.equal(statSync(path.join(dir, 'key-abc')).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  }
  await store.set('passphrase-abc', 'changed');
  assert.equal(await store.get('passphrase-abc'), 'changed');
  await store.delete('passphrase-abc');
  await store.delete('passphrase-abc');
  assert.equal(await store.get('passphrase-abc'), undefined);
});

test('a secret in the environment (BURROW_SECRET_<NAME>) wins over the file, for containers and services', async () => {
  const dir = path.join(root, 'env');
  assert.equal(secretEnvName('passphrase-db.1'), 'BURROW_SECRET_PASSPHRASE_DB_1');
  const store = new FileSecretStore(dir, { env: { BURROW_SECRET_PASSPHRASE_DB: 'from-env' } });
  await store.set('passphrase-db', 'from-file');
  assert.equal(await store.get('passphrase-db'), 'from-env');
  assert.equal(await new FileSecretStore(dir, { env: {} }).get('passphrase-db'), 'from-file');
});

test('names that could escape the folder are refused with the rule', async () => {
  const store = new FileSecretStore(path.join(root, 'names'), { env: {} });
  for (const bad of ['../x', 'a/b', '', '.hidden', 'x'.repeat(101), 'key:1']) {
    await assert.rejects(store.set(bad, 's'), (e: KeyError) => e.code === 'KEY_OPTION_INVALID' && /letters, digits/.test(e.hint), bad);
  }
});

test('a sealed secret read without its seal is an error, never ciphertext handed out as a key', async () => {
  const dir = path.join(root, 'sealed');
  // A reversible seal stands in for safeStorage here; the point is the store's file handling.
  const seal = {
    seal: async (plain: string) => Buffer.from(plain, 'utf8').reverse(),
    open: async (sealed: Buffer) => ({ value: Buffer.from(sealed).reverse().toString('utf8'), stale: false }),
  };
  const sealed = new FileSecretStore(dir, { env: {}, seal, backend: 'test seal' });
  await sealed.set('key-x', 'secret-key-text');
  assert.ok(!readFileSync(path.join(dir, 'key-x'), 'utf8').includes('secret-key-text'), 'the file holds the sealed form');
  assert.equal(await sealed.get('key-x'), 'secret-key-text');
  await assert.rejects(new FileSecretStore(dir, { env: {} }).get('key-x'), (e: KeyError) => e.code === 'KEY_UNREADABLE' && /keychain/.test(e.message));
  writeFileSync(path.join(dir, 'key-y'), 'plain-from-before');
  assert.equal(await sealed.get('key-y'), 'plain-from-before', 'secrets stored before the keychain existed still read');
});

test("safeStorage's Linux basic_text backend, or no encryption at all, is a warning; real keychains are not", () => {
  assert.match(safeStorageWarning('linux', true, 'basic_text')!, /fixed key/);
  assert.match(safeStorageWarning('linux', true, 'unknown')!, /keyring/);
  assert.match(safeStorageWarning('linux', false, 'basic_text')!, /file permissions/);
  assert.match(safeStorageWarning('win32', false)!, /not available/);
  assert.equal(safeStorageWarning('linux', true, 'gnome_libsecret'), undefined);
  assert.equal(safeStorageWarning('linux', true, 'kwallet6'), undefined);
  assert.equal(safeStorageWarning('darwin', true), undefined);
  assert.equal(safeStorageWarning('win32', true), undefined);
});
