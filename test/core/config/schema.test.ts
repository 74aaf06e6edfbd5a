/** The one validator (common/config-schema.ts): every problem of a session at once, each with its field and fix. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseSessionConfig, sessionProblems } from '../../../common/config-schema.js';
import { parseConfigFile } from '../../../main/core/config/schema.js';

const GOOD = { name: 'w', host: 'h.example', user: 'u', forwards: [{ type: 'remote', bindPort: 15432, targetHost: 'db', targetPort: 5432 }] };

test('a session with five mistakes is told about all five, in the order of its fields, each with its fix', () => {
  const problems = sessionProblems({
    name: '',
    host: 'h.example',
    port: 70000,
    user: 'tunnel:secret',
    hostKey: { policy: 'maybe', fingerprint: 'MD5:aa' },
    keepalive: { intervalSeconds: 'often' },
    forwards: [{ type: 'remote', bindPort: 1, targetHost: 'db', targetPort: 0 }, { type: 'sideways' }],
    autoStart: true,
  });
  assert.deepEqual(
    problems.map((p) => `${p.field}: ${p.problem}`),
    [
      'session.name: must be a non-empty string',
      'session.port: must be a whole number from 1 to 65535 (got 70000)',
      'session.user: holds a colon, so it carries a password (user:password)',
      'session.hostKey.policy: is "maybe"',
      'session.hostKey.fingerprint: is not a SHA256 fingerprint ("MD5:aa")',
      'session.keepalive.intervalSeconds: must be a number from 0 to 3600 (got "often")',
      'session.forwards[0].targetPort: must be a whole number from 1 to 65535 (got 0)',
      'session.forwards[1].type: is "sideways"',
      'session.autoStart: is not a setting Burrow knows',
    ],
  );
  assert.equal(problems.find((p) => p.field === 'session.autoStart')!.fix, 'Did you mean "autostart"?');
  assert.equal(problems.find((p) => p.field === 'session.port')!.fix, 'Use the port the service listens on.');
  assert.ok(problems.every((p) => p.fix.length > 0));
  // The password is not repeated in any problem.
  assert.ok(!JSON.stringify(problems).includes('secret'));
});

test('parseSessionConfig throws one ConfigError holding every problem; a valid session comes back with its defaults', () => {
  assert.throws(
    () => parseSessionConfig({ ...GOOD, port: 0, compression: 'yes' }),
    (err: unknown) =>
      err instanceof ConfigError && err.field === 'session.port' && err.problems.length === 2 && err.problems[1]!.field === 'session.compression',
  );
  assert.deepEqual(parseSessionConfig(GOOD), {
    id: 'w',
    name: 'w',
    host: 'h.example',
    port: 22,
    user: 'u',
    auth: { identityFiles: [] },
    hostKey: { policy: 'yes' },
    keepalive: { intervalSeconds: 15, countMax: 3 },
    connectTimeoutSeconds: 20,
    compression: false,
    autostart: false,
    forwards: [{ type: 'remote', bindPort: 15432, targetHost: 'db', targetPort: 5432 }],
  });
});

test('private keys and control characters are refused where they are, each at its own field and index', () => {
  const problems = sessionProblems({
    ...GOOD,
    notes: 'line one\nline two\tok',
    auth: { identityFiles: ['~/.ssh/ok', 'keys/x\0y', '-----BEGIN OPENSSH PRIVATE KEY-----'] },
    preset: 'a\u0007b',
  });
  assert.deepEqual(
    problems.map((p) => `${p.field}: ${p.problem}`),
    [
      'session.auth.identityFiles[1]: holds a control character (NUL)',
      'session.auth.identityFiles[2]: holds a private key',
      'session.preset: holds a control character (U+0007)',
    ],
  );
});

test('a config file with mistakes in two sessions names both', () => {
  assert.throws(
    () =>
      parseConfigFile({
        version: 3,
        sessions: [
          { ...GOOD, port: -1 },
          { ...GOOD, name: 'b', forwards: 'none' },
        ],
      }),
    (err: unknown) => err instanceof ConfigError && err.problems.map((p) => p.field).join(' ') === 'sessions[0].port sessions[1].forwards',
  );
});
