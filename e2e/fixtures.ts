/**
 * What every browser-mode test gets: its own `burrow web` with its own temporary HOME and config
 * folder, a page that opened its address, and a record of every message Burrow sent that page
 * (scanned after the test for secrets the test planted). The sshd and PostgreSQL are real and
 * shared by the tests of a worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import { Sshd } from '../test/helpers/sshd.js';
import { Postgres } from '../test/helpers/postgres.js';
import { cleanEnv } from '../test/helpers/cli.js';

const BURROW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../main/cli/burrow.js');

export interface BurrowWeb {
  readonly url: string;
  readonly dir: string;
  readonly home: string;
  readonly config: string;
  /** Every message Burrow sent to a page (replies and events), as text. */
  readonly received: string[];
  /** Strings that must never appear in `received` (private key lines, passphrases). */
  readonly secrets: string[];
  /** Runs the `burrow` CLI on this test's store and HOME. */
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function startWeb(dir: string): Promise<{ child: ChildProcess; url: string; home: string; config: string }> {
  const home = path.join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const config = path.join(dir, 'config', 'config.json');
  const child = spawn(process.execPath, [BURROW, 'web', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv({ HOME: home }) });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`burrow web printed no address: ${out} ${err}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`burrow web exited ${code}: ${err}`)); });
  });
  return { child, url, home, config };
}

export const test = base.extend<{ burrow: BurrowWeb }, { sshd: Sshd; pg: Postgres }>({
  sshd: [async ({}, use) => {
    const sshd = await Sshd.start();
    await use(sshd);
    await sshd.dispose();
  }, { scope: 'worker' }],
  pg: [async ({}, use) => {
    const pg = await Postgres.start();
    await use(pg);
    await pg.stop();
  }, { scope: 'worker' }],
  burrow: async ({ page }, use) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'burrow-e2e-'));
    const web = await startWeb(dir);
    const received: string[] = [];
    const secrets: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(String(f.payload))));
    const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolve) => {
      const c = spawn(process.execPath, [BURROW, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv({ HOME: web.home, BURROW_CONFIG: web.config }) });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      c.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    await page.goto(web.url);
    await use({ url: web.url, dir, home: web.home, config: web.config, received, secrets, cli });
    // Private keys and passphrases may go in; nothing Burrow sent the page may hold one.
    expect(received.length, 'the page talked to Burrow').toBeGreaterThan(0);
    for (const s of secrets) {
      const leak = received.find((m) => m.includes(s));
      expect(leak, `a secret reached the page: ${s.slice(0, 12)}…`).toBeUndefined();
    }
    web.child.kill('SIGTERM');
    await new Promise((r) => web.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  },
});

export { expect };

/** Waits until the page shows a tunnel's state word. */
export async function expectState(page: Page, name: string, word: RegExp): Promise<void> {
  await expect(page.getByRole('listitem').filter({ has: page.getByRole('link', { name, exact: true }) }).locator('.status')).toHaveText(word, { timeout: 30_000 });
}
