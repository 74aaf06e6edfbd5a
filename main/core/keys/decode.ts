/**
 * Recognises what a person handed Burrow (a file, pasted text, or base64 of either, as Secoda's
 * `SSH_KEY_BASE64`) and reads it into the internal key shape. Runs only in the key worker.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { KeyError, keyError, truncated } from './errors.js';
import type { KeyMaterial, PublicKeyParts } from './material.js';
import { checkKeyPair, corrupt, materialFromKeyObject, parsePublicBlob, publicPartsFromKeyObject, publicPartsOf } from './material.js';
import { inspectOpenSsh, OPENSSH_BEGIN, OPENSSH_END, OPENSSH_MAGIC, passphraseNeeded, passphraseWrong, readOpenSsh } from './openssh.js';
import { inspectPpk, looksLikePpk, readPpk } from './ppk.js';

/** Where a key came from, so the wizard can say "PuTTY key (v2)" and offer the right next step. */
export type KeySourceFormat = 'openssh' | 'pem-pkcs1' | 'pem-sec1' | 'pkcs8' | 'ppk2' | 'ppk3' | 'public' | 'generated';

/** What reading found: always the public half; the private half only when it was asked for. */
export interface Decoded {
  readonly format: KeySourceFormat;
  readonly encrypted: boolean;
  readonly comment: string;
  readonly publicKey: PublicKeyParts;
  readonly material?: KeyMaterial;
}

/** The largest real key file (RSA-16384 as .ppk) is ~13 KB; anything far bigger is the wrong file. */
const MAX_KEY_INPUT = 256 * 1024;

const FORMATS_HINT = 'Burrow reads OpenSSH private keys, PEM/PKCS#8 private keys and PuTTY .ppk files, as files, pasted text or base64.';

/** `private`: the whole key is needed. `public`: only what identifies it (no passphrase if avoidable). */
export type DecodeMode = 'private' | 'public';

/** Reads any supported key from raw bytes. */
export async function decodeKey(input: Buffer, passphrase: Buffer | undefined, mode: DecodeMode): Promise<Decoded> {
  if (input.length > MAX_KEY_INPUT) {
    throw keyError(
      'KEY_UNRECOGNISED',
      `this is ${input.length} bytes, far more than any key file`,
      'Check that you picked the private key file (usually id_ed25519, id_rsa, *.pem or *.ppk).',
    );
  }
  let decoded: Decoded;
  try {
    decoded = await decodeAny(input, passphrase, mode, 0);
  } catch (err) {
    if (err instanceof KeyError) throw err;
    // Anything else is a parser meeting bytes it did not expect: damage, described without echoing it.
    throw corrupt('its contents do not form a key');
  }
  if (decoded.material) checkKeyPair(decoded.material);
  return decoded;
}

async function decodeAny(input: Buffer, passphrase: Buffer | undefined, mode: DecodeMode, depth: number): Promise<Decoded> {
  if (input.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) return openssh(input, passphrase, mode);
  // 0x30 opens an ASN.1 SEQUENCE; it is also the character '0', which base64 text may start with.
  if (input[0] === 0x30 && !isText(input)) return der(input, passphrase, mode);
  const text = normaliseText(input.toString('utf8'));
  if (text.includes(OPENSSH_BEGIN)) return openssh(armored(text, OPENSSH_BEGIN, OPENSSH_END), passphrase, mode);
  // PuTTY files are read as bytes (see ppk.ts): the same clean-up, on a one-byte-per-character string.
  if (looksLikePpk(text)) return ppk(normaliseText(input.toString('latin1')), passphrase, mode);
  // A private key block wins over others before it (`openssl ecparam -genkey` writes EC PARAMETERS first).
  const pemLabel = (/-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY)-----/.exec(text) ?? /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text))?.[1];
  if (pemLabel !== undefined) return pem(text, pemLabel, passphrase, mode);
  if (/---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----/.test(text)) {
    throw keyError(
      'KEY_UNSUPPORTED',
      'this is an ssh.com (SECSH) private key',
      'Convert it with PuTTYgen (Conversions → Import key, then Export OpenSSH key).',
    );
  }
  if (/---- BEGIN SSH2 PUBLIC KEY ----/.test(text)) return publicOnly(rfc4716(text), mode);
  const line = /^\s*((?:ssh|ecdsa-sha2|sk)-[A-Za-z0-9@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s+(.*))?$/m.exec(text);
  if (line) return publicOnly({ publicKey: parsePublicBlob(Buffer.from(line[2]!, 'base64')), comment: line[3]?.trim() ?? '' }, mode);
  const compact = text.replace(/\s+/g, '');
  if (depth === 0 && compact.length >= 16 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    return decodeAny(Buffer.from(compact, /[-_]/.test(compact) ? 'base64url' : 'base64'), passphrase, mode, depth + 1);
  }
  throw keyError('KEY_UNRECOGNISED', 'this is not a key format Burrow recognises', FORMATS_HINT);
}

function isText(b: Buffer): boolean {
  return b.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128);
}

/**
 * Undoes what copying a key through env files, JSON and chat does: a byte-order mark, one level
 * of surrounding quotes, and `\n` written as two characters instead of a line break.
 */
function normaliseText(raw: string): string {
  // A byte-order mark, decoded as UTF-8 or as bytes.
  let t = raw.replace(/^(\uFEFF|\xEF\xBB\xBF)/, '').trim();
  const quoted = /^(["'])([\s\S]*)\1$/.exec(t);
  if (quoted) t = quoted[2]!;
  if (!t.includes('\n') && t.includes('\\n')) t = t.replace(/\\r\\n|\\n/g, '\n');
  return t;
}

/** The base64 between BEGIN and END lines; a missing END line means the text was cut. */
function armored(text: string, begin: string, end: string): Buffer {
  const from = text.indexOf(begin) + begin.length;
  const to = text.indexOf(end, from);
  if (to < 0) throw truncated('key text (its END line is missing)');
  const body = text.slice(from, to).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw corrupt('the text between its BEGIN and END lines is not base64');
  return Buffer.from(body, 'base64');
}

function publicOnly(found: { readonly publicKey: PublicKeyParts; readonly comment: string }, mode: DecodeMode): Decoded {
  if (mode === 'private') {
    throw keyError(
      'KEY_PUBLIC_ONLY',
      'this is a public key; signing in needs the private key',
      'Give the private key file: the one without .pub (OpenSSH), the .ppk (PuTTY) or the .pem the vendor sent.',
    );
  }
  return { format: 'public', encrypted: false, ...found };
}

function openssh(bin: Buffer, passphrase: Buffer | undefined, mode: DecodeMode): Decoded {
  const outer = inspectOpenSsh(bin);
  if (mode === 'public' && outer.encrypted && !passphrase) {
    return { format: 'openssh', encrypted: true, comment: '', publicKey: outer.publicKey };
  }
  const material = readOpenSsh(bin, passphrase);
  return { format: 'openssh', encrypted: outer.encrypted, comment: material.comment, publicKey: publicPartsOf(material), material };
}

async function ppk(text: string, passphrase: Buffer | undefined, mode: DecodeMode): Promise<Decoded> {
  const outer = inspectPpk(text);
  const format = outer.version === 2 ? 'ppk2' : 'ppk3';
  if (mode === 'public' && outer.encrypted && !passphrase) {
    return { format, encrypted: true, comment: outer.comment, publicKey: outer.publicKey };
  }
  const material = await readPpk(text, passphrase);
  return { format, encrypted: outer.encrypted, comment: material.comment, publicKey: publicPartsOf(material), material };
}

function rfc4716(text: string): { readonly publicKey: PublicKeyParts; readonly comment: string } {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const begin = lines.findIndex((l) => l.includes('---- BEGIN SSH2 PUBLIC KEY ----'));
  const end = lines.findIndex((l) => l.includes('---- END SSH2 PUBLIC KEY ----'));
  if (end < 0) throw truncated('public key (its END line is missing)');
  let comment = '';
  const body: string[] = [];
  let continued = false;
  for (const line of lines.slice(begin + 1, end)) {
    // RFC 4716 §3.3: headers are "Tag: value", a trailing backslash continues a header line.
    if (continued || /^[A-Za-z0-9-]+:/.test(line)) {
      const m = /^Comment:\s*"?(.*?)"?\\?$/.exec(line);
      if (m && !continued) comment = m[1]!;
      continued = line.endsWith('\\');
      continue;
    }
    body.push(line.trim());
  }
  return { publicKey: parsePublicBlob(Buffer.from(body.join(''), 'base64')), comment };
}

const PEM_FORMAT: Readonly<Record<string, KeySourceFormat>> = {
  'RSA PRIVATE KEY': 'pem-pkcs1',
  'EC PRIVATE KEY': 'pem-sec1',
  'PRIVATE KEY': 'pkcs8',
  'ENCRYPTED PRIVATE KEY': 'pkcs8',
};

function pem(text: string, label: string, passphrase: Buffer | undefined, mode: DecodeMode): Decoded {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const block = text.slice(text.indexOf(begin));
  const endAt = block.indexOf(end);
  if (endAt < 0) throw truncated('key text (its END line is missing)');
  const pemText = block.slice(0, endAt + end.length) + '\n';
  if (label === 'DSA PRIVATE KEY')
    throw keyError(
      'KEY_UNSUPPORTED',
      'this is a DSA key, which OpenSSH has refused by default since version 7.0',
      'Generate a new Ed25519 key with `burrow key generate`.',
    );
  if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: pemText, format: 'pem' });
    } catch {
      throw corrupt('the PEM public key cannot be parsed');
    }
    return publicOnly({ publicKey: publicPartsFromKeyObject(key), comment: '' }, mode);
  }
  const format = PEM_FORMAT[label];
  if (!format) {
    throw keyError(
      'KEY_UNRECOGNISED',
      label === 'CERTIFICATE' ? 'this is an X.509 certificate, not an SSH key' : 'this PEM block is not a private key',
      FORMATS_HINT,
    );
  }
  // OpenSSL's legacy PEM encryption announces itself in headers; PKCS#8 in its label.
  const encrypted = label === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type:\s*4,ENCRYPTED/m.test(pemText);
  return fromNode(() => createPrivateKey({ key: pemText, format: 'pem', ...(passphrase ? { passphrase } : {}) }), format, encrypted, passphrase);
}

/** Binary DER (what base64 of a PEM body or a .der file gives): PKCS#8, PKCS#1 or SEC1. */
function der(bin: Buffer, passphrase: Buffer | undefined, mode: DecodeMode): Decoded {
  const attempts: ReadonlyArray<[KeySourceFormat, 'pkcs8' | 'pkcs1' | 'sec1']> = [
    ['pkcs8', 'pkcs8'],
    ['pem-pkcs1', 'pkcs1'],
    ['pem-sec1', 'sec1'],
  ];
  for (const [format, type] of attempts) {
    try {
      const key = createPrivateKey({ key: bin, format: 'der', type, ...(passphrase ? { passphrase } : {}) });
      return fromNode(() => key, format, type === 'pkcs8' && isEncryptedPkcs8(bin), passphrase);
    } catch (err) {
      if (err instanceof KeyError) throw err;
      const code = (err as { code?: string }).code ?? '';
      if (code === 'ERR_MISSING_PASSPHRASE') throw passphraseNeeded();
      if (/BAD_DECRYPT/.test(code)) throw passphraseWrong();
    }
  }
  try {
    return publicOnly({ publicKey: publicPartsFromKeyObject(createPublicKey({ key: bin, format: 'der', type: 'spki' })), comment: '' }, mode);
  } catch (err) {
    if (err instanceof KeyError) throw err;
  }
  throw keyError('KEY_UNRECOGNISED', 'this binary data is not a key format Burrow recognises', FORMATS_HINT);
}

/**
 * EncryptedPrivateKeyInfo opens with a SEQUENCE (the algorithm); PrivateKeyInfo, PKCS#1 and SEC1
 * open with an INTEGER (the version).
 */
function isEncryptedPkcs8(der: Buffer): boolean {
  const lengthBytes = (der[1] ?? 0) & 0x80 ? der[1]! & 0x7f : 0;
  return der[2 + lengthBytes] === 0x30;
}

function fromNode(load: () => KeyObject, format: KeySourceFormat, encrypted: boolean, passphrase: Buffer | undefined): Decoded {
  if (encrypted && !passphrase) throw passphraseNeeded();
  let key: KeyObject;
  try {
    key = load();
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'ERR_MISSING_PASSPHRASE') throw passphraseNeeded();
    // OpenSSL cannot tell a wrong passphrase from damage once decryption "succeeds" into garbage.
    if (encrypted) throw passphraseWrong();
    throw corrupt('the PEM data cannot be parsed');
  }
  if (key.type !== 'private') throw corrupt('the PEM data is not a private key');
  const material = materialFromKeyObject(key, '');
  return { format, encrypted, comment: '', publicKey: publicPartsOf(material), material };
}
