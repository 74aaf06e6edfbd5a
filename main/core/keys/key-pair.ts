/** A key held in Burrow's main process: public info in the open, private material sealed inside. */
import { inspect } from 'node:util';
import type { KeyInfo } from './fingerprint.js';

/**
 * A private key normalised to one internal form (an unencrypted OpenSSH private key, the text
 * ssh2 signs with). The material sits in a #private field: JSON.stringify, util.inspect, logs and
 * structured clones see only the public info.
 */
export class KeyPair {
  readonly #openssh: Buffer;

  constructor(
    readonly info: KeyInfo,
    openssh: Uint8Array,
  ) {
    this.#openssh = Buffer.from(openssh);
  }

  /** The unencrypted OpenSSH private key: for ssh2 and the key worker only, never for display or storage. */
  privateKeyForSsh2(): Buffer {
    return Buffer.from(this.#openssh);
  }

  toJSON(): KeyInfo {
    return this.info;
  }

  toString(): string {
    return `KeyPair(${this.info.algorithm} ${this.info.fingerprint})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
