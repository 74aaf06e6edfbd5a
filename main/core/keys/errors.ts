/** Key-layer errors: one stable code per thing that can go wrong, a plain message and the fix. */

/** Why a key could not be read, written or made. Stable: the UI and tests switch on these. */
export type KeyErrorCode =
  /** The file cannot be read (missing, permissions). */
  | 'KEY_UNREADABLE'
  /** Not a key format Burrow knows, or far too large to be a key. */
  | 'KEY_UNRECOGNISED'
  /** A public key where a private key is needed. */
  | 'KEY_PUBLIC_ONLY'
  /** A real key of a type, cipher or KDF Burrow does not handle (DSA, FIDO, PPK v1…). */
  | 'KEY_UNSUPPORTED'
  /** The data ends before the key does. */
  | 'KEY_TRUNCATED'
  /** The structure is damaged (bad checksum on an unencrypted key, halves that do not match). */
  | 'KEY_CORRUPT'
  /** The key is encrypted and no passphrase was given. */
  | 'KEY_PASSPHRASE_NEEDED'
  /** The passphrase does not decrypt the key. */
  | 'KEY_PASSPHRASE_WRONG'
  /** Reading or writing took longer than the time limit and was stopped. */
  | 'KEY_TIMEOUT'
  /** The isolated key process died (e.g. out of memory on a hostile file). */
  | 'KEY_WORKER_FAILED'
  /** An option (type, bits, format…) is not valid. */
  | 'KEY_OPTION_INVALID'
  /** The output file could not be written. */
  | 'KEY_WRITE_FAILED';

/** What crosses process boundaries: plain data, never key material. */
export interface KeyErrorInfo {
  readonly code: KeyErrorCode;
  readonly message: string;
  readonly hint: string;
}

/** A key-layer failure. Messages and hints never contain key material or passphrases. */
export class KeyError extends Error {
  constructor(
    readonly code: KeyErrorCode,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'KeyError';
  }

  /** The same error with its message prefixed by where the key came from (a file name). */
  from(source: string): KeyError {
    return new KeyError(this.code, `${source}: ${this.message}`, this.hint);
  }

  toJSON(): KeyErrorInfo {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

/** Shorthand used by every parser. */
export function keyError(code: KeyErrorCode, message: string, hint: string): KeyError {
  return new KeyError(code, message, hint);
}

/** The one "data ran out" error, shared by every binary reader. */
export function truncated(what: string): KeyError {
  return keyError(
    'KEY_TRUNCATED',
    `the ${what} ends before the key does: the file is truncated or damaged`,
    'Copy the whole key again, from its BEGIN line through its END line (or the whole .ppk file).',
  );
}

/** Values from a file may be echoed in messages only when they look like an algorithm name. */
export function printable(value: string): string {
  return /^[A-Za-z0-9@._+-]{1,64}$/.test(value) ? `"${value}"` : '(unreadable name)';
}
