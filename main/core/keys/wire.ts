/** The SSH wire encoding (RFC 4251 §5) that OpenSSH and PuTTY key files are made of. */
import { keyError, truncated } from './errors.js';

/** Reads fields from one blob; running past the end is a KEY_TRUNCATED error, never a crash. */
export class WireReader {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  bytes(n: number): Buffer {
    if (n > this.remaining) throw truncated(this.what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }

  string(): Buffer {
    return this.bytes(this.uint32());
  }

  text(): string {
    return this.string().toString('utf8');
  }

  /** An mpint as an unsigned big-endian number without leading zeros (key numbers are never negative). */
  mpint(): Buffer {
    const raw = this.string();
    if (raw.length > 0 && (raw[0]! & 0x80) !== 0) {
      throw keyError(
        'KEY_CORRUPT',
        `the ${this.what} holds a negative number where a key number belongs`,
        'The file is damaged: export the key again from the tool that made it.',
      );
    }
    return stripZeros(raw);
  }

  /** The rest of the blob, for trailing data that is not length-prefixed (GCM tags, padding). */
  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}

/** Drops leading zero bytes of an unsigned big-endian number. */
export function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

/**
 * The fields of a blob that is only SSH strings (a public key), without throwing: undefined when
 * a length runs past the end or the blob does not end exactly after a field.
 */
export function wireStrings(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let off = 0; off < blob.length;) {
    if (blob.length - off < 4) return undefined;
    const len = blob.readUInt32BE(off);
    if (blob.length - off - 4 < len) return undefined;
    out.push(blob.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

export function wireUint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export function wireString(data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([wireUint32(b.length), b]);
}

/** An unsigned number as an mpint: a zero byte in front when the top bit is set, so it stays positive. */
export function wireMpint(unsigned: Buffer): Buffer {
  const v = stripZeros(unsigned);
  return wireString(v.length > 0 && (v[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.alloc(1), v]) : v);
}
