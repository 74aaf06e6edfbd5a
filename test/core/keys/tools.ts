/** The real key tools (ssh-keygen, puttygen, openssl), run into a throwaway folder for interop tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toolsMissing as needs } from '../../helpers/tools.js';

/** The passphrase every encrypted fixture uses; tests also check that it never shows up in errors. */
export const PASS = 'correct horse 🐎 staple';

/** Why these interop tests cannot run here (they need the real tools), or undefined; fails under CI=true. */
export function toolsMissing(): string | undefined {
  return needs('ssh-keygen', 'puttygen', 'openssl');
}

export function run(cmd: string, args: ReadonlyArray<string>): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A temporary folder with passphrase files for the tools, removed by `dispose()`. */
export class Workdir {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'burrow-keys-'));
  /** File holding PASS (puttygen and Burrow read the first line). */
  readonly passFile = this.write('pass', PASS + '\n');
  /** An empty passphrase file: "no passphrase" for puttygen. */
  readonly emptyFile = this.write('empty', '');

  path(name: string): string {
    return path.join(this.dir, name);
  }

  write(name: string, data: string | Buffer): string {
    const p = this.path(name);
    writeFileSync(p, data, { mode: 0o600 });
    return p;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `SHA256:…` of a key file as ssh-keygen prints it (for a private key it needs no .pub beside it). */
export function keygenFingerprint(file: string): string {
  return run('ssh-keygen', ['-lf', file]).split(/\s+/)[1]!;
}

/** `SHA256:…` of a key file as puttygen prints it. */
export function puttygenFingerprint(file: string, passFile: string): string {
  return run('puttygen', ['-l', '-E', 'sha256', '--old-passphrase', passFile, file]).trim().split(/\s+/).pop()!;
}

/** puttygen's own reading of a private key: converted to OpenSSH, then ssh-keygen's public line (needs the MAC and the private numbers to be right). */
export function puttygenPublicViaPrivate(w: Workdir, file: string, passFile: string): string {
  const out = w.path(`pg-${path.basename(file)}-${Date.now()}`);
  run('puttygen', [file, '--old-passphrase', passFile, '--new-passphrase', w.emptyFile, '-O', 'private-openssh-new', '-o', out]);
  return run('ssh-keygen', ['-y', '-f', out]).trim().split(/\s+/).slice(0, 2).join(' ');
}
