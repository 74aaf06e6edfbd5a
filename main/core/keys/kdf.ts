/**
 * The passphrase KDFs: bcrypt_pbkdf for OpenSSH keys, Argon2 for PPK v3. Both cost what the file
 * says, so they run only in the key worker process, under its time limit.
 */
import bcryptPbkdf from 'bcrypt-pbkdf';
import { argon2d, argon2i, argon2id } from 'hash-wasm';
import { keyError } from './errors.js';

/** OpenSSH's bcrypt_pbkdf (ssh-keygen -a sets the rounds; 16 by default). */
export function bcryptKdf(passphrase: Buffer, salt: Buffer, rounds: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  if (rounds < 1 || salt.length === 0 || bcryptPbkdf.pbkdf(passphrase, passphrase.length, salt, salt.length, out, length, rounds) !== 0) {
    throw keyError('KEY_CORRUPT', 'the key is damaged: its bcrypt parameters are not valid', 'Export the key again from the tool that made it.');
  }
  return out;
}

export type Argon2Flavour = 'Argon2id' | 'Argon2i' | 'Argon2d';

export interface Argon2Params {
  readonly flavour: Argon2Flavour;
  /** KiB, as PuTTY's `Argon2-Memory`. */
  readonly memory: number;
  readonly passes: number;
  readonly parallelism: number;
  readonly salt: Buffer;
}

/** PuTTY's memory default is 8 MiB; a hostile file must not make the worker allocate gigabytes. */
const ARGON2_MAX_MEMORY_KIB = 256 * 1024;

/** Argon2 as PuTTY uses it for PPK v3 (hash-wasm: Node 20 has no built-in Argon2). */
export async function argon2Kdf(passphrase: Buffer, p: Argon2Params, length: number): Promise<Buffer> {
  if (p.memory > ARGON2_MAX_MEMORY_KIB) {
    throw keyError(
      'KEY_UNSUPPORTED',
      `the key asks for ${p.memory} KiB of Argon2 memory; Burrow allows at most ${ARGON2_MAX_MEMORY_KIB}`,
      'Re-save the key in PuTTYgen with its default key-derivation settings, or without a passphrase.',
    );
  }
  if (p.passes < 1 || p.parallelism < 1 || p.parallelism > 255 || p.memory < 8 * p.parallelism || p.salt.length < 8) {
    throw keyError('KEY_CORRUPT', 'the key is damaged: its Argon2 parameters are not valid', 'Export the key again from PuTTYgen.');
  }
  const fn = p.flavour === 'Argon2id' ? argon2id : p.flavour === 'Argon2i' ? argon2i : argon2d;
  const out = await fn({
    password: passphrase,
    salt: p.salt,
    iterations: p.passes,
    memorySize: p.memory,
    parallelism: p.parallelism,
    hashLength: length,
    outputType: 'binary',
  });
  return Buffer.from(out);
}
