import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { detectKind } from '../../../../main/core/config/importers/detect.js';
import { importKnownHosts } from '../../../../main/core/config/importers/known-hosts.js';
import { fixture } from '../fixtures.js';

test('a known_hosts file: plain, [host]:port, hashed and @revoked entries are taken, a broken line is named', () => {
  const text = readFileSync(fixture('known_hosts'), 'utf8');
  assert.equal(detectKind(text), 'known-hosts');
  const r = importKnownHosts(text, 'known_hosts');
  assert.equal(r.hostKeys.length, 4);
  assert.deepEqual(
    r.hostKeys.map((e) => e.keyType),
    ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa'],
  );
  assert.equal(r.hostKeys[3]!.marker, '@revoked');
  assert.match(r.took[0]!, /4 host keys from known_hosts, 1 with hashed names, 1 marked/);
  assert.deepEqual(
    r.couldNot.map((n) => n.what),
    ['known_hosts line 6'],
  );
  assert.equal(r.sessions.length, 0);
});
