import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Sshd, sshdUnavailable } from './sshd.js';

test('the test sshd accepts its client key and runs a command', { skip: sshdUnavailable() }, async () => {
  const sshd = await Sshd.start();
  try {
    const out = execFileSync(
      'ssh',
      [
        '-i',
        sshd.clientKeyPath,
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${sshd.knownHostsPath}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        `${sshd.user}@${sshd.host}`,
        'echo',
        'hello',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(out.trim(), 'hello');
  } finally {
    await sshd.dispose();
  }
});
