/**
 * `npm start` where Electron cannot start (no display, as on this machine and CI): it says why in
 * one line and serves the same window in browser mode, which answers on its address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { cleanEnv } from '../helpers/cli.js';
import { tempDir } from '../core/config/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) =>
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject),
  );
}

for (const [what, caseEnv, reason] of [
  [
    'no display',
    { DISPLAY: '', WAYLAND_DISPLAY: '' },
    /^Burrow: the desktop app cannot start: there is no display here \(\$DISPLAY and \$WAYLAND_DISPLAY are unset\)\. Running the browser mode instead/,
  ],
  ['BURROW_START=web', { BURROW_START: 'web', DISPLAY: ':0' }, /^Burrow: browser mode \(BURROW_START=web\)/],
] as const) {
  test(`npm start with ${what}: one line says so, then the browser mode serves the window`, async () => {
    const dir = tempDir();
    // cleanEnv drops every BURROW_* of this process; the case's own are added back.
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs')], {
      env: cleanEnv({ HOME: dir, BURROW_CONFIG: path.join(dir, 'cfg', 'config.json'), ...caseEnv }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address: ${out} ${err}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        });
      });
      assert.match(err, reason);
      assert.equal(err.split('\n')[0]!.length > 0 && err.indexOf('\n') === err.split('\n')[0]!.length, true, 'the reason is one line');
      // The page loads; its WebSocket trades the token (from the address's fragment) for a session.
      const page = await get(new URL('/', url).toString());
      assert.equal(page.status, 200);
      assert.match(page.body, /<title>Burrow<\/title>/);
      const token = new URL(url).hash.slice('#token='.length);
      const origin = new URL(url).origin;
      const ws = new WebSocket(`${origin.replace('http', 'ws')}/bridge`, { headers: { origin } });
      const first = await new Promise<string>((resolve, reject) => {
        ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', token })));
        ws.once('message', (d) => resolve(d.toString()));
        ws.once('error', reject);
      });
      ws.close();
      assert.equal((JSON.parse(first) as { type: string }).type, 'welcome');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
}
