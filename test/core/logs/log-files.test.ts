/** Each session's log on disk (main/core/logs/log-files.ts): kept across a restart, rotated, capped, redacted, private. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import type { LogLine } from '../../../common/contract.js';
import { LogFiles, redact } from '../../../main/core/logs/log-files.js';
import { tempDir } from '../config/fixtures.js';

const line = (message: string, level: LogLine['level'] = 'info'): LogLine => ({ ts: new Date().toISOString(), level, message });

test('a log written by one run is read by the next, oldest first, in a 0600 file of a 0700 folder', async () => {
  const folder = path.join(tempDir(), 'logs');
  const first = new LogFiles(folder);
  for (let i = 0; i < 5; i++) first.append('fivetran', line(`run 1 line ${i}`));
  await first.close();
  const second = new LogFiles(folder);
  second.append('fivetran', line('run 2 line 0'));
  const lines = await second.read('fivetran', 500);
  assert.deepEqual(
    lines.map((l) => l.message),
    ['run 1 line 0', 'run 1 line 1', 'run 1 line 2', 'run 1 line 3', 'run 1 line 4', 'run 2 line 0'],
  );
  assert.equal(statSync(folder).mode & 0o777, 0o700);
  for (const f of readdirSync(folder)) assert.equal(statSync(path.join(folder, f)).mode & 0o777, 0o600, f);
  assert.deepEqual(await second.read('another', 500), [], 'a session with no log has none');
  await second.close();
});

test('sessions with ids that differ only in case or in characters a file name cannot hold keep their own logs', async () => {
  const logs = new LogFiles(path.join(tempDir(), 'logs'));
  logs.append('Prod/DB', line('upper'));
  logs.append('prod/db', line('lower'));
  logs.append('prod:db', line('colon'));
  assert.deepEqual(
    (await logs.read('Prod/DB', 10)).map((l) => l.message),
    ['upper'],
  );
  assert.deepEqual(
    (await logs.read('prod/db', 10)).map((l) => l.message),
    ['lower'],
  );
  assert.deepEqual(
    (await logs.read('prod:db', 10)).map((l) => l.message),
    ['colon'],
  );
  await logs.close();
});

test('a file is rotated by size, keeping the newest lines; the folder stays under its cap, the oldest files going first', async () => {
  const folder = path.join(tempDir(), 'logs');
  const logs = new LogFiles(folder, { fileBytes: 4096, totalBytes: 20_000, flushMs: 1 });
  for (let i = 0; i < 400; i++) {
    logs.append('busy', line(`busy line ${i} ${'x'.repeat(40)}`));
    if (i % 20 === 19) await logs.flush();
  }
  await logs.flush();
  const names = readdirSync(folder);
  assert.ok(
    names.some((n) => n.endsWith('.log.1')),
    names.join(', '),
  );
  const kept = await logs.read('busy', 1000);
  assert.equal(kept.at(-1)!.message.split(' ')[2], '399', 'the newest line is kept');
  assert.ok(kept.length < 400 && kept.length >= 20, `${kept.length} lines kept (this file and the one before)`);
  // Many sessions: the total stays under the cap.
  for (let s = 0; s < 30; s++) {
    for (let i = 0; i < 30; i++) logs.append(`session-${s}`, line(`line ${i} ${'y'.repeat(60)}`));
    await logs.flush();
  }
  const total = readdirSync(folder).reduce((n, f) => n + statSync(path.join(folder, f)).size, 0);
  assert.ok(total <= 20_000 + 4096, `${total} bytes in the folder`);
  assert.ok((await logs.read('session-29', 100)).length > 0, 'the newest session kept its log');
  await logs.close();
});

test('lines are redacted before they are written: private keys, -pw and password=', async () => {
  assert.equal(redact('plink -pw hunter2 -R 1:a:2 u@h'), 'plink -pw [removed] -R 1:a:2 u@h');
  assert.equal(redact('url password=s3cr3t&x=1 next'), 'url password=[removed] next');
  assert.equal(redact('passphrase: "two words"'), 'passphrase: [removed]');
  assert.equal(redact('key -----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY----- done'), 'key [private key removed] done');
  assert.equal(redact('listening on port 11433'), 'listening on port 11433');
  const folder = path.join(tempDir(), 'logs');
  const logs = new LogFiles(folder);
  logs.append('s', line('ssh -pw hunter2 host'));
  await logs.close();
  const text = readdirSync(folder)
    .map((f) => readFileSync(path.join(folder, f), 'utf8'))
    .join('');
  assert.ok(!text.includes('hunter2'), text);
});

test('a line cut by a crash is skipped; the lines around it are read', async () => {
  const folder = path.join(tempDir(), 'logs');
  const logs = new LogFiles(folder);
  logs.append('s', line('before'));
  await logs.flush();
  const file = path.join(folder, readdirSync(folder)[0]!);
  appendFileSync(file, '{"ts":"2026-12-06T00:00:00.000Z","level":"info","mess');
  appendFileSync(file, '\n');
  logs.append('s', line('after'));
  assert.deepEqual(
    (await logs.read('s', 10)).map((l) => l.message),
    ['before', 'after'],
  );
  writeFileSync(file, 'not json at all\n');
  assert.deepEqual(await logs.read('s', 10), []);
  await logs.close();
});

test("a removed session's log is removed with it", async () => {
  const folder = path.join(tempDir(), 'logs');
  const logs = new LogFiles(folder);
  logs.append('gone', line('a'));
  logs.append('kept', line('b'));
  await logs.flush();
  await logs.remove('gone');
  assert.deepEqual(await logs.read('gone', 10), []);
  assert.equal(readdirSync(folder).length, 1);
  await logs.close();
});
