/**
 * Secrets never leave: every importer is fed inputs with planted passwords and private keys, run
 * as the real CLI (text and --json), and no byte of what it prints, of the config file, or of any
 * other file it writes holds one of them. Private keys and key passphrases that are meant to be
 * kept are found only where Burrow keeps them: `secrets/` and `keys/` beside the config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BURROW } from '../helpers/cli.js';
import { fixture, secodaKey, tempDir } from '../core/config/fixtures.js';

const RUN = randomBytes(6).toString('hex');
/** Strings that must appear in no output and no file Burrow writes. */
const never = new Set<string>();
/** Strings that may be kept, but only under `secrets/` or `keys/`: private key lines, key passphrases. */
const keptOnlyAsSecret = new Set<string>();

/** A unique password-like string, planted in an input. */
function planted(what: string): string {
  const s = `PLANTED-${what}-${RUN}`;
  never.add(s);
  return s;
}

/** A private key whose every body line is watched for. */
function plantedKey(): { pem: string; base64: string } {
  const key = secodaKey();
  for (const line of key.pem.split('\n')) if (line.length >= 20 && !line.startsWith('-----')) keptOnlyAsSecret.add(line);
  for (let i = 0; i + 40 <= key.base64.length; i += 40) keptOnlyAsSecret.add(key.base64.slice(i, i + 40));
  return key;
}

interface Place {
  readonly root: string;
  readonly home: string;
  readonly config: string;
  /** Writes an input file outside the places Burrow writes to. */
  input(name: string, content: string | Buffer): string;
}

/** A fresh HOME, config file and input folder. */
function place(): Place {
  const root = tempDir('burrow-secrets-');
  const home = path.join(root, 'home');
  const inputs = path.join(root, 'in');
  mkdirSync(home);
  mkdirSync(path.join(root, 'cfg'));
  mkdirSync(inputs);
  return {
    root,
    home,
    config: path.join(root, 'cfg', 'config.json'),
    input(name, content) {
      const file = path.join(inputs, name);
      writeFileSync(file, content);
      return file;
    },
  };
}

interface Output {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/** Runs the built CLI with only a shell's basics in the environment: no inherited BURROW_* variables. */
async function burrow(p: Place, args: ReadonlyArray<string>): Promise<Output> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: p.home, XDG_CONFIG_HOME: path.join(p.home, '.config'), LANG: 'C.UTF-8' };
  const child = spawn(process.execPath, [BURROW, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Fails when a planted secret is in the output or in any file under HOME or the config folder. */
function assertNothingLeaked(label: string, p: Place, out: Output): void {
  assert.doesNotMatch(out.stderr.toString(), /\n\s+at /, `${label}: crashed\n${out.stderr.toString()}`);
  const places: Array<[string, Buffer]> = [
    ['stdout', out.stdout],
    ['stderr', out.stderr],
  ];
  for (const f of [...filesUnder(p.home), ...filesUnder(path.dirname(p.config))]) places.push([path.relative(p.root, f), readFileSync(f)]);
  assert.ok(never.size > 0, 'there are planted secrets to look for');
  for (const [where, bytes] of places) {
    for (const s of never) assert.ok(!bytes.includes(s), `${label}: ${s} is in ${where}:\n${bytes.toString()}`);
    if (/^cfg[\\/](secrets|keys)[\\/]/.test(where)) continue;
    for (const s of keptOnlyAsSecret) assert.ok(!bytes.includes(s), `${label}: a piece of a private key or passphrase is in ${where}:\n${bytes.toString()}`);
  }
}

/**
 * Runs `burrow import ARGS` in text and --json mode, each in a fresh place, and checks both.
 * Returns the text run's output.
 */
async function importBoth(label: string, args: (p: Place) => string[], expectCode?: number): Promise<string> {
  let text = '';
  for (const json of [false, true]) {
    const p = place();
    const a = args(p);
    const dash = a.indexOf('--');
    const options = ['--config', p.config, ...(json ? ['--json'] : [])];
    // Options go before a `--`: after it every word belongs to the ssh command.
    const full = dash < 0 ? ['import', ...a, ...options] : ['import', ...a.slice(0, dash), ...options, ...a.slice(dash)];
    const out = await burrow(p, full);
    if (expectCode !== undefined) assert.equal(out.code, expectCode, `${label}${json ? ' --json' : ''}: ${out.stderr.toString()}`);
    assertNothingLeaked(`${label}${json ? ' --json' : ''}`, p, out);
    if (!json) text = out.stdout.toString() + out.stderr.toString();
  }
  return text;
}

const R = ['-N', '-R', '15432:localhost:5432'];

test('command lines: -pw, -pwfile, sshpass, ProxyCommand, user:password@, remote commands and odd -o values are refused without being repeated', async () => {
  const cases: Array<[string, (p: Place) => string[], RegExp]> = [
    [
      'plink -pw',
      () => ['--', 'plink', '-ssh', '-pw', planted('plink-pw'), '-R', '15432:localhost:5432', 'tunnel@db.example'],
      /-pw: password login is not supported/,
    ],
    ['plink -pwfile', () => ['--', 'plink', '-pwfile', `/etc/${planted('pwfile')}`, '-R', '15432:localhost:5432', 'tunnel@db.example'], /-pwfile/],
    [
      'a pasted line with ProxyCommand="sshpass -p …"',
      () => [`ssh ${R.join(' ')} -o ProxyCommand="sshpass -p ${planted('proxycommand')} ssh -W %h:%p jump" tunnel@db.example`],
      /-o ProxyCommand/,
    ],
    ['sshpass -p', () => ['--', 'sshpass', '-p', planted('sshpass'), 'ssh', ...R, 'tunnel@db.example'], /sshpass: runs through sshpass/],
    ['ssh://user:password@host', () => ['--', 'ssh', ...R, `ssh://tunnel:${planted('url')}@db.example`], /carries a password/],
    ['user:password@host', () => ['--', 'ssh', ...R, `tunnel:${planted('userhost')}@db.example`], /carries a password/],
    ['-l user:password', () => ['--', 'ssh', ...R, '-l', `tunnel:${planted('dash-l')}`, 'db.example'], /carries a password/],
    ['-o HostName=user:password@host', () => ['--', 'ssh', ...R, '-o', `HostName=tunnel:${planted('hostname')}@db.example`, 'db'], /-o HostName/],
    ['a lone ssh:// word', () => [`ssh://tunnel:${planted('lone-url')}@db.example`], /neither a file nor a command line/],
    ['a remote command', () => ['--', 'ssh', ...R, 'tunnel@db.example', `PGPASSWORD=${planted('remote-command')} psql`], /remote commands/],
    [
      'a placeholder inside a ProxyCommand',
      () => ['--', 'ssh', ...R, '-o', `ProxyCommand=sshpass -p ${planted('placeholder')} ssh $JUMP`, 'tunnel@db.example'],
      /\$JUMP/,
    ],
    ['-o without Key=Value', () => ['--', 'ssh', ...R, '-o', `sshpass:${planted('bad-o')}`, 'tunnel@db.example'], /-o: expected Key=Value/],
    [
      '-o with a value that is not a number',
      () => ['--', 'ssh', ...R, '-o', `ServerAliveInterval=${planted('number')}`, 'tunnel@db.example'],
      /ServerAliveInterval/,
    ],
    ['a -p that is not a port', () => ['--', 'ssh', ...R, `-p${planted('port')}`, 'tunnel@db.example'], /-p: is not a port number/],
    [
      '--set filling a ProxyCommand',
      () => ['--set', `PASS=${planted('set-value')}`, '--', 'ssh', ...R, '-o', 'ProxyCommand=sshpass -p $PASS ssh -W %h:%p jump', 'tunnel@db.example'],
      /-o ProxyCommand/,
    ],
  ];
  for (const [label, args, says] of cases) {
    const text = await importBoth(label, args, 1);
    assert.match(text, says, label);
  }
});

test('a shell script: each unusable tunnel line is named by its number and option, sshpass lines included, never by its text', async () => {
  const script = [
    '#!/bin/sh',
    `PASS=${planted('script-var')}`,
    `plink -ssh -pw ${planted('script-pw')} -R 15432:localhost:5432 tunnel@db.example`,
    `ssh -N -R 15433:localhost:5432 -o ProxyCommand="sshpass -p ${planted('script-proxy')} ssh -W %h:%p jump" tunnel@db.example`,
    `sshpass -p ${planted('script-sshpass')} ssh -N -R 15434:localhost:5432 tunnel@db.example`,
    `sshpass -f /etc/${planted('script-pwfile')} autossh -M 0 -N -R 15435:localhost:5432 tunnel@db.example`,
    'sshpass -p "$PASS" ssh -N -R 15436:localhost:5432 tunnel@db.example',
    `ssh -N -R 15437:localhost:5432 tunnel:${planted('script-userpass')}@db.example`,
    `ssh -N -R 15438:localhost:5432 tunnel@db.example "PGPASSWORD=${planted('script-remote')} psql"`,
    'autossh -M 0 -N -R 15439:localhost:5432 tunnel@good.example',
    '',
  ].join('\n');
  const text = await importBoth('tunnel.sh', (p) => [p.input('tunnel.sh', script)], 0);
  assert.match(text, /not taken: line 3: -pw: password login is not supported/);
  assert.match(text, /not taken: line 4: -o ProxyCommand: /);
  for (const line of [5, 6, 7])
    assert.match(text, new RegExp(`not taken: line ${line}: sshpass: runs through sshpass: password login is not supported.*use a key`, 'i'));
  assert.match(text, /not taken: line 8: user:…@host: /);
  assert.match(text, /not taken: line 9: \(remote command\): /);
  assert.match(text, /saved "tunnel@good\.example"/);

  const onlySshpass = `#!/bin/sh\nsshpass -p ${planted('only-sshpass')} ssh -N -R 15432:localhost:5432 tunnel@db.example\necho started\n`;
  const refused = await importBoth('a script whose only tunnel runs through sshpass', (p) => [p.input('only.sh', onlySshpass)], 1);
  assert.match(refused, /line 2: sshpass: runs through sshpass/);
});

test('systemd units: ExecStart through sshpass or plink -pw, and Environment= passwords, are not repeated', async () => {
  const unit = (exec: string) =>
    ['[Unit]', 'Description=Tunnel', '', '[Service]', `Environment="SSHPASS=${planted('unit-env')}"`, `ExecStart=${exec}`, 'Restart=always', ''].join('\n');
  const viaSshpass = await importBoth(
    'unit with sshpass -e',
    (p) => [p.input('a.service', unit('/usr/bin/sshpass -e /usr/bin/ssh -N -R 15432:localhost:5432 tunnel@db.example'))],
    1,
  );
  assert.match(viaSshpass, /line 6: sshpass: runs through sshpass/);
  const viaPlink = await importBoth(
    'unit with plink -pw',
    (p) => [p.input('b.service', unit(`/usr/bin/plink -batch -pw ${planted('unit-pw')} -R 15432:localhost:5432 tunnel@db.example`))],
    1,
  );
  assert.match(viaPlink, /line 6: -pw: password login is not supported/);
});

test('ssh_config: ProxyCommand, ProxyJump, Match exec, unknown keywords and stray lines are named by keyword and line only', async () => {
  const config = [
    'Host proxied',
    '  HostName db.example',
    '  User tunnel',
    '  RemoteForward 15432 localhost:5432',
    `  ProxyCommand sshpass -p ${planted('cfg-proxycommand')} ssh -W %h:%p jump`,
    'Host jumped',
    '  HostName db2.example',
    '  RemoteForward 15433 localhost:5432',
    `  ProxyJump tunnel:${planted('cfg-proxyjump')}@jump.example`,
    'Host odd',
    '  HostName db3.example',
    '  User tunnel',
    '  RemoteForward 15434 localhost:5432',
    `  XAuthLocation ${planted('cfg-quiet')}`,
    `  PKCS11Provider ${planted('cfg-unknown')}`,
    `  LocalCommand sshpass -p ${planted('cfg-localcommand')} true`,
    'Host colon',
    `  User tunnel:${planted('cfg-user')}`,
    '  RemoteForward 15435 localhost:5432',
    'Host at',
    `  HostName tunnel:${planted('cfg-hostname')}@db4.example`,
    '  RemoteForward 15436 localhost:5432',
    planted('cfg-stray-line'),
    `Match exec "sshpass -p ${planted('cfg-match')} true"`,
    '  RemoteForward 1 x:2',
    '',
  ].join('\n');
  const text = await importBoth('ssh_config', (p) => [p.input('ssh_config', config)], 0);
  assert.match(text, /not taken: Host proxied: ProxyCommand \(line 5\): /);
  assert.match(text, /not taken: Host jumped: ProxyJump \(line 9\): /);
  assert.match(text, /not taken: Host odd: PKCS11Provider \(line 15\): has no Burrow equivalent/);
  assert.match(text, /not taken: Host colon\.user: holds a colon/);
  assert.match(text, /not taken: Host at\.host: holds an "@"/);
  assert.match(text, /not taken: line 23: expected "Keyword value"/);
  assert.match(text, /not taken: line 24: Match: /);
  assert.match(text, /saved "odd"/);
});

test('PuTTY .reg: proxy settings, passwords and user:password@ in HostName go nowhere', async () => {
  const S = 'HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions';
  const reg = [
    'Windows Registry Editor Version 5.00',
    '',
    `[${S}\\proxied]`,
    '"HostName"="tunnel@db.example"',
    '"Protocol"="ssh"',
    '"PortForwardings"="R15432=localhost:5432"',
    '"ProxyMethod"=dword:00000005',
    `"ProxyHost"="proxyuser:${planted('reg-proxyhost')}@proxy.example"`,
    `"ProxyUsername"="${planted('reg-proxyuser')}"`,
    `"ProxyPassword"="${planted('reg-proxypass')}"`,
    `"ProxyTelnetCommand"="plink -pw ${planted('reg-proxycmd')} %host"`,
    '',
    `[${S}\\colon]`,
    `"HostName"="tunnel:${planted('reg-hostname')}@db.example"`,
    '"PortForwardings"="R15433=localhost:5432"',
    '',
    `[${S}\\good]`,
    '"HostName"="db.example"',
    '"UserName"="tunnel"',
    '"PortForwardings"="R15434=localhost:5432"',
    '"ProxyMethod"=dword:00000000',
    `"ProxyPassword"="${planted('reg-unused-proxypass')}"`,
    `"RemoteCommand"="PGPASSWORD=${planted('reg-remotecommand')} psql"`,
    '',
  ].join('\r\n');
  const text = await importBoth('.reg', (p) => [p.input('putty.reg', reg)], 0);
  assert.match(text, /not taken: PuTTY session "proxied": proxy: connects through a proxy/);
  assert.match(text, /not taken: PuTTY session "colon"\.user: holds a colon/);
  assert.match(text, /saved "good"/);
});

test("Secoda's environment: SSH_KEY_BASE64 reaches the secret store only, other variables are named only", async () => {
  const key = plantedKey();
  const compose =
    readFileSync(fixture('secoda-docker-compose.yml'), 'utf8').replace('__KEY__', key.base64) + `      - SSH_PASSWORD=${planted('secoda-extra')}\n`;
  const text = await importBoth('Secoda compose', (p) => [p.input('docker-compose.yml', compose)], 0);
  assert.match(text, /not taken: SSH_PASSWORD: is not one of Secoda's tunnel settings/);
  const notAKey = Buffer.from(planted('secoda-not-a-key')).toString('base64');
  never.add(notAKey);
  const env = `SSH_HOST=t.example\nSSH_LISTEN_PORT=41234\nSSH_KEY_BASE64=${notAKey}\n`;
  const refused = await importBoth('Secoda .env with a broken key', (p) => [p.input('.env', env)], 1);
  assert.match(refused, /SSH_KEY_BASE64: is not the base64 of a private key/);
});

test('known_hosts: unreadable lines are named by number, without their host names', async () => {
  const good = readFileSync(fixture('known_hosts'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('35.230.100.17'));
  const text = await importBoth(
    'known_hosts',
    (p) => [p.input('known_hosts', [...good, `${planted('kh-host')} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDfr`, ''].join('\n'))],
    0,
  );
  assert.match(text, /known_hosts line 2: the ssh-ed25519 key is truncated/);
});

test('a sessions export with secrets: keys and passphrases reach keys/ and secrets/ only, with the right passphrase or a wrong one', async () => {
  const source = place();
  const key = plantedKey();
  const storedKey = plantedKey();
  const keyPassphrase = `PLANTED-key-passphrase-${RUN}`;
  const storePassphrase = `PLANTED-store-passphrase-${RUN}`;
  keptOnlyAsSecret.add(keyPassphrase);
  keptOnlyAsSecret.add(storePassphrase);
  const exportPassphrase = planted('export-passphrase');
  const keyFile = source.input('fivetran_ed25519', key.pem);
  const passphraseFile = source.input('fivetran_ed25519.pass', `${keyPassphrase}\n`);
  const compose = source.input('docker-compose.yml', readFileSync(fixture('secoda-docker-compose.yml'), 'utf8').replace('__KEY__', storedKey.base64));
  assert.equal((await burrow(source, ['import', '--config', source.config, compose, '--name', 'secoda'])).code, 0);
  const config = JSON.parse(readFileSync(source.config, 'utf8'));
  config.sessions.push({
    name: 'sql',
    host: '1.2.3.4',
    user: 'fivetran',
    auth: { identityFiles: [keyFile], passphraseFile },
    forwards: [{ type: 'remote', bindPort: 11433, targetHost: 'db', targetPort: 1433 }],
  });
  writeFileSync(source.config, JSON.stringify(config));
  writeFileSync(path.join(path.dirname(source.config), 'secrets', `passphrase-${config.sessions[0].auth.keyId}`), storePassphrase, { mode: 0o600 });

  const goodPass = source.input('pass', `${exportPassphrase}\n`);
  const wrongPass = source.input('wrong', `not-${exportPassphrase.slice(0, 12)}\n`);
  const bundle = path.join(source.root, 'in', 'sessions.json');
  const exported = await burrow(source, ['sessions', 'export', '--config', source.config, bundle, '--with-secrets', '--passphrase-file', goodPass]);
  assert.equal(exported.code, 0, exported.stderr.toString());
  assert.match(exported.stdout.toString(), /with 3 secrets encrypted/);
  assertNothingLeaked('sessions export', source, exported);
  const sealed = readFileSync(bundle);
  for (const s of [...never, ...keptOnlyAsSecret]) assert.ok(!sealed.includes(s), 'the export holds its secrets encrypted only');

  const runs: Array<[string, (p: Place, pass: string) => string[]]> = [
    ['burrow import', (p, pass) => ['import', '--config', p.config, bundle, '--passphrase-file', pass]],
    ['burrow import --json', (p, pass) => ['import', '--config', p.config, bundle, '--passphrase-file', pass, '--json']],
    ['burrow sessions import', (p, pass) => ['sessions', 'import', '--config', p.config, bundle, '--passphrase-file', pass]],
  ];
  for (const [label, args] of runs) {
    const wrong = place();
    const refused = await burrow(wrong, args(wrong, wrongPass));
    assert.equal(refused.code, 1, label);
    assert.match(refused.stderr.toString(), /passphrase: does not open the secrets/);
    assertNothingLeaked(`${label}, wrong passphrase`, wrong, refused);

    const right = place();
    const imported = await burrow(right, args(right, goodPass));
    assert.equal(imported.code, 0, `${label}: ${imported.stderr.toString()}`);
    assertNothingLeaked(label, right, imported);
    const sql = JSON.parse(readFileSync(right.config, 'utf8')).sessions.find((s: { name: string }) => s.name === 'sql');
    assert.equal(readFileSync(sql.auth.identityFiles[0], 'utf8'), key.pem, 'the key arrived, in keys/');
  }
});
