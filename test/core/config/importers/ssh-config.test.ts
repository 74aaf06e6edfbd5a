import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseSessionConfig } from '../../../../common/config-schema.js';
import { importSshConfig } from '../../../../main/core/config/importers/ssh-config.js';
import { fixture } from '../fixtures.js';

const report = importSshConfig(readFileSync(fixture('ssh_config'), 'utf8'));
const byName = (n: string) => report.sessions.find((s) => s.name === n);

test('hosts with forwards become sessions, with settings gathered as ssh gathers them', () => {
  assert.deepEqual(
    report.sessions.map((s) => s.name),
    ['fivetran-sql', 'holistics-eu', 'secoda', 'staging-db', 'socks-proxy', 'web1.internal'],
  );
  for (const s of report.sessions) assert.deepEqual(parseSessionConfig(s), s, `${s.name} is what the store keeps`);
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

test('what was not taken is reported with the reason: Match, Include, unknown keywords, hosts without forwards', () => {
  const why = (s: string) => report.couldNot.find((n) => n.what.includes(s))?.why ?? '';
  assert.ok(!report.couldNot.some((n) => n.what.includes('staging-db')), 'a ProxyJump host is imported with its jump host');
  assert.match(why('Match'), /not evaluated/);
  assert.match(why('Include'), /not followed/);
  assert.match(why('PermitRemoteOpen'), /no Burrow equivalent/);
  assert.match(why('Host github.com'), /no RemoteForward/);
  assert.ok(!report.couldNot.some((n) => /ForwardAgent|UseKeychain|IdentitiesOnly/.test(n.what)), 'interactive-only settings pass quietly');
  assert.equal(report.took.length, 6);
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

/** ssh logs in to a jump host with no User of its own as the local user; written only when that is not the session's user. */
const me = userInfo().username;
const asMe = (sessionUser: string): { user?: string } => (me === sessionUser ? {} : { user: me });

/** The 1-based line of `text` in `lines`, as the report names it. */
const lineOf = (lines: ReadonlyArray<string>, text: string): number => lines.indexOf(text) + 1;

test("ProxyJump: the jump host takes its own Host blocks (here only Host *'s), as the ssh OpenSSH runs for it reads them", () => {
  assert.deepEqual(byName('staging-db'), {
    id: 'staging-db',
    name: 'staging-db',
    host: '10.20.0.5',
    port: 22,
    user: 'deploy',
    auth: { identityFiles: ['~/.ssh/id_ed25519'] },
    hostKey: { policy: 'ask' },
    keepalive: { intervalSeconds: 30, countMax: 4 },
    connectTimeoutSeconds: 20,
    compression: false,
    autostart: false,
    forwards: [{ type: 'local', bindPort: 15432, targetHost: 'localhost', targetPort: 5432 }],
    // Host *'s IdentityFile is the bastion's and the session's alike: the hop has no keys of its own to write.
    jumpHosts: [{ host: 'bastion.example.com', port: 22, ...asMe('deploy') }],
    notes: 'Imported from ssh config (Host staging-db).',
  });
  assert.equal(
    report.took[3],
    `Host staging-db: deploy@10.20.0.5:22, 1 forward, key ~/.ssh/id_ed25519, keepalive 30 s × 4, through the jump host ${me === 'deploy' ? '' : `${me}@`}bastion.example.com:22`,
  );
  assert.equal(report.warnings, undefined);
});

test("ProxyJump hops take HostName, Port, User and IdentityFile from their own Host blocks, and the first hop's own ProxyCommand goes before them; IdentityAgent and IdentitiesOnly are taken", () => {
  const lines = [
    'Host db',
    '  HostName 10.0.0.5',
    '  User deploy',
    '  IdentityFile ~/.ssh/deploy_%r',
    '  ProxyJump ops@bastion, inner:2200',
    '  IdentityAgent ~/.ssh/agent-%r.sock',
    '  IdentitiesOnly yes',
    '  RemoteForward 15432 localhost:5432',
    'Host bastion',
    '  HostName bastion.example.com',
    '  Port 2222',
    '  User nobody',
    '  IdentityFile ~/.ssh/bastion',
    '  ProxyCommand nc -X connect -x proxy.corp.example:3128 %h %p',
    'Host inner',
    '  HostName 10.0.0.2',
    '  User jump',
    '  IdentityFile ~/.ssh/deploy_deploy',
  ];
  const r = importSshConfig(lines.join('\n'));
  assert.deepEqual(r.sessions, [
    {
      id: 'db',
      name: 'db',
      host: '10.0.0.5',
      port: 22,
      user: 'deploy',
      auth: { identityFiles: ['~/.ssh/deploy_deploy'], agent: '~/.ssh/agent-deploy.sock', identitiesOnly: true },
      hostKey: { policy: 'ask' },
      keepalive: { intervalSeconds: 15, countMax: 3 },
      connectTimeoutSeconds: 20,
      compression: false,
      autostart: false,
      forwards: [{ type: 'remote', bindPort: 15432, targetHost: 'localhost', targetPort: 5432 }],
      jumpHosts: [
        // ops@ wins over the block's User, as `ssh -l ops bastion` would have it.
        { host: 'bastion.example.com', port: 2222, user: 'ops', identityFiles: ['~/.ssh/bastion'] },
        // Its key is the session's: left out.
        { host: '10.0.0.2', port: 2200, user: 'jump' },
      ],
      proxy: { type: 'http', host: 'proxy.corp.example', port: 3128 },
      notes: 'Imported from ssh config (Host db).',
    },
  ]);
  assert.deepEqual(parseSessionConfig(r.sessions[0]), r.sessions[0]);
  assert.deepEqual(r.took, [
    'Host db: deploy@10.0.0.5:22, 1 forward, key ~/.ssh/deploy_deploy, keepalive 15 s × 3, through the HTTP proxy proxy.corp.example:3128 and the jump hosts ops@bastion.example.com:2222, jump@10.0.0.2:2200',
  ]);
  assert.deepEqual(
    r.couldNot.map((n) => n.what),
    ['Host bastion', 'Host inner'],
    'only the jump hosts, which forward nothing themselves',
  );
  assert.equal(r.warnings, undefined);
});

test('ProxyCommand: ssh -W reads the hop from its Host block, the first of ProxyJump and ProxyCommand wins, any other command is kept and warned of', () => {
  const command = '/usr/local/bin/tunnel-helper --to %h:%p';
  const lines = [
    'Host via-w',
    '  HostName db.internal',
    '  User tunnel',
    '  ProxyCommand ssh -W %h:%p gw',
    '  ProxyJump later.example',
    '  RemoteForward 15432 localhost:5432',
    'Host gw',
    '  HostName gw.example.com',
    '  User ops',
    '  Port 2022',
    'Host via-cmd',
    '  User tunnel',
    `  ProxyCommand ${command}`,
    '  RemoteForward 15432 localhost:5432',
    'Host direct',
    '  User tunnel',
    '  ProxyJump none',
    '  ProxyCommand nc -x proxy.corp.example:1080 %h %p',
    '  RemoteForward 15432 localhost:5432',
    'Host socks',
    '  User tunnel',
    '  ProxyCommand connect -S proxy.corp.example %h %p',
    '  RemoteForward 15432 localhost:5432',
  ];
  const r = importSshConfig(lines.join('\n'));
  const route = (n: string): unknown => {
    const s = r.sessions.find((x) => x.name === n)!;
    assert.deepEqual(parseSessionConfig(s), s);
    return { jumpHosts: s.jumpHosts, proxy: s.proxy };
  };
  assert.deepEqual(route('via-w'), { jumpHosts: [{ host: 'gw.example.com', port: 2022, user: 'ops' }], proxy: undefined });
  assert.deepEqual(route('via-cmd'), { jumpHosts: undefined, proxy: { type: 'command', command } });
  assert.deepEqual(route('direct'), { jumpHosts: undefined, proxy: undefined });
  assert.deepEqual(route('socks'), { jumpHosts: undefined, proxy: { type: 'socks5', host: 'proxy.corp.example', port: 1080 } });
  assert.deepEqual(r.warnings, [
    `Host via-cmd: ProxyCommand (line ${lineOf(lines, `  ProxyCommand ${command}`)}): this session runs the command "${command}" to reach the server, as ssh would; Burrow starts it at every connection, so check that it is the program you expect before saving`,
  ]);
  assert.ok(r.took.includes(`Host via-cmd: tunnel@via-cmd:22, 1 forward, keepalive 15 s × 3, through the proxy command "${command}"`), JSON.stringify(r.took));
});

test('a jump host or proxy command with a password, and a circle of jump hosts, are refused by keyword and line, never quoted; an IdentityAgent variable is named', () => {
  const secret = 'Pl4nted-S3cret';
  const lines = [
    'Host jumped',
    '  HostName db2.example',
    '  RemoteForward 15433 localhost:5432',
    `  ProxyJump tunnel:${secret}@jump.example`,
    'Host proxied',
    `  ProxyCommand sshpass -p ${secret} ssh -W %h:%p jump`,
    '  RemoteForward 15434 localhost:5432',
    'Host loop-a',
    '  ProxyJump loop-b',
    '  RemoteForward 15435 localhost:5432',
    'Host loop-b',
    '  ProxyJump loop-a',
    'Host agent-var',
    '  User tunnel',
    '  IdentityAgent $GPG_AGENT_SOCK',
    '  RemoteForward 15436 localhost:5432',
    'Host keyed',
    '  User tunnel',
    '  IdentityFile ~/.ssh/tunnel',
    '  ProxyJump hop.example',
    '  RemoteForward 15437 localhost:5432',
  ];
  const r = importSshConfig(lines.join('\n'));
  assert.deepEqual(
    r.sessions.map((s) => s.name),
    ['agent-var', 'keyed'],
  );
  const fix =
    "Remove the password: Burrow logs in to jump hosts with keys, and keeps a proxy's password in its secret store (give it in the session's proxy settings), never in the config.";
  assert.deepEqual(r.couldNot, [
    { what: 'Host jumped: ProxyJump (line 4)', why: `a hop carries a password (user:password@host), so this host was not imported; ${fix}` },
    {
      what: 'Host proxied: ProxyCommand (line 6)',
      why: `the proxy command carries a password: it runs sshpass, which types a password, so this host was not imported; ${fix}`,
    },
    {
      what: 'Host loop-a: ProxyJump (line 12)',
      why: 'the jump hosts go round in a circle (a jump host is reached through itself), so this host was not imported; Give the first jump host of the circle `ProxyJump none`.',
    },
    { what: 'Host loop-b', why: 'has no RemoteForward, LocalForward or DynamicForward, so there is no tunnel to keep open' },
    {
      what: 'Host agent-var: IdentityAgent (line 15)',
      why: "names the environment variable GPG_AGENT_SOCK, and Burrow reads only SSH_AUTH_SOCK, so no agent is used; Give the agent socket's path, or SSH_AUTH_SOCK for the agent that variable names.",
    },
  ]);
  assert.deepEqual(r.sessions[0]!.auth, { identityFiles: [] });
  assert.deepEqual(r.sessions[1]!.jumpHosts, [{ host: 'hop.example', port: 22, ...asMe('tunnel') }]);
  assert.deepEqual(r.warnings, [
    "Host keyed: the jump host hop.example has no IdentityFile of its own, so Burrow offers it the session's keys; ssh offered it your default keys (~/.ssh/id_*): if it takes another key, give the jump host its own in Burrow",
  ]);
  assert.ok(!JSON.stringify(r).includes(secret));
});
