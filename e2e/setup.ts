/**
 * Setting the scene for a test: sessions saved through the CLI on the test's own store (the
 * behaviour under test is then driven through the window), key files, known_hosts entries.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { Sshd } from '../test/helpers/sshd.js';
import { expect, type BurrowWeb } from './fixtures.js';

/** Fivetran's command, as its guide prints it (placeholders and all). */
export const FIVETRAN_COMMAND =
  'autossh -M 0 -f -N -R <SSH_HIGH_PORT>:<LOCAL_DB_MACHINE_NAME_OR_IP>:<LOCAL_DB_MACHINE_PORT> <FIVETRAN_SSH_USERNAME>@<FIVETRAN_SUPPLIED_IP> -g -i <PATH_TO_PRIVATE_KEY> -o ServerAliveInterval=10 -o ServerAliveCountMax=1 -o ExitOnForwardFailure=yes';

async function cli(burrow: BurrowWeb, args: string[]): Promise<string> {
  const r = await burrow.cli(args);
  expect(r.code, `burrow ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Saves a session from a vendor preset (`burrow sessions add --preset ID --name NAME ...`) and returns its id. */
export async function addPresetSession(burrow: BurrowWeb, preset: string, name: string, args: string[]): Promise<string> {
  await cli(burrow, ['sessions', 'add', '--preset', preset, '--name', name, ...args]);
  return (await storedSession(burrow, name)).id as string;
}

/**
 * Saves a session from an ssh command line through `burrow import` and returns its id. It logs in
 * with the sshd's authorised client key unless `identity` says otherwise, and checks the host key
 * against `knownHosts` (default: the sshd's own known_hosts; `home`: the test HOME's
 * ~/.ssh/known_hosts, with OpenSSH's accept-new).
 */
export async function importSession(
  burrow: BurrowWeb,
  sshd: Sshd,
  name: string,
  forward: string,
  opts: { identity?: string; knownHosts?: string } = {},
): Promise<string> {
  const hostKeys =
    opts.knownHosts === 'home'
      ? ['-o', 'StrictHostKeyChecking=accept-new']
      : ['-o', `UserKnownHostsFile=${opts.knownHosts ?? sshd.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes'];
  const out = await cli(burrow, [
    'import',
    '--json',
    '--name',
    name,
    '--',
    'ssh',
    '-N',
    '-R',
    forward,
    '-p',
    String(sshd.port),
    '-i',
    opts.identity ?? sshd.clientKeyPath,
    ...hostKeys,
    `${sshd.user}@127.0.0.1`,
  ]);
  const { saved } = JSON.parse(out) as { saved: Array<{ id: string }> };
  expect(saved).toHaveLength(1);
  return saved[0]!.id;
}

/** A saved session as the store holds it (`burrow sessions show NAME --json`). */
export async function storedSession(burrow: BurrowWeb, name: string): Promise<Record<string, unknown>> {
  return (JSON.parse(await cli(burrow, ['sessions', 'show', name, '--json'])) as { session: Record<string, unknown> }).session;
}

/** The names of the saved sessions. */
export async function storedNames(burrow: BurrowWeb): Promise<string[]> {
  return (JSON.parse(await cli(burrow, ['sessions', 'list', '--json'])) as Array<{ name: string }>).map((s) => s.name);
}

/** A fresh key file made by ssh-keygen in the test's folder; returns its path and its public line. */
export function keyFile(
  burrow: BurrowWeb,
  name: string,
  opts: { type?: 'ed25519' | 'rsa'; passphrase?: string } = {},
): { path: string; publicKey: string; text: string } {
  const dir = path.join(burrow.dir, 'keys');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    opts.type ?? 'ed25519',
    ...(opts.type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    opts.passphrase ?? '',
    '-C',
    name,
    '-f',
    file,
  ]);
  return { path: file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim(), text: readFileSync(file, 'utf8') };
}

/**
 * The key file Espresso Logic sends with its guide: `espresso_tunnel.pem`, an RSA key in PEM
 * without a comment; its private lines join the secrets that must never reach the page.
 */
export function espressoPem(burrow: BurrowWeb): { path: string; publicKey: string } {
  const file = path.join(burrow.dir, 'espresso_tunnel.pem');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '', '-C', '', '-f', file]);
  burrow.secrets.push(
    ...readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 40 && !l.startsWith('-----')),
  );
  return { path: file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** A known_hosts line that names the test sshd but holds another server's key (as after a server was replaced), and that key's fingerprint. */
export function impostorKnownHosts(burrow: BurrowWeb, sshd: Sshd): { line: string; fingerprint: string } {
  const other = keyFile(burrow, `impostor-host-${Date.now()}`);
  const [type, data] = other.publicKey.split(/\s+/);
  const fingerprint = execFileSync('ssh-keygen', ['-lf', `${other.path}.pub`], { encoding: 'utf8' }).split(/\s+/)[1]!;
  return { line: `[127.0.0.1]:${sshd.port} ${type} ${data}\n`, fingerprint };
}

/** Writes the test sshd's real host key into the test HOME's ~/.ssh/known_hosts (a server trusted before). */
export function trustSshd(burrow: BurrowWeb, sshd: Sshd): void {
  mkdirSync(path.join(burrow.home, '.ssh'), { recursive: true, mode: 0o700 });
  appendFileSync(path.join(burrow.home, '.ssh', 'known_hosts'), readFileSync(sshd.knownHostsPath));
}

/**
 * Shows `route` after the CLI saved something. The CLI's command was carried out by the running
 * `burrow web` itself (the command line reaches a running Burrow through the control channel), so
 * the window has it; nothing here reloads anything.
 */
export async function reload(page: Page, _burrow: BurrowWeb, route = '#/'): Promise<void> {
  await page.evaluate((r) => {
    location.hash = r;
  }, route);
}
