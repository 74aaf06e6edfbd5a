import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Conf from 'conf';
import { ConfigError } from '../../../main/core/config/config-error.js';
import { CONFIG_VERSION } from '../../../main/core/config/schema.js';
import {
  confBackend,
  ConfigFileBrokenError,
  ConfigStore,
  defaultConfigPath,
  fileBackend,
  loadConfigFile,
  resolveConfigPath,
} from '../../../main/core/config/store.js';
import { fixture, tempDir } from './fixtures.js';

const SESSION = {
  name: 'Fivetran SQL Server',
  host: '35.230.100.17',
  user: 'fivetran',
  forwards: [{ type: 'remote', bindPort: 11433, targetHost: 'sql.internal', targetPort: 1433 }],
};

test('saved sessions come back as saved, in a private file of the current version', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'store', 'config.json');
  const store = ConfigStore.open(file);
  assert.deepEqual(store.sessions(), []);
  const added = await store.add(SESSION);
  assert.equal(added.id, 'fivetran-sql-server');
  assert.equal(ConfigStore.open(file).find('fivetran sql server')?.host, '35.230.100.17');
  assert.equal(ConfigStore.open(file).find('fivetran-sql-server')?.user, 'fivetran');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(doc.version, CONFIG_VERSION);
  assert.equal(doc.sessions[0].keepalive.intervalSeconds, 15, 'defaults are written out');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
  await store.remove('Fivetran SQL Server');
  assert.deepEqual(store.sessions(), []);
});

test('a file made readable by others becomes private again on the next save', async () => {
  const file = path.join(tempDir(), 'config.json');
  writeFileSync(file, JSON.stringify({ version: CONFIG_VERSION, sessions: [] }));
  chmodSync(file, 0o644);
  await ConfigStore.open(file).add(SESSION);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('a second session with the same name is refused and the file is unchanged', async () => {
  const file = path.join(tempDir(), 'config.json');
  const store = ConfigStore.open(file);
  await store.add(SESSION);
  const before = readFileSync(file, 'utf8');
  await assert.rejects(
    () => store.add({ ...SESSION, name: 'FIVETRAN sql server' }),
    (e: ConfigError) => e.field === 'name' && /already a saved session/.test(e.problem),
  );
  await assert.rejects(
    () => store.add({ ...SESSION, name: 'x', forwards: [{ type: 'remote', bindPort: 70000, targetHost: 'h', targetPort: 1 }] }),
    (e: ConfigError) => e.field === 'session.forwards[0].bindPort',
  );
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('ids made from names stay unique', async () => {
  const store = ConfigStore.open(path.join(tempDir(), 'config.json'));
  await store.add({ ...SESSION, name: 'db' });
  await store.update({ ...store.find('db')!, name: 'renamed' });
  assert.equal((await store.add({ ...SESSION, name: 'DB' })).id, 'db-2');
  assert.equal(store.find('db')?.name, 'renamed', 'an id wins over a name');
  assert.equal(store.find('DB')?.id, 'db-2');
  assert.equal(store.find('Renamed')?.id, 'db');
});

test('a hand-broken file is kept aside, the user is told the line and column, and nothing is written', async () => {
  const file = path.join(tempDir(), 'config.json');
  const broken = '{\n  "version": 2,\n  "sessions": [],\n}\n';
  writeFileSync(file, broken, { mode: 0o600 });
  const store = ConfigStore.open(file);
  let backup = '';
  assert.throws(
    () => store.sessions(),
    (e: unknown) => {
      assert.ok(e instanceof ConfigFileBrokenError);
      assert.match(e.message, /line 4, column 1/);
      assert.match(e.message, new RegExp(`kept at ${e.backup.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      backup = e.backup;
      return true;
    },
  );
  assert.equal(readFileSync(backup, 'utf8'), broken);
  assert.equal(statSync(backup).mode & 0o777, 0o600);
  await assert.rejects(() => store.add(SESSION), ConfigFileBrokenError);
  assert.equal(readFileSync(file, 'utf8'), broken, 'the broken file is not overwritten');
  assert.throws(() => store.sessions(), ConfigFileBrokenError);
  assert.equal(readdirSync(path.dirname(file)).filter((f) => f.includes('.broken-')).length, 1, 'one copy however often it is read');

  assert.equal(store.startFresh(), backup);
  assert.deepEqual(store.sessions(), []);
  await store.add(SESSION);
  assert.equal(readFileSync(backup, 'utf8'), broken);
});

test('a file that is valid JSON but not a valid config names the field', () => {
  const file = path.join(tempDir(), 'config.json');
  writeFileSync(file, JSON.stringify({ version: 2, sessions: [{ ...SESSION, autoStart: true }] }));
  assert.throws(
    () => ConfigStore.open(file).sessions(),
    (e: ConfigError) => e.field.endsWith('sessions[0].autoStart') && /Did you mean "autostart"/.test(e.fix),
  );
  writeFileSync(file, '');
  assert.throws(
    () => ConfigStore.open(file).sessions(),
    (e: ConfigError) => /is empty/.test(e.problem),
  );
});

test('a file from a newer Burrow is refused and left alone', async () => {
  const file = path.join(tempDir(), 'config.json');
  const text = JSON.stringify({ version: CONFIG_VERSION + 1, sessions: [] });
  writeFileSync(file, text);
  await assert.rejects(
    () => ConfigStore.open(file).add(SESSION),
    (e: ConfigError) => /newer Burrow/.test(e.problem),
  );
  assert.equal(readFileSync(file, 'utf8'), text);
});

test('loadConfigFile reads hand-written files and names the file in its errors', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'tunnels.json');
  writeFileSync(file, JSON.stringify({ sessions: [SESSION] }));
  const config = await loadConfigFile(file);
  assert.equal(config.sessions[0]!.id, 'Fivetran SQL Server', 'a hand-written session without id is known by its name');
  writeFileSync(file, '{"sessions": [ {"name": "x" ]}');
  await assert.rejects(loadConfigFile(file), (e: ConfigError) => e.field.startsWith(`${file}: (file) line 1, column 29`));
  await assert.rejects(
    loadConfigFile(path.join(dir, 'none.json')),
    (e: ConfigError) => e.field === path.join(dir, 'none.json') && /does not exist/.test(e.problem),
  );
  assert.deepEqual(readdirSync(dir), ['tunnels.json'], 'reading never writes or copies');
});

test("the CLI's reader and the app's (electron-store, built on conf) read the same files the same way", async () => {
  const dir = tempDir();
  const file = path.join(dir, 'config.json');
  // conf hands the document over as an object without a prototype; the properties are what counts.
  const viaConf = (f: string): unknown => {
    const doc = confBackend(f, (o) => new Conf(o)).read();
    return doc === undefined ? undefined : { ...(doc as object) };
  };
  // No file yet: nothing, from both, and neither makes one.
  assert.equal(fileBackend(file).read(), undefined);
  assert.equal(viaConf(file), undefined);
  assert.equal(existsSync(file), false);
  const store = ConfigStore.open(file);
  await store.add(SESSION);
  await store.add({ ...SESSION, name: 'Holistics — ünïcödé "quoted"', forwards: [{ type: 'remote', bindPort: 50022, targetHost: 'db', targetPort: 5432 }] });
  assert.deepEqual(fileBackend(file).read(), viaConf(file));
  assert.equal((fileBackend(file).read() as { sessions: unknown[] }).sessions.length, 2);
  // A file edited by hand, with a byte-order mark, and one that is broken: the same document, the same error.
  const bom = path.join(dir, 'bom.json');
  writeFileSync(bom, `\ufeff${readFileSync(file, 'utf8')}`);
  assert.deepEqual(fileBackend(bom).read(), viaConf(bom));
  const broken = path.join(dir, 'broken.json');
  writeFileSync(broken, '{"version": 5, "sessions": [');
  const errorOf = (read: () => unknown): unknown => {
    try {
      read();
    } catch (err) {
      return err instanceof ConfigError ? { field: err.field, problem: err.problem, fix: err.fix } : err;
    }
    return 'no error';
  };
  const fromFile = errorOf(() => fileBackend(broken).read());
  assert.ok(fromFile && typeof fromFile === 'object' && 'problem' in fromFile, `a ConfigError: ${String(fromFile)}`);
  assert.deepEqual(
    fromFile,
    errorOf(() => viaConf(broken)),
  );
});

test('the default store is where conf puts the project "burrow", and --config / BURROW_CONFIG override it', () => {
  const xdg = tempDir();
  const saved = process.env.XDG_CONFIG_HOME;
  process.env.XDG_CONFIG_HOME = xdg;
  try {
    const conf = new Conf({ projectName: 'burrow', projectSuffix: '' });
    assert.equal(defaultConfigPath(process.env, 'linux'), conf.path);
  } finally {
    if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = saved;
  }
  assert.equal(defaultConfigPath({ APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32'), 'C:\\Users\\me\\AppData\\Roaming\\burrow\\Config\\config.json');
  assert.equal(defaultConfigPath({}, 'darwin', '/Users/me'), '/Users/me/Library/Preferences/burrow/config.json');
  assert.equal(resolveConfigPath(undefined, { BURROW_CONFIG: '/tmp/b.json' }), '/tmp/b.json');
  assert.equal(resolveConfigPath('/tmp/flag.json', { BURROW_CONFIG: '/tmp/b.json' }), '/tmp/flag.json');
});

test('kill -9 during repeated saves never leaves a corrupt or missing file', async () => {
  const file = path.join(tempDir(), 'config.json');
  const loop = path.join(path.dirname(fileURLToPath(import.meta.url)), 'save-loop.js');
  let kills = 0;
  for (let i = 0; i < 8; i++) {
    const child = spawn(process.execPath, [loop, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`save loop exited early (${code})`)));
    });
    // Different moments of the write cycle: right away, then a few milliseconds apart.
    await new Promise((r) => setTimeout(r, i * 7));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    kills++;
    const sessions = ConfigStore.open(file).sessions();
    assert.ok(sessions.length <= 1, `file after kill ${kills} holds ${sessions.length} sessions`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // The next child starts from a store that may still hold the killed round's session.
    for (const s of sessions) await ConfigStore.open(file).remove(s.id);
  }
  assert.equal(kills, 8);
});

test("two processes adding sessions to one store at the same time lose none of each other's changes", async () => {
  const file = path.join(tempDir(), 'config.json');
  const loop = path.join(path.dirname(fileURLToPath(import.meta.url)), 'save-loop.js');
  const N = 120;
  const runs = ['app', 'cli'].map((prefix) => {
    const child = spawn(process.execPath, [loop, file, 'add', prefix, String(N)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    return new Promise<void>((resolve, reject) =>
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${prefix} exited ${code}: ${err}`)))),
    );
  });
  await Promise.all(runs);
  const names = new Set(
    ConfigStore.open(file)
      .sessions()
      .map((s) => s.name),
  );
  const missing = ['app', 'cli'].flatMap((p) => Array.from({ length: N }, (_, i) => `${p}-${i}`)).filter((n) => !names.has(n));
  assert.deepEqual(missing, [], `${missing.length} changes were lost`);
  assert.equal(names.size, 2 * N);
  assert.equal(existsSync(`${file}.lock`), false, 'no lock is left behind');
});

test('a lock left by a process that died mid-change is taken over', async () => {
  const file = path.join(tempDir(), 'config.json');
  // A pid that is not running (pid_max on Linux is at most 2^22).
  writeFileSync(`${file}.lock`, '4194305\n');
  await ConfigStore.open(file).add(SESSION);
  assert.equal(ConfigStore.open(file).sessions().length, 1);
  assert.equal(existsSync(`${file}.lock`), false);
});

test('an empty lock (its writer killed before it wrote its pid) is taken over once it is a few seconds old, not after a 10 s wait', async () => {
  const file = path.join(tempDir(), 'config.json');
  writeFileSync(`${file}.lock`, '');
  const old = new Date(Date.now() - 5_000);
  utimesSync(`${file}.lock`, old, old);
  // And a pid file a killed writer left beside it is cleared away.
  writeFileSync(`${file}.lock.4194305.abc`, '4194305\n');
  const t0 = Date.now();
  await ConfigStore.open(file).add(SESSION);
  assert.ok(Date.now() - t0 < 8_000, `took ${Date.now() - t0} ms (the old way waited 10 s, then failed)`);
  assert.equal(ConfigStore.open(file).sessions().length, 1);
  assert.deepEqual(
    readdirSync(path.dirname(file)).filter((f) => f.includes('.lock')),
    [],
  );
});

test('a version-1 file is read as the current version, and kept for a downgrade when first saved', async () => {
  const file = path.join(tempDir(), 'config.json');
  copyFileSync(fixture('v1.json'), file);
  const original = readFileSync(file, 'utf8');
  const store = ConfigStore.open(file);
  const [fivetran, espresso] = store.sessions();
  assert.equal(fivetran!.keepalive.countMax, 1);
  assert.equal(espresso!.id, 'espresso');
  assert.equal(espresso!.port, 22);
  assert.equal(espresso!.auth.keyId, undefined, 'a key id version 1 ignored is not suddenly used');
  assert.equal(readFileSync(file, 'utf8'), original, 'reading does not migrate the file');

  await store.add(SESSION);
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(doc.version, CONFIG_VERSION);
  assert.equal(doc.sessions.length, 3);
  const kept = readdirSync(path.dirname(file)).filter((f) => f.startsWith('config.json.v1-'));
  assert.equal(kept.length, 1);
  assert.equal(readFileSync(path.join(path.dirname(file), kept[0]!), 'utf8'), original);
});

test('private key material is refused anywhere in a session, so it can never be saved', async () => {
  const file = path.join(tempDir(), 'config.json');
  const store = ConfigStore.open(file);
  const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';
  await assert.rejects(
    () => store.add({ ...SESSION, notes: `key: ${key}` }),
    (e: ConfigError) => e.field === 'session.notes' && /holds a private key/.test(e.problem),
  );
  await assert.rejects(
    () => store.add({ ...SESSION, auth: { identityFiles: [key] } }),
    (e: ConfigError) => e.field === 'session.auth.identityFiles[0]',
  );
  await assert.rejects(() => store.add({ ...SESSION, notes: 'PuTTY-User-Key-File-3: ssh-ed25519' }), ConfigError);
  assert.deepEqual(readdirSync(path.dirname(file)), [], 'nothing was written');
});

test('a store path that cannot be read is named with the OS reason, and no copy is attempted', () => {
  const dir = tempDir();
  const file = path.join(dir, 'config.json');
  mkdirSync(file);
  assert.throws(
    () => ConfigStore.open(file).sessions(),
    (e: ConfigError) => e.field === file && /cannot be read \(EISDIR\)/.test(e.problem),
  );
  assert.deepEqual(readdirSync(dir), ['config.json']);
});

test("two doors on one file (the app and the CLI) see and keep each other's changes", async () => {
  const file = path.join(tempDir(), 'config.json');
  const app = ConfigStore.open(file);
  const cli = ConfigStore.open(file);
  await app.add({ ...SESSION, name: 'from the app' });
  await cli.add({ ...SESSION, name: 'from the cli' });
  await app.remove('from the app');
  assert.deepEqual(
    cli.sessions().map((s) => s.name),
    ['from the cli'],
  );
});

test('temporary files left by an interrupted write are removed once they are old', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'config.json');
  const old = `${file}.tmp-0123456789abcdef`;
  const fresh = `${file}.tmp-fedcba9876543210`;
  writeFileSync(old, '{}');
  writeFileSync(fresh, '{}');
  const past = (Date.now() - 5 * 60_000) / 1000;
  utimesSync(old, past, past);
  await ConfigStore.open(file).add(SESSION);
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'config.json.tmp-fedcba9876543210'], "a fresh one may be another process's write");
});

test('a rekeyLimit is stored as given, and a wrong one is refused naming the field', async () => {
  const file = path.join(tempDir(), 'config.json');
  const store = ConfigStore.open(file);
  await store.add({ ...SESSION, rekeyLimit: { bytes: 1024 ** 3, seconds: 3600 } });
  assert.deepEqual(ConfigStore.open(file).sessions()[0]!.rekeyLimit, { bytes: 1024 ** 3, seconds: 3600 });
  for (const [limit, field] of [
    [{ bytes: 8 }, 'rekeyLimit.bytes'],
    [{ seconds: -1 }, 'rekeyLimit.seconds'],
    [{ minutes: 5 }, 'rekeyLimit.minutes'],
  ] as const) {
    await assert.rejects(
      () => store.add({ ...SESSION, name: 'other', rekeyLimit: limit as never }),
      (e: unknown) => e instanceof ConfigError && e.field.endsWith(field),
      JSON.stringify(limit),
    );
  }
});

test('algorithm lists are stored as written and read back the same; a wrong one is refused naming the field and the fix', async () => {
  const file = path.join(tempDir(), 'config.json');
  const store = ConfigStore.open(file);
  const algorithms = {
    kex: '+diffie-hellman-group14-sha1',
    hostKey: '^ssh-rsa',
    pubkey: 'ssh-ed25519,rsa-sha2-512',
    ciphers: '-chacha20*',
    macs: 'hmac-sha2-256-etm@openssh.com',
  };
  await store.add({ ...SESSION, algorithms });
  assert.deepEqual(ConfigStore.open(file).sessions()[0]!.algorithms, algorithms);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).sessions[0].algorithms, algorithms, 'readable as written in the JSON');
  const cases: Array<[unknown, string, RegExp]> = [
    [{ kex: '+sntrup761x25519-sha512@openssh.com' }, 'algorithms.kex', /not a key exchange method Burrow can use/],
    [{ ciphers: '' }, 'algorithms.ciphers', /non-empty string/],
    [{ macs: ['hmac-sha1'] }, 'algorithms.macs', /non-empty string/],
    [{ hostkey: '+ssh-rsa' }, 'algorithms.hostkey', /not a setting/],
    ['+ssh-rsa', 'algorithms', /must be an object/],
  ];
  assert.equal(cases.length, 5);
  for (const [value, field, problem] of cases) {
    await assert.rejects(
      () => store.add({ ...SESSION, name: 'other', algorithms: value as never }),
      (e: unknown) => e instanceof ConfigError && e.field.endsWith(field) && problem.test(e.problem) && e.fix.length > 10,
      JSON.stringify(value),
    );
  }
});

test('a local forward on port 0 (a free port picked when it opens) is a valid setting', async () => {
  const store = ConfigStore.open(path.join(tempDir(), 'config.json'));
  const s = await store.add({
    ...SESSION,
    forwards: [
      { type: 'local', bindPort: 0, targetHost: 'db', targetPort: 5432 },
      { type: 'local-dynamic', bindPort: 0 },
    ],
  });
  assert.deepEqual(
    s.forwards.map((f) => f.bindPort),
    [0, 0],
  );
});
