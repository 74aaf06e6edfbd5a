import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { importSshConfig } from '../../../../main/core/config/importers/ssh-config.js';
import { fixture } from '../fixtures.js';

const report = importSshConfig(readFileSync(fixture('ssh_config'), 'utf8'));
const byName = (n: string) => report.sessions.find((s) => s.name === n);

test('hosts with forwards become sessions, with settings gathered as ssh gathers them', () => {
  assert.deepEqual(
    report.sessions.map((s) => s.name),
    ['fivetran-sql', 'holistics-eu', 'secoda', 'socks-proxy', 'web1.internal'],
  );
  const f = byName('fivetran-sql')!;
  assert.equal(f.host, '35.230.100.17');
  assert.equal(f.user, 'fivetran');
  assert.equal(f.port, 22);
  assert.deepEqual(f.keepalive, { intervalSeconds: 10, countMax: 1 }, 'the first value wins over Host *');
  assert.deepEqual(f.auth.identityFiles, ['~/.ssh/fivetran_rsa', '~/.ssh/id_ed25519'], 'identity files accumulate, Host * last');
  assert.deepEqual(f.forwards, [
    { type: 'remote', bindPort: 11433, targetHost: 'sql01.corp.local', targetPort: 1433 },
    { type: 'remote', bindPort: 11434, targetHost: 'sql02.corp.local', targetPort: 1433 },
  ]);
  assert.equal(f.hostKey.policy, 'ask', 'OpenSSH asks by default');
});

test('Port, key=value syntax, bind addresses, reverse SOCKS, quoted paths and %h', () => {
  const h = byName('holistics-eu')!;
  assert.equal(h.port, 50022);
  assert.deepEqual(h.keepalive, { intervalSeconds: 60, countMax: 3 });
  assert.equal(h.hostKey.policy, 'accept-new');
  assert.deepEqual(h.forwards, [{ type: 'remote', bindAddress: '*', bindPort: 20032, targetHost: '10.0.3.17', targetPort: 5432 }]);
  const s = byName('secoda')!;
  assert.deepEqual(s.forwards, [{ type: 'remote-dynamic', bindAddress: '0.0.0.0', bindPort: 41234 }]);
  assert.equal(s.auth.identityFiles[0], '~/Secoda Keys/id_rsa');
  assert.deepEqual(s.hostKey.knownHostsFiles, ['~/.ssh/known_hosts.d/tunnel.secoda.example']);
  assert.equal(s.hostKey.policy, 'yes');
  const p = byName('socks-proxy')!;
  assert.deepEqual(p.forwards, [
    { type: 'local-dynamic', bindAddress: '127.0.0.1', bindPort: 1080 },
    { type: 'local', bindAddress: '::1', bindPort: 8080, targetHost: 'intranet.example.com', targetPort: 80 },
  ]);
  assert.equal(p.compression, true);
  assert.equal(p.user, userInfo().username, 'no User: the local user, as ssh does');
  assert.equal(byName('web1.internal')!.user, 'ops', 'wildcard Host blocks apply');
});

test('what was not taken is reported with the reason: ProxyJump, Match, Include, unknown keywords, hosts without forwards', () => {
  const why = (s: string) => report.couldNot.find((n) => n.what.includes(s))?.why ?? '';
  assert.match(why('Host staging-db: ProxyJump'), /jump host/);
  assert.ok(!byName('staging-db'), 'a ProxyJump host is rejected, not imported without its jump');
  assert.match(why('Match'), /not evaluated/);
  assert.match(why('Include'), /not followed/);
  assert.match(why('PermitRemoteOpen'), /no Burrow equivalent/);
  assert.match(why('Host github.com'), /no RemoteForward/);
  assert.ok(!report.couldNot.some((n) => /ForwardAgent|UseKeychain|IdentitiesOnly/.test(n.what)), 'interactive-only settings pass quietly');
  assert.equal(report.took.length, 5);
  assert.match(report.took[0]!, /fivetran@35\.230\.100\.17:22, 2 forwards/);
});

test('a forward that cannot be read is named and the rest of the host still imports', () => {
  const r = importSshConfig('Host a\n  HostName a.example\n  RemoteForward 8080 /run/app.sock\n  RemoteForward 8081 localhost:81\n  LocalForward 99999 x:1\n');
  assert.deepEqual(r.sessions[0]!.forwards, [{ type: 'remote', bindPort: 8081, targetHost: 'localhost', targetPort: 81 }]);
  assert.equal(r.couldNot.length, 2);
  assert.match(r.couldNot[0]!.why, /Unix socket/);
  assert.match(r.couldNot[1]!.why, /not a port/);
});

test("RekeyLimit is taken (first value wins); one that cannot be read is reported and OpenSSH's default kept", () => {
  const r = importSshConfig('Host a\n  RekeyLimit 1G 1h\n  RekeyLimit 2G\n  RemoteForward 1 db:2\nHost b\n  RekeyLimit often\n  RemoteForward 1 db:2\n');
  assert.deepEqual(r.sessions.find((s) => s.name === 'a')!.rekeyLimit, { bytes: 1024 ** 3, seconds: 3600 });
  assert.equal(r.sessions.find((s) => s.name === 'b')!.rekeyLimit, undefined);
  assert.ok(
    r.couldNot.some((c) => /Host b: RekeyLimit \(line 6\)/.test(c.what) && /not a size/.test(c.why)),
    JSON.stringify(r.couldNot),
  );
});

test('algorithm lists are taken as written (first value wins, PubkeyAcceptedKeyTypes is PubkeyAcceptedAlgorithms); one Burrow cannot use is reported and the default kept', () => {
  const r = importSshConfig(
    [
      'Host legacy-bastion',
      '  KexAlgorithms +diffie-hellman-group14-sha1',
      '  HostKeyAlgorithms=+ssh-rsa',
      '  PubkeyAcceptedKeyTypes +ssh-rsa',
      '  PubkeyAcceptedAlgorithms ^ssh-rsa',
      '  Ciphers aes256-ctr,aes128-ctr',
      '  MACs umac-128@openssh.com',
      '  RemoteForward 15432 localhost:5432',
      'Host *',
      '  KexAlgorithms +diffie-hellman-group1-sha1',
    ].join('\n'),
  );
  assert.deepEqual(r.sessions[0]!.algorithms, {
    kex: '+diffie-hellman-group14-sha1',
    hostKey: '+ssh-rsa',
    pubkey: '+ssh-rsa',
    ciphers: 'aes256-ctr,aes128-ctr',
  });
  assert.ok(
    r.couldNot.some((c) => /MACs \(line 7\)/.test(c.what) && /umac-128@openssh\.com is not a MAC Burrow can use/.test(c.why)),
    JSON.stringify(r.couldNot),
  );
  assert.ok(!r.couldNot.some((c) => /KexAlgorithms|Ciphers|HostKeyAlgorithms|Pubkey/.test(c.what)), JSON.stringify(r.couldNot));
});
