/**
 * Fuzzing the importer with mutated real key files: every case ends as a key or a KeyError within
 * the time limit, and Burrow's process never crashes or stalls. BURROW_FUZZ_CASES runs more cases
 * (default 10000, ~20 s here); BURROW_FUZZ_SEED replays a run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { importKey, inspectKey, KeyError, KeyWorker } from '../../../main/core/keys/index.js';
import type { KeyErrorCode } from '../../../main/core/keys/index.js';
import { PASS, run, toolsMissing, Workdir } from './tools.js';

const skip = toolsMissing();
const CASES = Number(process.env.BURROW_FUZZ_CASES ?? 10000);
const SEED = Number(process.env.BURROW_FUZZ_SEED ?? 20261121);
const TIMEOUT_MS = 1000;
/** Time limit plus process start-up after a kill, on a busy 2-core machine. */
const CEILING_MS = TIMEOUT_MS + 2000;

const w = skip ? undefined : new Workdir();
const seeds: Array<{ readonly name: string; readonly data: Buffer; readonly encrypted: boolean }> = [];

before(() => {
  if (skip) return;
  const add = (name: string, encrypted: boolean): void => {
    seeds.push({ name, data: readFileSync(w!.path(name)), encrypted });
  };
  const keygen = (name: string, args: ReadonlyArray<string>, encrypted: boolean): void => {
    // -a 2: few bcrypt rounds, so encrypted cases stay fast and the fuzzer spends its time on parsing.
    run('ssh-keygen', ['-q', '-C', 'fuzz', '-a', '2', '-N', encrypted ? PASS : '', ...args, '-f', w!.path(name)]);
    add(name, encrypted);
  };
  keygen('openssh-ed25519', ['-t', 'ed25519'], false);
  keygen('openssh-ed25519-enc', ['-t', 'ed25519'], true);
  keygen('openssh-rsa', ['-t', 'rsa', '-b', '2048'], false);
  keygen('openssh-ecdsa-enc', ['-t', 'ecdsa', '-b', '384', '-Z', 'aes256-gcm@openssh.com'], true);
  keygen('pem-rsa', ['-t', 'rsa', '-b', '2048', '-m', 'PEM'], false);
  keygen('pem-ecdsa-enc', ['-t', 'ecdsa', '-m', 'PEM'], true);
  keygen('pkcs8-rsa-enc', ['-t', 'rsa', '-b', '2048', '-m', 'PKCS8'], true);
  seeds.push({ name: 'public', data: readFileSync(w!.path('openssh-ed25519.pub')), encrypted: false });
  const putty = (name: string, args: ReadonlyArray<string>, encrypted: boolean): void => {
    run('puttygen', [...args, '--new-passphrase', encrypted ? w!.passFile : w!.emptyFile, '-o', w!.path(name)]);
    add(name, encrypted);
  };
  putty('ppk2-rsa.ppk', ['-t', 'rsa', '-b', '2048', '--ppk-param', 'version=2'], false);
  putty('ppk3-ecdsa.ppk', ['-t', 'ecdsa', '-b', '256'], false);
  putty('ppk3-ed25519-enc.ppk', ['-t', 'ed25519', '--ppk-param', 'passes=1'], true);
  putty('ppk2-ed25519-enc.ppk', ['-t', 'ed25519', '--ppk-param', 'version=2'], true);
});
after(() => w?.dispose());

/** xorshift32: reproducible cases from BURROW_FUZZ_SEED. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 16, 1000, 100000];

/** One mutation of a key file, at the text or (under its base64) the binary level. */
function mutate(data: Buffer, r: (n: number) => number): Buffer {
  const text = data.toString('latin1');
  const armor = /^(-----BEGIN [A-Z ]+-----\n(?:[A-Za-z-]+: [^\n]*\n)*\n?)([\s\S]*?)(\n-----END [A-Z ]+-----\n?)$/.exec(text);
  const kind = r(8);
  if (kind < 3 && armor) {
    // Binary-level: the parsers see structurally plausible data with one field changed.
    const bin = Buffer.from(armor[2]!.replace(/\s/g, ''), 'base64');
    const at = r(bin.length);
    if (kind === 0) bin[at] = bin[at]! ^ (1 << r(8));
    else if (kind === 1 && at + 4 <= bin.length) bin.writeUInt32BE(INTERESTING[r(INTERESTING.length)]!, at);
    else return Buffer.from(armor[1] + bin.subarray(0, at).toString('base64').replace(/.{64}/g, '$&\n') + armor[3], 'latin1');
    return Buffer.from(armor[1] + bin.toString('base64').replace(/.{64}/g, '$&\n') + armor[3], 'latin1');
  }
  const out = Buffer.from(data);
  const at = r(out.length);
  switch (kind) {
    case 3:
      out[at] = out[at]! ^ (1 << r(8));
      return out;
    case 4:
      return out.subarray(0, at);
    case 5:
      return Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + r(64))]);
    case 6: {
      // PuTTY headers are numbers and hex: give one of them an extreme value.
      const lines = text.split('\n');
      const i = r(lines.length);
      lines[i] = lines[i]!.replace(/\d+/, String(INTERESTING[r(INTERESTING.length)]));
      return Buffer.from(lines.join('\n'), 'latin1');
    }
    default:
      return Buffer.concat([out.subarray(0, at), Buffer.from(Array.from({ length: 1 + r(16) }, () => r(256))), out.subarray(at)]);
  }
}

test(`fuzz: ${CASES} mutated key files, each a key or a clean KeyError within ${CEILING_MS} ms`, { skip, timeout: 15 * 60_000 }, async () => {
  const r = rng(SEED);
  const worker = new KeyWorker();
  const outcomes = new Map<string, number>();
  const durations: number[] = [];
  const started = Date.now();
  try {
    for (let i = 0; i < CASES; i++) {
      const s = seeds[r(seeds.length)]!;
      const input = mutate(s.data, r);
      const t = Date.now();
      let outcome: string;
      try {
        if (i % 4 === 3) {
          // The wizard's path: identify the key without its passphrase.
          const info = await inspectKey(input, { worker, timeoutMs: TIMEOUT_MS });
          assert.match(info.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
          outcome = 'identified';
        } else {
          const key = await importKey(input, { worker, timeoutMs: TIMEOUT_MS, ...(s.encrypted ? { passphrase: PASS } : {}) });
          // A key that came through must be one ssh2 can really use.
          const parsed = ssh2.utils.parseKey(key.privateKeyForSsh2());
          assert.ok(!(parsed instanceof Error), `case ${i} (${s.name}): ssh2 cannot parse an accepted key`);
          outcome = 'key';
        }
      } catch (err) {
        assert.ok(err instanceof KeyError, `case ${i} (${s.name}, seed ${SEED}): not a KeyError: ${String(err)}`);
        assert.ok(!err.message.includes(PASS) && !err.hint.includes(PASS), `case ${i}: passphrase in the error`);
        outcome = err.code satisfies KeyErrorCode;
      }
      const ms = Date.now() - t;
      assert.ok(ms <= CEILING_MS, `case ${i} (${s.name}, seed ${SEED}) took ${ms} ms`);
      durations.push(ms);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  } finally {
    worker.close();
  }
  const wall = (Date.now() - started) / 1000;
  durations.sort((a, b) => a - b);
  const summary = [...outcomes.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  process.stdout.write(
    `# fuzz: ${CASES} cases (seed ${SEED}) in ${wall.toFixed(1)} s; p50 ${durations[Math.floor(durations.length / 2)]} ms, ` +
      `p99 ${durations[Math.floor(durations.length * 0.99)]} ms, max ${durations.at(-1)} ms; ${summary}\n`,
  );
  assert.equal(outcomes.get('KEY_WORKER_FAILED') ?? 0, 0, 'the worker process died on some input');
});
