import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyImport, keySecretName, mergeKnownHosts } from '../../../main/core/config/apply-import.js';
import { ConfigError } from '../../../main/core/config/config-error.js';
import { importInput } from '../../../main/core/config/importers/detect.js';
import { importKnownHosts } from '../../../main/core/config/importers/known-hosts.js';
import { ConfigStore } from '../../../main/core/config/store.js';
import { FileSecretStore } from '../../../main/core/keys/secret-store.js';
import { fixture, secodaKey, tempDir } from './fixtures.js';

function setup() {
  const dir = tempDir();
  const store = ConfigStore.open(path.join(dir, 'config.json'));
  const secrets = new FileSecretStore(path.join(dir, 'secrets'), { env: {} });
  return { dir, store, secrets };
}

test('a Secoda import saves the session and puts its key in the secret store, never in the config', async () => {
  const { dir, store, secrets } = setup();
  const key = secodaKey();
  const yml = readFileSync(fixture('secoda-docker-compose.yml'), 'utf8').replace('__KEY__', key.base64);
  const result = await applyImport(store, importInput(yml), { secrets, autostart: true, name: 'secoda prod' });
  const saved = result.saved[0]!;
  assert.equal(saved.name, 'secoda prod');
  assert.equal(saved.id, 'secoda-prod');
  assert.equal(saved.autostart, true);
  assert.equal(await secrets.get(keySecretName(saved.auth.keyId!)), key.pem);
  assert.equal(statSync(path.join(dir, 'secrets', keySecretName(saved.auth.keyId!))).mode & 0o777, 0o600);
  const config = readFileSync(store.path, 'utf8');
  const keyLines = key.pem.split('\n').filter((l) => l.length > 20);
  assert.ok(keyLines.length >= 4);
  for (const line of keyLines) assert.ok(!config.includes(line), 'no line of the key is in the config');
  assert.ok(!config.includes(key.base64.slice(0, 32)));

  // The same environment again under another name shares the stored key instead of copying it.
  const again = await applyImport(store, importInput(yml), { secrets, name: 'secoda copy' });
  assert.equal(again.saved[0]!.auth.keyId, saved.auth.keyId);
  assert.equal(readdirSync(path.join(dir, 'secrets')).length, 1);
});

test('a session whose name is taken is skipped with the reason, and nothing else changes', async () => {
  const { store, secrets } = setup();
  const key = secodaKey();
  const yml = readFileSync(fixture('secoda-docker-compose.yml'), 'utf8').replace('__KEY__', key.base64);
  await applyImport(store, importInput(yml), { secrets });
  const other = secodaKey();
  const r = await applyImport(store, importInput(yml.replace(key.base64, other.base64)), { secrets });
  assert.equal(r.saved.length, 0);
  assert.match(r.skipped[0]!.why, /already has this name/);
  assert.equal(store.sessions().length, 1);
});

test('--name is refused for an input with several sessions; a key without a secret store is refused', async () => {
  const { store } = setup();
  const reg = importInput(readFileSync(fixture('putty-sessions.reg')), { source: 'putty-sessions.reg' });
  await assert.rejects(applyImport(store, reg, { name: 'x', knownHostsFile: path.join(tempDir(), 'kh') }), (e: ConfigError) => e.field === '--name');
  const yml = readFileSync(fixture('secoda-docker-compose.yml'), 'utf8').replace('__KEY__', secodaKey().base64);
  await assert.rejects(applyImport(store, importInput(yml)), (e: ConfigError) => /secret store/.test(e.problem));
  assert.equal(store.sessions().length, 0);
});

test('host keys are merged into known_hosts once, privately, and keys already there are counted as known', async () => {
  const { store } = setup();
  const file = path.join(tempDir(), 'ssh', 'known_hosts');
  const hosts = importKnownHosts(readFileSync(fixture('known_hosts'), 'utf8'), 'known_hosts');
  const first = await applyImport(store, hosts, { knownHostsFile: file });
  assert.deepEqual([first.hostKeysAdded, first.hostKeysKnown], [4, 0]);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
  const second = await applyImport(store, hosts, { knownHostsFile: file });
  assert.deepEqual([second.hostKeysAdded, second.hostKeysKnown], [0, 4]);
  // PuTTY's cache holds the same ed25519 key for 35.230.100.17 that the file already has.
  const reg = importInput(readFileSync(fixture('putty-sessions.reg')), { source: 'putty-sessions.reg' });
  const third = await applyImport(store, reg, { knownHostsFile: file });
  assert.deepEqual([third.hostKeysAdded, third.hostKeysKnown], [2, 1]);
  assert.deepEqual(
    third.saved.map((s) => s.name),
    ['fivetran-outbound', 'office-tunnels', 'via-corporate-proxy'],
  );
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\[bastion\.example\.com\]:2222 ecdsa-sha2-nistp256 AAAA\S+ from PuTTY$/m);
  assert.match(text, /^@revoked old\.example\.com ssh-rsa /m);
});

test('a known_hosts file without a final newline stays line-structured', async () => {
  const file = path.join(tempDir(), 'known_hosts');
  writeFileSync(file, 'a.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDfrjRCEuPsbZZgZfuc0xbNJ8oUXJqmx5xzjP7YlOLYd');
  const hosts = importKnownHosts(readFileSync(fixture('known_hosts'), 'utf8'));
  await mergeKnownHosts(file, hosts.hostKeys.slice(1, 2));
  assert.equal(readFileSync(file, 'utf8').split('\n').length, 3);
});
