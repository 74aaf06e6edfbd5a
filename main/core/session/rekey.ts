/**
 * Client-initiated key re-exchange, as OpenSSH's client does it (`RekeyLimit`): after a number of
 * bytes in either direction (by default chosen by the cipher) and, when asked, after a time.
 *
 * ssh2 answers a server's rekey but never starts one itself, so without this a Burrow tunnel would
 * use one set of keys for as long as it stays up (days, terabytes), which OpenSSH and RFC 4344
 * §3.2 advise against.
 */
import type { Client } from 'ssh2';
import type { RekeyLimitConfig } from '../../../common/config.js';
import type { SshSocket } from './route-socket.js';

const KIB = 1024;
const GIB = KIB ** 3;

/**
 * OpenSSH's data limit per direction when RekeyLimit gives none (packet.c, ssh_set_newkeys):
 * 2^(2·blocksize) blocks for 16-byte block ciphers (AES: 64 GiB), 1 GiB for 8-byte ones
 * (ChaCha20-Poly1305 and 3DES: OpenSSH lists ChaCha20 with an 8-byte block).
 */
export function defaultRekeyBytes(cipher: string): number {
  const block = /^(chacha20-poly1305|3des)/.test(cipher) ? 8 : 16;
  return block >= 16 ? 2 ** (block * 2) * block : GIB;
}

/** The part of ssh2's `handshake` event this needs: the ciphers chosen each way. */
export interface Negotiated {
  readonly cs: { readonly cipher: string };
  readonly sc: { readonly cipher: string };
}

/**
 * Watches one connection's byte counts and starts a key re-exchange when the limit of either
 * direction (or the time limit) is reached. Every completed exchange, whoever started it, resets
 * the counts, as in OpenSSH. `check()` is cheap and called after every batch of writes, which
 * also follows every batch of reads (ssh2 answers received data with window adjustments).
 */
export class RekeyWatch {
  private outBase = 0;
  private inBase = 0;
  private outLimit = Infinity;
  private inLimit = Infinity;
  private requested = false;
  private timer: NodeJS.Timeout | undefined;
  /** Completed key exchanges after the first one. */
  rekeys = 0;
  private handshakes = 0;

  constructor(
    private readonly client: Client,
    private readonly sock: SshSocket,
    private readonly limit: RekeyLimitConfig,
    private readonly onRekey: (n: number, negotiated: Negotiated) => void,
  ) {}

  /** ssh2's `handshake` event: keys are new, counting starts again. */
  handshake(negotiated: Negotiated): void {
    if (this.handshakes++ > 0) {
      this.rekeys++;
      this.onRekey(this.rekeys, negotiated);
    }
    this.requested = false;
    this.outBase = this.sock.bytesWritten;
    this.inBase = this.sock.bytesRead;
    this.outLimit = Math.min(defaultRekeyBytes(negotiated.cs.cipher), this.limit.bytes ?? Infinity);
    this.inLimit = Math.min(defaultRekeyBytes(negotiated.sc.cipher), this.limit.bytes ?? Infinity);
    clearTimeout(this.timer);
    if (this.limit.seconds !== undefined) {
      this.timer = setTimeout(() => this.rekey(), this.limit.seconds * 1000);
      this.timer.unref();
    }
  }

  /** Starts a re-exchange when a direction has used up its limit. */
  check(): void {
    if (this.requested || this.handshakes === 0) return;
    if (this.sock.bytesWritten - this.outBase >= this.outLimit || this.sock.bytesRead - this.inBase >= this.inLimit) this.rekey();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private rekey(): void {
    if (this.requested) return;
    this.requested = true;
    // ssh2's Client has no public rekey() (its server side has); its protocol object does the
    // same and ignores the call while an exchange is already under way.
    (this.client as unknown as { _protocol?: { rekey(): void } })._protocol?.rekey();
  }
}
