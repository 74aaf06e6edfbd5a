/**
 * The points where a newcomer following a vendor's guide used to stop, black-box: a fresh HOME and
 * store, the real `burrow` command, a real sshd where a tunnel must run.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { echoServer, freePort, roundTrip } from '../helpers/net.js';
import { runBurrow, startBurrow } from '../helpers/cli.js';
import { world, type World } from '../helpers/newcomer.js';
import { fixture, secodaKey } from '../core/config/fixtures.js';
import { FIVETRAN as GUIDE_FIVETRAN } from '../core/config/importers/guides.js';

interface Report {
  ok: boolean;
  steps: Array<{ id: string; status: string; detail: string; hint?: string }>;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe("the newcomer's path, against a real sshd", { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
  });

  /** `ssh -N -R 0:…echo -i KEY -p PORT user@127.0.0.1` with the server's key known. */
  const tunnel = (key: string, ...extra: string[]): string[] => [
    'ssh',
    '-N',
    '-R',
    `0:127.0.0.1:${echo.port}`,
    '-i',
    key,
    '-p',
    String(sshd.port),
    '-o',
    `UserKnownHostsFile=${sshd.knownHostsPath}`,
    ...extra,
    `${sshd.user}@127.0.0.1`,
  ];

  async function connects(w: World, args: string[], cwd?: string): Promise<void> {
    const r = startBurrow(['run', '--json', ...args], w.env, cwd ? { cwd } : {});
    try {
      const fwd = await r.waitForLine((l) => l.type === 'forward' && l.state === 'active');
      await r.waitForLine((l) => l.type === 'state' && l.state === 'connected');
      assert.equal((await roundTrip(fwd.port as number, 'newcomer')).toString(), 'newcomer');
    } finally {
      r.child.kill('SIGTERM');
      assert.equal(await r.exited, 0);
    }
  }

  test('a relative key path is saved absolute, so the session runs from any folder; a missing key file is a warning at import and a failed login at diagnose, naming the path', async () => {
    const w = world();
    mkdirSync(path.join(w.work, 'keys'));
    copyFileSync(sshd.clientKeyPath, path.join(w.work, 'keys', 'vendor_key'));
    const r = await runBurrow(['import', '--name', 'rel', '--', ...tunnel('keys/vendor_key')], w.env, { cwd: w.work });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(w.session('rel').auth.identityFiles, [path.join(w.work, 'keys', 'vendor_key')]);
    assert.doesNotMatch(r.stdout, /warning/);
    await connects(w, ['rel'], '/');

    const missing = await runBurrow(['import', '--name', 'missing', '--', ...tunnel('keys/not_there')], w.env, { cwd: w.work });
    assert.equal(missing.code, 0, missing.stderr);
    const abs = path.join(w.work, 'keys', 'not_there');
    assert.match(missing.stdout, new RegExp(`warning: The key file ${escape(abs)} does not exist \\(yet\\): the session cannot log in until it does\\.`));
    const d = await runBurrow(['diagnose', '--json', 'missing'], w.env, { cwd: '/' });
    assert.equal(d.code, 1);
    const login = (JSON.parse(d.stdout) as Report).steps.find((s) => s.id === 'login')!;
    assert.equal(login.status, 'fail');
    assert.equal(login.detail, `the key file ${abs} does not exist`);
    assert.match(login.hint!, /absolute path/);
  });

  test("a key's passphrase given at import is kept in the secret store with the key, never in the config, and the session runs unattended once the files are gone", async () => {
    const w = world();
    const key = path.join(w.work, 'enc_key');
    const phrase = 'correct horse battery';
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', phrase, '-C', 'encrypted', '-f', key]);
    await sshd.authorize(readFileSync(`${key}.pub`, 'utf8'));
    const passFile = path.join(w.work, 'pass.txt');
    writeFileSync(passFile, `${phrase}\n`);
    const wrongFile = path.join(w.work, 'wrong.txt');
    writeFileSync(wrongFile, 'not it\n');

    const plain = await runBurrow(['import', '--name', 'plain', '--', ...tunnel(key)], w.env);
    assert.match(plain.stdout, /warning: The key file .*enc_key is protected by a passphrase, .*`burrow sessions edit plain --key-passphrase-file FILE`/);
    const wrong = await runBurrow(['import', '--name', 'enc', '--key-passphrase-file', wrongFile, '--', ...tunnel(key)], w.env);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, new RegExp(`--key-passphrase-file: opens no key of the session \\(the passphrase does not open ${escape(key)}\\)`));
    assert.ok(!w.saved().some((s) => s.name === 'enc'), 'nothing saved');
    const bundle = await runBurrow(['import', '--name', 'enc', '--passphrase-file', passFile, '--', ...tunnel(key)], w.env);
    assert.equal(bundle.code, 2);
    assert.match(
      bundle.stderr,
      /--passphrase-file opens a `burrow sessions export --with-secrets` file; for the passphrase of the session's key, use --key-passphrase-file/,
    );

    const ok = await runBurrow(['import', '--name', 'enc', '--key-passphrase-file', passFile, '--', ...tunnel(key)], w.env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`key: ${escape(key)} and its passphrase are kept in Burrow's secret store as "enc-key"`));
    const s = w.session('enc');
    assert.deepEqual(s.auth, { identityFiles: [], keyId: 'enc-key' });
    assert.ok(!readFileSync(w.config, 'utf8').includes(phrase), 'the passphrase is not in the config');
    assert.ok(!(ok.stdout + ok.stderr).includes(phrase), 'nor in the output');
    assert.equal(readFileSync(w.secret('passphrase-enc-key'), 'utf8'), phrase);
    assert.equal(readFileSync(w.secret('key-enc-key'), 'utf8'), readFileSync(key, 'utf8'), 'the key is kept as it was, still encrypted');
    rmSync(passFile);
    rmSync(key);
    await connects(w, ['enc']);

    // The same for a saved session afterwards.
    const again = path.join(w.work, 'enc_key2');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', phrase, '-f', again]);
    await sshd.authorize(readFileSync(`${again}.pub`, 'utf8'));
    writeFileSync(passFile, `${phrase}\n`);
    // sessions add takes it too.
    const add = await runBurrow(
      [
        'sessions',
        'add',
        '--preset',
        'generic',
        '--name',
        'added',
        '--host',
        '127.0.0.1',
        '--port',
        String(sshd.port),
        '--user',
        sshd.user,
        '--target',
        `127.0.0.1:${echo.port}`,
        '--identity',
        path.join(w.work, 'enc_key3'),
        '--key-passphrase-file',
        passFile,
      ],
      w.env,
    );
    assert.equal(add.code, 1, 'the key file is not there');
    assert.match(add.stderr, /--key-passphrase-file: opens no key of the session \(.*enc_key3 cannot be read \(ENOENT\)\)/);
    assert.ok(!w.saved().some((x) => x.name === 'added'));

    const edited = await runBurrow(['sessions', 'edit', 'plain', '--identity', again, '--key-passphrase-file', passFile], w.env);
    assert.equal(edited.code, 0, edited.stderr);
    assert.equal(w.session('plain').auth.keyId, 'enc-key2');
    assert.equal(readFileSync(w.secret('passphrase-enc-key2'), 'utf8'), phrase);
    await connects(w, ['plain']);
    const added = await runBurrow(
      [
        'sessions',
        'add',
        '--preset',
        'generic',
        '--name',
        'added',
        '--host',
        '127.0.0.1',
        '--port',
        String(sshd.port),
        '--user',
        sshd.user,
        '--target',
        `127.0.0.1:${echo.port}`,
        '--identity',
        again,
        '--key-passphrase-file',
        passFile,
      ],
      w.env,
    );
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(w.session('added').auth, { identityFiles: [], keyId: 'enc-key2' }, 'the same key is stored once');
    assert.ok(!readFileSync(w.config, 'utf8').includes(phrase));
  });

  const FIVETRAN = GUIDE_FIVETRAN.split(' ');

  test('every placeholder is named at once with the exact line to run; run, diagnose and import all take --set', async () => {
    const w = world();
    const names = 'SSH_HIGH_PORT LOCAL_DB_MACHINE_NAME_OR_IP LOCAL_DB_MACHINE_PORT FIVETRAN_SSH_USERNAME FIVETRAN_SUPPLIED_IP PATH_TO_PRIVATE_KEY'.split(' ');
    for (const command of ['run', 'diagnose', 'import']) {
      const r = await runBurrow([command, '--', ...FIVETRAN], w.env);
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /<SSH_HIGH_PORT>, <LOCAL_DB_MACHINE_NAME_OR_IP>, <LOCAL_DB_MACHINE_PORT>, <FIVETRAN_SSH_USERNAME>, <FIVETRAN_SUPPLIED_IP>, <PATH_TO_PRIVATE_KEY>: are 6 placeholders still to be filled in/,
      );
      const line = r.stderr.split('\n').find((l) => l.startsWith(`  burrow ${command} `))!;
      assert.ok(line, r.stderr);
      assert.equal(
        line.trim(),
        `burrow ${command} ${names.map((n) => `--set ${n}=…`).join(' ')} -- autossh -M 0 -f -N -R '<SSH_HIGH_PORT>:<LOCAL_DB_MACHINE_NAME_OR_IP>:<LOCAL_DB_MACHINE_PORT>' '<FIVETRAN_SSH_USERNAME>@<FIVETRAN_SUPPLIED_IP>' -g -i '<PATH_TO_PRIVATE_KEY>' -o ServerAliveInterval=10 -o ServerAliveCountMax=1 -o ExitOnForwardFailure=yes`,
      );
    }
    // A command Burrow would refuse anyway is not repeated: it may carry a password.
    const secret = await runBurrow(['run', '--', 'ssh', '-N', '-R', '<PORT>:db:1', '-o', 'ProxyCommand=sshpass -p hunter2 ssh jump', 'u@h'], w.env);
    assert.match(secret.stderr, /<PORT>: is a placeholder still to be filled in\. Give it the value from the vendor's instructions: --set PORT=…/);
    assert.ok(!secret.stderr.includes('hunter2'), secret.stderr);
    // Half filled in: only the missing ones are asked for.
    const half = await runBurrow(['import', '--set', 'SSH_HIGH_PORT=11433', '--set', '<LOCAL_DB_MACHINE_PORT>=1433', '--', ...FIVETRAN], w.env);
    assert.match(half.stderr, /<LOCAL_DB_MACHINE_NAME_OR_IP>, <FIVETRAN_SSH_USERNAME>, <FIVETRAN_SUPPLIED_IP>, <PATH_TO_PRIVATE_KEY>: are 4 placeholders/);
    assert.match(
      half.stderr,
      /burrow import --set LOCAL_DB_MACHINE_NAME_OR_IP=… --set FIVETRAN_SSH_USERNAME=… --set FIVETRAN_SUPPLIED_IP=… --set PATH_TO_PRIVATE_KEY=… --set SSH_HIGH_PORT=11433 --set '<LOCAL_DB_MACHINE_PORT>=1433' -- /,
    );

    const port = await freePort();
    const sets = [
      '--set',
      `SSH_HIGH_PORT=${port}`,
      '--set',
      'LOCAL_DB_MACHINE_NAME_OR_IP=127.0.0.1',
      '--set',
      `LOCAL_DB_MACHINE_PORT=${echo.port}`,
      '--set',
      `FIVETRAN_SSH_USERNAME=${sshd.user}`,
      '--set',
      'FIVETRAN_SUPPLIED_IP=127.0.0.1',
      '--set',
      `PATH_TO_PRIVATE_KEY=${sshd.clientKeyPath}`,
    ];
    const at = [...FIVETRAN, '-p', String(sshd.port), '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`];
    const d = await runBurrow(['diagnose', ...sets, '--', ...at], w.env);
    assert.equal(d.code, 0, d.stdout + d.stderr);
    await connects(w, [...sets, '--', ...at]);
    const saved = await runBurrow(['import', ...sets, '--name', 'f', '--', ...at], w.env);
    assert.equal(saved.code, 0, saved.stderr);
    const onSaved = await runBurrow(['run', '--set', 'A=1', 'f'], w.env);
    assert.equal(onSaved.code, 2);
    assert.match(onSaved.stderr, /--set fills the placeholders of a command line; saved sessions have none/);
  });

  test("-v shows the handshake (algorithms agreed, keys offered, the server's answers), -vv ssh2's own debug; the default is one line per event", async () => {
    const w = world();
    const stranger = path.join(w.work, 'unauthorised');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const lines = async (args: string[]): Promise<string[]> => {
      const r = startBurrow(['run', ...args, '--', ...tunnel(stranger, '-i', sshd.clientKeyPath)], w.env);
      try {
        await new Promise<void>((resolve, reject) => {
          const t = setInterval(() => {
            if (/^\S+ \S+: connected$/m.test(r.stderr())) {
              clearInterval(t);
              resolve();
            }
          }, 50);
          setTimeout(() => {
            clearInterval(t);
            reject(new Error(r.stderr()));
          }, 15_000);
        });
      } finally {
        r.child.kill('SIGTERM');
        await r.exited;
      }
      return r.stderr().trim().split('\n');
    };
    const quiet = await lines([]);
    assert.deepEqual(
      quiet.map((l) => l.replace(/^\S+ /, '').replace(/ on port \d+/, ' on port N')),
      [
        `${sshd.user}@127.0.0.1:${sshd.port}: connecting`,
        `${sshd.user}@127.0.0.1:${sshd.port}: -R 0:127.0.0.1:${echo.port} active on port N`,
        `${sshd.user}@127.0.0.1:${sshd.port}: connected`,
        `${sshd.user}@127.0.0.1:${sshd.port}: -R 0:127.0.0.1:${echo.port} pending`,
        `${sshd.user}@127.0.0.1:${sshd.port}: stopped`,
      ],
    );
    const verbose = (await lines(['-v'])).join('\n');
    assert.match(verbose, /debug: handshake with 127\.0\.0\.1:\d+: key exchange curve25519-sha256, host key ssh-ed25519, cipher \S+/);
    assert.match(verbose, new RegExp(`debug: login: offering ssh-ed25519 key ${escape(stranger)} as "${sshd.user}"`));
    assert.match(verbose, new RegExp(`debug: login: the server refused ${escape(stranger)}; it accepts: publickey`));
    assert.match(verbose, new RegExp(`debug: login: offering ssh-ed25519 key ${escape(sshd.clientKeyPath)}`));
    assert.match(verbose, /debug: logged in as /);
    assert.doesNotMatch(verbose, /ssh2: /);
    const debug = (await lines(['-vv'])).join('\n');
    assert.match(debug, /debug: ssh2: Outbound: Sending KEXINIT/);
  });

  test('a failing tunnel says each change once, on one line, with its fix', async () => {
    const w = world();
    const closed = await freePort();
    const r = startBurrow(['run', '--', 'ssh', '-N', '-R', '1:h:2', '-i', sshd.clientKeyPath, '-p', String(closed), 'u@127.0.0.1'], w.env);
    await new Promise((res) => setTimeout(res, 2_000)); // eight attempts, 250 ms apart
    r.child.kill('SIGTERM');
    assert.equal(await r.exited, 0);
    const events = r
      .stderr()
      .trim()
      .split('\n')
      .filter((l) => !/ note: /.test(l))
      .map((l) => l.replace(/^\S+ /, ''));
    assert.equal(events.length, 3, events.join('\n'));
    assert.equal(events[0], `u@127.0.0.1:${closed}: connecting`);
    assert.match(
      events[1]!,
      new RegExp(
        `^u@127\\.0\\.0\\.1:${closed}: reconnecting — CONNECT_REFUSED: Nothing accepts SSH connections at 127\\.0\\.0\\.1:${closed}; fix: Check the SSH port .* \\(next attempt in 0\\.\\d s\\)$`,
      ),
    );
    assert.equal(events[2], `u@127.0.0.1:${closed}: stopped`);
  });
});

describe("the newcomer's path, without a server", () => {
  test("Secoda's script pins its own host key; a difference from the one Burrow has on file is a warning with both fingerprints", async () => {
    const w = world();
    const key = secodaKey();
    const published = 'SHA256:'; // the prefix of both fingerprints below
    const hostKeyFile = path.join(w.home, 'secoda_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyFile]);
    const rotated = readFileSync(`${hostKeyFile}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const rotatedFp = execFileSync('ssh-keygen', ['-lf', `${hostKeyFile}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    const script = (hostKey: string): string => `#!/bin/sh
SSH_USER=tunnel
SSH_HOST=tunnel-7f3a.secoda.example
SSH_HOST_PORT=22
SSH_LISTEN_PORT=41234
SSH_KEY_BASE64=${key.base64}
TEMPFILE=$(mktemp)
echo "[$SSH_HOST]:$SSH_HOST_PORT ${hostKey}" > $TEMPFILE
autossh -N -M0 -o "ServerAliveInterval 15" -o "UserKnownHostsFile=$TEMPFILE" -o StrictHostKeyChecking=yes -R 0.0.0.0:$SSH_LISTEN_PORT $SSH_USER@$SSH_HOST -p $SSH_HOST_PORT
`;
    const file = path.join(w.work, 'secoda.sh');
    writeFileSync(file, script(rotated));
    const r = await runBurrow(['import', file], w.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(w.saved()[0]!.hostKey.fingerprint, rotatedFp, "the script's key is pinned");
    const m = new RegExp(
      `warning: The script's host key ${escape(rotatedFp)} differs from the one Burrow has on file for Secoda \\((${published}[A-Za-z0-9+/]{43})\\); the script's is pinned`,
    ).exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.notEqual(m[1], rotatedFp);
    assert.ok(!r.stdout.includes(key.base64.slice(0, 40)), 'no key material printed');

    const same = world();
    const publishedKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBo2+mYwlNTvJXrNCETYHrrHyUGMnWdQO5vEhFVU833o';
    writeFileSync(file, script(publishedKey));
    const r2 = await runBurrow(['import', file, '--json'], same.env);
    const out = JSON.parse(r2.stdout) as { took: string[]; warnings: string[] };
    assert.deepEqual(out.warnings, []);
    assert.ok(
      out.took.some((t) => t === `host key: the script's ssh-ed25519 key ${m[1]}, the one Secoda publishes`),
      out.took.join('\n'),
    );

    const compose = world();
    const yml = path.join(compose.work, 'docker-compose.yml');
    writeFileSync(yml, readFileSync(fixture('secoda-docker-compose.yml'), 'utf8').replace('__KEY__', key.base64));
    const r3 = await runBurrow(['import', yml, '--json'], compose.env);
    const out3 = JSON.parse(r3.stdout) as { took: string[]; saved: Array<{ name: string }> };
    assert.ok(
      out3.took.some((t) => t === `host key: Secoda's published key ${m[1]}, built into Burrow (this input carries none)`),
      out3.took.join('\n'),
    );
    assert.equal(out3.saved[0]!.name, 'Secoda-tunnel-7f3a.secoda.example:41234', 'an imported name has no spaces');
  });

  test('imported names have no spaces, and every command finds a session by name or id in any case', async () => {
    const w = world();
    assert.equal((await runBurrow(['import', fixture('putty-sessions.reg'), '--known-hosts', path.join(w.home, 'kh')], w.env)).code, 0);
    assert.equal((await runBurrow(['import', fixture('tunnels.sh')], w.env)).code, 0);
    const names = w.saved().map((s) => s.name);
    assert.deepEqual(names, [
      'fivetran-outbound',
      'office-tunnels',
      'via-corporate-proxy',
      'fivetran@35.230.100.17',
      'fivetran@35.230.100.17-11434',
      'autossh@tunnel-eu.holistics.example:50022',
      'deploy@10.20.0.5',
    ]);
    assert.ok(names.every((n) => !/\s/.test(n)));
    assert.match((await runBurrow(['sessions', 'show', 'OFFICE-TUNNELS'], w.env)).stdout, /^office-tunnels/);
    assert.equal((await runBurrow(['sessions', 'edit', 'Office-Tunnels', '--autostart'], w.env)).code, 0);
    const d = await runBurrow(['diagnose', '--json', 'FIVETRAN-OUTBOUND'], w.env);
    assert.equal((JSON.parse(d.stdout.split('\n')[0]!) as { session: string }).session, 'fivetran-outbound');
  });

  test('sessions show is readable by default and JSON with --json; a second session on the same server and remote port is a warning when saved', async () => {
    const w = world();
    const first = await runBurrow(
      ['import', '--name', 'sql1', '--', 'ssh', '-N', '-R', '11433:sql01:1433', '-i', '/k/id_rsa', 'fivetran@35.230.100.17'],
      w.env,
    );
    assert.equal(first.code, 0);
    assert.doesNotMatch(first.stdout, /also asks/);
    const second = await runBurrow(['import', '--name', 'sql2', '--', 'ssh', '-N', '-R', '11433:sql02:1433', 'fivetran@35.230.100.17'], w.env);
    assert.match(
      second.stdout,
      /warning: "sql1" also asks 35\.230\.100\.17 for remote port 11433 \(-R 11433:sql02:1433\): only one of the two can have it at a time\./,
    );
    const added = await runBurrow(
      ['sessions', 'add', '--preset', 'fivetran', '--name', 'sql3', '--host', '35.230.100.17', '--target', 'sql03:1433', '--remote-port', '11433'],
      w.env,
    );
    assert.match(added.stdout, /warning: "sql1" also asks 35\.230\.100\.17 for remote port 11433/);
    const edited = await runBurrow(['sessions', 'edit', 'sql2', '--forward', '-R 11434:sql02:1433'], w.env);
    assert.doesNotMatch(edited.stdout, /warning: "sql1"/);
    const back = await runBurrow(['sessions', 'edit', 'sql2', '--forward', '-R 11433:sql02:1433'], w.env);
    assert.match(back.stdout, /warning: "sql1" also asks/);

    const show = await runBurrow(['sessions', 'show', 'sql1'], w.env);
    assert.equal(show.code, 0);
    assert.equal(
      show.stdout,
      [
        'sql1',
        '  server:      fivetran@35.230.100.17, SSH port 22',
        '  key:         /k/id_rsa',
        '  host key:    ask: a new host is asked about on a terminal (without one, refused until `burrow trust`)',
        '  known_hosts: ~/.ssh/known_hosts',
        '  keepalive:   every 15 s; the link counts as lost after 3 unanswered',
        '  timeout:     20 s to connect, log in and open the forwards',
        '  forwards:    -R 11433:sql01:1433  (the server listens on port 11433; its connections reach sql01:1433 from this machine)',
        '  starts:      by hand',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await runBurrow(['sessions', 'show', 'sql1', '--json'], w.env)).stdout) as { session: { name: string } };
    assert.equal(json.session.name, 'sql1');
  });

  test("a preset's next steps name the session's own user and lead with its public key; sessions presets shows every preset's steps", async () => {
    const w = world();
    const key = path.join(w.work, 'fivetran_key');
    const gen = await runBurrow(['key', 'generate', '--type', 'rsa', '--bits', '2048', '--out', key], w.env);
    assert.equal(gen.code, 0, gen.stderr);
    const publicKey = readFileSync(`${key}.pub`, 'utf8').trim();
    const r = await runBurrow(
      ['sessions', 'add', '--preset', 'fivetran', '--name', 'f', '--host', '35.230.100.17', '--user', 'acme_tunnel', '--target', 'db:1433', '--identity', key],
      w.env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`  1. The public key to give Fivetran (it authorises user "acme_tunnel"): ${publicKey}\n`), r.stdout);
    assert.match(r.stdout, / {2}2\. Send Fivetran Support .* the SSH user name acme_tunnel and/);
    assert.doesNotMatch(r.stdout, /user name fivetran/);
    assert.ok((await runBurrow(['sessions', 'show', 'f'], w.env)).stdout.includes(publicKey), 'show prints it too');

    const presets = await runBurrow(['sessions', 'presets'], w.env);
    assert.match(presets.stdout, /^fivetran .*\n {4}1\. Send Fivetran Support this machine's public key, .* the SSH user name <user> /m);
    assert.match(presets.stdout, /^querycanary .*\n {4}1\. In QueryCanary, enable the SSH tunnel/m);
    assert.match(presets.stdout, / {4}if it does not work: This machine must reach the tunnel server on port <port>/);
  });

  test("a key file given where a command belongs is named as what it is, with the file's name", async () => {
    const w = world();
    const key = path.join(w.work, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const pub = await runBurrow(['import', `${key}.pub`], w.env);
    assert.equal(pub.code, 1);
    assert.match(
      pub.stderr,
      new RegExp(
        `^burrow import: ${escape(key)}\\.pub: is a public key, the kind that goes in an SSH server's authorized_keys\\n  fix: Burrow has nothing to run for it: your own public key goes to the vendor`,
      ),
    );
    const priv = await runBurrow(['import', key], w.env);
    assert.equal(priv.code, 1);
    assert.match(
      priv.stderr,
      new RegExp(`^burrow import: ${escape(key)}: is a private key, not a tunnel command\\n  fix: Give it to the tunnel's command with -i FILE`),
    );
    assert.ok(!priv.stderr.includes(readFileSync(key, 'utf8').split('\n')[1]!), 'the key is not repeated');
  });
});
