/**
 * Every tunnel command in the vendors' public setup guides (guides.ts, verbatim), imports to the session
 * it describes once its placeholders have values, and says exactly what is missing before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../../main/core/config/config-error.js';
import { PlaceholderError } from '../../../../main/core/config/importers/command-line.js';
import { importInput } from '../../../../main/core/config/importers/detect.js';
import { importCommandLine } from '../../../../main/core/config/importers/shell.js';
import { ESPRESSO, ESPRESSO_PLINK, FIVETRAN, HOLISTICS, HOLISTICS_MAC, SECODA } from './guides.js';

const values = (o: Record<string, string>) => new Map(Object.entries(o));
const one = (cmd: string, v: Record<string, string> = {}) => {
  const r = importCommandLine(cmd, values(v));
  assert.equal(r.sessions.length, 1);
  return { session: r.sessions[0]!, report: r };
};

test("Fivetran's autossh command", () => {
  // Every placeholder at once, each with the --set that fills it.
  assert.throws(
    () => one(FIVETRAN),
    (e: PlaceholderError) =>
      e.names.join(' ') === 'SSH_HIGH_PORT LOCAL_DB_MACHINE_NAME_OR_IP LOCAL_DB_MACHINE_PORT FIVETRAN_SSH_USERNAME FIVETRAN_SUPPLIED_IP PATH_TO_PRIVATE_KEY' &&
      /--set SSH_HIGH_PORT=… --set LOCAL_DB_MACHINE_NAME_OR_IP=… .*--set PATH_TO_PRIVATE_KEY=…/.test(e.fix),
  );
  const { session: s, report } = one(FIVETRAN, {
    SSH_HIGH_PORT: '11433',
    LOCAL_DB_MACHINE_NAME_OR_IP: 'sql01.corp.local',
    LOCAL_DB_MACHINE_PORT: '1433',
    FIVETRAN_SSH_USERNAME: 'fivetran',
    FIVETRAN_SUPPLIED_IP: '35.230.100.17',
    PATH_TO_PRIVATE_KEY: '/home/fivetran/.ssh/id_rsa',
  });
  assert.equal(s.host, '35.230.100.17');
  assert.equal(s.user, 'fivetran');
  assert.equal(s.port, 22);
  assert.deepEqual(s.auth.identityFiles, ['/home/fivetran/.ssh/id_rsa']);
  assert.deepEqual(s.keepalive, { intervalSeconds: 10, countMax: 1 });
  assert.deepEqual(s.forwards, [{ type: 'remote', bindPort: 11433, targetHost: 'sql01.corp.local', targetPort: 1433 }]);
  assert.ok(
    report.couldNot.some((n) => n.what.startsWith('-f')),
    '-f is reported as not taken, with why',
  );
  // "replace the -f flag with the -v flag" — the verbose variant imports the same session.
  assert.deepEqual(
    one(FIVETRAN.replace(' -f ', ' -v '), {
      SSH_HIGH_PORT: '11433',
      LOCAL_DB_MACHINE_NAME_OR_IP: 'sql01.corp.local',
      LOCAL_DB_MACHINE_PORT: '1433',
      FIVETRAN_SSH_USERNAME: 'fivetran',
      FIVETRAN_SUPPLIED_IP: '35.230.100.17',
      PATH_TO_PRIVATE_KEY: '/home/fivetran/.ssh/id_rsa',
    }).session,
    s,
  );
});

test("Fivetran's Windows route: PuTTY -load is pointed at a .reg export", () => {
  assert.throws(
    () => one("C:\\puTTY\\putty.exe -load 'ReverseSSHExample'"),
    (e: ConfigError) => /saved session "ReverseSSHExample"/.test(e.fix) && /regedit/.test(e.fix),
  );
});

test("Secoda's autossh command: reverse SOCKS on 0.0.0.0, strict host keys from its own file", () => {
  assert.throws(
    () => one(SECODA),
    (e: PlaceholderError) => e.names.join(' ') === 'TEMPFILE SSH_LISTEN_PORT SSH_USER SSH_HOST SSH_HOST_PORT',
  );
  const { session: s } = one(SECODA, {
    TEMPFILE: '/tmp/tmp.X1y2Z3',
    SSH_LISTEN_PORT: '41234',
    SSH_USER: 'tunnel',
    SSH_HOST: 'tunnel-7f3a.secoda.example',
    SSH_HOST_PORT: '22',
  });
  assert.equal(s.user, 'tunnel');
  assert.equal(s.host, 'tunnel-7f3a.secoda.example');
  assert.deepEqual(s.forwards, [{ type: 'remote-dynamic', bindAddress: '0.0.0.0', bindPort: 41234 }]);
  assert.deepEqual(s.keepalive, { intervalSeconds: 15, countMax: 4 });
  assert.deepEqual(s.hostKey, { policy: 'yes', knownHostsFiles: ['/tmp/tmp.X1y2Z3'] });
});

test("Holistics' autossh command: the hidden user@host is named, and with it restored the session is right", () => {
  assert.throws(
    () => one(HOLISTICS),
    (e: ConfigError) => /e-mail protection/.test(e.problem),
  );
  assert.throws(
    () => one(HOLISTICS_MAC),
    (e: ConfigError) => /e-mail protection/.test(e.problem),
  );
  const restored = HOLISTICS.replace('[]', '10.0.3.17').replace('[email protected]', 'autossh@tunnel-eu.holistics.example');
  const { session: s } = one(restored, { tunnel_port: '20032', db_port: '5432', path_to_your_private_key_file: '/home/me/.holistics/id_rsa' });
  assert.equal(s.port, 50022);
  assert.equal(s.user, 'autossh');
  assert.deepEqual(s.keepalive, { intervalSeconds: 60, countMax: 3 });
  assert.deepEqual(s.forwards, [{ type: 'remote', bindAddress: '*', bindPort: 20032, targetHost: '10.0.3.17', targetPort: 5432 }]);
  assert.deepEqual(s.auth.identityFiles, ['/home/me/.holistics/id_rsa']);
});

test("Holistics' macOS command: sudo su <user> -c 'ssh …' is unwrapped", () => {
  const restored = HOLISTICS_MAC.replace('[email protected]', 'autossh@tunnel-eu.holistics.example');
  const { session: s, report } = one(restored, {
    user: 'dana',
    socket_path: '/tmp/holistics.sock',
    remote_port: '20032',
    client_host: '10.0.3.17',
    client_port: '5432',
  });
  assert.equal(s.port, 50022);
  assert.deepEqual(s.auth.identityFiles, ['/home/dana/.holistics/id_rsa']);
  assert.deepEqual(s.forwards, [{ type: 'remote', bindPort: 20032, targetHost: '10.0.3.17', targetPort: 5432 }]);
  assert.ok(report.couldNot.some((n) => n.what === 'su dana -c'));
});

const ESPRESSO_VALUES = {
  'private-key-file': '/home/me/keys/acme',
  'database-server-address': 'db.internal',
  'database-server-port': '1433',
  'your-server-name': 'acme.espressologic.example',
};

test("Espresso Logic's ssh and plink commands", () => {
  for (const [cmd, key] of [
    [ESPRESSO, '/home/me/keys/acme.pem'],
    [ESPRESSO_PLINK, '/home/me/keys/acme.ppk'],
  ] as const) {
    assert.throws(
      () => one(cmd),
      (e: PlaceholderError) => e.names.join(' ') === 'private-key-file database-server-address database-server-port your-server-name',
    );
    const { session: s } = one(cmd, ESPRESSO_VALUES);
    assert.equal(s.user, 'tunnel');
    assert.equal(s.host, 'acme.espressologic.example');
    assert.deepEqual(s.auth.identityFiles, [key]);
    assert.deepEqual(s.forwards, [{ type: 'remote', bindPort: 23432, targetHost: 'db.internal', targetPort: 1433 }]);
  }
});

test("QueryCanary's key is recognised as an authorized_keys line, not a tunnel", () => {
  assert.throws(
    () => importInput('ecdsa-sha2-nistp256 SoMElOnGVALue== querycanary.com'),
    (e: ConfigError) => /authorized_keys/.test(e.fix),
  );
});
