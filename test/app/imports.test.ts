/**
 * Imports through the contract (issue: "the doors under attack", 4 and 9): previews nobody
 * applies do not pile up in memory, a large file arrives in pieces, and input over the limits —
 * a NUL byte, an over-long line, a file too large — is refused naming the limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { BurrowApp } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { puttyExport } from '../helpers/bulk-inputs.js';
import { tempDir } from '../core/config/fixtures.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

async function appIn(dir: string): Promise<BurrowApp> {
  const app = new BurrowApp({
    store: ConfigStore.open(path.join(dir, 'config.json')),
    secrets: new FileSecretStore(path.join(dir, 'secrets')),
    mode: 'web',
    exporter: { offer: async () => ({}) },
  });
  await app.start();
  return app;
}

test('40 previews of a 1 MB PuTTY export that nobody applies: memory stays bounded (the oldest are dropped), the newest still applies', async () => {
  const app = await appIn(tempDir());
  try {
    const reg = puttyExport(500, 'utf8');
    assert.ok(reg.length > 900_000, `${reg.length} bytes`);
    const text = reg.toString('utf8');
    const before = heapMiB();
    let last = '';
    for (let i = 0; i < 40; i++) {
      const r = await app.call('import:preview', { text });
      assert.ok(r.ok, JSON.stringify(r));
      last = (r.value as { previewId: string }).previewId;
    }
    const after = heapMiB();
    console.log(`# heap before ${before.toFixed(1)} MiB, after 40 previews ${after.toFixed(1)} MiB`);
    assert.ok(after - before < 40, `the heap grew by ${(after - before).toFixed(1)} MiB`);
    const applied = await app.call('import:apply', { previewId: last });
    assert.ok(applied.ok, JSON.stringify(applied));
    assert.equal((applied.value as { savedCount: number }).savedCount, 500);
  } finally {
    await app.close();
  }
});

test('a file sent in pieces is previewed whole; pieces beyond the import limit are refused naming it', async () => {
  const app = await appIn(tempDir());
  try {
    const reg = puttyExport(1000);
    let uploadId: string | undefined;
    for (let at = 0; at < reg.length; at += 1024 * 1024) {
      const u = await app.call('import:upload', { ...(uploadId ? { uploadId } : {}), base64: reg.subarray(at, at + 1024 * 1024).toString('base64') });
      assert.ok(u.ok, JSON.stringify(u));
      uploadId = (u.value as { uploadId: string }).uploadId;
    }
    const p = await app.call('import:preview', { upload: { name: 'putty.reg', uploadId: uploadId! } });
    assert.ok(p.ok, JSON.stringify(p));
    const preview = p.value;
    assert.deepEqual(
      [preview.sessionCount, preview.sessions.length, preview.tookCount, preview.took.length],
      [1000, 200, 1000, 200],
      'a sample, and the counts',
    );
    const again = await app.call('import:preview', { upload: { name: 'putty.reg', uploadId: uploadId! } });
    assert.ok(!again.ok);
    assert.equal(again.error.code, 'NOT_FOUND', 'an upload is read once');
    const piece = Buffer.alloc(1024 * 1024, 'a').toString('base64');
    let big: string | undefined;
    let refused: { code: string; message: string } | undefined;
    for (let i = 0; i < 70 && !refused; i++) {
      const u = await app.call('import:upload', { ...(big ? { uploadId: big } : {}), base64: piece });
      if (u.ok) big = (u.value as { uploadId: string }).uploadId;
      else refused = u.error;
    }
    assert.match(refused!.message, /^the file is larger than the 64 MiB Burrow imports at once$/);
    const tooBig = await app.call('import:upload', { base64: Buffer.alloc(2 * 1024 * 1024).toString('base64') });
    assert.ok(!tooBig.ok);
    assert.match(tooBig.error.message, /base64 is larger than 1 MiB: send the file in pieces/);
  } finally {
    await app.close();
  }
});

test('a NUL byte and an over-long line are refused where they are, naming the limit; nothing is saved', async () => {
  const app = await appIn(tempDir());
  try {
    const nul = await app.call('import:preview', { text: 'ssh -N -R 11433:db:1433 -i keys/x\0y u@h' });
    assert.ok(!nul.ok);
    assert.equal(nul.error.code, 'INVALID_INPUT');
    assert.match(nul.error.message, /^\(input\): line 1 holds a NUL byte/);
    const long = await app.call('import:preview', { text: `ssh -N ${'-R 1:a:1 '.repeat(10_000)} u@h` });
    assert.ok(!long.ok);
    assert.match(long.error.message, /line 1 is 90,\d{3} characters long, more than the 65,536 Burrow reads in one line/);
    const list = await app.call('sessions:list', {});
    assert.deepEqual(list.ok && list.value, []);
  } finally {
    await app.close();
  }
});

test('an imported ProxyCommand is shown in full and saved only when a person agrees to run it; a proxy Burrow speaks itself needs no such agreement', async () => {
  const dir = tempDir();
  const app = await appIn(dir);
  try {
    const command = "ssh -N -R 15432:localhost:5432 -o ProxyCommand='/opt/corp/tunnel-helper --via gw1 %h %p' tunnel@db.example.com";
    const p = await app.call('import:preview', { text: command });
    assert.ok(p.ok, JSON.stringify(p));
    assert.deepEqual(p.value.commands, [{ session: p.value.sessions[0]!.name, command: '/opt/corp/tunnel-helper --via gw1 %h %p' }]);
    const unasked = await app.call('import:apply', { previewId: p.value.previewId });
    assert.ok(!unasked.ok);
    assert.equal(unasked.error.code, 'INVALID_INPUT');
    assert.equal(unasked.error.field, 'runCommands');
    assert.match(unasked.error.message, /would run `\/opt\/corp\/tunnel-helper --via gw1 %h %p` on this machine at every connection$/);
    const list = await app.call('sessions:list', {});
    assert.ok(list.ok && list.value.length === 0, 'nothing was saved');
    const agreed = await app.call('import:apply', { previewId: p.value.previewId, runCommands: true });
    assert.ok(agreed.ok, JSON.stringify(agreed));
    assert.deepEqual(agreed.value.saved[0]!.proxy, { type: 'command', command: '/opt/corp/tunnel-helper --via gw1 %h %p' });

    const http = await app.call('import:preview', {
      text: "ssh -N -R 15433:localhost:5432 -o ProxyCommand='nc -X connect -x proxy.corp:3128 %h %p' tunnel@db2.example.com",
    });
    assert.ok(http.ok);
    assert.deepEqual(http.value.commands, []);
    const saved = await app.call('import:apply', { previewId: http.value.previewId });
    assert.ok(saved.ok, JSON.stringify(saved));
    assert.deepEqual(saved.value.saved[0]!.proxy, { type: 'http', host: 'proxy.corp', port: 3128 });
  } finally {
    await app.close();
  }
});
