/** A throwaway PostgreSQL cluster on 127.0.0.1, the database that sits behind the tunnel in tests. */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';
import { toolsMissing } from './tools.js';

const execFileAsync = promisify(execFile);

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  const missing = toolsMissing('/usr/lib/postgresql/*/bin/initdb', 'psql');
  if (missing) return missing;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      const why = 'running as root but there is no "postgres" user to run the server as (Debian\'s postgresql package makes it)';
      if (process.env.CI === 'true') throw new Error(`CI must run every test, but ${why}`);
      return why;
    }
  }
  return undefined;
}

export class Postgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly asUser: string | undefined,
  ) {}

  /** initdb (trust auth, loopback only) and start; resolves when it accepts connections. */
  static async start(): Promise<Postgres> {
    const bin = binDir()!;
    const dir = mkdtempSync(path.join(tmpdir(), 'burrow-pg-'));
    // PostgreSQL refuses to run as root; as root, run it as the Debian "postgres" user.
    const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
    if (asUser) {
      const uid = Number(execFileSync('id', ['-u', asUser], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', asUser], { encoding: 'utf8' }));
      chownSync(dir, uid, gid);
    }
    const pg = new Postgres(dir, await freePort(), bin, asUser);
    pg.exec('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    pg.exec('pg_ctl', [
      '-D',
      path.join(dir, 'data'),
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${pg.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
    return pg;
  }

  private exec(tool: string, args: string[]): string {
    const cmd = path.join(this.bin, tool);
    return this.asUser
      ? execFileSync('runuser', ['-u', this.asUser, '--', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      : execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  async stop(): Promise<void> {
    try {
      this.exec('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already down */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Runs SQL with the real psql client against host:port; resolves with its unaligned output.
 * Asynchronous on purpose: the tunnel under test lives in this same process.
 */
export async function psql(port: number, sql: string, host = '127.0.0.1'): Promise<string> {
  const { stdout } = await execFileAsync(
    'psql',
    ['-h', host, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGUSER: 'postgres', USER: userInfo().username } },
  );
  return stdout.trim();
}
