/**
 * What every browser-mode test gets: its own `burrow web` with its own temporary HOME and config
 * folder, a page that opened its address, a record of every message Burrow sent that page
 * (scanned after the test for secrets the test planted), and the page's console (no error, no
 * CSP violation may appear there). The sshd and PostgreSQL are real and shared by the tests of a
 * worker. The service managers it could drive (systemctl, loginctl) are stand-ins on its PATH that
 * record what they were asked: a test of "Start at boot" must not install Burrow on the machine
 * that runs the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import ssh2 from 'ssh2';
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
  /** Every message the page sent Burrow (its requests), as text. */
  readonly sent: string[];
  /** Strings that must never appear in `received` (private key lines, passphrases). */
  readonly secrets: string[];
  /** Errors the page logged (console errors, CSP violations, uncaught exceptions). */
  readonly consoleErrors: string[];
  /** What the stand-in systemctl and loginctl were asked, a command a line. */
  serviceCalls(): string[];
  /** Runs the `burrow` CLI on this test's store and HOME. */
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function startWeb(dir: string): Promise<{ child: ChildProcess; url: string; home: string; config: string; output: () => string }> {
  const home = path.join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const config = path.join(dir, 'config', 'config.json');
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['systemctl', 'loginctl']) {
    const answer = 'case "$*" in *is-enabled*) echo enabled;; *is-active*) echo active;; esac';
    writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${path.join(dir, 'service-calls.log')}'\n${answer}\n`);
    chmodSync(path.join(bin, tool), 0o755);
  }
  // The journal of the (stand-in) service: two lines, as journalctl prints them.
  writeFileSync(
    path.join(bin, 'journalctl'),
    "#!/bin/sh\necho '2026-12-06T08:00:00+0000 box burrow[42]: warehouse: connected'\necho '2026-12-06T08:00:05+0000 box burrow[42]: metrics: http://127.0.0.1:9876/metrics'\n",
  );
  chmodSync(path.join(bin, 'journalctl'), 0o755);
  const env = cleanEnv({ HOME: home, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
  const child = spawn(process.execPath, [BURROW, 'web', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`burrow web printed no address: ${out} ${err}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`burrow web exited ${code}: ${err}`));
    });
  });
  return { child, url, home, config, output: () => `${out}${err}` };
}

export const test = base.extend<{ burrow: BurrowWeb }, { sshd: Sshd; pg: Postgres }>({
  sshd: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern: it has none
    async ({}, use) => {
      const sshd = await Sshd.start();
      await use(sshd);
      await sshd.dispose();
    },
    { scope: 'worker' },
  ],
  pg: [
    // eslint-disable-next-line no-empty-pattern -- as above
    async ({}, use) => {
      const pg = await Postgres.start();
      await use(pg);
      await pg.stop();
    },
    { scope: 'worker' },
  ],
  burrow: async ({ page }, use, testInfo) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'burrow-e2e-'));
    const web = await startWeb(dir);
    const received: string[] = [];
    const secrets: string[] = [];
    const consoleErrors: string[] = [];
    const sent: string[] = [];
    // What the page's link to Burrow did, for a failing test's report.
    const linkLog: string[] = [];
    const t0 = Date.now();
    page.on('websocket', (ws) => {
      linkLog.push(`${Date.now() - t0} ms: WebSocket ${ws.url()} opened`);
      ws.on('framereceived', (f) => received.push(String(f.payload)));
      ws.on('framesent', (f) => sent.push(String(f.payload)));
      ws.on('close', () => linkLog.push(`${Date.now() - t0} ms: WebSocket closed`));
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
      if (m.type() === 'warning') linkLog.push(`${Date.now() - t0} ms: console: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
    const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const c = spawn(process.execPath, [BURROW, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: cleanEnv({ HOME: web.home, BURROW_CONFIG: web.config }),
        });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        c.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        c.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    await page.goto(web.url);
    const log = path.join(dir, 'service-calls.log');
    const serviceCalls = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
    await use({ url: web.url, dir, home: web.home, config: web.config, received, sent, secrets, consoleErrors, serviceCalls, cli });
    expect(consoleErrors, "errors in the page's console").toEqual([]);
    // Private keys and passphrases may go in; nothing Burrow sent the page may hold one.
    expect(received.length, 'the page talked to Burrow').toBeGreaterThan(0);
    for (const s of secrets) {
      const leak = received.find((m) => m.includes(s));
      expect(leak, `a secret reached the page: ${s.slice(0, 12)}…`).toBeUndefined();
    }
    const exited = web.child.exitCode ?? web.child.signalCode;
    if (testInfo.status !== testInfo.expectedStatus || exited !== null) {
      await testInfo.attach('burrow web output', { body: web.output(), contentType: 'text/plain' });
      await testInfo.attach("the page's link to Burrow", { body: linkLog.join('\n') || '(nothing happened to it)', contentType: 'text/plain' });
    }
    expect(exited, 'burrow web ran until the end of the test').toBeNull();
    web.child.kill('SIGTERM');
    await new Promise((r) => web.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  },
});

export { expect };

/** How many requests named `name` the page sent. */
export function requestsSent(burrow: BurrowWeb, name: string): number {
  return burrow.sent.filter((m) => (JSON.parse(m) as { name?: string }).name === name).length;
}

/**
 * Makes a private key a secret the test's messages are scanned for, in every form it could leak
 * in: the lines of its file as given (encrypted or not), its PKCS#8 PEM, and its private parts
 * as base64, base64url and hex. The passphrase, when there is one, too. Lines that are only public
 * data (an RSA file's modulus can line up with the public key's base64) are left out: the window
 * shows the public key on purpose.
 */
export function plantKey(burrow: BurrowWeb, keyText: string, passphrase?: string): void {
  const parsed = ssh2.utils.parseKey(keyText, passphrase);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  const publicB64 = key.getPublicSSH().toString('base64');
  const lines = (t: string): string[] =>
    t
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length >= 30 && !l.startsWith('-----') && !/^[A-Za-z-]+:/.test(l) && !publicB64.includes(l));
  burrow.secrets.push(...lines(keyText));
  const pem = key.getPrivatePEM();
  burrow.secrets.push(...lines(pem));
  const jwk = createPrivateKey(pem).export({ format: 'jwk' }) as Record<string, string | undefined>;
  for (const part of [jwk.d, jwk.p, jwk.q]) {
    if (!part) continue;
    const raw = Buffer.from(part, 'base64url');
    burrow.secrets.push(part, raw.toString('base64').replace(/=+$/, ''), raw.toString('hex'));
  }
  if (passphrase) burrow.secrets.push(passphrase);
}

/**
 * Plants every private key Burrow keeps in its secret store (keys made or imported in the window),
 * opened with its stored passphrase or with `passphrase` when that is not stored. Returns their ids.
 */
export function plantStoredKeys(burrow: BurrowWeb, passphrase?: string): string[] {
  const dir = path.join(path.dirname(burrow.config), 'secrets');
  const ids = readdirSync(dir)
    .filter((f) => f.startsWith('key-'))
    .map((f) => f.slice('key-'.length));
  expect(ids.length, 'keys in the secret store').toBeGreaterThan(0);
  for (const id of ids) {
    let stored: string | undefined;
    try {
      stored = readFileSync(path.join(dir, `passphrase-${id}`), 'utf8');
    } catch {
      stored = undefined;
    }
    plantKey(burrow, readFileSync(path.join(dir, `key-${id}`), 'utf8'), stored ?? passphrase);
  }
  return ids;
}

/** Waits until the page shows a tunnel's state word. */
export async function expectState(page: Page, name: string, word: RegExp): Promise<void> {
  await expect(
    page
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name, exact: true }) })
      .locator('.status'),
  ).toHaveText(word, { timeout: 30_000 });
}
