import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../main/core/config/config-error.js';
import { DATABASES, findDatabase, getPreset, nextStepsFor, PRESETS, sessionFromPreset, suggestRemotePort } from '../../../main/core/config/presets.js';

test('common databases have their default ports', () => {
  assert.equal(findDatabase('PostgreSQL')?.port, 5432);
  assert.equal(findDatabase('postgres')?.port, 5432);
  assert.equal(findDatabase('mysql')?.port, 3306);
  assert.equal(findDatabase('mariadb')?.port, 3306);
  assert.equal(findDatabase('mssql')?.port, 1433);
  assert.equal(findDatabase('oracle')?.port, 1521);
  assert.equal(findDatabase('fivetran-hva')?.port, 4343);
  assert.equal(new Set(DATABASES.map((d) => d.id)).size, DATABASES.length);
});

test("remote ports follow Fivetran's rule: a 1 in front, counting up past ports in use", () => {
  assert.equal(suggestRemotePort(1433), 11433);
  assert.equal(suggestRemotePort(1433, [11433]), 11434);
  assert.equal(suggestRemotePort(5432), 15432);
  assert.equal(suggestRemotePort(3306), 13306);
  assert.equal(suggestRemotePort(27017), 17017);
});

test('the Fivetran preset fills in what its guide prescribes', () => {
  const s = sessionFromPreset('fivetran', { name: 'sql', host: '35.230.100.17', targetHost: 'sql.internal', database: 'sqlserver', takenRemotePorts: [11433] });
  assert.equal(s.user, 'fivetran');
  assert.equal(s.port, 22);
  assert.deepEqual(s.keepalive, { intervalSeconds: 10, countMax: 1 });
  assert.deepEqual(s.forwards, [{ type: 'remote', bindPort: 11434, targetHost: 'sql.internal', targetPort: 1433 }]);
  assert.equal(s.preset, 'fivetran');
  assert.equal(getPreset('fivetran').key.type, 'rsa');
  const steps = nextStepsFor(s).nextSteps.join('\n');
  assert.match(steps, /Host localhost, Port 11434/);
  assert.match(steps, /SSH Host 35\.230\.100\.17, SSH Port 22, SSH User fivetran/);
});

test("the Secoda preset is a reverse SOCKS tunnel on all interfaces, pinned to Secoda's published ed25519 host key", () => {
  const s = sessionFromPreset('secoda', { name: 'secoda', host: 'tunnel.secoda.co', port: 2222, remotePort: 41234 });
  assert.equal(s.user, 'tunnel');
  assert.deepEqual(s.forwards, [{ type: 'remote-dynamic', bindAddress: '0.0.0.0', bindPort: 41234 }]);
  assert.deepEqual(s.keepalive, { intervalSeconds: 15, countMax: 4 });
  assert.equal(s.hostKey.policy, 'yes');
  // ssh-keygen -lf on the key line in Secoda's guide prints this.
  assert.equal(s.hostKey.fingerprint, 'SHA256:o5GJRvAVNANnZYwcpAJSfjTFCnXQ4gl5KhdC0UxRFIE');
});

test('the Holistics preset binds on all interfaces on port 50022 and asks for the assigned port', () => {
  assert.throws(
    () => sessionFromPreset('holistics', { name: 'h', host: 'tunnel.example', user: 'u', targetHost: 'db', database: 'postgresql' }),
    (e: ConfigError) => e.field === 'remotePort' && /20032/.test(e.fix),
  );
  const s = sessionFromPreset('holistics', { name: 'h', host: 'tunnel.example', user: 'u', targetHost: 'db', database: 'postgresql', remotePort: 20032 });
  assert.equal(s.port, 50022);
  assert.deepEqual(s.keepalive, { intervalSeconds: 60, countMax: 3 });
  assert.deepEqual(s.forwards, [{ type: 'remote', bindAddress: '*', bindPort: 20032, targetHost: 'db', targetPort: 5432 }]);
  assert.equal(getPreset('holistics').key.bits, 4096);
});

test('the Espresso Logic preset uses user tunnel and remote port 23432', () => {
  const s = sessionFromPreset('espresso-logic', {
    name: 'e',
    host: 'x.espressologic.com',
    targetHost: 'db',
    database: 'oracle',
    identityFiles: ['/k/espresso.pem'],
  });
  assert.equal(s.user, 'tunnel');
  assert.deepEqual(s.forwards, [{ type: 'remote', bindPort: 23432, targetHost: 'db', targetPort: 1521 }]);
  assert.deepEqual(s.auth.identityFiles, ['/k/espresso.pem']);
});

test('QueryCanary is a checklist, not a tunnel, and says so', () => {
  const q = getPreset('querycanary');
  assert.equal(q.direction, 'inbound');
  assert.equal(q.key.type, 'ecdsa-sha2-nistp256');
  assert.match(q.nextSteps.join(' '), /authorized_keys/);
  assert.throws(
    () => sessionFromPreset('querycanary', { name: 'q', host: 'h' }),
    (e: ConfigError) => /no tunnel for Burrow/.test(e.problem),
  );
});

test('every preset names its next steps, and a missing field is named with its fix', () => {
  for (const p of PRESETS) assert.ok(p.nextSteps.length > 0, p.id);
  assert.throws(
    () => sessionFromPreset('generic', { name: 'g', host: 'h', user: 'u' }),
    (e: ConfigError) => e.field === 'targetHost',
  );
  assert.throws(
    () => sessionFromPreset('generic', { name: 'g', host: 'h', user: 'u', targetHost: 'db', database: 'nosuch' }),
    (e: ConfigError) => e.field === 'database',
  );
  assert.throws(
    () => getPreset('acme'),
    (e: ConfigError) => /fivetran, holistics/.test(e.fix),
  );
});
