/**
 * ssh2's packet path in one process, patched (patches/ssh2+1.17.0.patch) against as published
 * (the `ssh2-upstream` devDependency): CPU microseconds per packet to encrypt a full CHANNEL_DATA
 * packet, a small control packet (a window adjust), and to decrypt full packets read 64 KiB at a
 * time, either into separate buffers (Node's default socket reads) or one after another into one
 * slab (Burrow's reads of the SSH socket). CPU time (process.cpuUsage), not wall-clock time, so
 * other processes on the machine disturb it little; median of BENCH_PACKET_ROUNDS (default 5)
 * interleaved rounds. Prints a Markdown table; `npm run bench` appends it to its own.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);

interface Cipher {
  allocPacket(payloadLen: number): Buffer;
  encrypt(packet: Buffer): void;
}
interface Decipher {
  decrypt(data: Uint8Array, p: number, len: number): unknown;
}
interface CryptoModule {
  readonly init: Promise<void>;
  readonly CIPHER_INFO: Record<string, { keyLen: number; ivLen: number }>;
  createCipher(config: unknown): Cipher;
  createDecipher(config: unknown): Decipher;
}

const IMPLS = {
  published: require('ssh2-upstream/lib/protocol/crypto.js') as CryptoModule,
  patched: require('ssh2/lib/protocol/crypto.js') as CryptoModule,
};
type Impl = keyof typeof IMPLS;
const CIPHERS = ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'];
const ROUNDS = Number(process.env.BENCH_PACKET_ROUNDS ?? 5);
const DATA = randomBytes(32 * 1024);
const PACKETS = 4000;
const READ = 64 * 1024;

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function keys(name: string): { key: Buffer; iv: Buffer } {
  const info = IMPLS.patched.CIPHER_INFO[name]!;
  return { key: randomBytes(info.keyLen), iv: randomBytes(info.ivLen) };
}

function cipher(impl: CryptoModule, name: string, k: { key: Buffer; iv: Buffer }, onWrite: (b: Uint8Array) => void): Cipher {
  return impl.createCipher({ outbound: { onWrite, cipherInfo: impl.CIPHER_INFO[name], cipherKey: Buffer.from(k.key), cipherIV: Buffer.from(k.iv), seqno: 0 } });
}

/** A CHANNEL_DATA packet carrying DATA, as Protocol.channelData builds it. */
function sendData(c: Cipher): void {
  const packet = c.allocPacket(9 + DATA.length);
  packet[5] = 94;
  packet.writeUInt32BE(0, 6);
  packet.writeUInt32BE(DATA.length, 10);
  packet.set(DATA, 14);
  c.encrypt(packet);
}

/** A CHANNEL_WINDOW_ADJUST, the most frequent control packet. */
function sendControl(c: Cipher): void {
  const packet = c.allocPacket(9);
  packet[5] = 93;
  packet.writeUInt32BE(0, 6);
  packet.writeUInt32BE(2 * 1024 * 1024, 10);
  c.encrypt(packet);
}

/** µs of CPU per call of `fn`, over `n` calls. */
function timed(n: number, fn: () => void): number {
  const t0 = cpuMicros();
  for (let i = 0; i < n; i++) fn();
  return (cpuMicros() - t0) / n;
}

type Measure = 'encrypt' | 'control' | 'decryptSeparate' | 'decryptSlab';

function measureOnce(implName: Impl, name: string): Record<Measure, number> {
  const impl = IMPLS[implName];
  const k = keys(name);
  const out = cipher(impl, name, k, () => undefined);
  for (let i = 0; i < 500; i++) sendData(out); // warm up the JIT
  const encrypt = timed(PACKETS, () => sendData(out));
  const control = timed(PACKETS * 4, () => sendControl(out));
  // What the other side would read: PACKETS packets from ssh2 as published, cut into 64 KiB reads.
  const wire: Buffer[] = [];
  const w = cipher(IMPLS.published, name, k, (b) => wire.push(Buffer.from(b)));
  for (let i = 0; i < PACKETS; i++) sendData(w);
  const all = Buffer.concat(wire);
  const decrypt = (slab: boolean): number => {
    const source = slab ? Buffer.from(all) : all;
    const reads: Buffer[] = [];
    for (let at = 0; at < all.length; at += READ) {
      const view = source.subarray(at, Math.min(at + READ, all.length));
      reads.push(slab ? view : Buffer.from(view));
    }
    let got = 0;
    const d = impl.createDecipher({
      inbound: {
        onPayload: (p: Buffer) => {
          got += p.length;
        },
        decipherInfo: impl.CIPHER_INFO[name],
        decipherKey: Buffer.from(k.key),
        decipherIV: Buffer.from(k.iv),
        seqno: 0,
      },
    });
    const t0 = cpuMicros();
    for (const r of reads) d.decrypt(r, 0, r.length);
    const us = (cpuMicros() - t0) / PACKETS;
    if (got !== PACKETS * (DATA.length + 9)) throw new Error(`${implName} ${name}: decrypted ${got} bytes`);
    return us;
  };
  return { encrypt, control, decryptSeparate: decrypt(false), decryptSlab: decrypt(true) };
}

const ROWS: ReadonlyArray<[Measure, string]> = [
  ['encrypt', 'encrypt a 32 KiB CHANNEL_DATA packet'],
  ['control', 'encrypt a window adjust'],
  ['decryptSeparate', 'decrypt a 32 KiB packet, 64 KiB reads into separate buffers'],
  ['decryptSlab', 'decrypt a 32 KiB packet, 64 KiB reads one after another in a slab'],
];

await Promise.all([IMPLS.published.init, IMPLS.patched.init]);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const lines = [
  `ssh2's packet path in one process: CPU µs per packet, median of ${ROUNDS} interleaved rounds`,
  '',
  '| cipher | step | ssh2 as published | patched | patched ÷ published |',
  '|---|---|---:|---:|---:|',
];
for (const name of CIPHERS) {
  const samples: Record<Impl, Record<Measure, number[]>> = {
    published: { encrypt: [], control: [], decryptSeparate: [], decryptSlab: [] },
    patched: { encrypt: [], control: [], decryptSeparate: [], decryptSlab: [] },
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const impl of (r % 2 === 0 ? ['published', 'patched'] : ['patched', 'published']) as Impl[]) {
      const m = measureOnce(impl, name);
      for (const [key] of ROWS) samples[impl][key].push(m[key]);
    }
  }
  for (const [key, label] of ROWS) {
    const a = median(samples.published[key]);
    const b = median(samples.patched[key]);
    lines.push(`| ${name} | ${label} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)}× |`);
  }
}
process.stdout.write(lines.join('\n') + '\n');
