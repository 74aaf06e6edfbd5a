/**
 * PuTTY's `.ppk` format, versions 2 and 3, read and written by Burrow itself: sshpk's PuTTY
 * writer puts the private numbers in the wrong section and writes no MAC, so puttygen rejects
 * its files (tried with puttygen 0.78; see the README's workaround table), and ssh2 reads only
 * unencrypted-or-v2 RSA.
 *
 * Layout (PuTTY's sshpubk.c): header lines, the public blob, for encrypted v3 the Argon2
 * parameters, the private blob, and an HMAC over algorithm, encryption, comment and both blobs
 * (the private one decrypted and padded). v2: HMAC-SHA-1 keyed with
 * SHA-1("putty-private-key-file-mac-key" ‖ passphrase), AES-256-CBC key
 * SHA-1(0 ‖ pass) ‖ SHA-1(1 ‖ pass), zero IV. v3: HMAC-SHA-256; cipher key, IV and MAC key are
 * 32 + 16 + 32 bytes of Argon2 output, and the MAC key is empty when unencrypted.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { keyError, printable, truncated } from './errors.js';
import type { Argon2Flavour, Argon2Params } from './kdf.js';
import { argon2Kdf } from './kdf.js';
import type { KeyMaterial, PublicKeyParts } from './material.js';
import { algorithmOf, corrupt, parsePublicBlob, publicBlob, publicPartsOf } from './material.js';
import { passphraseNeeded, passphraseWrong } from './openssh.js';
import { WireReader, wireMpint, wireString, wireUint32 } from './wire.js';

export type PpkVersion = 2 | 3;

/** Argon2 settings for the v3 files Burrow writes: PuTTY's memory and flavour; passes as puttygen calibrates them on a current PC (~100 ms in C). */
const WRITE_ARGON2 = { flavour: 'Argon2id', memory: 8192, passes: 34, parallelism: 1 } as const;

/** More lines than any real key needs (an RSA-16384 private blob is ~60 lines). */
const MAX_LINES = 1000;

interface PpkFile {
  readonly version: PpkVersion;
  readonly algorithm: string;
  readonly encryption: string;
  readonly comment: Buffer;
  readonly publicBlob: Buffer;
  readonly privateBlob: Buffer;
  readonly mac: Buffer;
  readonly headers: ReadonlyMap<string, string>;
}

/** True when the text starts like a PuTTY key file. */
export function looksLikePpk(text: string): boolean {
  return /^PuTTY-User-Key-File-\d+:/m.test(text);
}

/**
 * `bytes` is the file as a byte string (latin1: one character per byte), because the MAC covers
 * the comment's bytes as written: Windows PuTTYgen writes it in the ANSI code page, not UTF-8.
 */
function parse(bytes: string): PpkFile {
  const lines = bytes.replace(/\r\n?/g, '\n').split('\n');
  const start = lines.findIndex((l) => l.startsWith('PuTTY-User-Key-File-'));
  const first = /^PuTTY-User-Key-File-(\d+): *(\S*)\s*$/.exec(lines[start] ?? '');
  if (!first) throw corrupt('the PuTTY header line is not valid');
  const version = Number(first[1]);
  if (version !== 2 && version !== 3) {
    throw keyError(
      'KEY_UNSUPPORTED',
      `this is a version ${printable(first[1]!)} PuTTY key; Burrow reads versions 2 and 3`,
      'Open it in a current PuTTYgen and save it again (File → Save private key).',
    );
  }
  const headers = new Map<string, string>();
  const blobs = new Map<string, Buffer>();
  let i = start + 1;
  while (i < lines.length) {
    const line = lines[i++]!;
    if (line.trim() === '') continue;
    const m = /^([A-Za-z0-9-]+): ?(.*)$/.exec(line);
    if (!m) throw corrupt('a PuTTY key line is not "Name: value"');
    const [, name, value] = m as unknown as [string, string, string];
    if (name === 'Public-Lines' || name === 'Private-Lines') {
      const count = Number(value.trim());
      if (!Number.isInteger(count) || count < 0 || count > MAX_LINES) throw corrupt(`the ${name} count is not valid`);
      if (i + count > lines.length) throw truncated('PuTTY key');
      const b64 = lines
        .slice(i, i + count)
        .join('')
        .trim();
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw corrupt(`the ${name === 'Public-Lines' ? 'public' : 'private'} key lines are not base64`);
      blobs.set(name, Buffer.from(b64, 'base64'));
      i += count;
    } else {
      headers.set(name, value);
    }
  }
  const pub = blobs.get('Public-Lines');
  const priv = blobs.get('Private-Lines');
  const mac = headers.get('Private-MAC');
  // The MAC is the last line: a file cut anywhere loses it.
  if (pub === undefined || priv === undefined || mac === undefined) throw truncated('PuTTY key');
  if (!/^[0-9a-fA-F]+$/.test(mac.trim())) throw corrupt('the Private-MAC is not hexadecimal');
  const encryption = headers.get('Encryption');
  if (encryption === undefined) throw corrupt('the Encryption line is missing');
  return {
    version,
    algorithm: first[2]!,
    encryption: encryption.trim(),
    comment: Buffer.from(headers.get('Comment') ?? '', 'latin1'),
    publicBlob: pub,
    privateBlob: priv,
    mac: Buffer.from(mac.trim(), 'hex'),
    headers,
  };
}

function argon2Params(f: PpkFile): Argon2Params {
  const flavour = f.headers.get('Key-Derivation')?.trim();
  if (flavour !== 'Argon2id' && flavour !== 'Argon2i' && flavour !== 'Argon2d') {
    throw flavour === undefined
      ? corrupt('the Key-Derivation line is missing')
      : keyError('KEY_UNSUPPORTED', `the key uses the key derivation ${printable(flavour)}; PuTTY uses Argon2`, 'Re-save the key in a current PuTTYgen.');
  }
  const int = (name: string): number => {
    const v = f.headers.get(name)?.trim() ?? '';
    if (!/^\d{1,10}$/.test(v)) throw corrupt(`the ${name} line is missing or not a number`);
    return Number(v);
  };
  const salt = f.headers.get('Argon2-Salt')?.trim() ?? '';
  if (!/^([0-9a-fA-F]{2})+$/.test(salt)) throw corrupt('the Argon2-Salt line is missing or not hexadecimal');
  return {
    flavour: flavour as Argon2Flavour,
    memory: int('Argon2-Memory'),
    passes: int('Argon2-Passes'),
    parallelism: int('Argon2-Parallelism'),
    salt: Buffer.from(salt, 'hex'),
  };
}

interface Secrets {
  readonly cipherKey?: Buffer;
  readonly iv?: Buffer;
  readonly macKey: Buffer;
}

async function secrets(version: PpkVersion, passphrase: Buffer | undefined, argon?: Argon2Params): Promise<Secrets> {
  const pass = passphrase ?? Buffer.alloc(0);
  if (version === 2) {
    const macKey = createHash('sha1').update('putty-private-key-file-mac-key').update(pass).digest();
    if (!passphrase) return { macKey };
    const sha = (n: number): Buffer => createHash('sha1').update(wireUint32(n)).update(pass).digest();
    return { cipherKey: Buffer.concat([sha(0), sha(1)]).subarray(0, 32), iv: Buffer.alloc(16), macKey };
  }
  if (!passphrase || !argon) return { macKey: Buffer.alloc(0) };
  const out = await argon2Kdf(pass, argon, 80);
  return { cipherKey: out.subarray(0, 32), iv: out.subarray(32, 48), macKey: out.subarray(48, 80) };
}

function mac(version: PpkVersion, key: Buffer, algorithm: string, encryption: string, comment: Buffer, pub: Buffer, priv: Buffer): Buffer {
  return createHmac(version === 2 ? 'sha1' : 'sha256', key)
    .update(Buffer.concat([wireString(algorithm), wireString(encryption), wireString(comment), wireString(pub), wireString(priv)]))
    .digest();
}

// Windows-1252's 0x80–0x9F (the rest is Latin-1). Node 20's TextDecoder('windows-1252') decodes
// as plain Latin-1 (nodejs/node#56542), so the 32 differing code points are spelled out.
const CP1252_HIGH = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ';

/** A comment's bytes as text: UTF-8 when they are valid UTF-8, else Windows-1252 (PuTTYgen's usual ANSI code page). */
function commentText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return Array.from(bytes, (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : String.fromCharCode(b))).join('');
  }
}

/** The public half, comment and whether a passphrase is needed, without decrypting anything. */
export function inspectPpk(text: string): {
  readonly publicKey: PublicKeyParts;
  readonly comment: string;
  readonly encrypted: boolean;
  readonly version: PpkVersion;
} {
  const f = parse(text);
  const publicKey = parsePublicBlob(f.publicBlob);
  if (algorithmOf(publicKey) !== f.algorithm) throw corrupt('the key type in the header does not match the public key');
  return { publicKey, comment: commentText(f.comment), encrypted: f.encryption !== 'none', version: f.version };
}

/** Reads a `.ppk` file (v2 or v3, plain or encrypted). */
export async function readPpk(text: string, passphrase: Buffer | undefined): Promise<KeyMaterial> {
  const f = parse(text);
  const publicKey = parsePublicBlob(f.publicBlob);
  if (algorithmOf(publicKey) !== f.algorithm) throw corrupt('the key type in the header does not match the public key');
  const encrypted = f.encryption !== 'none';
  if (encrypted && f.encryption !== 'aes256-cbc') {
    throw keyError('KEY_UNSUPPORTED', `the key is encrypted with ${printable(f.encryption)}; PuTTY uses aes256-cbc`, 'Re-save the key in a current PuTTYgen.');
  }
  if (encrypted && (!passphrase || passphrase.length === 0)) throw passphraseNeeded();
  const s = await secrets(f.version, encrypted ? passphrase : undefined, encrypted && f.version === 3 ? argon2Params(f) : undefined);
  let priv = f.privateBlob;
  if (encrypted) {
    if (priv.length % 16 !== 0) throw corrupt('the private key lines have a broken length');
    const d = createDecipheriv('aes-256-cbc', s.cipherKey!, s.iv!);
    d.setAutoPadding(false);
    priv = Buffer.concat([d.update(priv), d.final()]);
  }
  const expected = mac(f.version, s.macKey, f.algorithm, f.encryption, f.comment, f.publicBlob, priv);
  if (expected.length !== f.mac.length || !timingSafeEqual(expected, f.mac)) {
    // With encryption, a wrong passphrase and a damaged file look the same; the passphrase is the likelier cause.
    throw encrypted ? passphraseWrong() : corrupt('its Private-MAC does not match (the file was changed after PuTTYgen saved it)');
  }
  return withPrivate(publicKey, new WireReader(priv, 'PuTTY private key'), commentText(f.comment));
}

function withPrivate(pub: PublicKeyParts, r: WireReader, comment: string): KeyMaterial {
  switch (pub.kind) {
    case 'rsa': {
      const [d, p, q, iqmp] = [r.mpint(), r.mpint(), r.mpint(), r.mpint()];
      return { ...pub, comment, d, p, q, iqmp };
    }
    case 'ecdsa':
      return { ...pub, comment, d: r.mpint() };
    case 'ed25519': {
      // PuTTY stores the Ed25519 secret as a little-endian integer in a string: 32 bytes as
      // puttygen 0.78 writes it; a shorter string is the same integer without its high zero bytes.
      const le = r.string();
      if (le.length > 32) throw corrupt('the Ed25519 private key is longer than 32 bytes');
      return { ...pub, comment, seed: Buffer.concat([le, Buffer.alloc(32 - le.length)]) };
    }
  }
}

function privateBlob(m: KeyMaterial): Buffer {
  switch (m.kind) {
    case 'rsa':
      return Buffer.concat([m.d, m.p, m.q, m.iqmp].map(wireMpint));
    case 'ecdsa':
      return wireMpint(m.d);
    case 'ed25519':
      return wireString(m.seed);
  }
}

function base64Lines(b: Buffer): string[] {
  // PuTTY writes 64 characters per line.
  return b.toString('base64').match(/.{1,64}/g) ?? [];
}

/** Writes a `.ppk` file puttygen reads back, v3 by default (PuTTY ≥ 0.75) or v2 for older PuTTY. */
export async function writePpk(m: KeyMaterial, version: PpkVersion, passphrase?: Buffer): Promise<Buffer> {
  const encrypt = passphrase !== undefined && passphrase.length > 0;
  const algorithm = algorithmOf(m);
  const encryption = encrypt ? 'aes256-cbc' : 'none';
  // The comment is one header line: a line break in it would end the header early.
  const comment = m.comment.replace(/[\r\n]+/g, ' ');
  const pub = publicBlob(publicPartsOf(m));
  let priv = privateBlob(m);
  const argon: Argon2Params | undefined = encrypt && version === 3 ? { ...WRITE_ARGON2, salt: randomBytes(16) } : undefined;
  const s = await secrets(version, encrypt ? passphrase : undefined, argon);
  if (encrypt) {
    // Padded to the AES block; the MAC covers the padding, so its content only has to be unguessable.
    priv = Buffer.concat([priv, randomBytes((16 - (priv.length % 16)) % 16)]);
  }
  const macHex = mac(version, s.macKey, algorithm, encryption, Buffer.from(comment, 'utf8'), pub, priv).toString('hex');
  let sealed = priv;
  if (encrypt) {
    const c = createCipheriv('aes-256-cbc', s.cipherKey!, s.iv!);
    c.setAutoPadding(false);
    sealed = Buffer.concat([c.update(priv), c.final()]);
  }
  const pubLines = base64Lines(pub);
  const privLines = base64Lines(sealed);
  const lines = [
    `PuTTY-User-Key-File-${version}: ${algorithm}`,
    `Encryption: ${encryption}`,
    `Comment: ${comment}`,
    `Public-Lines: ${pubLines.length}`,
    ...pubLines,
    ...(argon
      ? [
          `Key-Derivation: ${argon.flavour}`,
          `Argon2-Memory: ${argon.memory}`,
          `Argon2-Passes: ${argon.passes}`,
          `Argon2-Parallelism: ${argon.parallelism}`,
          `Argon2-Salt: ${argon.salt.toString('hex')}`,
        ]
      : []),
    `Private-Lines: ${privLines.length}`,
    ...privLines,
    `Private-MAC: ${macHex}`,
    '',
  ];
  return Buffer.from(lines.join('\n'));
}
