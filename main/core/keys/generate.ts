/** New key pairs, as ssh-keygen would make them. Runs in the key worker (RSA generation is slow). */
import { generateKeyPairSync } from 'node:crypto';
import { keyError } from './errors.js';
import type { KeyMaterial, KeyType } from './material.js';
import { CURVES, materialFromKeyObject } from './material.js';

/** What to generate. */
export interface GenerateOptions {
  /** Ed25519 unless a vendor insists on RSA or ECDSA. */
  readonly type?: KeyType;
  /** RSA: 2048, 3072 (default, as ssh-keygen) or 4096. ECDSA: 256 (default), 384 or 521. */
  readonly bits?: number;
  readonly comment?: string;
}

/** Options after defaults and checks. */
export interface GenerateSpec {
  readonly type: KeyType;
  readonly bits: number;
  readonly comment: string;
}

const ALLOWED: Readonly<Record<KeyType, { readonly bits: ReadonlyArray<number>; readonly def: number }>> = {
  ed25519: { bits: [256], def: 256 },
  rsa: { bits: [2048, 3072, 4096], def: 3072 },
  ecdsa: { bits: [256, 384, 521], def: 256 },
};

/** Applies defaults and rejects impossible combinations with an error naming the option. */
export function generateSpec(o: GenerateOptions): GenerateSpec {
  const type = o.type ?? 'ed25519';
  // hasOwn: a type such as "constructor" must not find Object.prototype's members.
  const allowed = Object.hasOwn(ALLOWED, type) ? ALLOWED[type] : undefined;
  if (!allowed) {
    throw keyError(
      'KEY_OPTION_INVALID',
      `--type must be ed25519, rsa or ecdsa (got ${JSON.stringify(o.type)})`,
      'Use --type ed25519 unless the vendor asks for RSA or ECDSA.',
    );
  }
  const bits = o.bits ?? allowed.def;
  if (!allowed.bits.includes(bits)) {
    throw keyError(
      'KEY_OPTION_INVALID',
      `--bits for ${type} must be ${allowed.bits.join(', ')} (got ${JSON.stringify(o.bits)})`,
      type === 'ed25519' ? 'Leave --bits out: Ed25519 keys have one size.' : `Leave --bits out for ${allowed.def}, or use one of the sizes listed.`,
    );
  }
  const comment = o.comment ?? '';
  if (/[\r\n]/.test(comment)) throw keyError('KEY_OPTION_INVALID', '--comment must be one line', 'Remove the line breaks from the comment.');
  return { type, bits, comment };
}

/** Generates the key pair (in the key worker: RSA-4096 can take seconds). */
export function generateMaterial(s: GenerateSpec): KeyMaterial {
  const curve = (Object.keys(CURVES) as Array<keyof typeof CURVES>).find((c) => CURVES[c].bits === s.bits)!;
  const { privateKey } =
    s.type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : s.type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: s.bits, publicExponent: 65537 })
        : generateKeyPairSync('ec', { namedCurve: CURVES[curve].node });
  return materialFromKeyObject(privateKey, s.comment);
}
