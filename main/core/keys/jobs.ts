/** The work the key worker process does: every parse, KDF and generation happens here. */
import { KeyError, keyError } from './errors.js';
import type { KeyErrorInfo } from './errors.js';
import type { DecodeMode } from './decode.js';
import { decodeKey } from './decode.js';
import type { KeyInfo } from './fingerprint.js';
import { keyInfo } from './fingerprint.js';
import type { GenerateSpec } from './generate.js';
import { generateMaterial } from './generate.js';
import type { KeyMaterial } from './material.js';
import { checkKeyPair, publicPartsOf } from './material.js';
import { writeOpenSsh } from './openssh.js';
import { writePpk } from './ppk.js';

/** What `burrow key convert --to` writes. */
export type ExportFormat = 'openssh' | 'ppk' | 'ppk2';

/** One request to the worker. Passphrases travel as strings and are encoded as UTF-8 there. */
export type KeyJob =
  | { readonly op: 'read'; readonly input: Uint8Array; readonly passphrase?: string; readonly mode: DecodeMode }
  | { readonly op: 'export'; readonly key: Uint8Array; readonly format: ExportFormat; readonly passphrase?: string }
  | { readonly op: 'generate'; readonly spec: GenerateSpec };

/** What each job answers. `key` is the internal form: an unencrypted OpenSSH private key. */
export interface KeyJobResults {
  read: { readonly info: KeyInfo; readonly key?: Uint8Array };
  export: { readonly data: Uint8Array };
  generate: { readonly info: KeyInfo; readonly key: Uint8Array };
}

/** The message protocol between KeyWorker and worker.ts. */
export type WorkerRequest = { readonly id: number; readonly job: KeyJob };
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: KeyJobResults[KeyJob['op']] }
  | { readonly id: number; readonly ok: false; readonly error: KeyErrorInfo };

const utf8 = (s: string | undefined): Buffer | undefined => (s === undefined || s === '' ? undefined : Buffer.from(s, 'utf8'));

/** The internal form every key is normalised to: what ssh2's parseKey reads and signs with. */
function internal(m: KeyMaterial): Uint8Array {
  return writeOpenSsh(m);
}

async function materialOf(key: Uint8Array): Promise<KeyMaterial> {
  const decoded = await decodeKey(Buffer.from(key), undefined, 'private');
  return decoded.material!;
}

/** Runs one job; throws KeyError for every expected failure. */
export async function runJob(job: KeyJob): Promise<KeyJobResults[KeyJob['op']]> {
  switch (job.op) {
    case 'read': {
      const d = await decodeKey(Buffer.from(job.input), utf8(job.passphrase), job.mode);
      const info = keyInfo(d.publicKey, d.comment, d.format, d.encrypted);
      return d.material ? { info, key: internal(d.material) } : { info };
    }
    case 'export': {
      const m = await materialOf(job.key);
      const pass = utf8(job.passphrase);
      const data = job.format === 'openssh' ? writeOpenSsh(m, pass) : await writePpk(m, job.format === 'ppk2' ? 2 : 3, pass);
      return { data };
    }
    case 'generate': {
      const m = generateMaterial(job.spec);
      checkKeyPair(m);
      return { info: keyInfo(publicPartsOf(m), m.comment, 'generated', false), key: internal(m) };
    }
  }
}

/** Turns anything thrown into plain error data that carries no key material. */
export function replyError(err: unknown): KeyErrorInfo {
  if (err instanceof KeyError) return err.toJSON();
  return keyError(
    'KEY_WORKER_FAILED',
    'the key worker met an internal error',
    'Try again; if it keeps happening, report it with the command you ran (never the key).',
  ).toJSON();
}
