/**
 * The one internal shape every key format is read into and written from: the numbers OpenSSH
 * stores, per key type. Conversions to Node's KeyObject serve generation, PEM/PKCS#8 reading and
 * the sign-and-verify check that proves a key's halves belong together.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { keyError, printable } from './errors.js';
import { WireReader, stripZeros, wireMpint, wireString } from './wire.js';

/** The key types Burrow generates and reads. */
export type KeyType = 'ed25519' | 'rsa' | 'ecdsa';
export type EcCurve = 'nistp256' | 'nistp384' | 'nistp521';

/** A public key's numbers. */
export type PublicKeyParts =
  | { readonly kind: 'ed25519'; readonly pub: Buffer }
  | { readonly kind: 'rsa'; readonly n: Buffer; readonly e: Buffer }
  | { readonly kind: 'ecdsa'; readonly curve: EcCurve; readonly q: Buffer };

/** A private key's numbers plus its comment; big numbers are unsigned big-endian without leading zeros. */
export type KeyMaterial = { readonly comment: string } & (
  | { readonly kind: 'ed25519'; readonly pub: Buffer; readonly seed: Buffer }
  | { readonly kind: 'rsa'; readonly n: Buffer; readonly e: Buffer; readonly d: Buffer; readonly iqmp: Buffer; readonly p: Buffer; readonly q: Buffer }
  | { readonly kind: 'ecdsa'; readonly curve: EcCurve; readonly q: Buffer; readonly d: Buffer }
);

export const CURVES: Readonly<
  Record<EcCurve, { readonly jwk: string; readonly bytes: number; readonly bits: number; readonly hash: string; readonly node: string }>
> = {
  nistp256: { jwk: 'P-256', bytes: 32, bits: 256, hash: 'sha256', node: 'prime256v1' },
  nistp384: { jwk: 'P-384', bytes: 48, bits: 384, hash: 'sha384', node: 'secp384r1' },
  nistp521: { jwk: 'P-521', bytes: 66, bits: 521, hash: 'sha512', node: 'secp521r1' },
};

/** OpenSSH refuses RSA keys under 1024 bits (RequiredRSASize); over 16384 only slows everything down. */
const RSA_MIN_BITS = 1024;
const RSA_MAX_BITS = 16384;

const REGENERATE = 'Generate a new Ed25519 key with `burrow key generate` and send its public key to the vendor.';

/** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`…: the name on the public key line. */
export function algorithmOf(k: PublicKeyParts): string {
  switch (k.kind) {
    case 'ed25519':
      return 'ssh-ed25519';
    case 'rsa':
      return 'ssh-rsa';
    case 'ecdsa':
      return `ecdsa-sha2-${k.curve}`;
  }
}

/** The size `ssh-keygen -l` prints: modulus bits for RSA, curve size otherwise. */
export function bitsOf(k: PublicKeyParts): number {
  switch (k.kind) {
    case 'ed25519':
      return 256;
    case 'rsa':
      return bitLength(k.n);
    case 'ecdsa':
      return CURVES[k.curve].bits;
  }
}

function bitLength(n: Buffer): number {
  const v = stripZeros(n);
  return v.length === 0 ? 0 : (v.length - 1) * 8 + (32 - Math.clz32(v[0]!));
}

/** The SSH public key blob (what the public key line carries in base64, and what is fingerprinted). */
export function publicBlob(k: PublicKeyParts): Buffer {
  switch (k.kind) {
    case 'ed25519':
      return Buffer.concat([wireString('ssh-ed25519'), wireString(k.pub)]);
    case 'rsa':
      return Buffer.concat([wireString('ssh-rsa'), wireMpint(k.e), wireMpint(k.n)]);
    case 'ecdsa':
      return Buffer.concat([wireString(algorithmOf(k)), wireString(k.curve), wireString(k.q)]);
  }
}

/** Only the public numbers of a key. */
export function publicPartsOf(m: KeyMaterial): PublicKeyParts {
  switch (m.kind) {
    case 'ed25519':
      return { kind: 'ed25519', pub: m.pub };
    case 'rsa':
      return { kind: 'rsa', n: m.n, e: m.e };
    case 'ecdsa':
      return { kind: 'ecdsa', curve: m.curve, q: m.q };
  }
}

/** Rejects key types Burrow cannot use, with the reason and the fix. */
export function unsupportedAlgorithm(name: string): Error {
  if (name === 'ssh-dss') {
    return keyError('KEY_UNSUPPORTED', 'this is a DSA key, which OpenSSH has refused by default since version 7.0', REGENERATE);
  }
  if (name.startsWith('sk-')) {
    return keyError('KEY_UNSUPPORTED', 'this is a FIDO hardware security key (sk-…), which needs the physical key and OpenSSH itself', REGENERATE);
  }
  if (name.includes('-cert-v01@openssh.com')) {
    return keyError('KEY_UNSUPPORTED', 'this is an OpenSSH certificate, not a key', 'Give the private key file the certificate was issued for.');
  }
  return keyError('KEY_UNSUPPORTED', `the key type ${printable(name)} is not one Burrow handles (Ed25519, RSA, ECDSA P-256/384/521)`, REGENERATE);
}

/** Reads a key type's public numbers from the reader, after its algorithm name. */
function readPublicParts(algorithm: string, r: WireReader): PublicKeyParts {
  if (algorithm === 'ssh-ed25519') {
    const pub = r.string();
    if (pub.length !== 32) throw corrupt('an Ed25519 public key is not 32 bytes long');
    return { kind: 'ed25519', pub };
  }
  if (algorithm === 'ssh-rsa') {
    const e = r.mpint();
    const n = r.mpint();
    checkRsa(n, e);
    return { kind: 'rsa', n, e };
  }
  const curve = curveOfAlgorithm(algorithm);
  if (curve) {
    const named = r.text();
    if (named !== curve) throw corrupt('the ECDSA curve name does not match the key type');
    const q = r.string();
    checkPoint(curve, q);
    return { kind: 'ecdsa', curve, q };
  }
  throw unsupportedAlgorithm(algorithm);
}

/** Parses a whole public key blob. */
export function parsePublicBlob(blob: Buffer): PublicKeyParts {
  const r = new WireReader(blob, 'public key');
  const parts = readPublicParts(r.text(), r);
  if (r.remaining !== 0) throw corrupt('the public key has extra data after it');
  return parts;
}

export function curveOfAlgorithm(algorithm: string): EcCurve | undefined {
  const m = /^ecdsa-sha2-(nistp256|nistp384|nistp521)$/.exec(algorithm);
  return m ? (m[1] as EcCurve) : undefined;
}

function checkRsa(n: Buffer, e: Buffer): void {
  const bits = bitLength(n);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw keyError(
      'KEY_UNSUPPORTED',
      `this RSA key has ${bits} bits; Burrow takes ${RSA_MIN_BITS} to ${RSA_MAX_BITS} (servers refuse smaller keys)`,
      REGENERATE,
    );
  }
  if (e.length === 0 || e.length > 8 || (e[e.length - 1]! & 1) === 0) throw corrupt('the RSA public exponent is not valid');
}

function checkPoint(curve: EcCurve, q: Buffer): void {
  // OpenSSH only ever writes uncompressed points (0x04 ‖ x ‖ y).
  if (q.length !== 1 + 2 * CURVES[curve].bytes || q[0] !== 4) throw corrupt('the ECDSA public point is not valid');
}

export function corrupt(what: string): Error {
  return keyError('KEY_CORRUPT', `the key is damaged: ${what}`, 'Export the key again from the tool that made it, or use a backup copy.');
}

const b64u = (b: Buffer): string => b.toString('base64url');
const fromB64u = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64url');
const big = (b: Buffer): bigint => (b.length === 0 ? 0n : BigInt('0x' + b.toString('hex')));
const unbig = (v: bigint): Buffer => {
  const hex = v.toString(16);
  return Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex');
};

function padTo(b: Buffer, len: number): Buffer {
  const v = stripZeros(b);
  if (v.length > len) throw corrupt('a private number is longer than its curve allows');
  return Buffer.concat([Buffer.alloc(len - v.length), v]);
}

function publicJwk(k: PublicKeyParts): JsonWebKey {
  switch (k.kind) {
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: b64u(k.pub) };
    case 'rsa':
      return { kty: 'RSA', n: b64u(k.n), e: b64u(k.e) };
    case 'ecdsa': {
      const len = CURVES[k.curve].bytes;
      return { kty: 'EC', crv: CURVES[k.curve].jwk, x: b64u(k.q.subarray(1, 1 + len)), y: b64u(k.q.subarray(1 + len)) };
    }
  }
}

/** Node's KeyObject for a key's private half, for the sign-and-verify check. */
function privateKeyObject(m: KeyMaterial): KeyObject {
  const jwk: JsonWebKey = { ...publicJwk(publicPartsOf(m)) };
  switch (m.kind) {
    case 'ed25519':
      if (m.seed.length !== 32) throw corrupt('an Ed25519 private key is not 32 bytes long');
      jwk.d = b64u(m.seed);
      break;
    case 'rsa': {
      const [d, p, q] = [big(m.d), big(m.p), big(m.q)];
      if (p < 2n || q < 2n || d < 1n) throw corrupt('an RSA private number is zero');
      Object.assign(jwk, { d: b64u(m.d), p: b64u(m.p), q: b64u(m.q), dp: b64u(unbig(d % (p - 1n))), dq: b64u(unbig(d % (q - 1n))), qi: b64u(m.iqmp) });
      break;
    }
    case 'ecdsa':
      jwk.d = b64u(padTo(m.d, CURVES[m.curve].bytes));
      break;
  }
  try {
    return createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    throw corrupt('its numbers do not form a valid key');
  }
}

/**
 * Proves the private half matches the public half by signing and verifying, as a server would.
 * Catches damage that no checksum covers (unencrypted OpenSSH keys have none) and halves from
 * different keys (a PPK's public and private blobs are stored apart).
 */
export function checkKeyPair(m: KeyMaterial): void {
  if (m.kind === 'rsa') {
    // p·q = n is cheap to check and rejects damage before OpenSSL spends time on it.
    if (big(m.p) * big(m.q) !== big(m.n)) throw corrupt('the RSA private numbers do not match the public key');
  }
  const priv = privateKeyObject(m);
  const pub = createPublicKey({ key: publicJwk(publicPartsOf(m)), format: 'jwk' });
  const hash = m.kind === 'ed25519' ? null : m.kind === 'rsa' ? 'sha256' : CURVES[m.curve].hash;
  const probe = Buffer.from('burrow key check');
  let ok = false;
  try {
    ok = verify(hash, probe, pub, sign(hash, probe, priv));
  } catch {
    ok = false;
  }
  if (!ok) throw corrupt('the private half does not belong to the public half');
}

/** Reads Node's KeyObject (from PEM/PKCS#8 or generation) into the internal shape. */
export function materialFromKeyObject(key: KeyObject, comment: string): KeyMaterial {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') {
    const jwk = key.export({ format: 'jwk' });
    return { kind: 'ed25519', comment, pub: fromB64u(jwk.x), seed: fromB64u(jwk.d) };
  }
  if (type === 'rsa') {
    const jwk = key.export({ format: 'jwk' });
    const n = stripZeros(fromB64u(jwk.n));
    const e = stripZeros(fromB64u(jwk.e));
    checkRsa(n, e);
    return {
      kind: 'rsa',
      comment,
      n,
      e,
      d: stripZeros(fromB64u(jwk.d)),
      iqmp: stripZeros(fromB64u(jwk.qi)),
      p: stripZeros(fromB64u(jwk.p)),
      q: stripZeros(fromB64u(jwk.q)),
    };
  }
  if (type === 'ec') {
    const named = key.asymmetricKeyDetails?.namedCurve;
    const curve = (Object.keys(CURVES) as EcCurve[]).find((c) => CURVES[c].node === named);
    if (!curve) {
      throw keyError('KEY_UNSUPPORTED', `this EC key uses the curve ${printable(named ?? '')}; SSH uses only P-256, P-384 and P-521`, REGENERATE);
    }
    const jwk = key.export({ format: 'jwk' });
    const len = CURVES[curve].bytes;
    const q = Buffer.concat([Buffer.from([4]), padTo(fromB64u(jwk.x), len), padTo(fromB64u(jwk.y), len)]);
    return { kind: 'ecdsa', comment, curve, q, d: stripZeros(fromB64u(jwk.d)) };
  }
  if (type === 'dsa') throw unsupportedAlgorithm('ssh-dss');
  throw keyError('KEY_UNSUPPORTED', `this is a${type ? `n ${printable(type)}` : 'n unknown'} key, not one SSH uses (Ed25519, RSA, ECDSA)`, REGENERATE);
}

/** Reads Node's public KeyObject (from a PEM public key) into public numbers. */
export function publicPartsFromKeyObject(key: KeyObject): PublicKeyParts {
  const type = key.asymmetricKeyType;
  if (type === 'dsa') throw unsupportedAlgorithm('ssh-dss');
  if (type !== 'ed25519' && type !== 'rsa' && type !== 'ec') {
    throw keyError('KEY_UNSUPPORTED', `this is a${type ? `n ${printable(type)}` : 'n unknown'} public key, not one SSH uses (Ed25519, RSA, ECDSA)`, REGENERATE);
  }
  const jwk = key.export({ format: 'jwk' });
  if (type === 'ed25519') return { kind: 'ed25519', pub: fromB64u(jwk.x) };
  if (type === 'rsa') {
    const n = stripZeros(fromB64u(jwk.n));
    const e = stripZeros(fromB64u(jwk.e));
    checkRsa(n, e);
    return { kind: 'rsa', n, e };
  }
  const curve = (Object.keys(CURVES) as EcCurve[]).find((c) => CURVES[c].jwk === jwk.crv);
  if (!curve) {
    throw keyError('KEY_UNSUPPORTED', `this EC public key uses the curve ${printable(jwk.crv ?? '')}; SSH uses only P-256, P-384 and P-521`, REGENERATE);
  }
  const len = CURVES[curve].bytes;
  return { kind: 'ecdsa', curve, q: Buffer.concat([Buffer.from([4]), padTo(fromB64u(jwk.x), len), padTo(fromB64u(jwk.y), len)]) };
}
