/** The list of required tools: a missing one is a skip reason naming its package, or under CI a failure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingFrom, toolsMissing } from './tools.js';

test('every tool of scripts/tools.txt is here (the test command installed it)', () => {
  assert.equal(toolsMissing('/usr/sbin/sshd', 'ssh', 'ssh-keygen', 'puttygen', 'openssl', 'psql', '/usr/lib/postgresql/*/bin/initdb'), undefined);
});

test('a missing tool names its Debian package; under CI it fails instead; an unlisted one is a mistake', () => {
  const list = new Map([
    ['sshd-of-the-future', 'openssh-future'],
    ['ssh', 'openssh-client'],
  ]);
  assert.equal(missingFrom(list, ['sshd-of-the-future', 'ssh'], false), 'needs sshd-of-the-future (Debian: apt-get install openssh-future)');
  assert.throws(() => missingFrom(list, ['sshd-of-the-future'], true), /CI must run every test, but this one needs sshd-of-the-future/);
  assert.equal(missingFrom(list, ['ssh'], true), undefined);
  assert.throws(() => missingFrom(list, ['netcat'], false), /netcat must be listed in scripts\/tools.txt/);
});
