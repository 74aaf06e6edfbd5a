/** OpenSSH's own private key format (`openssh-key-v1`, PROTOCOL.key), read and written. */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { keyError, printable } from './errors.js';
import { bcryptKdf } from './kdf.js';
import type { KeyMaterial, PublicKeyParts } from './material.js';
import { algorithmOf, corrupt, curveOfAlgorithm, parsePublicBlob, publicBlob, unsupportedAlgorithm } from './material.js';
import { WireReader, wireMpint, wireString, wireUint32 } from './wire.js';

export const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
export const OPENSSH_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
export const OPENSSH_END = '-----END OPENSSH PRIVATE KEY-----';

interface CipherSpec {
  readonly node: string;
  readonly keyLen: number;
  readonly ivLen: number;
  readonly tagLen: number;
}

// The ciphers `ssh-keygen -Z` offers for key files, minus chacha20-poly1305 (Node has no raw
// Poly1305 and OpenSSH's construction is not the IETF AEAD Node implements).
const CIPHERS: Readonly<Record<string, CipherSpec>> = {
  'aes128-ctr': { node: 'aes-128-ctr', keyLen: 16, ivLen: 16, tagLen: 0 },
  'aes192-ctr': { node: 'aes-192-ctr', keyLen: 24, ivLen: 16, tagLen: 0 },
  'aes256-ctr': { node: 'aes-256-ctr', keyLen: 32, ivLen: 16, tagLen: 0 },
  'aes128-cbc': { node: 'aes-128-cbc', keyLen: 16, ivLen: 16, tagLen: 0 },
  'aes192-cbc': { node: 'aes-192-cbc', keyLen: 24, ivLen: 16, tagLen: 0 },
  'aes256-cbc': { node: 'aes-256-cbc', keyLen: 32, ivLen: 16, tagLen: 0 },
  'aes128-gcm@openssh.com': { node: 'aes-128-gcm', keyLen: 16, ivLen: 12, tagLen: 16 },
  'aes256-gcm@openssh.com': { node: 'aes-256-gcm', keyLen: 32, ivLen: 12, tagLen: 16 },
};

/** ssh-keygen's defaults for a new passphrase: aes256-ctr with 16 bcrypt rounds. */
const WRITE_CIPHER = 'aes256-ctr';
const DEFAULT_BCRYPT_ROUNDS = 16;

const REENCRYPT = 'Re-encrypt it with `ssh-keygen -p -Z aes256-ctr -f FILE`, or export it from its tool without a passphrase.';

interface Outer {
  readonly cipher: string;
  readonly kdf: string;
  readonly kdfOptions: Buffer;
  readonly pubBlob: Buffer;
  readonly publicKey: PublicKeyParts;
  readonly sealed: Buffer;
  readonly tag: Buffer;
}

function readOuter(bin: Buffer): Outer {
  if (!bin.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) {
    throw keyError('KEY_CORRUPT', 'the key is damaged: the OpenSSH key does not start with "openssh-key-v1"', 'Copy the key again, whole and unmodified.');
  }
  const r = new WireReader(bin.subarray(OPENSSH_MAGIC.length), 'OpenSSH key');
  const cipher = r.text();
  const kdf = r.text();
  const kdfOptions = r.string();
  const count = r.uint32();
  if (count !== 1) {
    throw count === 0
      ? corrupt('the OpenSSH key file holds no key')
      : keyError('KEY_UNSUPPORTED', `the OpenSSH file holds ${count} keys; Burrow reads files with one`, 'Split it with ssh-keygen, one key per file.');
  }
  const pubBlob = r.string();
  const sealed = r.string();
  // For AEAD ciphers the tag follows the encrypted section, outside its length (PROTOCOL.key).
  const tag = r.rest();
  return { cipher, kdf, kdfOptions, pubBlob, publicKey: parsePublicBlob(pubBlob), sealed, tag };
}

/** The public half and whether a passphrase is needed, without decrypting anything. */
export function inspectOpenSsh(bin: Buffer): { readonly publicKey: PublicKeyParts; readonly encrypted: boolean } {
  const o = readOuter(bin);
  return { publicKey: o.publicKey, encrypted: o.cipher !== 'none' };
}

/** Reads an OpenSSH private key; `passphrase` is needed only when the file is encrypted. */
export function readOpenSsh(bin: Buffer, passphrase: Buffer | undefined): KeyMaterial {
  const o = readOuter(bin);
  const encrypted = o.cipher !== 'none';
  let plain: Buffer;
  if (!encrypted) {
    if (o.kdf !== 'none') throw corrupt('an unencrypted key names a KDF');
    if (o.sealed.length % 8 !== 0) throw corrupt('the private section has a broken length');
    plain = o.sealed;
  } else {
    const spec = CIPHERS[o.cipher];
    if (!spec) {
      throw keyError('KEY_UNSUPPORTED', `the key is encrypted with the cipher ${printable(o.cipher)}, which Burrow does not read`, REENCRYPT);
    }
    if (o.kdf !== 'bcrypt') {
      throw keyError('KEY_UNSUPPORTED', `the key uses the KDF ${printable(o.kdf)}; OpenSSH keys use bcrypt`, REENCRYPT);
    }
    if (!passphrase || passphrase.length === 0) throw passphraseNeeded();
    const kr = new WireReader(o.kdfOptions, 'OpenSSH KDF options');
    const salt = kr.string();
    const rounds = kr.uint32();
    if (o.sealed.length % 16 !== 0 || o.tag.length !== spec.tagLen) throw corrupt('the encrypted section has a broken length');
    const keyIv = bcryptKdf(passphrase, salt, rounds, spec.keyLen + spec.ivLen);
    const decipher = createDecipheriv(spec.node, keyIv.subarray(0, spec.keyLen), keyIv.subarray(spec.keyLen));
    decipher.setAutoPadding(false);
    if (spec.tagLen > 0) (decipher as ReturnType<typeof createDecipheriv> & { setAuthTag(t: Buffer): void }).setAuthTag(o.tag);
    try {
      plain = Buffer.concat([decipher.update(o.sealed), decipher.final()]);
    } catch {
      throw passphraseWrong();
    }
  }
  const r = new WireReader(plain, 'OpenSSH private section');
  const check1 = r.bytes(4);
  const check2 = r.bytes(4);
  // The two check words are equal random numbers: after a wrong passphrase they differ (sshkey.c).
  if (!timingSafeEqual(check1, check2)) throw encrypted ? passphraseWrong() : corrupt('its check words differ');
  const m = readPrivateFields(r);
  const padding = r.rest();
  // OpenSSH pads with 1, 2, 3, … and rejects anything else (private_key_check_padding).
  if (padding.some((b, i) => b !== ((i + 1) & 0xff))) throw corrupt('its padding is wrong');
  if (!publicBlob(m).equals(publicBlob(o.publicKey))) throw corrupt('the public key in the file does not match the private key');
  return m;
}

function readPrivateFields(r: WireReader): KeyMaterial {
  const algorithm = r.text();
  if (algorithm === 'ssh-ed25519') {
    const pub = r.string();
    const secret = r.string();
    // OpenSSH stores the 32-byte seed followed by the public key (the NaCl secret-key layout).
    if (pub.length !== 32 || secret.length !== 64 || !secret.subarray(32).equals(pub)) throw corrupt('the Ed25519 private key has the wrong layout');
    return { kind: 'ed25519', pub, seed: secret.subarray(0, 32), comment: r.text() };
  }
  if (algorithm === 'ssh-rsa') {
    const [n, e, d, iqmp, p, q] = [r.mpint(), r.mpint(), r.mpint(), r.mpint(), r.mpint(), r.mpint()];
    return { kind: 'rsa', n, e, d, iqmp, p, q, comment: r.text() };
  }
  const curve = curveOfAlgorithm(algorithm);
  if (curve) {
    if (r.text() !== curve) throw corrupt('the ECDSA curve name does not match the key type');
    const q = r.string();
    const d = r.mpint();
    return { kind: 'ecdsa', curve, q, d, comment: r.text() };
  }
  throw unsupportedAlgorithm(algorithm);
}

function privateFields(m: KeyMaterial): Buffer {
  switch (m.kind) {
    case 'ed25519':
      return Buffer.concat([wireString('ssh-ed25519'), wireString(m.pub), wireString(Buffer.concat([m.seed, m.pub]))]);
    case 'rsa':
      return Buffer.concat([wireString('ssh-rsa'), ...[m.n, m.e, m.d, m.iqmp, m.p, m.q].map(wireMpint)]);
    case 'ecdsa':
      return Buffer.concat([wireString(algorithmOf(m)), wireString(m.curve), wireString(m.q), wireMpint(m.d)]);
  }
}

/** Writes an OpenSSH private key file, encrypted like ssh-keygen does when a passphrase is given. */
export function writeOpenSsh(m: KeyMaterial, passphrase?: Buffer, rounds = DEFAULT_BCRYPT_ROUNDS): Buffer {
  const encrypt = passphrase !== undefined && passphrase.length > 0;
  const check = randomBytes(4);
  const body = Buffer.concat([check, check, privateFields(m), wireString(m.comment)]);
  const block = encrypt ? 16 : 8;
  const pad = Buffer.from(Array.from({ length: (block - (body.length % block)) % block }, (_, i) => i + 1));
  const plain = Buffer.concat([body, pad]);
  let sealed = plain;
  let kdfOptions = Buffer.alloc(0);
  if (encrypt) {
    const spec = CIPHERS[WRITE_CIPHER]!;
    const salt = randomBytes(16);
    kdfOptions = Buffer.concat([wireString(salt), wireUint32(rounds)]);
    const keyIv = bcryptKdf(passphrase, salt, rounds, spec.keyLen + spec.ivLen);
    const cipher = createCipheriv(spec.node, keyIv.subarray(0, spec.keyLen), keyIv.subarray(spec.keyLen));
    sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  }
  const bin = Buffer.concat([
    OPENSSH_MAGIC,
    wireString(encrypt ? WRITE_CIPHER : 'none'),
    wireString(encrypt ? 'bcrypt' : 'none'),
    wireString(kdfOptions),
    wireUint32(1),
    wireString(publicBlob(m)),
    wireString(sealed),
  ]);
  // ssh-keygen wraps the base64 at 70 columns.
  const lines = bin.toString('base64').match(/.{1,70}/g) ?? [];
  return Buffer.from([OPENSSH_BEGIN, ...lines, OPENSSH_END, ''].join('\n'));
}

export function passphraseNeeded(): Error {
  return keyError(
    'KEY_PASSPHRASE_NEEDED',
    'the key is protected by a passphrase and none was given',
    'Give the passphrase with --passphrase-file FILE (or the BURROW_PASSPHRASE environment variable).',
  );
}

export function passphraseWrong(): Error {
  return keyError(
    'KEY_PASSPHRASE_WRONG',
    'the passphrase does not unlock this key',
    'Check the passphrase (a passphrase file holds it on its first line, without quotes).',
  );
}
