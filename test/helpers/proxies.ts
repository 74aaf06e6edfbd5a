/**
 * Real proxies on 127.0.0.1 for the network tests: Debian's tinyproxy (HTTP CONNECT, optional
 * Basic authentication) and microsocks (SOCKS5, optional user and password), each with a
 * throwaway config and log, restartable on the same port. Never a stand-in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './net.js';
import { toolsMissing } from './tools.js';

export function proxiesUnavailable(): string | undefined {
  return toolsMissing('tinyproxy', 'microsocks', 'nc');
}

abstract class Proxy {
  private child: ChildProcess | undefined;
  readonly host = '127.0.0.1';

  protected constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  protected abstract command(): [string, string[]];

  async launch(): Promise<void> {
    const [cmd, args] = this.command();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    this.child = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}: ${err}`))));
    await Promise.race([waitForPort(this.port, this.host, 10_000), exited]);
    child.removeAllListeners('exit');
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await gone;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** tinyproxy: HTTP CONNECT to any port, `auth` turning on Basic authentication; logs every CONNECT. */
export class HttpProxy extends Proxy {
  static async start(auth?: { user: string; password: string }): Promise<HttpProxy> {
    const dir = mkdtempSync(path.join(tmpdir(), 'burrow-tinyproxy-'));
    // tinyproxy run as root drops to nobody, which must be able to write its log.
    chmodSync(dir, 0o777);
    const p = new HttpProxy(dir, await freePort());
    const lines = [
      `Port ${p.port}`,
      'Listen 127.0.0.1',
      'Timeout 600',
      'MaxClients 200',
      `LogFile "${p.logPath}"`,
      'LogLevel Connect',
      ...(process.getuid?.() === 0 ? ['User nobody', 'Group nogroup'] : []),
      ...(auth ? [`BasicAuth ${auth.user} ${auth.password}`] : []),
    ];
    writeFileSync(path.join(dir, 'tinyproxy.conf'), lines.join('\n') + '\n');
    await p.launch();
    return p;
  }

  get logPath(): string {
    return path.join(this.dir, 'tinyproxy.log');
  }

  /** The CONNECT requests it has seen (`CONNECT 127.0.0.1:2222 HTTP/1.1`). */
  connects(): string[] {
    let text = '';
    try {
      text = readFileSync(this.logPath, 'utf8');
    } catch {
      return [];
    }
    return [...text.matchAll(/Request \(file descriptor \d+\): (CONNECT \S+ HTTP\/1\.\d)/g)].map((m) => m[1]!);
  }

  protected command(): [string, string[]] {
    return ['tinyproxy', ['-d', '-c', path.join(this.dir, 'tinyproxy.conf')]];
  }
}

/** microsocks: SOCKS5, with `auth` a user and password it requires. */
export class Socks5Proxy extends Proxy {
  private constructor(
    dir: string,
    port: number,
    private readonly auth: { user: string; password: string } | undefined,
  ) {
    super(dir, port);
  }

  static async start(auth?: { user: string; password: string }): Promise<Socks5Proxy> {
    const p = new Socks5Proxy(mkdtempSync(path.join(tmpdir(), 'burrow-microsocks-')), await freePort(), auth);
    await p.launch();
    return p;
  }

  protected command(): [string, string[]] {
    return ['microsocks', ['-i', '127.0.0.1', '-p', String(this.port), ...(this.auth ? ['-u', this.auth.user, '-P', this.auth.password] : [])]];
  }
}
