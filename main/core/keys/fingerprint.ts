/** What identifies a key in public: its OpenSSH public key line and its SHA256 fingerprint. */
import { createHash } from 'node:crypto';
import type { KeyType, PublicKeyParts } from './material.js';
import { algorithmOf, bitsOf, publicBlob } from './material.js';
import type { KeySourceFormat } from './decode.js';

/** Everything the UI, logs and IPC may know about a key: public data only. */
export interface KeyInfo {
  readonly type: KeyType;
  /** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`… */
  readonly algorithm: string;
  /** As `ssh-keygen -l` counts them. */
  readonly bits: number;
  readonly comment: string;
  /** The one-line OpenSSH public key vendors ask for (`ssh-ed25519 AAAA… comment`). */
  readonly publicKey: string;
  /** `SHA256:…` exactly as `ssh-keygen -lf` and `puttygen -l -E sha256` print it. */
  readonly fingerprint: string;
  /** The format the key was read from. */
  readonly format: KeySourceFormat;
  /** Whether the source was protected by a passphrase. */
  readonly encrypted: boolean;
}

/** `SHA256:…`: unpadded base64 of the SHA-256 of the public key blob (OpenSSH's sshkey_fingerprint). */
export function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Builds the public description of a key. */
export function keyInfo(k: PublicKeyParts, comment: string, format: KeySourceFormat, encrypted: boolean): KeyInfo {
  const blob = publicBlob(k);
  // A line break in a comment would split the public key line (and authorized_keys entry) in two.
  const oneLine = comment.replace(/[\r\n]+/g, ' ').trim();
  const algorithm = algorithmOf(k);
  return {
    type: k.kind,
    algorithm,
    bits: bitsOf(k),
    comment: oneLine,
    publicKey: `${algorithm} ${blob.toString('base64')}${oneLine ? ` ${oneLine}` : ''}`,
    fingerprint: fingerprintOf(blob),
    format,
    encrypted,
  };
}

/** The line `ssh-keygen -lf FILE` prints: `256 SHA256:… comment (ED25519)`. */
export function keygenListLine(info: KeyInfo): string {
  return `${info.bits} ${info.fingerprint} ${info.comment || 'no comment'} (${info.type.toUpperCase()})`;
}
