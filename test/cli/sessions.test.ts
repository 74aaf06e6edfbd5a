/** `burrow sessions`, black-box: the real command over a real store file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runBurrow } from '../helpers/cli.js';
import { fixture, secodaKey, tempDir } from '../core/config/fixtures.js';

function where() {
  const dir = tempDir();
  return { dir, file: path.join(dir, 'config.json'), env: { BURROW_CONFIG: path.join(dir, 'config.json') } };
}

test("add from a preset prints the vendor's next steps; list, show and remove work on the same store", async () => {
  const { file, env } = where();
  const add = await runBurrow(
    [
      'sessions',
      'add',
      '--preset',
      'fivetran',
      '--name',
      'sql',
      '--host',
      '35.230.100.17',
      '--target',
      'sql01.corp.local:1433',
      '--identity',
      '~/.ssh/id_rsa',
      '--autostart',
    ],
    env,
  );
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /saved sql {2}fivetran@35\.230\.100\.17:22 {2}-R 11433:sql01\.corp\.local:1433 {2}\[autostart\] {2}\(fivetran\)/);
  assert.match(add.stdout, /next steps \(Fivetran\):\n {2}1\. Send Fivetran Support/);
  assert.match(add.stdout, /Host localhost, Port 11433/);
  const second = await runBurrow(
    ['sessions', 'add', '--preset', 'fivetran', '--name', 'sql2', '--host', '35.230.100.17', '--target-host', 'sql02', '--database', 'sqlserver'],
    env,
  );
  assert.match(second.stdout, /-R 11434:sql02:1433/, 'the next free remote port, as Fivetran counts');
  const list = await runBurrow(['sessions', 'list'], env);
  assert.deepEqual(
    list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('  ')[0]),
    ['sql', 'sql2'],
  );
  const show = JSON.parse((await runBurrow(['sessions', 'show', 'SQL2', '--json'], env)).stdout);
  assert.equal(show.session.forwards[0].bindPort, 11434);
  assert.match(show.nextSteps.join(' '), /Port 11434/);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).sessions.length, 2);
  assert.equal((await runBurrow(['sessions', 'remove', 'sql'], env)).code, 0);
  const gone = await runBurrow(['sessions', 'remove', 'sql'], env);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /is not a saved session\n {2}fix: See `burrow sessions list`/);
});

test('--config wins over BURROW_CONFIG, which wins over the platform folder', async () => {
  const { env } = where();
  const other = path.join(tempDir(), 'other.json');
  const xdg = tempDir();
  await runBurrow(['sessions', 'add', '--config', other, '--preset', 'espresso-logic', '--name', 'e', '--host', 'x.example', '--target', 'db:3306'], env);
  assert.equal(JSON.parse(readFileSync(other, 'utf8')).sessions[0].name, 'e');
  assert.match((await runBurrow(['sessions', 'list'], env)).stdout, /no saved sessions/);
  await runBurrow(['sessions', 'add', '--preset', 'secoda', '--name', 's', '--host', 't.example', '--remote-port', '41234'], {
    XDG_CONFIG_HOME: xdg,
    BURROW_CONFIG: '',
  });
  assert.equal(JSON.parse(readFileSync(path.join(xdg, 'burrow', 'config.json'), 'utf8')).sessions[0].forwards[0].type, 'remote-dynamic');
});

test('a broken store is reported with the line and the kept copy, and not touched', async () => {
  const { file, env } = where();
  writeFileSync(file, '{ "version": 2, "sessions": [ { "name": "x" } ');
  const r = await runBurrow(['sessions', 'add', '--preset', 'generic', '--name', 'g', '--host', 'h', '--user', 'u', '--target', 'db:5432'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /config\.json: \(file\) line 1, column \d+: is not valid JSON/);
  assert.match(r.stderr, /A copy of the file as it is now is kept at .*config\.json\.broken-[0-9a-f]{12}/);
  assert.equal(readFileSync(file, 'utf8'), '{ "version": 2, "sessions": [ { "name": "x" } ');
});

test('bad options are usage errors (exit 2); a missing preset field is named with its fix (exit 1)', async () => {
  const { env } = where();
  assert.equal((await runBurrow(['sessions', 'frobnicate'], env)).code, 2);
  assert.equal((await runBurrow(['sessions', 'add', '--name', 'x'], env)).code, 2);
  const r = await runBurrow(['sessions', 'add', '--preset', 'holistics', '--name', 'h', '--host', 'h.example', '--user', 'u', '--target', 'db:5432'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /remotePort: is missing\n {2}fix: Give the remote port Holistics assigned \(e\.g\. 20032\)/);
  const q = await runBurrow(['sessions', 'add', '--preset', 'querycanary', '--name', 'q', '--host', 'h'], env);
  assert.match(q.stderr, /no tunnel for Burrow to keep open/);
});

test('export without secrets carries no key; with secrets it moves keys to another machine, encrypted', async () => {
  const a = where();
  const key = secodaKey();
  const compose = path.join(a.dir, 'docker-compose.yml');
  writeFileSync(compose, readFileSync(fixture('secoda-docker-compose.yml'), 'utf8').replace('__KEY__', key.base64));
  const keyFile = path.join(a.dir, 'fivetran_rsa');
  writeFileSync(keyFile, key.pem, { mode: 0o600 });
  assert.equal((await runBurrow(['import', compose, '--name', 'secoda'], a.env)).code, 0);
  assert.equal(
    (await runBurrow(['sessions', 'add', '--preset', 'fivetran', '--name', 'sql', '--host', '1.2.3.4', '--target', 'db:1433', '--identity', keyFile], a.env))
      .code,
    0,
  );

  const plain = path.join(a.dir, 'plain.json');
  const out = await runBurrow(['sessions', 'export', plain], a.env);
  assert.match(out.stdout, /exported 2 sessions/);
  assert.match(out.stdout, /not included: sql: .*fivetran_rsa: key files are not exported without --with-secrets/);
  assert.equal(statSync(plain).mode & 0o777, 0o600);
  const plainText = readFileSync(plain, 'utf8');
  assert.ok(!plainText.includes(key.pem.split('\n')[1]!) && !plainText.includes(key.base64.slice(0, 40)));

  const pass = path.join(a.dir, 'pass');
  writeFileSync(pass, 'correct horse battery staple\n');
  const sealed = path.join(a.dir, 'sealed.json');
  const sealedOut = await runBurrow(['sessions', 'export', sealed, '--with-secrets', '--passphrase-file', pass], a.env);
  assert.match(sealedOut.stdout, /with 2 secrets encrypted/);
  const sealedText = readFileSync(sealed, 'utf8');
  assert.ok(!sealedText.includes(key.pem.split('\n')[1]!), 'secrets are encrypted');

  const b = where();
  const wrong = path.join(b.dir, 'wrong');
  writeFileSync(wrong, 'not the passphrase\n');
  const bad = await runBurrow(['sessions', 'import', sealed, '--passphrase-file', wrong], b.env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /passphrase: does not open the secrets/);
  assert.equal(readdirSync(b.dir).length, 1, 'nothing written on a wrong passphrase');
  const good = await runBurrow(['sessions', 'import', sealed, '--passphrase-file', pass], b.env);
  assert.equal(good.code, 0, good.stderr);
  const moved = JSON.parse(readFileSync(b.file, 'utf8')).sessions;
  const sql = moved.find((s: { name: string }) => s.name === 'sql');
  assert.equal(path.dirname(sql.auth.identityFiles[0]), path.join(b.dir, 'keys'));
  assert.equal(readFileSync(sql.auth.identityFiles[0], 'utf8'), key.pem);
  assert.equal(statSync(sql.auth.identityFiles[0]).mode & 0o777, 0o600);
  const secoda = moved.find((s: { name: string }) => s.name === 'secoda');
  assert.equal(readFileSync(path.join(b.dir, 'secrets', `key-${secoda.auth.keyId}`), 'utf8'), key.pem);
  const again = await runBurrow(['sessions', 'import', sealed, '--passphrase-file', pass], b.env);
  assert.match(again.stdout, /not imported: session "sql": a saved session already has this name/);
});

test('export replaces FILE atomically, and leaves it 0600 even where it was 0644', async () => {
  const { dir, env } = where();
  assert.equal((await runBurrow(['sessions', 'add', '--preset', 'fivetran', '--name', 'sql', '--host', '1.2.3.4', '--target', 'db:1433'], env)).code, 0);
  const file = path.join(dir, 'export.json');
  writeFileSync(file, 'an older export\n', { mode: 0o644 });
  chmodSync(file, 0o644);
  const before = statSync(file).ino;
  const r = await runBurrow(['sessions', 'export', file], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  // A new file renamed over the old one (a crash leaves one or the other), not the old one rewritten in place.
  assert.notEqual(statSync(file).ino, before);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).config.sessions[0].name, 'sql');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('export')),
    ['export.json'],
    'no temporary file is left',
  );
});

test('a DER key file travels byte for byte', async () => {
  const a = where();
  const der = path.join(a.dir, 'fivetran.der');
  writeFileSync(
    der,
    generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } }).privateKey,
    { mode: 0o600 },
  );
  assert.equal(
    (await runBurrow(['sessions', 'add', '--preset', 'fivetran', '--name', 'sql', '--host', '1.2.3.4', '--target', 'db:1433', '--identity', der], a.env)).code,
    0,
  );
  const pass = path.join(a.dir, 'pass');
  writeFileSync(pass, 'correct horse battery staple\n');
  const sealed = path.join(a.dir, 'sealed.json');
  assert.equal((await runBurrow(['sessions', 'export', sealed, '--with-secrets', '--passphrase-file', pass], a.env)).code, 0);

  const b = where();
  const r = await runBurrow(['sessions', 'import', sealed, '--passphrase-file', pass], b.env);
  assert.equal(r.code, 0, r.stderr);
  const moved = JSON.parse(readFileSync(b.file, 'utf8')).sessions[0].auth.identityFiles[0];
  assert.deepEqual(readFileSync(moved), readFileSync(der));
  assert.equal(JSON.parse(readFileSync(sealed, 'utf8')).format, 2, 'a format-1 reader would write the key as text: it must refuse instead');
});

test("sessions proxy-password keeps the password of a session's proxy in the secret store from a file, says it is kept, and forgets it", async () => {
  const { dir, file, env } = where();
  writeFileSync(
    file,
    JSON.stringify({
      version: 4,
      sessions: [
        { name: 'db', host: 'db.internal', user: 'u', forwards: [], proxy: { type: 'http', host: 'proxy.corp', port: 3128, user: 'dana' } },
        { name: 'plain', host: 'db.internal', user: 'u', forwards: [] },
      ],
    }),
  );
  const pw = path.join(dir, 'pw');
  writeFileSync(pw, 'Corp-Secret-9\n', { mode: 0o600 });
  const kept = await runBurrow(['sessions', 'proxy-password', 'db', '--password-file', pw], env);
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal(kept.stdout.trim(), 'kept the proxy password of db in the secret store (proxy-db); a service may be given it as BURROW_SECRET_PROXY_DB instead');
  assert.ok(!readFileSync(file, 'utf8').includes('Corp-Secret-9'));
  const asked = await runBurrow(['sessions', 'proxy-password', 'db'], env);
  assert.equal(asked.stdout.trim(), 'a proxy password is kept for db (proxy-db; BURROW_SECRET_PROXY_DB in the environment wins over it)');
  const refused = await runBurrow(['sessions', 'proxy-password', 'plain', '--password-file', pw], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /"plain" has no proxy that asks for a password/);
  assert.ok(!(kept.stdout + asked.stdout + refused.stdout + refused.stderr).includes('Corp-Secret-9'));
  const forgot = await runBurrow(['sessions', 'proxy-password', 'db', '--forget'], env);
  assert.equal(forgot.stdout.trim(), 'forgot the proxy password of db');
  assert.match((await runBurrow(['sessions', 'proxy-password', 'db'], env)).stdout, /^no proxy password is kept for db/);
});
