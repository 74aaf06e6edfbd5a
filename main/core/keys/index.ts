/**
 * Burrow's key layer: generate, import (any format vendors hand out) and export keys, with all
 * parsing and KDF work isolated in a time-limited worker process. Doors (CLI, Electron, web) and
 * the engine use only what this file exports.
 */
import { readFile, stat } from 'node:fs/promises';
import { KeyError, keyError } from './errors.js';
import type { DecodeMode } from './decode.js';
import type { KeyInfo } from './fingerprint.js';
import type { GenerateOptions } from './generate.js';
import { generateSpec } from './generate.js';
import type { ExportFormat } from './jobs.js';
import { KeyPair } from './key-pair.js';
import { KeyWorker } from './key-worker.js';

export { KeyError } from './errors.js';
export type { KeyErrorCode, KeyErrorInfo } from './errors.js';
export type { KeySourceFormat } from './decode.js';
export type { KeyInfo } from './fingerprint.js';
export { keygenListLine } from './fingerprint.js';
export type { GenerateOptions } from './generate.js';
export type { ExportFormat } from './jobs.js';
export type { KeyType } from './material.js';
export { KeyPair } from './key-pair.js';
export { KeyWorker, setWorkerLauncher, type WorkerLauncher, type WorkerProcess } from './key-worker.js';
export { writeKeyFile } from './files.js';
export type { SecretSeal, SecretStore } from './secret-store.js';
export { FileSecretStore, safeStorageWarning, secretEnvName } from './secret-store.js';

/** Time limits: generous for real keys (ssh-keygen -a 100 ≈ 2 s here), short enough that a hostile file is just an error. */
export const KEY_TIMEOUTS = { readMs: 20_000, exportMs: 20_000, generateMs: 60_000 } as const;

/** Per-call options for anything that reads a key. */
export interface ReadOptions {
  /** Only used when the key is encrypted. */
  readonly passphrase?: string;
  readonly timeoutMs?: number;
  /** Defaults to one shared worker process. */
  readonly worker?: KeyWorker;
}

let shared: KeyWorker | undefined;
const workerOf = (o?: { readonly worker?: KeyWorker }): KeyWorker => o?.worker ?? (shared ??= new KeyWorker());

const toBytes = (input: Buffer | string): Buffer => (typeof input === 'string' ? Buffer.from(input, 'utf8') : input);

async function read(input: Buffer | string, mode: DecodeMode, o: ReadOptions | undefined) {
  return workerOf(o).run(
    { op: 'read', input: toBytes(input), mode, ...(o?.passphrase !== undefined ? { passphrase: o.passphrase } : {}) },
    o?.timeoutMs ?? KEY_TIMEOUTS.readMs,
  );
}

/** Reads a private key in any supported format (file bytes, pasted text, or base64 of either). */
export async function importKey(input: Buffer | string, options?: ReadOptions): Promise<KeyPair> {
  const r = await read(input, 'private', options);
  return new KeyPair(r.info, r.key!);
}

/**
 * Identifies a key (public or private) without needing its passphrase when the format allows:
 * OpenSSH and PuTTY files carry the public key in the clear; encrypted PEM needs the passphrase.
 */
export async function inspectKey(input: Buffer | string, options?: ReadOptions): Promise<KeyInfo> {
  return (await read(input, 'public', options)).info;
}

/** Key files are small; refusing big ones early keeps a wrong pick (a disk image, a log) cheap. */
const MAX_FILE_BYTES = 256 * 1024;

async function readInput(file: string): Promise<Buffer> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw keyError('KEY_UNREADABLE', `${file} is not a file`, 'Give the path of the key file itself.');
    if (s.size > MAX_FILE_BYTES) {
      throw keyError(
        'KEY_UNRECOGNISED',
        `${file} is ${s.size} bytes, far more than any key file`,
        'Check that you picked the private key file (usually id_ed25519, id_rsa, *.pem or *.ppk).',
      );
    }
    return await readFile(file);
  } catch (err) {
    if (err instanceof KeyError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw keyError(
      'KEY_UNREADABLE',
      `${file} cannot be read (${code})`,
      code === 'ENOENT' ? 'Check the path: the file does not exist.' : "Check the file's permissions: Burrow must be able to read it.",
    );
  }
}

/** Reads a private key file; errors name the file. */
export async function readKeyFile(file: string, options?: ReadOptions): Promise<KeyPair> {
  const data = await readInput(file);
  try {
    return await importKey(data, options);
  } catch (err) {
    throw err instanceof KeyError && err.code !== 'KEY_UNREADABLE' ? err.from(file) : err;
  }
}

/** Identifies the key in a file (private or public), like `ssh-keygen -lf`. */
export async function inspectKeyFile(file: string, options?: ReadOptions): Promise<KeyInfo> {
  const data = await readInput(file);
  try {
    return await inspectKey(data, options);
  } catch (err) {
    throw err instanceof KeyError ? err.from(file) : err;
  }
}

/** Generates a key pair in the worker (Ed25519 by default). */
export async function generateKey(options: GenerateOptions & { readonly worker?: KeyWorker; readonly timeoutMs?: number } = {}): Promise<KeyPair> {
  const spec = generateSpec(options);
  const r = await workerOf(options).run({ op: 'generate', spec }, options.timeoutMs ?? KEY_TIMEOUTS.generateMs);
  return new KeyPair(r.info, r.key);
}

/**
 * Writes a key in a file format: `openssh` (encrypted like ssh-keygen when a passphrase is given),
 * `ppk` (PuTTY v3, Argon2id) or `ppk2` (PuTTY before 0.75).
 */
export async function exportKey(
  key: KeyPair,
  format: ExportFormat,
  options: { readonly passphrase?: string; readonly worker?: KeyWorker; readonly timeoutMs?: number } = {},
): Promise<Buffer> {
  if (format !== 'openssh' && format !== 'ppk' && format !== 'ppk2') {
    throw keyError(
      'KEY_OPTION_INVALID',
      `--to must be openssh, ppk or ppk2 (got ${JSON.stringify(format)})`,
      'Use ppk for PuTTY 0.75 and later, ppk2 for older PuTTY, openssh for everything else.',
    );
  }
  const r = await workerOf(options).run(
    { op: 'export', key: key.privateKeyForSsh2(), format, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}) },
    options.timeoutMs ?? KEY_TIMEOUTS.exportMs,
  );
  return Buffer.from(r.data);
}

/** A passphrase file: its first line, without the line break (as ssh-keygen -N and puttygen read them). */
export async function readPassphraseFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw keyError(
      'KEY_UNREADABLE',
      `the passphrase file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'Check the path of the passphrase file (its first line is the passphrase).',
    );
  }
  return text.split(/\r?\n/, 1)[0] ?? '';
}
