/**
 * `burrow sessions edit`, black-box over a real store file: every stored setting has a flag (and
 * `--json` takes a merge patch); a wrong value names the flag, the field and the fix, and leaves
 * the file as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runBurrow } from '../helpers/cli.js';
import { world, type World } from '../helpers/newcomer.js';

async function imported(w: World): Promise<void> {
  const r = await runBurrow(
    ['import', '--name', 'vendor', '--', 'ssh', '-N', '-R', '11433:db:1433', '-i', 'keys/id_rsa', '-p', '2222', 'tunnel@vendor.example'],
    w.env,
    { cwd: w.work },
  );
  assert.equal(r.code, 0, r.stderr);
}

const FP = `SHA256:${'b'.repeat(43)}`;

test('every stored setting has a flag; relative paths are saved absolute; the id stays when the name changes', async () => {
  const w = world();
  await imported(w);
  const id = w.session('vendor').id;
  const r = await runBurrow(
    [
      'sessions',
      'edit',
      'VENDOR',
      '--name',
      'fivetran-sql',
      '--host',
      '35.230.100.17',
      '--port',
      '22',
      '--user',
      'fivetran',
      '--identity',
      'keys/fivetran',
      '--identity',
      '/etc/keys/second',
      '--passphrase-file',
      'pass.txt',
      '--host-key-policy',
      'accept-new',
      '--known-hosts',
      'kh',
      '--fingerprint',
      FP,
      '--keepalive-interval',
      '10',
      '--keepalive-count',
      '1',
      '--connect-timeout',
      '30',
      '--compression',
      '--rekey-limit',
      '1G 1h',
      '--kex-algorithms',
      '+diffie-hellman-group14-sha1',
      '--host-key-algorithms',
      '+ssh-rsa',
      '--pubkey-accepted-algorithms',
      '+ssh-rsa',
      '--ciphers',
      'aes128-ctr',
      '--macs',
      'hmac-sha2-256',
      '--key-id',
      'stored-1',
      '--forward',
      '-R 11434:sql01:1433',
      '--add-forward',
      'L 15432:db:5432',
      '--autostart',
      '--preset',
      'fivetran',
      '--notes',
      'from the guide',
    ],
    w.env,
    { cwd: w.work },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^edited "fivetran-sql" in .*config\.json:\n/);
  assert.match(r.stdout, / {2}hostKey\.policy: "ask" → "accept-new"\n/);
  assert.match(r.stdout, / {2}forwards: -R 11433:db:1433 → -R 11434:sql01:1433, -L 15432:db:5432\n/);
  assert.match(r.stdout, /No Burrow runs this config now: the next one to start .* runs the session as saved/);
  const s = w.session('fivetran-sql');
  assert.deepEqual(s, {
    id,
    name: 'fivetran-sql',
    host: '35.230.100.17',
    port: 22,
    user: 'fivetran',
    auth: { identityFiles: [path.join(w.work, 'keys/fivetran'), '/etc/keys/second'], passphraseFile: path.join(w.work, 'pass.txt'), keyId: 'stored-1' },
    hostKey: { policy: 'accept-new', knownHostsFiles: [path.join(w.work, 'kh')], fingerprint: FP },
    keepalive: { intervalSeconds: 10, countMax: 1 },
    connectTimeoutSeconds: 30,
    compression: true,
    rekeyLimit: { bytes: 1024 ** 3, seconds: 3600 },
    algorithms: { kex: '+diffie-hellman-group14-sha1', hostKey: '+ssh-rsa', pubkey: '+ssh-rsa', ciphers: 'aes128-ctr', macs: 'hmac-sha2-256' },
    forwards: [
      { type: 'remote', bindPort: 11434, targetHost: 'sql01', targetPort: 1433 },
      { type: 'local', bindPort: 15432, targetHost: 'db', targetPort: 5432 },
    ],
    autostart: true,
    preset: 'fivetran',
    notes: 'from the guide',
  });

  const cleared = await runBurrow(
    [
      'sessions',
      'edit',
      id,
      '--no-identity',
      '--no-passphrase-file',
      '--no-key-id',
      '--no-known-hosts',
      '--no-fingerprint',
      '--no-compression',
      '--no-rekey-limit',
      '--no-algorithms',
      '--remove-forward',
      '-L 15432:db:5432',
      '--no-autostart',
      '--no-preset',
      '--no-notes',
    ],
    w.env,
  );
  assert.equal(cleared.code, 0, cleared.stderr);
  const c = w.session('fivetran-sql');
  assert.deepEqual(c, {
    id,
    name: 'fivetran-sql',
    host: '35.230.100.17',
    port: 22,
    user: 'fivetran',
    auth: { identityFiles: [] },
    hostKey: { policy: 'accept-new' },
    keepalive: { intervalSeconds: 10, countMax: 1 },
    connectTimeoutSeconds: 30,
    compression: false,
    forwards: [{ type: 'remote', bindPort: 11434, targetHost: 'sql01', targetPort: 1433 }],
    autostart: false,
  });

  const patched = await runBurrow(
    ['sessions', 'edit', 'fivetran-sql', '--json', '{"keepalive":{"countMax":4},"hostKey":{"policy":"yes"},"notes":"patched"}'],
    w.env,
  );
  assert.equal(patched.code, 0, patched.stderr);
  assert.deepEqual(w.session('fivetran-sql').keepalive, { intervalSeconds: 10, countMax: 4 });
  assert.equal(w.session('fivetran-sql').hostKey.policy, 'yes');
  assert.equal(w.session('fivetran-sql').notes, 'patched');
  // A flag given with --json wins over the patch.
  assert.equal((await runBurrow(['sessions', 'edit', 'fivetran-sql', '--json', '{"port":2200}', '--port', '2201'], w.env)).code, 0);
  assert.equal(w.session('fivetran-sql').port, 2201);
});

test('a wrong value names the flag, the stored field and the fix, and the store file is left byte for byte as it was', async () => {
  const w = world();
  await imported(w);
  assert.equal((await runBurrow(['import', '--name', 'other', '--', 'ssh', '-N', '-R', '1:h:2', 'u@h2'], w.env)).code, 0);
  const before = readFileSync(w.config, 'utf8');
  const cases: Array<[string[], RegExp]> = [
    [['--port', '70000'], /--port \(port\): must be a whole number from 1 to 65535 \(got 70000\)\n {2}fix: Use the port the service listens on\./],
    [['--keepalive-interval', 'often'], /--keepalive-interval \(keepalive\.intervalSeconds\): must be a number from 0 to 3600 \(got "often"\)/],
    [['--keepalive-count', '0'], /--keepalive-count \(keepalive\.countMax\): must be a number from 1 to 100 \(got 0\)/],
    [['--host-key-policy', 'maybe'], /--host-key-policy \(hostKey\.policy\): is "maybe"\n {2}fix: Use "yes", "accept-new", "no" or "ask"\./],
    [
      ['--fingerprint', 'MD5:aa'],
      /--fingerprint \(hostKey\.fingerprint\): is not a SHA256 fingerprint \("MD5:aa"\)\n {2}fix: Copy it as `ssh-keygen -lf` prints it/,
    ],
    [['--kex-algorithms', '+sntrup761x25519-sha512'], /--kex-algorithms \(algorithms\.kex\): .*sntrup761x25519-sha512/],
    [['--forward', '-R 1:h'], /--forward: -R 1:h: is not a port number\n {2}fix: Give a number from 0 to 65535\./],
    [['--forward', 'nonsense'], /--forward: "nonsense" is not a forward\n {2}fix: Write it as ssh does: -R 11433:db\.internal:1433/],
    [['--remove-forward', '-R 9:h:9'], /--remove-forward: -R 9:h:9 is not one of the session's forwards \(-R 11433:db:1433\)/],
    [['--rekey-limit', 'lots'], /--rekey-limit \(rekeyLimit\): "lots" is not a size/],
    [['--user', 'tunnel:secret'], /--user \(user\): holds a colon, so it carries a password/],
    [['--name', 'OTHER'], /--name \(name\): "OTHER" is already the name of another saved session\n {2}fix: Pick another name\./],
    [['--json', '{"id":"x"}'], /id: cannot be changed\n {2}fix: Rename the session with its name instead/],
    [['--json', '{"keepalive":'], /--json: is not valid JSON/],
    [['--json', '{"autoStart":true}'], /autoStart: is not a setting Burrow knows\n {2}fix: Did you mean "autostart"\?/],
    [['--notes', '-----BEGIN OPENSSH PRIVATE KEY-----'], /--notes \(notes\): holds a private key/],
  ];
  assert.equal(cases.length, 16);
  for (const [args, message] of cases) {
    const r = await runBurrow(['sessions', 'edit', 'vendor', ...args], w.env);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(readFileSync(w.config, 'utf8'), before, `${args.join(' ')} changed the file`);
  }
  const usage: Array<[string[], RegExp]> = [
    [['vendor'], /nothing to change/],
    [[], /edit needs the NAME of a saved session/],
    [['vendor', '--compression', '--no-compression'], /give --compression or --no-compression, not both/],
    [['vendor', '--identity', 'k', '--no-identity'], /give --identity or --no-identity, not both/],
    [['vendor', '--frobnicate'], /unknown option --frobnicate/],
  ];
  for (const [args, message] of usage) {
    const r = await runBurrow(['sessions', 'edit', ...args], w.env);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
  const missing = await runBurrow(['sessions', 'edit', 'nobody', '--port', '22'], w.env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /session "nobody": is not saved\n {2}fix: See `burrow sessions list`/);
  assert.equal(readFileSync(w.config, 'utf8'), before);
  const help = await runBurrow(['sessions', 'edit', '--help'], w.env);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: burrow sessions list/);
  assert.match(help.stdout, /\nedit options \(burrow sessions edit NAME \[options\]\):\n/);
  assert.match(help.stdout, /--host-key-policy yes\|accept-new\|ask\|no/);
});
