/**
 * The app layer (main/app), request by request: every request of the contract is called here on
 * a BurrowApp over a temporary store, against a real sshd where it needs a server, and the last
 * test checks that none was left out. The doors (IPC, web bridge, control channel, command line)
 * have their own tests of what they carry; this is what they carry it to.
 */
import { possessive } from '../../common/words.js';
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REQUEST_NAMES } from '../../common/api.js';
import type { Events, EventName, Question, RequestArgs, RequestName, Replies } from '../../common/contract.js';
import { BurrowApp } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { LogFiles } from '../../main/core/logs/log-files.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { tempDir } from '../core/config/fixtures.js';
import { echoServer, freePort, roundTrip, waitFor } from '../helpers/net.js';
import { loopbackRemote } from '../helpers/session.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';

const called = new Set<string>();

describe('every request of the contract, on the app', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let dir: string;
  let app: BurrowApp;
  const offered: Array<{ fileName: string; bytes: number }> = [];
  const events: Array<{ name: EventName; payload: unknown }> = [];

  /** A request that must succeed: its reply. */
  async function ok<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<Replies[K]> {
    called.add(name);
    const r = await app.call(name, args);
    assert.ok(r.ok, `${name}: ${JSON.stringify(!r.ok && r.error)}`);
    return r.value;
  }
  /** A request that must be refused: its error. */
  async function refused<K extends RequestName>(name: K, args: RequestArgs<K>) {
    called.add(name);
    const r = await app.call(name, args);
    assert.ok(!r.ok, `${name} was not refused`);
    return r.error;
  }
  const seen = <E extends EventName>(name: E): Array<Events[E]> => events.filter((e) => e.name === name).map((e) => e.payload as Events[E]);

  function session(name: string, remotePort: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      name,
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      auth: { identityFiles: [sshd.clientKeyPath] },
      hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
      forwards: [loopbackRemote(remotePort, echo.port)],
      ...extra,
    };
  }

  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
    dir = tempDir();
    app = new BurrowApp({
      store: ConfigStore.open(path.join(dir, 'config.json')),
      secrets: new FileSecretStore(path.join(dir, 'secrets')),
      mode: 'web',
      home: path.join(dir, 'home'),
      logFiles: new LogFiles(path.join(dir, 'logs')),
      exporter: {
        offer: async (fileName, data) => {
          offered.push({ fileName, bytes: Buffer.byteLength(data) });
          return { downloadUrl: `/download/${fileName}` };
        },
      },
    });
    await app.start();
    app.attach((name, payload) => events.push({ name, payload }));
  });
  after(async () => {
    await app?.close();
    await echo?.close();
    await sshd?.dispose();
  });

  test('app:info, settings:get and settings:set (a setting the door cannot change is refused, naming why)', async () => {
    const info = await ok('app:info', {});
    assert.equal(info.mode, 'web');
    assert.equal(info.configPath, path.join(dir, 'config.json'));
    assert.equal((await ok('settings:get', {})).theme, 'system');
    assert.equal((await ok('settings:set', { theme: 'dark' })).theme, 'dark');
    assert.equal(seen('settings:changed').at(-1)!.theme, 'dark');
    const e = await refused('settings:set', { launchAtLogin: true });
    assert.equal(e.code, 'UNSUPPORTED');
    assert.equal(e.field, 'launchAtLogin');
  });

  test('sessions:create, get, list, update (with its version), edit, next-steps and remove; names and ids both name a session', async () => {
    const created = await ok('sessions:create', { config: session('Warehouse', await freePort()) });
    assert.equal(created.session.id, 'warehouse');
    const refusedCreate = await refused('sessions:create', { config: { ...session('bad', 0), port: 70000, user: 'u:pw' } });
    assert.equal(refusedCreate.code, 'INVALID_INPUT');
    assert.deepEqual(
      refusedCreate.problems?.map((p) => p.field),
      ['session.port', 'session.user'],
      'every problem at once',
    );
    const got = await ok('sessions:get', { id: 'WAREHOUSE' });
    assert.equal(got.config.id, 'warehouse');
    assert.equal((await ok('sessions:list', {})).length, 1);
    const updated = await ok('sessions:update', { config: { ...got.config, notes: 'from the test' }, version: got.version });
    assert.equal(updated.session.notes, 'from the test');
    assert.equal((await refused('sessions:update', { config: { ...got.config, notes: 'stale' }, version: got.version })).code, 'CONFLICT');
    const edited = await ok('sessions:edit', {
      id: 'Warehouse',
      patch: { keepalive: { intervalSeconds: 30 } },
      forwards: { add: ['-L 0:db:5432'] },
      rekeyLimit: '1G 1h',
    });
    assert.deepEqual(
      edited.changes.map((c) => c.split(':')[0]),
      ['keepalive.intervalSeconds', 'forwards', 'rekeyLimit.bytes', 'rekeyLimit.seconds'],
    );
    assert.equal(edited.saved.session.forwards.length, 2);
    const badEdit = await refused('sessions:edit', { id: 'warehouse', forwards: { remove: ['-R 9:h:9'] } });
    assert.equal(badEdit.field, 'forwards.remove');
    assert.equal((await refused('sessions:edit', { id: 'nobody', patch: { notes: 'x' } })).code, 'NOT_FOUND');
    // A session without a proxy user has no proxy password to keep (test/app/proxy-password.test.ts covers one with).
    assert.deepEqual(await ok('sessions:proxy-password', { id: 'warehouse' }), {
      stored: false,
      secretName: 'proxy-warehouse',
      environment: 'BURROW_SECRET_PROXY_WAREHOUSE',
    });
    assert.equal((await refused('sessions:proxy-password', { id: 'warehouse', password: 'x' })).code, 'INVALID_INPUT');
    const steps = await ok('sessions:next-steps', { id: 'warehouse' });
    assert.ok(Array.isArray(steps.nextSteps));
    await ok('sessions:create', { config: session('scratch', await freePort()) });
    assert.equal(await ok('sessions:remove', { id: 'Scratch' }), null);
    assert.deepEqual(
      seen('sessions:removed').map((r) => r.id),
      ['scratch'],
    );
  });

  test('sessions:start, stop, retry, start-all, stop-all and nudge-all run real tunnels; logs:get shows their log', async () => {
    const port = await freePort();
    await ok('sessions:create', { config: session('live', port) });
    await ok('sessions:start', { id: 'live' });
    const deadline = Date.now() + 15_000;
    while ((await ok('sessions:get', { id: 'live' })) && Date.now() < deadline) {
      const view = (await ok('sessions:list', {})).find((v) => v.config.id === 'live')!;
      if (view.snapshot.state === 'connected') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await roundTrip(port, 'through')).toString(), 'through');
    assert.equal(await ok('sessions:nudge-all', {}), null);
    // "Restart": the connected session reconnects and carries data again; a stopped one starts.
    assert.notEqual((await ok('sessions:retry', { id: 'Live' })).snapshot.state, 'stopped');
    await waitFor(async () => (await roundTrip(port, 'again').catch(() => Buffer.alloc(0))).toString() === 'again', 'live back after the restart');
    assert.equal((await ok('sessions:stop', { id: 'live' })).snapshot.state, 'stopped');
    assert.notEqual((await ok('sessions:retry', { id: 'live' })).snapshot.state, 'stopped');
    assert.equal((await ok('sessions:stop', { id: 'live' })).snapshot.state, 'stopped');
    const all = await ok('sessions:start-all', {});
    assert.ok(all.every((v) => v.snapshot.state !== 'stopped'));
    assert.ok((await ok('sessions:stop-all', {})).every((v) => v.snapshot.state === 'stopped'));
    const log = await ok('logs:get', { id: 'live' });
    assert.ok(
      log.some((l) => l.message === 'state: connected'),
      JSON.stringify(log),
    );
  });

  test('sessions:reload takes a change made to the file by hand; sessions:export carries every session', async () => {
    const file = path.join(dir, 'config.json');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { sessions: Array<Record<string, unknown>> };
    doc.sessions.push(session('by-hand', await freePort(), { id: 'by-hand' }));
    writeFileSync(file, JSON.stringify(doc));
    const diff = await ok('sessions:reload', {});
    assert.deepEqual(diff.added, ['by-hand']);
    const exported = await ok('sessions:export', {});
    assert.equal(exported.sessions, 3);
    assert.equal(exported.withSecrets, false);
    assert.equal((await refused('sessions:export', { withSecrets: true })).field, 'passphrase');
  });

  test('presets:list and presets:create-session: a vendor preset filled in, its remote port the next free one', async () => {
    const presets = await ok('presets:list', {});
    assert.ok(presets.some((p) => p.id === 'fivetran' && p.remotePort.kind === 'database-prefix'));
    // In words a person reads after "Leave empty for …", with a vendor's name in its possessive.
    assert.equal(presets.find((p) => p.id === 'espresso-logic')!.remotePortRule, "23432, the port Espresso Logic's guide uses");
    assert.equal(possessive('Holistics'), "Holistics'");
    const a = await ok('presets:create-session', { presetId: 'fivetran', name: 'sql1', host: '35.230.100.17', targetHost: 'db', database: 'sqlserver' });
    const b = await ok('presets:create-session', { presetId: 'fivetran', name: 'sql2', host: '35.230.100.17', targetHost: 'db', database: 'sqlserver' });
    const ports = [a, b].map((s) => (s.session.forwards[0] as { bindPort: number }).bindPort);
    assert.deepEqual(ports, [11433, 11434]);
    assert.equal(
      (await refused('presets:create-session', { presetId: 'holistics', name: 'h', host: 'h', user: 'u', targetHost: 'db', targetPort: 5432 })).field,
      'remotePort',
    );
  });

  test('commandline:parse reads a vendor command; blanks are named, and whether nothing else is wrong', async () => {
    const parsed = await ok('commandline:parse', { words: ['ssh', '-N', '-R', '11433:db:1433', 'fivetran@35.230.100.17'] });
    assert.equal(parsed.program, 'ssh');
    assert.equal(parsed.session.user, 'fivetran');
    const blanks = await refused('commandline:parse', { words: ['ssh', '-N', '-R', '<SSH_HIGH_PORT>:db:1433', 'u@h'] });
    assert.equal(blanks.cause, 'PLACEHOLDERS');
    assert.deepEqual(blanks.placeholders, ['SSH_HIGH_PORT']);
    assert.equal(blanks.onlyPlaceholders, true);
    const filled = await ok('commandline:parse', { words: ['ssh', '-N', '-R', '<SSH_HIGH_PORT>:db:1433', 'u@h'], values: { '<SSH_HIGH_PORT>': '11433' } });
    assert.equal((filled.session.forwards[0] as { bindPort: number }).bindPort, 11433);
  });

  test('hostkeys:status, check, trust, list, remove and forget: a new server is asked about, trusted when it is still the key shown, forgotten on request', async () => {
    const known = path.join(dir, 'kh');
    await ok('sessions:create', { config: session('newhost', await freePort(), { hostKey: { policy: 'ask', knownHostsFiles: [known] } }) });
    assert.equal((await ok('hostkeys:status', { id: 'newhost' })).known, false);
    const check = await ok('hostkeys:check', { id: 'newhost' });
    assert.equal(check.status.kind, 'unknown');
    assert.equal(check.fingerprint, sshd.hostKeyFingerprint());
    assert.equal((await refused('hostkeys:trust', { id: 'newhost', fingerprint: 'SHA256:' + 'A'.repeat(43) })).code, 'CONFLICT');
    const trusted = await ok('hostkeys:trust', { id: 'newhost', fingerprint: check.fingerprint });
    assert.equal(trusted.file, known);
    assert.equal((await ok('hostkeys:status', { id: 'newhost' })).known, true);
    const again = await ok('hostkeys:check', { config: { ...session('x', 1), hostKey: { policy: 'yes', knownHostsFiles: [known] } } });
    assert.equal(again.status.kind, 'known');
    // The list: that file, its line, the session it is for.
    const listed = (await ok('hostkeys:list', {})).files.find((f) => f.file === known)!;
    assert.deepEqual(
      listed.entries.map((e) => [e.line, e.fingerprint, e.sessions]),
      [[1, check.fingerprint, ['newhost']]],
    );
    // Removing a line: only of a file Burrow reads, and only while it holds the key shown.
    assert.equal((await refused('hostkeys:remove', { file: path.join(dir, 'other'), line: 1, fingerprint: check.fingerprint })).code, 'INVALID_INPUT');
    assert.equal((await refused('hostkeys:remove', { file: known, line: 1, fingerprint: 'SHA256:' + 'B'.repeat(43) })).code, 'CONFLICT');
    assert.deepEqual(await ok('hostkeys:remove', { file: known, line: 1, fingerprint: check.fingerprint }), { file: known, line: 1 });
    assert.equal((await ok('hostkeys:status', { id: 'newhost' })).known, false);
    await ok('hostkeys:trust', { id: 'newhost', fingerprint: check.fingerprint });
    assert.equal((await ok('hostkeys:forget', { id: 'newhost' })).removed, 1);
    assert.equal((await ok('hostkeys:status', { id: 'newhost' })).known, false);
    assert.equal((await refused('hostkeys:check', {})).code, 'INVALID_INPUT');
  });

  test("authorized:list, add and remove: this account's authorized_keys as Burrow sees it; a vendor key is never written for root (test/security/authorize.test.ts writes a vendor account's)", async () => {
    const pub =
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFf5f+iA5G1jOygTFjMXG4fmcEiifjFGdmLl9nvkUxweB9MXNfyM1xrR54MtZBJGRj5N3aapd5V25+/TwTz3/GE= querycanary.com';
    const file = path.join(dir, 'home', '.ssh', 'authorized_keys');
    const empty = await ok('authorized:list', {});
    assert.deepEqual({ ...empty, account: undefined }, { account: undefined, file, exists: false, entries: [], otherKeys: 0 });
    assert.equal((await refused('authorized:list', { account: 'no such user!' })).field, 'account');
    if (process.getuid?.() === 0) {
      const root = await refused('authorized:add', { publicKey: pub, host: 'localhost', port: 5432 });
      assert.deepEqual([root.code, root.field], ['FORBIDDEN', 'account']);
      assert.equal((await refused('authorized:remove', { key: 'querycanary.com' })).code, 'FORBIDDEN');
    } else {
      const added = await ok('authorized:add', { publicKey: pub, host: 'localhost', port: 5432, name: 'QueryCanary' });
      assert.deepEqual(added.entry.opens, ['localhost:5432']);
      assert.equal((await ok('authorized:list', {})).entries.length, 1);
      assert.equal((await ok('authorized:remove', { key: 'QueryCanary' })).entry.fingerprint, added.entry.fingerprint);
    }
    const bad = await refused('authorized:add', { account: 'nobody', publicKey: pub, host: 'db"; rm', port: 5432 });
    assert.ok(['INVALID_INPUT', 'FORBIDDEN'].includes(bad.code), bad.message);
  });

  test('diagnose:run checks a tunnel step by step, each step an event; an unknown host key is a question for the attached window', async () => {
    const report = await ok('diagnose:run', { runId: 'r1', config: session('diag', await freePort()) });
    assert.equal(report.ok, true, JSON.stringify(report.steps));
    assert.ok(seen('diagnose:step').filter((s) => s.runId === 'r1').length >= 5);
    // policy ask and an unknown key: the window is asked (questions:list), and its answer decides.
    const unknown = path.join(dir, 'kh-diag');
    const running = app.call('diagnose:run', {
      runId: 'r2',
      config: session('diag2', await freePort(), { hostKey: { policy: 'ask', knownHostsFiles: [unknown] } }),
    });
    called.add('diagnose:run');
    let q: Question | undefined;
    for (let i = 0; i < 100 && !q; i++) {
      q = (await ok('questions:list', {})).find((x) => x.kind === 'host-key');
      if (!q) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(q, 'the host key was asked about');
    assert.equal(seen('questions:asked').at(-1)!.id, q.id);
    assert.equal(await ok('questions:answer', { id: q.id, accept: true }), null);
    const r = await running;
    assert.ok(r.ok && r.value.ok, JSON.stringify(r));
    assert.ok(existsSync(unknown), 'the accepted key was recorded');
    assert.equal((await refused('questions:answer', { id: 'no-such-question', accept: true })).code, 'NOT_FOUND');
  });

  test('keys:generate, list, get, export, import and delete: a key Burrow holds, its public half shown, the private one only exported', async () => {
    const made = await ok('keys:generate', { opId: 'op1', type: 'ed25519', comment: 'test' });
    assert.match(made.publicKey, /^ssh-ed25519 AAAA\S+ test$/);
    assert.ok(seen('keys:progress').some((p) => p.opId === 'op1' && p.state === 'done'));
    assert.equal((await ok('keys:list', {})).length, 1);
    assert.equal((await ok('keys:get', { id: made.id })).fingerprint, made.fingerprint);
    const exported = await ok('keys:export', { id: made.id, format: 'ppk' });
    assert.match(exported.fileName, /\.ppk$/);
    assert.ok(offered.at(-1)!.bytes > 100);
    const pem = readFileSync(sshd.clientKeyPath, 'utf8');
    const imported = await ok('keys:import', { text: pem });
    assert.equal((await ok('keys:list', {})).length, 2);
    assert.equal(await ok('keys:delete', { id: imported.id }), null);
    assert.equal((await refused('keys:get', { id: imported.id })).code, 'NOT_FOUND');
    assert.equal((await refused('keys:import', { text: 'not a key' })).code, 'KEY_ERROR');

    // Names people can tell apart: a second "test" is "test (2)"; a key without a comment (a PEM
    // as Espresso Logic sends it) is named after its file, and its public line carries that name.
    const again = await ok('keys:generate', { opId: 'op2', type: 'ed25519', comment: 'test' });
    assert.equal(again.comment, 'test (2)');
    assert.match(again.publicKey, /^ssh-ed25519 AAAA\S+ test \(2\)$/);
    const rsa = execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], { encoding: 'utf8' });
    const fromFile = await ok('keys:import', { file: { name: 'espresso_tunnel.pem', base64: Buffer.from(rsa).toString('base64') } });
    assert.equal(fromFile.comment, 'espresso_tunnel');
    assert.match(fromFile.publicKey, /^ssh-rsa AAAA\S+ espresso_tunnel$/);
    assert.match(fromFile.id, /^espresso-tunnel-[0-9a-f]{4}$/);
  });

  test('keyfiles:generate, inspect and convert: key files on this machine, 0600, never over a file unless asked', async () => {
    const file = path.join(dir, 'files', 'id_test');
    mkdirSync(path.dirname(file), { recursive: true });
    const made = await ok('keyfiles:generate', { path: file, type: 'ecdsa', comment: 'c' });
    assert.equal(made.publicPath, `${file}.pub`);
    assert.equal((await ok('keyfiles:inspect', { path: file })).fingerprint, made.fingerprint);
    assert.equal((await refused('keyfiles:generate', { path: file })).code, 'KEY_ERROR');
    const ppk = await ok('keyfiles:convert', { path: file, to: 'ppk', out: `${file}.ppk` });
    assert.equal(ppk.fingerprint, made.fingerprint);
    assert.match(readFileSync(`${file}.ppk`, 'utf8'), /^PuTTY-User-Key-File-3: ecdsa-sha2-nistp256/);
    assert.equal((await refused('keyfiles:generate', { path: path.join(dir, 'files', 'x'), type: 'dsa' })).code, 'KEY_ERROR');
  });

  test("import:upload, preview and apply: a file in pieces, what would be saved, then saved with each session's warnings and next steps", async () => {
    const text = 'Host office\n  HostName 10.0.0.5\n  User tunnel\n  RemoteForward 15433 db:5432\n';
    const half = Buffer.from(text).toString('base64');
    const up = await ok('import:upload', { base64: half });
    const preview = await ok('import:preview', { upload: { name: 'ssh_config', uploadId: up.uploadId } });
    assert.equal(preview.sessionCount, 1);
    const applied = await ok('import:apply', { previewId: preview.previewId });
    assert.equal(applied.savedCount, 1);
    const about = applied.about[applied.saved[0]!.id]!;
    assert.ok(Array.isArray(about.warnings) && Array.isArray(about.nextSteps));
    assert.equal((await refused('import:apply', { previewId: preview.previewId })).code, 'NOT_FOUND');
    assert.equal((await refused('import:upload', { uploadId: 'gone', base64: half })).code, 'NOT_FOUND');
    assert.deepEqual(preview.logins, [{ session: 'office', key: { kind: 'defaults' } }]);

    // A guide's key placeholder: the key named by the preview, whether it can be used, before saving;
    // a chosen key in its place (a file here, or one Burrow holds: keyId).
    const command = 'ssh -nNT -i <private-key-file>.pem -R 23432:db:5432 tunnel@espresso.example.com';
    const typed = await ok('import:preview', { text: command, values: { 'private-key-file': path.join(dir, 'nowhere.pem') } });
    assert.deepEqual(typed.logins[0]!.key, { kind: 'file', path: path.join(dir, 'nowhere.pem'), state: 'missing', problem: 'no such file on this machine' });
    const chosen = await ok('import:preview', { text: command, key: { file: sshd.clientKeyPath } });
    assert.deepEqual(chosen.sessions[0]!.auth.identityFiles, [sshd.clientKeyPath]);
    assert.deepEqual(
      { ...chosen.logins[0]!.key, fingerprint: undefined },
      { kind: 'file', path: sshd.clientKeyPath, state: 'ok', algorithm: 'ssh-ed25519', format: 'openssh', fingerprint: undefined },
    );
    const unknown = await refused('import:preview', { text: command, key: { keyId: 'no-such-key' } });
    assert.deepEqual([unknown.code, unknown.field], ['NOT_FOUND', 'key.keyId']);
  });

  test('service:plan, status, install and uninstall: the unit it would write, written and removed (systemctl and loginctl stood in for)', async () => {
    const home = path.join(dir, 'svc-home');
    const bin = path.join(dir, 'svc-bin');
    mkdirSync(bin, { recursive: true });
    const calls = path.join(dir, 'systemctl-calls');
    for (const tool of ['systemctl', 'loginctl']) {
      writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${calls}'\n`);
      chmodSync(path.join(bin, tool), 0o755);
    }
    const saved = { HOME: process.env.HOME, PATH: process.env.PATH };
    process.env.HOME = home;
    process.env.PATH = `${bin}:${process.env.PATH}`;
    try {
      const plan = await ok('service:plan', { action: 'install', scope: 'user' });
      assert.equal(plan.name, 'burrow.service');
      assert.equal(plan.files[0]!.exists, 'no');
      assert.match(plan.files[0]!.text, /ExecStart=/);
      assert.equal((await ok('service:status', { scope: 'user' })).state, 'not installed');
      const installed = await ok('service:install', { scope: 'user' });
      assert.ok(installed.ok, JSON.stringify(installed.steps));
      assert.equal((await ok('service:status', { scope: 'user' })).state, 'installed');
      assert.match(readFileSync(calls, 'utf8'), /systemctl --user enable --now burrow\.service/);
      const removed = await ok('service:uninstall', { scope: 'user' });
      assert.ok(removed.ok);
      assert.equal((await ok('service:status', { scope: 'user' })).state, 'not installed');
      assert.equal((await refused('service:plan', { action: 'install', scope: 'user', as: 'nobody' })).cause, 'AS_WITH_USER');
    } finally {
      process.env.HOME = saved.HOME;
      process.env.PATH = saved.PATH;
    }
  });

  test("a request Burrow does not know, and arguments of the wrong kind, are refused in the contract's words", async () => {
    const unknown = await app.dispatch('sessions:frobnicate', {});
    assert.ok(!unknown.ok && unknown.error.code === 'INVALID_INPUT');
    const wrong = await app.dispatch('sessions:get', { id: 42 });
    assert.ok(!wrong.ok && wrong.error.field === 'id');
  });
});

test('every request of the contract was called above', { skip: sshdUnavailable() }, () => {
  assert.deepEqual(
    REQUEST_NAMES.filter((n) => !called.has(n)),
    [],
  );
});
