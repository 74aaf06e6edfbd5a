/**
 * The data path of patched ssh2 (patches/ssh2+1.17.0.patch: pooled padding, packets spanning two
 * reads decrypted where they lie) proven against ssh2 as published
 * (the `ssh2-upstream` devDependency, which patch-package leaves alone) and against OpenSSH, for
 * both ciphers ssh2 accelerates, with read boundaries drawn at random.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { Session } from '../../../main/core/session/session.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { freePort } from '../../helpers/net.js';
import { exchange, hashingTarget, type HashingTarget } from '../../helpers/hashed-streams.js';
import { loopbackRemote, sessionFor, testDeps, waitForState } from '../../helpers/session.js';

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
  readonly bindingAvailable: boolean;
  readonly CIPHER_INFO: Record<string, { keyLen: number; ivLen: number }>;
  createCipher(config: unknown): Cipher;
  createDecipher(config: unknown): Decipher;
}
const patched = require('ssh2/lib/protocol/crypto.js') as CryptoModule;
const published = require('ssh2-upstream/lib/protocol/crypto.js') as CryptoModule;
const CIPHERS = ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'] as const;
const MiB = 1024 * 1024;

/** A seeded generator (mulberry32), so a failing read pattern can be replayed from its seed. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface Keys {
  readonly key: Buffer;
  readonly iv: Buffer;
}
const keysFor = (name: string): Keys => ({ key: randomBytes(patched.CIPHER_INFO[name]!.keyLen), iv: randomBytes(patched.CIPHER_INFO[name]!.ivLen) });

/** Payloads as the connection layer sends them: mostly full CHANNEL_DATA packets, some small. */
function payloads(rnd: (n: number) => number, count: number): Buffer[] {
  return Array.from({ length: count }, () => {
    const pick = rnd(4);
    return randomBytes(pick === 0 ? 1 + rnd(64) : pick === 1 ? 1 + rnd(32 * 1024 + 9) : 32 * 1024 + 9);
  });
}

/** Encrypts `list` as one connection direction of `impl` would, and returns the bytes on the wire. */
function encrypt(impl: CryptoModule, name: string, keys: Keys, list: ReadonlyArray<Buffer>): Buffer {
  const wire: Buffer[] = [];
  const cipher = impl.createCipher({
    outbound: {
      onWrite: (b: Uint8Array) => wire.push(Buffer.from(b)),
      cipherInfo: impl.CIPHER_INFO[name],
      cipherKey: Buffer.from(keys.key),
      cipherIV: Buffer.from(keys.iv),
      seqno: 0,
    },
  });
  for (const p of list) {
    const packet = cipher.allocPacket(p.length);
    packet.set(p, 5);
    cipher.encrypt(packet);
  }
  return Buffer.concat(wire);
}

/**
 * How reads are laid out in memory: `separate` buffers (Node's default socket reads), consecutive
 * views of `one-slab` (Burrow's slab reads), or `slabs` of random size (a packet then sometimes
 * spans the end of one slab and the start of the next).
 */
type Layout = 'separate' | 'one-slab' | 'slabs';

/** Cuts `wire` at random boundaries: sometimes inside a length field or tag, sometimes far apart. */
function reads(wire: Buffer, rnd: (n: number) => number, layout: Layout): Buffer[] {
  const sizes: number[] = [];
  for (let at = 0; at < wire.length;) {
    const kind = rnd(3);
    const n = Math.min(wire.length - at, kind === 0 ? 1 + rnd(20) : kind === 1 ? 1 + rnd(40_000) : 1 + rnd(300_000));
    sizes.push(n);
    at += n;
  }
  const out: Buffer[] = [];
  let at = 0;
  let slab = Buffer.alloc(0);
  let inSlab = 0;
  for (const n of sizes) {
    if (layout === 'separate') {
      out.push(Buffer.from(wire.subarray(at, at + n)));
    } else {
      if (inSlab + n > slab.length) {
        slab = Buffer.alloc(layout === 'one-slab' ? wire.length : n + rnd(400_000));
        inSlab = 0;
      }
      wire.copy(slab, inSlab, at, at + n);
      out.push(slab.subarray(inSlab, inSlab + n));
      inSlab += n;
    }
    at += n;
  }
  return out;
}

/** Decrypts the reads with `impl` and returns every payload (as the views ssh2 hands on) in `got`. */
function decrypt(impl: CryptoModule, name: string, keys: Keys, chunks: ReadonlyArray<Buffer>, got: Buffer[] = []): Buffer[] {
  const decipher = impl.createDecipher({
    inbound: {
      onPayload: (p: Buffer) => {
        got.push(p);
      },
      decipherInfo: impl.CIPHER_INFO[name],
      decipherKey: Buffer.from(keys.key),
      decipherIV: Buffer.from(keys.iv),
      seqno: 0,
    },
  });
  for (const c of chunks) decipher.decrypt(c, 0, c.length);
  return got;
}

/** The index of the first payload that differs, or -1. */
function firstDifference(got: ReadonlyArray<Buffer>, want: ReadonlyArray<Buffer>): number {
  for (let i = 0; i < Math.max(got.length, want.length); i++) if (!got[i] || !want[i] || !got[i]!.equals(want[i]!)) return i;
  return -1;
}

describe('patched ssh2 packets, against ssh2 as published', () => {
  before(async () => {
    await patched.init;
    await published.init;
    // The accelerated ciphers are the ones the patch changes; without the binding nothing here runs them.
    assert.equal(patched.bindingAvailable && published.bindingAvailable, true, "ssh2's native crypto binding is missing");
  });

  for (const name of CIPHERS) {
    for (const layout of ['separate', 'one-slab', 'slabs'] as const) {
      test(`${name}, ${layout} reads at random boundaries: what either side encrypts, the other decrypts unchanged`, () => {
        const seed = randomBytes(4).readUInt32BE();
        const rnd = random(seed);
        const keys = keysFor(name);
        const list = payloads(rnd, 400);
        const fromPatched = decrypt(published, name, keys, reads(encrypt(patched, name, keys, list), rnd, layout));
        assert.equal(firstDifference(fromPatched, list), -1, `patched → published: payloads differ (seed ${seed})`);
        const fromPublished = decrypt(patched, name, keys, reads(encrypt(published, name, keys, list), rnd, layout));
        assert.equal(firstDifference(fromPublished, list), -1, `published → patched: payloads differ (seed ${seed})`);
      });
    }

    test(`${name}: a packet that spans two reads of one slab is decrypted where it lies, and one split across buffers is copied`, () => {
      const keys = keysFor(name);
      const list = Array.from({ length: 64 }, () => randomBytes(32 * 1024 + 9));
      const wire = encrypt(published, name, keys, list);
      // 64 KiB reads: about every other packet spans two of them.
      const cut = (slab: boolean): Buffer[] => {
        const base = slab ? Buffer.from(wire) : wire;
        const out: Buffer[] = [];
        for (let at = 0; at < wire.length; at += 65536) out.push(slab ? base.subarray(at, at + 65536) : Buffer.from(base.subarray(at, at + 65536)));
        return out;
      };
      const inSlab = cut(true);
      const got = decrypt(patched, name, keys, inSlab);
      assert.equal(firstDifference(got, list), -1);
      assert.equal(got.filter((p) => p.buffer !== inSlab[0]!.buffer).length, 0, 'every payload is a view of the slab it was read into');
      const separate = cut(false);
      const copied = decrypt(patched, name, keys, separate);
      assert.equal(firstDifference(copied, list), -1);
      const spanning = copied.filter((p) => !separate.some((c) => c.buffer === p.buffer)).length;
      assert.ok(spanning >= 16, `only ${spanning} of 64 packets spanned two reads`);
    });

    test(`${name}: a changed byte anywhere in a packet that spans two reads is refused`, () => {
      const keys = keysFor(name);
      const list = Array.from({ length: 8 }, () => randomBytes(32 * 1024 + 9));
      const wire = Buffer.from(encrypt(published, name, keys, list));
      wire[3 * 32_800 + 1234]! ^= 0x01;
      const slab = Buffer.from(wire);
      const chunks = [slab.subarray(0, 100_000), slab.subarray(100_000)];
      const got: Buffer[] = [];
      // The binding's message for a failed tag is OpenSSL's, which says little; what matters is
      // that it throws at that packet, having passed on only the three before it.
      assert.throws(
        () => decrypt(patched, name, keys, chunks, got),
        (err: unknown) => err instanceof Error && got.length === 3,
      );
      assert.equal(firstDifference(got, list.slice(0, 3)), -1);
    });
  }

  test('padding: the length the protocol requires, from a CSPRNG pool that never hands out the same bytes twice', () => {
    const name = CIPHERS[0];
    const keys = keysFor(name);
    const mk = (impl: CryptoModule): Cipher =>
      impl.createCipher({
        outbound: {
          onWrite: () => undefined,
          cipherInfo: impl.CIPHER_INFO[name],
          cipherKey: Buffer.from(keys.key),
          cipherIV: Buffer.from(keys.iv),
          seqno: 0,
        },
      });
    const ours = mk(patched);
    const theirs = mk(published);
    const rnd = random(7);
    const padding: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) {
      const n = 1 + rnd(33_000);
      const packet = ours.allocPacket(n);
      // Same packet length and padding length as ssh2 as published (RFC 4253 §6, RFC 5647 §7.2).
      assert.equal(packet.readUInt32BE(0), theirs.allocPacket(n).readUInt32BE(0));
      const padLen = packet[4]!;
      assert.ok(padLen >= 4 && (1 + n + padLen) % 16 === 0, `padding of ${padLen} for a payload of ${n}`);
      padding.push(Buffer.from(packet.subarray(5 + n, 5 + n + padLen)));
    }
    // A pool handed out twice (or refilled with the same bytes) repeats whole runs of padding:
    // no 16-byte run of 200+ KB of CSPRNG output should ever occur twice.
    const all = Buffer.concat(padding);
    const seen = new Set<string>();
    for (let i = 0; i + 16 <= all.length; i++) {
      const run = all.toString('latin1', i, i + 16);
      assert.equal(seen.has(run), false, `padding repeats at byte ${i} of ${all.length}`);
      seen.add(run);
    }
  });
});

/**
 * A TCP relay that passes each direction on in pieces of random size, one piece per event-loop
 * turn, so the reader on the other side sees read boundaries that fall anywhere in a packet.
 */
async function choppingRelay(port: number, seed: number): Promise<{ port: number; pieces: () => number; close: () => Promise<void> }> {
  const rnd = random(seed);
  const sockets = new Set<net.Socket>();
  let pieces = 0;
  const chop = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (d: Buffer) => {
      from.pause();
      const next = (at: number): void => {
        if (to.destroyed) return;
        if (at >= d.length) {
          from.resume();
          return;
        }
        const n = Math.min(d.length - at, rnd(4) === 0 ? 1 + rnd(24) : 1 + rnd(90_000));
        pieces++;
        if (to.write(d.subarray(at, at + n))) setImmediate(() => next(at + n));
        else to.once('drain', () => next(at + n));
      };
      next(0);
    });
    from.on('end', () => to.end());
    from.on('error', () => to.destroy());
    from.on('close', () => to.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
    }
    chop(client, upstream);
    chop(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    pieces: () => pieces,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('patched ssh2 against OpenSSH, reads cut at random', { skip: sshdUnavailable() }, () => {
  let target: HashingTarget;
  before(async () => {
    target = await hashingTarget();
  });
  after(async () => {
    await target?.close();
  });

  for (const name of CIPHERS) {
    test(`${name}: 64 MiB each way at once through a Burrow tunnel arrive whole, with every read boundary random`, async () => {
      const sshd = await Sshd.start({ ciphers: name });
      const seed = randomBytes(4).readUInt32BE();
      const relay = await choppingRelay(sshd.port, seed);
      const port = await freePort();
      const s = new Session(
        sessionFor(sshd, [loopbackRemote(port, target.port)], {
          port: relay.port,
          hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath], fingerprint: sshd.hostKeyFingerprint() },
        }),
        testDeps(sshd),
      );
      s.start();
      try {
        await waitForState(s, 'connected');
        const result = await exchange(port, 64 * MiB);
        assert.equal(result.ok, true, `${result.detail} (relay seed ${seed})`);
        assert.equal(s.snapshot().reconnects, 0);
        assert.ok(relay.pieces() > 2_000, `the relay cut only ${relay.pieces()} pieces`);
      } finally {
        await s.stop();
        await relay.close();
        await sshd.dispose();
      }
    });
  }
});
