import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ConfigError } from '../../../../main/core/config/config-error.js';
import { detectKind, importInput } from '../../../../main/core/config/importers/detect.js';
import { importSecodaEnv } from '../../../../main/core/config/importers/secoda-env.js';
import { fixture, secodaKey } from '../fixtures.js';

test("Secoda's docker-compose environment becomes the Secoda preset, and the key stays out of the session", () => {
  const key = secodaKey();
  const yml = readFileSync(fixture('secoda-docker-compose.yml'), 'utf8').replace('__KEY__', key.base64);
  assert.equal(detectKind(yml), 'secoda-env');
  const r = importInput(yml);
  const s = r.sessions[0]!;
  assert.equal(s.host, 'tunnel-7f3a.secoda.example');
  assert.equal(s.user, 'tunnel');
  assert.equal(s.port, 22);
  assert.deepEqual(s.forwards, [{ type: 'remote-dynamic', bindAddress: '0.0.0.0', bindPort: 41234 }]);
  assert.deepEqual(s.hostKey, { policy: 'yes', fingerprint: 'SHA256:o5GJRvAVNANnZYwcpAJSfjTFCnXQ4gl5KhdC0UxRFIE' });
  assert.equal(s.auth.keyId, 'secoda-tunnel-7f3a-secoda-example-41234');
  assert.deepEqual(s.auth.identityFiles, []);
  assert.equal(s.preset, 'secoda');
  assert.equal(r.keys![0]!.reveal(), key.pem);
  const printed = JSON.stringify(r) + inspect(r, { depth: 10 });
  assert.ok(!printed.includes(key.base64.slice(0, 40)) && !printed.includes(key.pem.split('\n')[1]!), 'the report never shows the key');
});

test("the variables of Secoda's autossh script import too (SSH_USER, SSH_HOST_PORT), and the verbatim template says what is missing", () => {
  const key = secodaKey();
  const script = `#!/bin/sh\n\nSSH_USER=tunnel\nSSH_HOST=tunnel-7f3a.secoda.example\nSSH_HOST_PORT=2222\nSSH_LISTEN_PORT=41234\nSSH_KEY_BASE64=${key.base64}\n\nmkdir -p /root/.ssh\n`;
  const s = importSecodaEnv(script).sessions[0]!;
  assert.equal(s.port, 2222);
  assert.equal(s.user, 'tunnel');
  const template = 'SSH_USER=tunnel\nSSH_HOST=...\nSSH_HOST_PORT=...\nSSH_LISTEN_PORT=...\nSSH_KEY_BASE64=...\n';
  assert.throws(
    () => importSecodaEnv(template),
    (e: ConfigError) => e.field === 'SSH_HOST' && /app\.secoda\.co\/tunnels/.test(e.fix),
  );
  const compose = '    environment:\n      - SSH_PORT=\n      - SSH_HOST=\n      - SSH_LISTEN_PORT=\n      - SSH_KEY_BASE64=\n';
  assert.throws(
    () => importSecodaEnv(compose),
    (e: ConfigError) => e.field === 'SSH_HOST',
  );
  assert.throws(
    () => importSecodaEnv(`SSH_HOST=h\nSSH_LISTEN_PORT=70000\nSSH_KEY_BASE64=${key.base64}`),
    (e: ConfigError) => e.field === 'SSH_LISTEN_PORT',
  );
  assert.throws(
    () => importSecodaEnv('SSH_HOST=h\nSSH_LISTEN_PORT=4000\nSSH_KEY_BASE64=bm90IGEga2V5'),
    (e: ConfigError) => e.field === 'SSH_KEY_BASE64',
  );
});

test('the map form of a compose environment imports as well', () => {
  const key = secodaKey();
  const s = importSecodaEnv(`environment:\n  SSH_HOST: "t.secoda.example"\n  SSH_PORT: "22"\n  SSH_LISTEN_PORT: "5000"\n  SSH_KEY_BASE64: "${key.base64}"\n`)
    .sessions[0]!;
  assert.equal(s.host, 't.secoda.example');
  assert.equal(s.forwards[0]!.bindPort, 5000);
});
