/** The ssh/autossh/plink command-line parser, on the vendors' own commands and on OpenSSH's grammar. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import type { SessionConfig } from '../../../../common/config.js';
import { parseSessionConfig } from '../../../../common/config-schema.js';
import {
  CommandLineError,
  type ParsedCommandLine,
  parseCommandLine,
  parseForwardSpec,
  splitCommandLine,
} from '../../../../main/core/config/importers/command-line.js';

test("Fivetran's autossh command (options after the host, -g, -f, -M 0) parses to the session it describes", () => {
  const p = parseCommandLine(
    'autossh -M 0 -f -N -R 11433:10.0.0.12:1433 fivetran@35.230.100.17 -g -i ~/.ssh/id_rsa -o ServerAliveInterval=10 -o ServerAliveCountMax=1 -o ExitOnForwardFailure=yes',
  );
  assert.equal(p.program, 'autossh');
  assert.equal(p.session.host, '35.230.100.17');
  assert.equal(p.session.user, 'fivetran');
  assert.equal(p.session.port, 22);
  assert.deepEqual(p.session.auth.identityFiles, ['~/.ssh/id_rsa']);
  assert.deepEqual(p.session.keepalive, { intervalSeconds: 10, countMax: 1 });
  assert.deepEqual(p.session.forwards, [{ type: 'remote', bindPort: 11433, targetHost: '10.0.0.12', targetPort: 1433 }]);
  assert.ok(
    p.notes.some((n) => n.startsWith('-f')),
    'the -f note says why it is ignored',
  );
  assert.ok(p.notes.some((n) => n.startsWith('-g')));
});

test('Secoda\'s autossh script (quoted -o "Key value", UserKnownHostsFile, -R 0.0.0.0:PORT reverse SOCKS, -vvv)', () => {
  const p = parseCommandLine(`autossh -N -M0 -vvv \\
    -o "ExitOnForwardFailure yes" \\
    -o "ServerAliveInterval 15" \\
    -o "ServerAliveCountMax 4" \\
    -o "ControlPath none" \\
    -o "UserKnownHostsFile=/tmp/tmp.AbC123" \\
    -o StrictHostKeyChecking=yes \\
    -R 0.0.0.0:10024 \\
    tunnel@tunnel.secoda.co -p 2222`);
  assert.equal(p.session.user, 'tunnel');
  assert.equal(p.session.port, 2222);
  assert.deepEqual(p.session.forwards, [{ type: 'remote-dynamic', bindAddress: '0.0.0.0', bindPort: 10024 }]);
  assert.deepEqual(p.session.hostKey, { policy: 'yes', knownHostsFiles: ['/tmp/tmp.AbC123'] });
  assert.deepEqual(p.session.keepalive, { intervalSeconds: 15, countMax: 4 });
  assert.equal(p.verbose, true);
  assert.ok(p.notes.some((n) => n.startsWith('ControlPath')));
});

test('Holistics\' command (-R *:port:host:port, -p 50022, "ServerAliveInterval 60")', () => {
  const p = parseCommandLine(`autossh -M 0 -N -o "ServerAliveInterval 60" -o "ServerAliveCountMax 3" \\
-R *:20032:10.1.2.3:5432 \\
holistics@tunnel.holistics.io -p 50022 \\
-i ~/.holistics/id_rsa`);
  assert.equal(p.session.port, 50022);
  assert.deepEqual(p.session.forwards, [{ type: 'remote', bindAddress: '*', bindPort: 20032, targetHost: '10.1.2.3', targetPort: 5432 }]);
  assert.deepEqual(p.session.keepalive, { intervalSeconds: 60, countMax: 3 });
});

test("Espresso Logic's ssh -nNT and plink.exe commands", () => {
  const ssh = parseCommandLine('ssh -nNT -i espresso.pem -R 23432:db.internal:3306 tunnel@acme.espressologic.com');
  assert.deepEqual(ssh.session.forwards, [{ type: 'remote', bindPort: 23432, targetHost: 'db.internal', targetPort: 3306 }]);
  assert.equal(ssh.session.user, 'tunnel');
  const plink = parseCommandLine('plink.exe -N -i C:\\Users\\ana\\tunnel.ppk -R 23432:sqlserver:1433 tunnel@acme.espressologic.com');
  assert.equal(plink.program, 'plink');
  assert.deepEqual(plink.session.auth.identityFiles, ['C:\\Users\\ana\\tunnel.ppk'], 'Windows paths keep their backslashes');
  assert.equal(plink.session.forwards[0]!.bindPort, 23432);
});

test('plink spellings: -P port, -l user, -hostkey pins the key, -batch/-ssh accepted, -pw refused', () => {
  const fp = 'SHA256:' + 'a'.repeat(43);
  const p = parseCommandLine(`plink -ssh -batch -P 2222 -l fivetran -hostkey ${fp} -R 15432:localhost:5432 35.230.100.17`);
  assert.equal(p.session.port, 2222);
  assert.equal(p.session.user, 'fivetran');
  assert.deepEqual(p.session.hostKey, { policy: 'yes', fingerprint: fp });
  assert.throws(
    () => parseCommandLine('plink -pw secret -R 1:h:2 u@h'),
    (e: CommandLineError) => e.option === '-pw' && /key/.test(e.fix),
  );
  assert.throws(
    () => parseCommandLine('plink -load "fivetran"'),
    (e: CommandLineError) => e.option === '-load' && /\.reg/.test(e.fix),
  );
});

test('OpenSSH grammar: clusters, attached values, -o forms, ssh:// URIs, -g on local forwards', () => {
  const p = parseCommandLine([
    'ssh',
    '-fNT',
    '-p2200',
    '-R8080:localhost:80',
    '-oConnectTimeout=7',
    '-o',
    'Compression yes',
    '-C',
    'ssh://me@example.org:2201',
  ]);
  assert.equal(p.session.port, 2200, "as in OpenSSH, the first value obtained (-p2200) wins over the URI's");
  assert.equal(p.session.user, 'me');
  assert.equal(p.session.connectTimeoutSeconds, 7);
  assert.equal(p.session.compression, true);
  assert.equal(parseCommandLine('ssh -R 1:h:2 -l first -o User=second third@h').session.user, 'first');
  assert.equal(parseCommandLine('ssh -R 1:h:2 -o HostName=10.0.0.9 alias').session.host, '10.0.0.9');
  assert.deepEqual(p.session.forwards, [{ type: 'remote', bindPort: 8080, targetHost: 'localhost', targetPort: 80 }]);
  const g = parseCommandLine('ssh -g -L 5432:db:5432 -D 1080 -L 127.0.0.1:6000:db:6000 u@h');
  assert.deepEqual(g.session.forwards, [
    { type: 'local', bindAddress: '*', bindPort: 5432, targetHost: 'db', targetPort: 5432 },
    { type: 'local-dynamic', bindAddress: '*', bindPort: 1080 },
    { type: 'local', bindAddress: '127.0.0.1', bindPort: 6000, targetHost: 'db', targetPort: 6000 },
  ]);
});

test('forward specs: bind address forms, IPv6 brackets, port 0, reverse dynamic', () => {
  assert.deepEqual(parseForwardSpec('R', '0:localhost:5432'), { type: 'remote', bindPort: 0, targetHost: 'localhost', targetPort: 5432 });
  assert.deepEqual(parseForwardSpec('R', ':9000:h:1'), { type: 'remote', bindAddress: '', bindPort: 9000, targetHost: 'h', targetPort: 1 });
  assert.deepEqual(parseForwardSpec('R', '[::1]:9000:[fd00::5]:5432'), {
    type: 'remote',
    bindAddress: '::1',
    bindPort: 9000,
    targetHost: 'fd00::5',
    targetPort: 5432,
  });
  assert.deepEqual(parseForwardSpec('R', '1080'), { type: 'remote-dynamic', bindPort: 1080 });
  assert.deepEqual(parseForwardSpec('D', 'localhost:1080'), { type: 'local-dynamic', bindAddress: 'localhost', bindPort: 1080 });
  // -L 0 and -D 0: a free local port is picked when the forward is opened, and reported.
  assert.deepEqual(parseForwardSpec('L', '0:h:1'), { type: 'local', bindPort: 0, targetHost: 'h', targetPort: 1 });
  assert.deepEqual(parseForwardSpec('D', '0'), { type: 'local-dynamic', bindPort: 0 });
  assert.throws(() => parseForwardSpec('L', '1:h:0'), /not a port number/, 'the target port is a real port');
  assert.throws(() => parseForwardSpec('R', '1:2:3:4:5'), CommandLineError);
  assert.throws(() => parseForwardSpec('R', '70000:h:1'), /not a port/);
});

test('what cannot be honoured is an error naming the option and the fix', () => {
  const cases: Array<[string, string | RegExp]> = [
    ['ssh -R 1:h:2 -o ExitOnForwardFailure=no u@h', '-o ExitOnForwardFailure'],
    ['ssh -R 1:h:2 -o Frobnicate=yes u@h', '-o Frobnicate'],
    ['ssh -R 1:h:2 -c blowfish-cbc u@h', '-c'],
    ['ssh -R 1:h:2 -o KexAlgorithms=+sntrup761x25519-sha512@openssh.com u@h', '-o KexAlgorithms'],
    ['ssh -R 1:h:2 -o MACs=-* u@h', '-o MACs'],
    ['ssh -R 1:h:2 -Z u@h', '-Z'],
    ['ssh -R 1:h:2 u@h sleep 3600', '(remote command)'],
    ['ssh -N u@h', '(forwards)'],
    ['ssh -R 1:h:2', '(destination)'],
    ['ssh -R <SSH_HIGH_PORT>:db:5432 u@h', '<SSH_HIGH_PORT>'],
    // Every placeholder at once, not the first one.
    ['autossh -R 0.0.0.0:$SSH_LISTEN_PORT tunnel@$SSH_HOST -p ${SSH_HOST_PORT:-22}', '$SSH_LISTEN_PORT, $SSH_HOST, ${SSH_HOST_PORT:-22}'],
    ['ssh -R 1:h:2 -p', '-p'],
    ['ssh -R 1:h:2 -o ServerAliveInterval=soon u@h', '-o ServerAliveInterval'],
    ["ssh -R '1:h:2 u@h", '(quoting)'],
  ];
  for (const [cmd, option] of cases) {
    assert.throws(
      () => parseCommandLine(cmd),
      (e: unknown) => {
        assert.ok(e instanceof CommandLineError, `${cmd}: ${String(e)}`);
        assert.equal(e.option, option, cmd);
        assert.ok(e.fix.length > 10, `${cmd} has a fix`);
        return true;
      },
    );
  }
});

test('environment prefixes are noted by name only; sshpass and passwords in addresses are refused without echoing them', () => {
  const p = parseCommandLine('AUTOSSH_GATETIME=0 AUTOSSH_POLL=30 autossh -M 0 -N -R 1:h:2 u@h');
  assert.equal(p.program, 'autossh');
  assert.ok(p.notes.some((n) => n.startsWith('AUTOSSH_GATETIME=…')));
  for (const cmd of ["sshpass -p 'S3cret!' ssh -N -R 1:h:2 u@h", 'ssh -N -R 1:h:2 ssh://u:S3cret!@h']) {
    assert.throws(
      () => parseCommandLine(cmd),
      (e: Error) => e instanceof CommandLineError && !e.message.includes('S3cret'),
    );
  }
  assert.throws(
    () => parseCommandLine(`plink -hostkey SHA256:${'a'.repeat(43)} -hostkey SHA256:${'b'.repeat(43)} -R 1:h:2 u@h`),
    (e: CommandLineError) => e.option === '-hostkey',
  );
  assert.equal(parseCommandLine('ssh -R 1:h:2 vendor@host -l other').session.user, 'vendor', 'user@host obtained first wins over a later -l');
  assert.equal(parseCommandLine('ssh -R 1:h:2 -o StrictHostKeyChecking=false u@h').session.hostKey.policy, 'no');
});

test('splitCommandLine: quotes, escapes, continuations of sh, cmd.exe and PowerShell', () => {
  assert.deepEqual(splitCommandLine(`ssh -o "Key value" -o 'A B' a\\ b "q\\"uote"`), ['ssh', '-o', 'Key value', '-o', 'A B', 'a b', 'q"uote']);
  assert.deepEqual(splitCommandLine('a \\\n b ^\r\n c `\n d'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(splitCommandLine('plink -i C:\\keys\\k.ppk host'), ['plink', '-i', 'C:\\keys\\k.ppk', 'host']);
  assert.deepEqual(splitCommandLine('  '), []);
});

test('ServerAliveCountMax=0 is refused with the reason and the nearest setting that works', () => {
  assert.throws(
    () => parseCommandLine('ssh -N -o ServerAliveCountMax=0 -R 1:h:2 u@h'),
    (e: CommandLineError) => e.option.includes('ServerAliveCountMax') && /quiet interval/.test(e.message) && /ServerAliveCountMax=1/.test(e.fix),
  );
  assert.equal(parseCommandLine('ssh -N -o ServerAliveCountMax=1 -R 1:h:2 u@h').session.keepalive.countMax, 1);
});

test("-o RekeyLimit is read in OpenSSH's syntax: size with K/M/G or default, then an optional time", () => {
  const rk = (o: string): unknown => parseCommandLine(['-N', '-R', '1:h:2', '-o', o, 'u@h']).session.rekeyLimit;
  assert.deepEqual(rk('RekeyLimit=1G'), { bytes: 1024 ** 3 });
  assert.deepEqual(rk('RekeyLimit 512M 1h'), { bytes: 512 * 1024 ** 2, seconds: 3600 });
  assert.deepEqual(rk('RekeyLimit=default 1h30m'), { seconds: 5400 });
  assert.deepEqual(rk('RekeyLimit "64K none"'), { bytes: 65536 });
  assert.equal(rk('RekeyLimit=default none'), undefined, "OpenSSH's default is stored as no setting");
  // As in OpenSSH, the first value obtained wins.
  assert.deepEqual(parseCommandLine(['-N', '-R', '1:h:2', '-o', 'RekeyLimit=1G', '-o', 'RekeyLimit=2G', 'u@h']).session.rekeyLimit, { bytes: 1024 ** 3 });
  for (const [bad, why] of [
    ['RekeyLimit=8', /too small.*16 bytes/],
    ['RekeyLimit=lots', /not a size/],
    ['RekeyLimit=1G soon', /not a time/],
    ['RekeyLimit=1G 1h 2', /not a size and an optional time/],
  ] as const) {
    assert.throws(
      () => rk(bad),
      (e: unknown) => e instanceof CommandLineError && e.option === '-o RekeyLimit' && why.test(e.message) && /RekeyLimit=1G/.test(e.fix),
      bad,
    );
  }
});

test('-o KexAlgorithms, HostKeyAlgorithms, PubkeyAcceptedAlgorithms (or PubkeyAcceptedKeyTypes), Ciphers, MACs are kept as written, first value wins; -c and -m set ciphers and MACs outright', () => {
  const algos = (...words: string[]): unknown => parseCommandLine(['-N', '-R', '1:h:2', ...words, 'u@h']).session.algorithms;
  assert.equal(algos(), undefined, "nothing set: OpenSSH's defaults, stored as no setting");
  assert.deepEqual(
    algos(
      '-o',
      'KexAlgorithms=+diffie-hellman-group14-sha1',
      '-o',
      'HostKeyAlgorithms +ssh-rsa',
      '-o',
      'PubkeyAcceptedKeyTypes=+ssh-rsa',
      '-o',
      'Ciphers=-chacha20-poly1305@openssh.com',
      '-o',
      'MACs=^hmac-sha2-512',
    ),
    {
      kex: '+diffie-hellman-group14-sha1',
      hostKey: '+ssh-rsa',
      pubkey: '+ssh-rsa',
      ciphers: '-chacha20-poly1305@openssh.com',
      macs: '^hmac-sha2-512',
    },
  );
  assert.deepEqual(algos('-o', 'KexAlgorithms=+diffie-hellman-group1-sha1', '-o', 'kexalgorithms=+diffie-hellman-group14-sha1'), {
    kex: '+diffie-hellman-group1-sha1',
  });
  assert.deepEqual(
    algos('-o', 'PubkeyAcceptedAlgorithms=^ssh-rsa', '-o', 'PubkeyAcceptedKeyTypes=+ssh-rsa'),
    { pubkey: '^ssh-rsa' },
    'one option under two names',
  );
  // As in OpenSSH, -c and -m replace what -o Ciphers/MACs say, wherever they stand.
  assert.deepEqual(algos('-c', 'aes256-ctr', '-o', 'Ciphers=aes128-ctr', '-m', 'hmac-sha2-256', '-o', 'MACs=hmac-sha1'), {
    ciphers: 'aes256-ctr',
    macs: 'hmac-sha2-256',
  });
  assert.deepEqual(algos('-o', 'Ciphers=aes128-ctr', '-c', 'aes256-ctr', '-c', '+aes128-cbc'), { ciphers: '+aes128-cbc' });
});

/** `ssh -N -R 15432:localhost:5432 … tunnel@db.example` as the store keeps it, reaching its server directly. */
const DIRECT: SessionConfig = {
  id: 'tunnel@db.example',
  name: 'tunnel@db.example',
  host: 'db.example',
  port: 22,
  user: 'tunnel',
  auth: { identityFiles: [] },
  hostKey: { policy: 'ask' },
  keepalive: { intervalSeconds: 15, countMax: 3 },
  connectTimeoutSeconds: 20,
  compression: false,
  autostart: false,
  forwards: [{ type: 'remote', bindPort: 15432, targetHost: 'localhost', targetPort: 5432 }],
};

/** That tunnel with `options` before its destination. */
const tunnel = (...options: string[]): ParsedCommandLine => parseCommandLine(['ssh', '-N', '-R', '15432:localhost:5432', ...options, 'tunnel@db.example']);

/** The session as the store validates it: what the importer hands over must already be exactly that. */
function stored(p: ParsedCommandLine): SessionConfig {
  const s = parseSessionConfig(p.session);
  assert.deepEqual(s, p.session, 'the importer writes what the validator keeps');
  return s;
}

/** ssh logs in to a hop that names no user as the local user; the hop says so only when that is not the session's user. */
const ME = userInfo().username;
const AS_ME = ME === 'tunnel' ? {} : { user: ME };

test('-J and -o ProxyJump: hops in order as [user@]host[:port] or ssh:// URIs, a hop without a user logs in as ssh would (the local user), none is direct', () => {
  const p = tunnel('-J', 'ops@bastion.example.com:2222,10.0.0.2,ssh://jump@[fd00::7]:2200');
  assert.deepEqual(stored(p), {
    ...DIRECT,
    jumpHosts: [
      { host: 'bastion.example.com', port: 2222, user: 'ops' },
      { host: '10.0.0.2', port: 22, ...AS_ME },
      { host: 'fd00::7', port: 2200, user: 'jump' },
    ],
  });
  assert.deepEqual([p.notes, p.warnings], [[], []]);
  assert.deepEqual(
    stored(tunnel('-o', 'ProxyJump=tunnel@bastion')),
    { ...DIRECT, jumpHosts: [{ host: 'bastion', port: 22 }] },
    "the session's own user is the default: left out",
  );
  assert.deepEqual(stored(tunnel('-J', 'none')), DIRECT);
  assert.deepEqual(stored(tunnel('-o', 'ProxyJump none')), DIRECT);
  const keyed = tunnel('-i', '~/.ssh/tunnel', '-J', 'bastion');
  assert.deepEqual(stored(keyed), { ...DIRECT, auth: { identityFiles: ['~/.ssh/tunnel'] }, jumpHosts: [{ host: 'bastion', port: 22, ...AS_ME }] });
  assert.deepEqual(keyed.warnings, [
    "-J: the jump host bastion is offered the session's keys (-i); ssh offered it your default keys (~/.ssh/id_*): if it takes another key, give the jump host its own in Burrow",
  ]);
});

test('-o ProxyCommand with ssh -W %h:%p becomes jump hosts, with the -p, -l, -i and user@ of that ssh (its own -J hops first)', () => {
  const p = tunnel('-o', 'ProxyCommand=ssh -W %h:%p -p 2200 -i ~/.ssh/jump_ed25519 ops@bastion.example.com');
  assert.deepEqual(stored(p), { ...DIRECT, jumpHosts: [{ host: 'bastion.example.com', port: 2200, user: 'ops', identityFiles: ['~/.ssh/jump_ed25519'] }] });
  assert.deepEqual([p.notes, p.warnings], [[], []]);
  // OpenSSH's own spelling ('[%h]:%p'), `exec`, and `-l %r`: the session's user, which is the default.
  assert.deepEqual(stored(tunnel('-o', "ProxyCommand exec ssh -q -W '[%h]:%p' -l %r bastion")), { ...DIRECT, jumpHosts: [{ host: 'bastion', port: 22 }] });
  assert.deepEqual(stored(tunnel('-o', 'ProxyCommand=ssh -J first.example -W %h:%p -o User=ops second.example')), {
    ...DIRECT,
    jumpHosts: [
      { host: 'first.example', port: 22, ...AS_ME },
      { host: 'second.example', port: 22, user: 'ops' },
    ],
  });
});

test('-o ProxyCommand with nc -X/-x, connect -H/-S or corkscrew becomes the proxy Burrow speaks itself, with their default ports', () => {
  const cases: Array<[string, SessionConfig['proxy']]> = [
    ['nc -X connect -x proxy.corp.example:8080 %h %p', { type: 'http', host: 'proxy.corp.example', port: 8080 }],
    ['nc -X connect -x proxy.corp.example %h %p', { type: 'http', host: 'proxy.corp.example', port: 3128 }],
    ['nc -X 5 -x proxy.corp.example:1081 %h %p', { type: 'socks5', host: 'proxy.corp.example', port: 1081 }],
    ['/usr/bin/nc -x proxy.corp.example %h %p', { type: 'socks5', host: 'proxy.corp.example', port: 1080 }],
    // SOCKS 4 carries an address: netcat looks the name up itself.
    ['nc -X 4 -x [fd00::1]:1080 %h %p', { type: 'socks4', host: 'fd00::1', port: 1080, remoteDns: false }],
    ['connect -H proxy.corp.example:3128 %h %p', { type: 'http', host: 'proxy.corp.example', port: 3128 }],
    ['connect -H proxy.corp.example %h %p', { type: 'http', host: 'proxy.corp.example', port: 80 }],
    ['connect-proxy -S proxy.corp.example %h %p', { type: 'socks5', host: 'proxy.corp.example', port: 1080 }],
    ['connect -4 -S proxy.corp.example:1080 %h %p', { type: 'socks4', host: 'proxy.corp.example', port: 1080, remoteDns: false }],
    ['connect -R local -S proxy.corp.example %h %p', { type: 'socks5', host: 'proxy.corp.example', port: 1080, remoteDns: false }],
    ['corkscrew proxy.corp.example 3128 %h %p', { type: 'http', host: 'proxy.corp.example', port: 3128 }],
  ];
  for (const [command, proxy] of cases) {
    const p = tunnel('-o', `ProxyCommand=${command}`);
    assert.deepEqual(stored(p), { ...DIRECT, proxy }, command);
    assert.deepEqual([p.notes, p.warnings], [[], []], command);
  }
  // A proxy user is taken; the password the program got elsewhere is said to be given in Burrow.
  const withUser: Array<[string, SessionConfig['proxy'], string]> = [
    [
      'nc -X connect -x proxy.corp.example:3128 -P ops %h %p',
      { type: 'http', host: 'proxy.corp.example', port: 3128, user: 'ops' },
      "nc took the proxy's password from a prompt at each start; if the proxy asks for one, give it in Burrow, which keeps it in its secret store",
    ],
    [
      'connect -H ops@proxy.corp.example:8080 %h %p',
      { type: 'http', host: 'proxy.corp.example', port: 8080, user: 'ops' },
      "connect took the proxy's password from HTTP_PROXY_PASSWORD (or a prompt); if the proxy asks for one, give it in Burrow, which keeps it in its secret store",
    ],
    [
      'corkscrew proxy.corp.example 3128 %h %p ~/.ssh/corkscrew-auth',
      { type: 'http', host: 'proxy.corp.example', port: 3128 },
      "corkscrew's auth file (user:password) was not read, as Burrow never stores a password in the config: if the proxy asks for one, give the proxy's user in the session and its password in Burrow, which keeps it in its secret store",
    ],
  ];
  for (const [command, proxy, note] of withUser) {
    const p = tunnel('-o', `ProxyCommand=${command}`);
    assert.deepEqual(stored(p), { ...DIRECT, proxy }, command);
    assert.deepEqual(p.notes, [`-o ProxyCommand: ${note}`], command);
  }
});

test('any other ProxyCommand is kept exactly as written, with a warning that the session runs that program', () => {
  const command = 'aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p';
  const p = tunnel('-o', `ProxyCommand ${command}`);
  assert.deepEqual(stored(p), { ...DIRECT, proxy: { type: 'command', command } });
  assert.deepEqual(p.warnings, [
    `-o ProxyCommand: this session runs the command "${command}" to reach the server, as ssh would; Burrow starts it at every connection, so check that it is the program you expect before saving`,
  ]);
  assert.deepEqual(p.notes, []);
  // An ssh that does more than -W (its own host-key settings) is kept as a command, not half read.
  const strict = 'ssh -o StrictHostKeyChecking=no -W %h:%p bastion';
  assert.deepEqual(stored(tunnel('-o', `ProxyCommand=${strict}`)), { ...DIRECT, proxy: { type: 'command', command: strict } });
  // A plain netcat is the direct connection Burrow makes by itself; `none` is no proxy.
  assert.deepEqual(stored(tunnel('-o', 'ProxyCommand=nc %h %p')), DIRECT);
  assert.deepEqual(stored(tunnel('-o', 'ProxyCommand=none')), DIRECT);
});

test('a jump host or proxy command that carries a password is refused, naming the option and never the password', () => {
  const secret = 'Pl4nted-S3cret';
  const cases: Array<[string[], string, RegExp]> = [
    [['-J', `ops:${secret}@bastion`], '-J', /^a hop carries a password \(user:password@host\)$/],
    [['-o', `ProxyJump=ssh://ops:${secret}@bastion`], '-o ProxyJump', /^a hop carries a password/],
    [['-o', `ProxyCommand=sshpass -p ${secret} ssh -W %h:%p bastion`], '-o ProxyCommand', /carries a password: it runs sshpass/],
    [['-o', `ProxyCommand=plink -pw ${secret} bastion -nc %h:%p`], '-o ProxyCommand', /carries a password: it gives plink a password \(-pw\)/],
    [['-o', `ProxyCommand=HTTP_PROXY_PASSWORD=${secret} connect -H ops@proxy:8080 %h %p`], '-o ProxyCommand', /it sets HTTP_PROXY_PASSWORD/],
    [['-o', `ProxyCommand=ncat --proxy proxy:3128 --proxy-auth ops:${secret} %h %p`], '-o ProxyCommand', /\(--proxy-auth user:password\)/],
    [['-o', `ProxyCommand=proxytunnel -p proxy:3128 -P ops:${secret} -d %h:%p`], '-o ProxyCommand', /\(-P user:password\)/],
    [['-o', `ProxyCommand=socat - PROXY:proxy:%h:%p,proxyport=3128,proxyauth=ops:${secret}`], '-o ProxyCommand', /\(proxyauth=\)/],
    [['-o', `ProxyCommand=nc -X connect -x ops:${secret}@proxy:3128 %h %p`], '-o ProxyCommand', /an address in it carries a password/],
  ];
  for (const [options, option, why] of cases) {
    assert.throws(
      () => tunnel(...options),
      (e: unknown) => {
        assert.ok(e instanceof CommandLineError, String(e));
        assert.equal(e.option, option);
        assert.match(e.problem, why);
        assert.match(e.fix, /never in the config/);
        assert.ok(!e.message.includes(secret), e.message);
        return true;
      },
      options.join(' '),
    );
  }
});

test('-o IdentityAgent and IdentitiesOnly: SSH_AUTH_SOCK is "env", a path is kept, none is no agent (first value wins); nothing is invented without them', () => {
  assert.deepEqual(stored(tunnel('-i', '~/.ssh/tunnel', '-o', 'IdentityAgent=SSH_AUTH_SOCK', '-o', 'IdentitiesOnly=yes')), {
    ...DIRECT,
    auth: { identityFiles: ['~/.ssh/tunnel'], agent: 'env', identitiesOnly: true },
  });
  assert.deepEqual(stored(tunnel('-o', 'IdentityAgent ~/.1password/agent.sock')), { ...DIRECT, auth: { identityFiles: [], agent: '~/.1password/agent.sock' } });
  assert.deepEqual(
    stored(tunnel('-o', 'IdentityAgent=none', '-o', 'IdentityAgent=SSH_AUTH_SOCK', '-o', 'IdentitiesOnly=no', '-o', 'IdentitiesOnly=yes')),
    DIRECT,
  );
  assert.deepEqual(stored(tunnel('-o', 'ForwardAgent=yes')), DIRECT, 'agent forwarding is not logging in with an agent');
  assert.throws(
    () => tunnel('-o', 'IdentitiesOnly=perhaps'),
    (e: CommandLineError) => e.option === '-o IdentitiesOnly',
  );
});

test("plink: -proxycmd in PuTTY's tokens (plink -nc %host:%port is a jump host), -agent is Pageant", () => {
  const plink = (...options: string[]): ParsedCommandLine =>
    parseCommandLine(['plink', '-ssh', '-batch', ...options, '-R', '15432:localhost:5432', 'tunnel@db.example']);
  // PuTTY reads backslash escapes in the command: \k and \j are none, and stay.
  const p = plink('-agent', '-proxycmd', 'plink.exe -ssh -P 2222 -l jumper -i C:\\keys\\jump.ppk jump.example.net -nc %host:%port');
  assert.deepEqual(stored(p), {
    ...DIRECT,
    auth: { identityFiles: [], agent: 'env' },
    jumpHosts: [{ host: 'jump.example.net', port: 2222, user: 'jumper', identityFiles: ['C:\\keys\\jump.ppk'] }],
  });
  assert.deepEqual(stored(plink('-noagent', '-agent')), DIRECT, 'the first of -noagent and -agent counts');
  assert.deepEqual(
    stored(plink('-proxycmd', 'plink jump.example.net -nc %host:%port')),
    { ...DIRECT, jumpHosts: [{ host: 'jump.example.net', port: 22 }] },
    "plink asks a hop without a user for one: the session's",
  );
  const command = plink('-proxycmd', 'ncat --proxy proxy.corp.example:3128 %host %port 100%%');
  assert.deepEqual(stored(command), { ...DIRECT, proxy: { type: 'command', command: 'ncat --proxy proxy.corp.example:3128 %h %p 100%%' } });
  assert.deepEqual(command.warnings, [
    '-proxycmd: this session runs the command "ncat --proxy proxy.corp.example:3128 %h %p 100%%" to reach the server, as ssh would; Burrow starts it at every connection, so check that it is the program you expect before saving',
  ]);
  for (const [cmd, why] of [
    ['connect -H %user@proxy:8080 %host %port', /uses %user, which this session does not give/],
    ['nc -x %proxyhost:%proxyport %host %port', /uses %proxyhost/],
    ['connect -H proxy:8080 -p %pass %host %port', /passes the proxy password \(%pass\)/],
    ['C:\\tools\\nc.exe %host %port', /holds a tab \(\\t\) where PuTTY read a backslash escape/],
  ] as const) {
    assert.throws(
      () => plink('-proxycmd', cmd),
      (e: CommandLineError) => e.option === '-proxycmd' && why.test(e.problem),
      cmd,
    );
  }
});

test('ssh takes one way to the server: the first of ProxyJump and ProxyCommand wins, a -J after another is refused, and ten hops at most', () => {
  const p = tunnel('-J', 'bastion', '-o', 'ProxyCommand=nc -x proxy:1080 %h %p');
  assert.deepEqual(stored(p), { ...DIRECT, jumpHosts: [{ host: 'bastion', port: 22, ...AS_ME }] });
  assert.deepEqual(p.notes, ['-o ProxyCommand: a way to the server was given before it (-J), and the first one wins, as in ssh (ignored)']);
  assert.deepEqual(stored(tunnel('-o', 'ProxyJump=none', '-o', 'ProxyCommand=nc -x proxy:1080 %h %p')), DIRECT);
  for (const options of [
    ['-o', 'ProxyCommand=nc -x proxy:1080 %h %p', '-J', 'bastion'],
    ['-J', 'a', '-J', 'b'],
    ['-o', 'ProxyJump=a', '-J', 'b'],
  ]) {
    assert.throws(
      () => tunnel(...options),
      (e: CommandLineError) => e.option === '-J' && /which ssh refuses/.test(e.problem) && /-J first,second/.test(e.fix),
      options.join(' '),
    );
  }
  const hops = (n: number): string => Array.from({ length: n }, (_, i) => `hop${i}`).join(',');
  assert.equal(stored(tunnel('-J', hops(10))).jumpHosts?.length, 10);
  assert.throws(
    () => tunnel('-J', hops(11)),
    (e: CommandLineError) => e.option === '-J' && e.problem === 'names 11 jump hosts, more than the 10 Burrow crosses',
  );
  assert.throws(
    () => tunnel('-J', 'bastion:99999'),
    (e: CommandLineError) => e.option === '-J' && /port is not a number from 1 to 65535/.test(e.problem),
  );
});
