/**
 * What Burrow offers in the SSH key exchange, what the server offered, and where they agree: the
 * session's algorithm lists resolved against the ssh2 this process runs on, and the server's
 * KEXINIT read off the wire so that a failed negotiation can say what the server wanted.
 */
import { createRequire } from 'node:module';
import type { SshSocket } from './route-socket.js';
import { type AlgorithmKind, type AlgorithmsConfig, DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS, resolveAlgorithms } from '../../../common/algorithms.js';

const require = createRequire(import.meta.url);
const ssh2Constants = require('ssh2/lib/protocol/constants.js') as Readonly<Record<string, ReadonlyArray<string>>>;

/** ssh2's lists as this process has them (curve25519, Ed25519 and some ciphers depend on Node's crypto). */
const SSH2_SUPPORTED: Readonly<Record<AlgorithmKind, ReadonlyArray<string>>> = {
  kex: ssh2Constants.SUPPORTED_KEX!,
  hostKey: ssh2Constants.SUPPORTED_SERVER_HOST_KEY!,
  // ssh2 signs with every host key algorithm it verifies: one list serves both.
  pubkey: ssh2Constants.SUPPORTED_SERVER_HOST_KEY!,
  ciphers: ssh2Constants.SUPPORTED_CIPHER!,
  macs: ssh2Constants.SUPPORTED_MAC!,
};

/** The algorithms Burrow can use here: the catalogue, less what this process's ssh2 lacks. */
export function supportedHere(kind: AlgorithmKind): string[] {
  return SUPPORTED_ALGORITHMS[kind].filter((a) => SSH2_SUPPORTED[kind].includes(a));
}

/**
 * The default lists here: OpenSSH's, less what ssh2 lacks here. Ciphers keep ssh2's order, which
 * puts AES-GCM first on a CPU with AES instructions (faster there than ChaCha20-Poly1305, see
 * FACTS.md), ChaCha20 first without them; the set is OpenSSH's.
 */
export function defaultsHere(kind: AlgorithmKind): string[] {
  const here = supportedHere(kind);
  if (kind === 'ciphers') return (ssh2Constants.DEFAULT_CIPHER ?? []).filter((a) => DEFAULT_ALGORITHMS.ciphers.includes(a) && here.includes(a));
  return DEFAULT_ALGORITHMS[kind].filter((a) => here.includes(a));
}

/** Every list Burrow offers in one connection, in order of preference. */
export type Offer = Readonly<Record<AlgorithmKind | 'compress', ReadonlyArray<string>>>;

/** The lists a session offers; throws AlgorithmListError for a name this process cannot use. */
export function sessionOffer(cfg: AlgorithmsConfig | undefined, compression: boolean): Offer {
  const list = (kind: AlgorithmKind): string[] => {
    const value = cfg?.[kind];
    return value === undefined ? defaultsHere(kind) : resolveAlgorithms(kind, value, supportedHere(kind), defaultsHere(kind));
  };
  return {
    kex: list('kex'),
    hostKey: list('hostKey'),
    pubkey: list('pubkey'),
    ciphers: list('ciphers'),
    macs: list('macs'),
    compress: compression ? ['zlib@openssh.com', 'zlib', 'none'] : ['none'],
  };
}

/**
 * ssh2's `algorithms` option for an offer. `publicKey` (the signature algorithms for our own keys)
 * is read by Burrow's patch of ssh2 (patches/ssh2+1.17.0.patch), which has no such option itself.
 */
export function ssh2Algorithms(offer: Offer): Record<string, ReadonlyArray<string>> {
  return { kex: offer.kex, serverHostKey: offer.hostKey, cipher: offer.ciphers, hmac: offer.macs, compress: offer.compress, publicKey: offer.pubkey };
}

/** The name-lists of the server's KEXINIT (RFC 4253 §7.1), client-to-server and server-to-client. */
export interface ServerKexInit {
  readonly kex: ReadonlyArray<string>;
  readonly hostKey: ReadonlyArray<string>;
  readonly ciphersCs: ReadonlyArray<string>;
  readonly ciphersSc: ReadonlyArray<string>;
  readonly macsCs: ReadonlyArray<string>;
  readonly macsSc: ReadonlyArray<string>;
  readonly compressCs: ReadonlyArray<string>;
  readonly compressSc: ReadonlyArray<string>;
}

/** RFC 4253 §6.1: implementations must handle packets of 35000 bytes; a KEXINIT is far smaller. */
const MAX_PACKET = 35_000;
/** Lines before the identification line plus the packet: what we are willing to hold at most. */
const MAX_HELD = 300_000;
const KEXINIT = 20;

/** The KEXINIT payload's name-lists, or undefined when it is not one. */
function parseKexInit(payload: Buffer): ServerKexInit | undefined {
  if (payload[0] !== KEXINIT) return undefined;
  let p = 1 + 16; // message number, cookie
  const lists: string[][] = [];
  for (let i = 0; i < 8; i++) {
    if (p + 4 > payload.length) return undefined;
    const len = payload.readUInt32BE(p);
    if (p + 4 + len > payload.length) return undefined;
    const text = payload.subarray(p + 4, p + 4 + len).toString('latin1');
    lists.push(text === '' ? [] : text.split(','));
    p += 4 + len;
  }
  const [kex, hostKey, ciphersCs, ciphersSc, macsCs, macsSc, compressCs, compressSc] = lists as [
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
  ];
  return { kex, hostKey, ciphersCs, ciphersSc, macsCs, macsSc, compressCs, compressSc };
}

/**
 * Watches a connection's first bytes for the server's KEXINIT, the packet that follows its
 * identification line unencrypted; stops listening once it has it (or anything unexpected).
 *
 * Read from the socket rather than from ssh2: ssh2 discards the server's lists when negotiation
 * fails and shows them only in its `debug` output, a hook that would then format a line for every
 * packet of the tunnel for the rest of the connection. This reads one packet, by the RFC.
 */
export function watchServerKexInit(sock: SshSocket): () => ServerKexInit | undefined {
  let held: Buffer = Buffer.alloc(0);
  let sawIdentification = false;
  let result: ServerKexInit | undefined;
  const stop = (): void => {
    sock.off('data', onData);
    held = Buffer.alloc(0);
  };
  function onData(chunk: Buffer): void {
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    while (!sawIdentification) {
      const nl = held.indexOf(0x0a);
      if (nl < 0) break;
      sawIdentification = held.subarray(0, 4).toString('latin1') === 'SSH-';
      held = held.subarray(nl + 1);
    }
    if (sawIdentification && held.length >= 5) {
      const length = held.readUInt32BE(0);
      if (length < 5 || length > MAX_PACKET) return stop();
      if (held.length >= 4 + length) {
        const padding = held[4]!;
        if (padding < length - 1) result = parseKexInit(held.subarray(5, 4 + length - padding));
        return stop();
      }
    }
    if (held.length > MAX_HELD) stop();
  }
  sock.on('data', onData);
  return () => result;
}

/** Where offer and server agree: the first of our names the server also has, as RFC 4253 §7.1 says. */
export interface Agreement {
  readonly kex: string;
  readonly hostKey: string;
  readonly cipherCs: string;
  readonly cipherSc: string;
  /** `implicit` with an AEAD cipher (GCM, ChaCha20-Poly1305), which authenticates by itself. */
  readonly macCs: string;
  readonly macSc: string;
}

/** A list with nothing in common. */
export interface Mismatch {
  readonly kind: AlgorithmKind | 'compress';
  readonly ours: ReadonlyArray<string>;
  readonly theirs: ReadonlyArray<string>;
}

/** Names that only signal extensions (RFC 8308 ext-info, strict key exchange), never methods. */
const PSEUDO = /^(ext-info-[cs]|kex-strict-[cs]-v00@openssh\.com)$/;
const AEAD = new Set(['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-gcm', 'aes256-gcm']);

/** What the server's list says, without the extension signals. */
export function realNames(list: ReadonlyArray<string>): string[] {
  return list.filter((a) => !PSEUDO.test(a));
}

/** The negotiation an offer and a server's KEXINIT come to: the agreed algorithms, or the first list with nothing in common. */
export function negotiate(offer: Offer, server: ServerKexInit): { agreed: Agreement } | { mismatch: Mismatch } {
  const pick = (kind: Mismatch['kind'], ours: ReadonlyArray<string>, theirs: ReadonlyArray<string>): string | Mismatch =>
    ours.find((a) => theirs.includes(a)) ?? { kind, ours, theirs: realNames(theirs) };
  const kex = pick('kex', offer.kex, server.kex);
  if (typeof kex !== 'string') return { mismatch: kex };
  const hostKey = pick('hostKey', offer.hostKey, server.hostKey);
  if (typeof hostKey !== 'string') return { mismatch: hostKey };
  const cipherCs = pick('ciphers', offer.ciphers, server.ciphersCs);
  if (typeof cipherCs !== 'string') return { mismatch: cipherCs };
  const cipherSc = pick('ciphers', offer.ciphers, server.ciphersSc);
  if (typeof cipherSc !== 'string') return { mismatch: cipherSc };
  const macCs = AEAD.has(cipherCs) ? 'implicit' : pick('macs', offer.macs, server.macsCs);
  if (typeof macCs !== 'string') return { mismatch: macCs };
  const macSc = AEAD.has(cipherSc) ? 'implicit' : pick('macs', offer.macs, server.macsSc);
  if (typeof macSc !== 'string') return { mismatch: macSc };
  for (const theirs of [server.compressCs, server.compressSc]) {
    const c = pick('compress', offer.compress, theirs);
    if (typeof c !== 'string') return { mismatch: c };
  }
  return { agreed: { kex, hostKey, cipherCs, cipherSc, macCs, macSc } };
}

/** The kind a ssh2 "Handshake failed: no matching …" message is about. */
export function mismatchKindOf(message: string): Mismatch['kind'] | undefined {
  const m = /no matching (key exchange|host key|C->S cipher|S->C cipher|C->S MAC|S->C MAC|C->S compression|S->C compression)/i.exec(message);
  if (!m) return undefined;
  const what = m[1]!.toLowerCase();
  return what === 'key exchange' ? 'kex' : what === 'host key' ? 'hostKey' : what.endsWith('cipher') ? 'ciphers' : what.endsWith('mac') ? 'macs' : 'compress';
}
