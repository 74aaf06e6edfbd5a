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
import { cleanEnv } from '../helpers/cli.js';
import { tempDir } from '../core/config/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function get(url: string, cookie?: string): Promise<{ status: number; cookie?: string; body: string }> {
  return new Promise((resolve, reject) => http.get(url, { headers: cookie ? { cookie } : {} }, (res) => {
    let body = '';
    res.on('data', (d: Buffer) => { body += d.toString(); });
    res.on('end', () => resolve({ status: res.statusCode!, body, ...(res.headers['set-cookie'] ? { cookie: res.headers['set-cookie'][0]!.split(';')[0]! } : {}) }));
  }).on('error', reject));
}

for (const [what, caseEnv, reason] of [
  ['no display', { DISPLAY: '', WAYLAND_DISPLAY: '' }, /^Burrow: the desktop app cannot start: there is no display here \(\$DISPLAY and \$WAYLAND_DISPLAY are unset\)\. Running the browser mode instead/],
  ['BURROW_START=web', { BURROW_START: 'web', DISPLAY: ':0' }, /^Burrow: browser mode \(BURROW_START=web\)/],
] as const) {
  test(`npm start with ${what}: one line says so, then the browser mode serves the window`, async () => {
    const dir = tempDir();
    // cleanEnv drops every BURROW_* of this process; the case's own are added back.
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs')], { env: cleanEnv({ HOME: dir, BURROW_CONFIG: path.join(dir, 'cfg', 'config.json'), ...caseEnv }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address: ${out} ${err}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
          if (m) { clearTimeout(timer); resolve(m[0]); }
        });
      });
      assert.match(err, reason);
      assert.equal(err.split('\n')[0]!.length > 0 && err.indexOf('\n') === err.split('\n')[0]!.length, true, 'the reason is one line');
      // The token is traded for a cookie (303), with which the window loads.
      const first = await get(url);
      assert.equal(first.status, 303);
      const page = await get(new URL('/', url).toString(), first.cookie);
      assert.equal(page.status, 200);
      assert.match(page.body, /<title>Burrow<\/title>/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
}
