/**
 * Key files on the machine the app runs on (`burrow key generate|fingerprint|public|convert`):
 * made, read and converted by the key layer's worker, written 0600, never over a file unless
 * asked to. The window works with keys Burrow holds instead (keys.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir, hostname, userInfo } from 'node:os';
import path from 'node:path';
import type { KeyFileView } from '../../common/contract.js';
import { exportKey, generateKey, inspectKeyFile, keygenListLine, readKeyFile, writeKeyFile, type ExportFormat, type KeyType } from '../core/keys/index.js';
import { fail } from './errors.js';

/** The private key format to write: `format`, else the file's extension (.ppk: PuTTY v3), else OpenSSH. */
function formatFor(out: string, format: ExportFormat | undefined): ExportFormat {
  return format ?? (path.extname(out).toLowerCase() === '.ppk' ? 'ppk' : 'openssh');
}

export async function generateKeyFile(a: {
  path?: string;
  type?: string;
  bits?: number;
  comment?: string;
  passphrase?: string;
  format?: ExportFormat;
  force?: boolean;
}): Promise<KeyFileView> {
  // Checked by the key layer (generateKey), which says which types and sizes it takes.
  const type = (a.type ?? 'ed25519') as KeyType;
  if (a.path === undefined && a.force) {
    fail(
      'INVALID_INPUT',
      'force replaces the file given with a path; without one, an existing ~/.ssh key is never replaced',
      'Give the path to write.',
      'force',
    );
  }
  // As ssh-keygen: ~/.ssh/id_<type> (created 0700), never over an existing key.
  const out = a.path ?? path.join(homedir(), '.ssh', `id_${type}`);
  const format = formatFor(out, a.format);
  const pub = format === 'openssh' ? `${out}.pub` : `${out.slice(0, out.length - path.extname(out).length) || out}.pub`;
  if (a.path === undefined) {
    for (const f of [out, pub]) {
      if (existsSync(f)) fail('CONFLICT', `${f} already exists: Burrow never replaces a key it was not told to`, 'Give another path to write.', 'path');
    }
    await mkdir(path.dirname(out), { recursive: true, mode: 0o700 });
  }
  const key = await generateKey({
    type,
    ...(a.bits !== undefined ? { bits: a.bits } : {}),
    // ssh-keygen's default comment: who made it, where.
    comment: a.comment ?? `${userInfo().username}@${hostname()}`,
  });
  const file = await exportKey(key, format, a.passphrase ? { passphrase: a.passphrase } : {});
  await writeKeyFile(out, file, 0o600, a.force ?? false);
  await writeKeyFile(pub, key.info.publicKey + '\n', 0o644, a.force ?? false);
  return {
    path: out,
    publicPath: pub,
    publicKey: key.info.publicKey,
    fingerprint: key.info.fingerprint,
    listLine: keygenListLine(key.info),
    format,
    encrypted: Boolean(a.passphrase),
  };
}

export async function inspectKeyFileView(a: { path: string; passphrase?: string }): Promise<KeyFileView> {
  const info = await inspectKeyFile(a.path, a.passphrase !== undefined ? { passphrase: a.passphrase } : {});
  return {
    path: a.path,
    publicKey: info.publicKey,
    fingerprint: info.fingerprint,
    listLine: keygenListLine(info),
    format: /\.ppk$/i.test(a.path) ? 'ppk' : 'openssh',
    encrypted: info.encrypted,
  };
}

export async function convertKeyFile(a: {
  path: string;
  to: ExportFormat;
  out: string;
  passphrase?: string;
  newPassphrase?: string;
  force?: boolean;
}): Promise<KeyFileView> {
  const key = await readKeyFile(a.path, a.passphrase !== undefined ? { passphrase: a.passphrase } : {});
  const data = await exportKey(key, a.to, a.newPassphrase ? { passphrase: a.newPassphrase } : {});
  await writeKeyFile(a.out, data, 0o600, a.force ?? false);
  return {
    path: a.out,
    publicKey: key.info.publicKey,
    fingerprint: key.info.fingerprint,
    listLine: keygenListLine(key.info),
    format: a.to,
    // What the original was: the converted file is protected only with newPassphrase.
    encrypted: key.info.encrypted,
  };
}
