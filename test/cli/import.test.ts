/** `burrow import`, black-box: each kind of input through the real command into a real store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runBurrow, startBurrow } from '../helpers/cli.js';
import { echoServer, freePort, roundTrip } from '../helpers/net.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { fixture, secodaKey, tempDir } from '../core/config/fixtures.js';

function where() {
  const dir = tempDir();
  const file = path.join(dir, 'config.json');
  // The stored JSON, read as the tests read any JSON: its shape is what they check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { dir, file, env: { BURROW_CONFIG: file }, saved: () => JSON.parse(readFileSync(file, 'utf8')).sessions as Array<Record<string, any>> };
}

const FIVETRAN = [
  'autossh',
  '-M',
  '0',
  '-f',
  '-N',
  '-R',
  '<SSH_HIGH_PORT>:<LOCAL_DB_MACHINE_NAME_OR_IP>:<LOCAL_DB_MACHINE_PORT>',
  '<FIVETRAN_SSH_USERNAME>@<FIVETRAN_SUPPLIED_IP>',
  '-g',
  '-i',
  '<PATH_TO_PRIVATE_KEY>',
  '-o',
  'ServerAliveInterval=10',
  '-o',
  'ServerAliveCountMax=1',
  '-o',
  'ExitOnForwardFailure=yes',
];
const FIVETRAN_VALUES = [
  '--set',
  'SSH_HIGH_PORT=11433',
  '--set',
  'LOCAL_DB_MACHINE_NAME_OR_IP=sql01',
  '--set',
  'LOCAL_DB_MACHINE_PORT=1433',
  '--set',
  'FIVETRAN_SSH_USERNAME=fivetran',
  '--set',
  '<FIVETRAN_SUPPLIED_IP>=35.230.100.17',
  '--set',
  'PATH_TO_PRIVATE_KEY=/home/f/.ssh/id_rsa',
];

test('a vendor command after --, with its placeholders filled by --set, is saved with --name and --autostart', async () => {
  const w = where();
  const missing = await runBurrow(['import', '--', ...FIVETRAN], w.env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /<SSH_HIGH_PORT>, .*, <PATH_TO_PRIVATE_KEY>: are 6 placeholders still to be filled in/);
  const r = await runBurrow(['import', ...FIVETRAN_VALUES, '--name', 'fivetran sql', '--autostart', '--', ...FIVETRAN], w.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^command line \(command-line\):\n {2}took: autossh: fivetran@35\.230\.100\.17:22, 1 forward, keepalive 10 s × 1/);
  assert.match(r.stdout, /not taken: -f \(go to the background\)/);
  assert.match(r.stdout, /saved "fivetran sql" in .*: fivetran@35\.230\.100\.17:22 -R 11433:sql01:1433/);
  const [s] = w.saved();
  assert.equal(s!.id, 'fivetran-sql');
  assert.equal(s!.autostart, true);
  assert.deepEqual(s!.keepalive, { intervalSeconds: 10, countMax: 1 });
});

test('a pasted command as one argument, with backslash continuations, and the --config flag', async () => {
  const w = where();
  const other = path.join(w.dir, 'elsewhere.json');
  const cmd = 'ssh -nNT -i ~/keys/espresso.pem \\\n  -R 23432:db.internal:1433 tunnel@acme.espressologic.example';
  const r = await runBurrow(['import', cmd, '--config', other], w.env);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(other, 'utf8')).sessions[0];
  assert.equal(s.name, 'tunnel@acme.espressologic.example');
  assert.deepEqual(s.forwards, [{ type: 'remote', bindPort: 23432, targetHost: 'db.internal', targetPort: 1433 }]);
});

test('~/.ssh/config: the hosts with forwards are saved, the rest is listed with reasons', async () => {
  const w = where();
  const r = await runBurrow(['import', fixture('ssh_config')], w.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(ssh-config\)/);
  assert.match(r.stdout, /took: Host staging-db: deploy@10\.20\.0\.5:22, .*, through the jump host (\S+@)?bastion\.example\.com:22\n/);
  assert.deepEqual(
    w.saved().map((s) => s.name),
    ['fivetran-sql', 'holistics-eu', 'secoda', 'staging-db', 'socks-proxy', 'web1.internal'],
  );
});

test('a PuTTY .reg export: sessions saved, cached host keys merged into the given known_hosts', async () => {
  const w = where();
  const kh = path.join(w.dir, 'known_hosts');
  const r = await runBurrow(['import', fixture('putty-sessions.reg'), '--known-hosts', kh, '--json'], w.env);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.kind, 'putty-reg');
  assert.deepEqual(
    out.saved.map((s: { name: string }) => s.name),
    ['fivetran-outbound', 'office-tunnels', 'via-corporate-proxy'],
  );
  assert.equal(out.hostKeysAdded, 3);
  // Its proxy is saved with it; its proxy password is only said to be given in Burrow.
  assert.ok(out.couldNot.some((n: { what: string }) => n.what === 'PuTTY session "via-corporate-proxy": ProxyPassword'));
  assert.equal(readFileSync(kh, 'utf8').trim().split('\n').length, 3);
});

test('a known_hosts file alone: keys merged, nothing else saved', async () => {
  const w = where();
  const kh = path.join(w.dir, 'known_hosts');
  const r = await runBurrow(['import', fixture('known_hosts'), '--known-hosts', kh], w.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /host keys: 4 added to .*known_hosts, 0 already there/);
  assert.match(r.stdout, /not taken: .*known_hosts line 6: /);
});

test("Secoda's docker-compose file: the key goes to the secret store; no secret is ever written to the config or printed", async () => {
  const w = where();
  const key = secodaKey();
  const compose = path.join(w.dir, 'docker-compose.yml');
  writeFileSync(compose, readFileSync(fixture('secoda-docker-compose.yml'), 'utf8').replace('__KEY__', key.base64));
  const r = await runBurrow(['import', compose, '--json'], w.env);
  assert.equal(r.code, 0, r.stderr);
  const [s] = w.saved();
  assert.equal(s!.preset, 'secoda');
  assert.equal(readFileSync(path.join(w.dir, 'secrets', `key-${s!.auth.keyId}`), 'utf8'), key.pem);
  const secretBits = [key.base64.slice(0, 40), ...key.pem.split('\n').filter((l) => l.length > 20)];
  const everythingButSecrets = [
    r.stdout,
    r.stderr,
    ...readdirSync(w.dir)
      .filter((f) => f !== 'secrets' && f !== 'docker-compose.yml')
      .map((f) => readFileSync(path.join(w.dir, f), 'utf8')),
  ].join('\n');
  assert.ok(secretBits.length >= 4, 'the key has lines to look for');
  for (const bit of secretBits) assert.ok(!everythingButSecrets.includes(bit), 'a piece of the private key leaked');
});

test('not a file and not a command: said plainly', async () => {
  const w = where();
  const r = await runBurrow(['import', path.join(w.dir, 'nope.reg')], w.env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is neither a file nor a command line/);
  assert.equal((await runBurrow(['import'], w.env)).code, 2);
});

test('an imported ssh_config host runs as saved: burrow run --config on the store carries data through a real sshd', { skip: sshdUnavailable() }, async () => {
  const sshd = await Sshd.start();
  const echo = await echoServer();
  try {
    const w = where();
    const port = await freePort();
    const sshConfig = path.join(w.dir, 'ssh_config');
    writeFileSync(
      sshConfig,
      [
        'Host warehouse-tunnel',
        '    HostName 127.0.0.1',
        `    Port ${sshd.port}`,
        `    User ${sshd.user}`,
        `    IdentityFile ${sshd.clientKeyPath}`,
        `    UserKnownHostsFile ${sshd.knownHostsPath}`,
        '    StrictHostKeyChecking yes',
        `    RemoteForward 127.0.0.1:${port} 127.0.0.1:${echo.port}`,
        '    ServerAliveInterval 5',
        '',
      ].join('\n'),
    );
    const imported = await runBurrow(['import', sshConfig], w.env);
    assert.equal(imported.code, 0, imported.stderr);
    const r = startBurrow(['run', '--json', '--config', w.file, 'warehouse-tunnel']);
    try {
      await r.waitForLine((l) => l.type === 'state' && l.state === 'connected');
      assert.equal((await roundTrip(port, 'saved and restored')).toString(), 'saved and restored');
    } finally {
      r.child.kill('SIGTERM');
      await r.exited;
    }
  } finally {
    await echo.close();
    await sshd.dispose();
  }
});

test('a ProxyCommand Burrow would run is printed in full and saved only with --allow-commands', async () => {
  const w = where();
  const words = ['ssh', '-N', '-R', '15432:localhost:5432', '-o', 'ProxyCommand=/opt/corp/tunnel-helper %h %p', 'tunnel@db.example.com'];
  const refused = await runBurrow(['import', '--name', 'db', '--', ...words], w.env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^burrow import: "tunnel@db\.example\.com" would run `\/opt\/corp\/tunnel-helper %h %p` on this machine at every connection\n/);
  assert.match(refused.stderr, /--allow-commands/);
  assert.throws(() => w.saved(), 'no store was written');
  const r = await runBurrow(['import', '--name', 'db', '--allow-commands', '--', ...words], w.env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(w.saved()[0]!.proxy, { type: 'command', command: '/opt/corp/tunnel-helper %h %p' });
});
