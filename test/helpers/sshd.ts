/**
 * A real OpenSSH sshd on 127.0.0.1 with a throwaway config, host key and authorized_keys, the
 * way OpenSSH's own regress/test-exec.sh runs it. Tests never mock the SSH server.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freePort, waitFor, waitForPort } from './net.js';
import { toolsMissing } from './tools.js';

export const SSHD = '/usr/sbin/sshd';

/** Why sshd-based tests cannot run here, or undefined when they can (see tools.ts: fails under CI=true). */
export function sshdUnavailable(): string | undefined {
  return toolsMissing(SSHD, 'ssh-keygen');
}

/** The processes started by `pid`, their children and so on. */
function descendants(pid: number): number[] {
  let kids: number[] = [];
  try {
    kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    /* none */
  }
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

export interface SshdOptions {
  /** Extra sshd_config lines, e.g. `PermitListen 127.0.0.1:1234`, `ClientAliveInterval 2`. */
  readonly extraConfig?: ReadonlyArray<string>;
  /**
   * sshd_config lines put before the helper's own: sshd keeps the first value of a keyword
   * (FACTS.md), so this is how a test changes one the helper sets, e.g.
   * `KbdInteractiveAuthentication yes`.
   */
  readonly overrideConfig?: ReadonlyArray<string>;
  /** sshd's LogLevel (VERBOSE unless given); DEBUG2 logs every channel message. */
  readonly logLevel?: string;
  /** Host key type; ed25519 unless a test needs another. */
  readonly hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  /** Cipher list to force (benchmarks compare like with like). */
  readonly ciphers?: string;
  /** The address it listens on (127.0.0.1 unless given): e.g. an address inside `netns`. */
  readonly host?: string;
  /** A network namespace (netns.ts) to run it in: reachable only as that namespace's routes allow. */
  readonly netns?: string;
}

export class Sshd {
  readonly user = userInfo().username;
  private child: ChildProcess | undefined;

  private constructor(
    readonly host: string,
    private readonly netns: string | undefined,
    readonly dir: string,
    readonly port: number,
    readonly configPath: string,
    readonly logPath: string,
    /** An ed25519 client key already in authorized_keys. */
    readonly clientKeyPath: string,
    /** `[127.0.0.1]:port <type> <base64>`, the server's host key as known_hosts wants it. */
    readonly knownHostsPath: string,
    readonly hostKeyPath: string,
  ) {}

  static async start(opts: SshdOptions = {}): Promise<Sshd> {
    const dir = mkdtempSync(path.join(tmpdir(), 'burrow-sshd-'));
    const port = await freePort();
    const host = opts.host ?? '127.0.0.1';
    const type = opts.hostKeyType ?? 'ed25519';
    const hostKeyPath = path.join(dir, `host_${type}`);
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'burrow-test-host', '-f', hostKeyPath]);
    const clientKeyPath = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'burrow-test-client', '-f', clientKeyPath]);
    const authorized = path.join(dir, 'authorized_keys');
    writeFileSync(authorized, readFileSync(clientKeyPath + '.pub'), { mode: 0o600 });
    const knownHostsPath = path.join(dir, 'known_hosts');
    const [ktype, kdata] = readFileSync(hostKeyPath + '.pub', 'utf8')
      .trim()
      .split(/\s+/);
    writeFileSync(knownHostsPath, `[${host}]:${port} ${ktype} ${kdata}\n`);
    const configPath = path.join(dir, 'sshd_config');
    const lines = [
      ...(opts.overrideConfig ?? []),
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${hostKeyPath}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      'GatewayPorts clientspecified',
      `LogLevel ${opts.logLevel ?? 'VERBOSE'}`,
      // Many tests open many sessions and connections in a row.
      'MaxStartups 100:30:200',
      'MaxSessions 100',
      ...(opts.ciphers ? [`Ciphers ${opts.ciphers}`] : []),
      ...(opts.extraConfig ?? []),
    ];
    writeFileSync(configPath, lines.join('\n') + '\n');
    // sshd's privilege separation directory; Debian creates it only when its service starts.
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const s = new Sshd(host, opts.netns, dir, port, configPath, path.join(dir, 'sshd.log'), clientKeyPath, knownHostsPath, hostKeyPath);
    await s.launch();
    return s;
  }

  /** The server's host key line as `ssh-keygen -lf` fingerprint `SHA256:…`. */
  hostKeyFingerprint(): string {
    return execFileSync('ssh-keygen', ['-lf', this.hostKeyPath + '.pub'], { encoding: 'utf8' }).split(/\s+/)[1]!;
  }

  /** Adds a public key line to authorized_keys (read by sshd on every login). */
  async authorize(publicKeyLine: string): Promise<void> {
    appendFileSync(path.join(this.dir, 'authorized_keys'), publicKeyLine.trim() + '\n');
  }

  /** Starts (or restarts) the listener on the same port. */
  async launch(): Promise<void> {
    const args = ['-D', '-f', this.configPath, '-E', this.logPath];
    const listeningLine = `Server listening on ${this.host} port ${this.port}`;
    const listenedBefore = this.log().split(listeningLine).length;
    // `ip netns exec` execs sshd itself, so the child is still sshd (signals and pgrep -P hold).
    const child = this.netns ? spawn('ip', ['netns', 'exec', this.netns, SSHD, ...args], { stdio: 'ignore' }) : spawn(SSHD, args, { stdio: 'ignore' });
    this.child = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`sshd exited with ${code}: ${this.log().slice(-2000)}`))));
    // Inside a namespace this process may have no route to it: sshd's log says when it listens.
    const listening = this.netns
      ? waitFor(() => this.log().split(listeningLine).length > listenedBefore, `sshd listening in ${this.netns}`, 10_000)
      : waitForPort(this.port, this.host, 10_000);
    await Promise.race([listening, exited]);
    child.removeAllListeners('exit');
  }

  /** PID of the listener (every connection's sshd processes descend from it). */
  get pid(): number {
    if (this.child?.pid === undefined) throw new Error('sshd is not running');
    return this.child.pid;
  }

  /** PIDs of the per-connection sshd processes (children of the listener). */
  sessionPids(): number[] {
    if (!this.child?.pid) return [];
    try {
      return execFileSync('pgrep', ['-P', String(this.child.pid)], { encoding: 'utf8' })
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }

  /** Every process of every connection (sessionPids and what they started): what freezing a link stops. */
  connectionPids(): number[] {
    return this.sessionPids().flatMap((p) => [p, ...descendants(p)]);
  }

  /** Ends every SSH connection but keeps the listener: a server-side drop. */
  killSessions(signal: NodeJS.Signals = 'SIGKILL'): void {
    for (const pid of this.sessionPids()) {
      try {
        process.kill(pid, signal);
      } catch {
        /* already gone */
      }
    }
  }

  /** Stops the listener and every session (a server shutdown). */
  async stop(): Promise<void> {
    this.killSessions();
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await gone;
  }

  /** Stop, then start again on the same port: a server restart. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
