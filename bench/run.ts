/**
 * `npm run bench`: the same reverse-tunnel workload through OpenSSH `ssh -R` and through Burrow,
 * in one run, against the same sshd limited to one cipher. Each tool runs as its own process with
 * the same command line; the target service and the load generator run in processes of their own.
 *
 * Then the long haul: BENCH_LONGHAUL_GIB (default 4; 0 skips it) GiB each way at once through each
 * tool, over 4 connections, against an sshd that rekeys every 8 MiB; every byte is checked by
 * SHA-256, key exchanges are counted in sshd's log and reconnects in Burrow's --json events.
 *
 * Environment: BENCH_ROUNDS (default 5; the median is reported), BENCH_STREAM_MB (default 1024),
 * BENCH_CIPHER (default aes128-gcm@openssh.com), BENCH_JSON=FILE to also write the raw results.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Sshd } from '../test/helpers/sshd.js';
import { freePort, waitForPort } from '../test/helpers/net.js';
import { ssh2NativeCrypto } from '../main/core/session/native-crypto.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BURROW = path.resolve(here, '../main/cli/burrow.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STREAM_MB = Number(process.env.BENCH_STREAM_MB ?? 1024);
const CIPHER = process.env.BENCH_CIPHER ?? 'aes128-gcm@openssh.com';
const LONGHAUL_GIB = Number(process.env.BENCH_LONGHAUL_GIB ?? 4);

type Tool = 'openssh' | 'burrow';
interface Row { readonly name: string; readonly unit: string; readonly higherIsBetter: boolean; readonly workload: string[]; readonly pick: (r: Record<string, number>) => number }

const MiB = 1024 * 1024;
const ROWS: Row[] = [
  { name: `1 stream, ${STREAM_MB} MiB`, unit: 'MB/s', higherIsBetter: true, workload: ['stream', String(STREAM_MB * MiB), '1'], pick: (r) => r.mbPerS! },
  { name: `32 streams, ${STREAM_MB} MiB total`, unit: 'MB/s', higherIsBetter: true, workload: ['stream', String(STREAM_MB * MiB), '32'], pick: (r) => r.mbPerS! },
  { name: 'round trip (1 byte), p50', unit: 'µs', higherIsBetter: false, workload: ['rtt', '3000'], pick: (r) => r.p50us! },
  { name: 'round trip (1 byte), p99', unit: 'µs', higherIsBetter: false, workload: ['rtt', '3000'], pick: (r) => r.p99us! },
  { name: 'open a connection, p50', unit: 'ms', higherIsBetter: false, workload: ['connect', '100'], pick: (r) => r.p50ms! },
  { name: 'open a connection, p99', unit: 'ms', higherIsBetter: false, workload: ['connect', '100'], pick: (r) => r.p99ms! },
  { name: 'burst of 200 connections (median of 11)', unit: 'ms', higherIsBetter: false, workload: ['burst', '200', '11'], pick: (r) => r.totalMs! },
];

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

async function startTarget(): Promise<{ port: number; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [path.join(here, 'target.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => proc.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { port, proc };
}

/** The same `ssh -R` command line for both tools (Burrow runs it with its own engine). */
function sshArgs(sshd: Sshd, remotePort: number, targetPort: number): string[] {
  return ['-N', '-T', '-i', sshd.clientKeyPath, '-p', String(sshd.port), '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`,
    '-o', 'StrictHostKeyChecking=yes', '-o', 'ExitOnForwardFailure=yes', '-o', 'ServerAliveInterval=15',
    '-R', `127.0.0.1:${remotePort}:127.0.0.1:${targetPort}`, `${sshd.user}@127.0.0.1`];
}

async function startTunnel(tool: Tool, sshd: Sshd, remotePort: number, targetPort: number, onJson?: (event: Record<string, unknown>) => void): Promise<ChildProcess> {
  const args = sshArgs(sshd, remotePort, targetPort);
  const proc = tool === 'openssh'
    ? spawn('ssh', ['-o', 'BatchMode=yes', '-c', CIPHER, ...args], { stdio: 'ignore' })
    : spawn(process.execPath, [BURROW, 'run', ...(onJson ? ['--json'] : []), '--', 'ssh', ...args], { stdio: ['ignore', onJson ? 'pipe' : 'ignore', 'ignore'] });
  if (onJson) {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        onJson(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
        buf = buf.slice(nl + 1);
      }
    });
  }
  await waitForPort(remotePort, '127.0.0.1', 15_000);
  return proc;
}

interface LongHaul { readonly tool: Tool; readonly seconds: number; readonly verified: boolean; readonly failed: string[]; readonly rekeys: number; readonly reconnects: number | undefined; readonly exited: boolean }

/** GiB each way through each tool while the server rekeys every 8 MiB; see the file's header. */
async function longHaul(gib: number): Promise<LongHaul[]> {
  const sshd = await Sshd.start({ ciphers: CIPHER, logLevel: 'DEBUG1', extraConfig: ['RekeyLimit 8M'] });
  const target = spawn(process.execPath, [path.join(here, 'hashed.js'), 'target'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const targetPort = await new Promise<number>((resolve) => target.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const out: LongHaul[] = [];
  try {
    for (const tool of ['openssh', 'burrow'] as const) {
      const remotePort = await freePort();
      let reconnects = 0;
      const tunnel = await startTunnel(tool, sshd, remotePort, targetPort, tool === 'burrow' ? (e) => { if (e.type === 'state' && e.state === 'reconnecting') reconnects++; } : undefined);
      const before = (sshd.log().match(/SSH2_MSG_NEWKEYS received/g) ?? []).length;
      try {
        const r = JSON.parse(await run(process.execPath, [path.join(here, 'hashed.js'), 'load', String(remotePort), String(gib * 1024 * MiB), '4'])) as { seconds: number; verified: boolean; failed: string[] };
        const rekeys = (sshd.log().match(/SSH2_MSG_NEWKEYS received/g) ?? []).length - before - 1;
        out.push({ tool, ...r, rekeys, reconnects: tool === 'burrow' ? reconnects : undefined, exited: tunnel.exitCode !== null });
      } finally {
        await stop(tunnel);
      }
      process.stderr.write(`long haul: ${tool} done\n`);
    }
  } finally {
    target.kill('SIGTERM');
    await sshd.dispose();
  }
  return out;
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await gone;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  // `ssh -V` prints its version on stderr.
  const sshVersion = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim().split(',')[0] ?? 'OpenSSH';
  const sshd = await Sshd.start({ ciphers: CIPHER });
  const target = await startTarget();
  const results: Record<Tool, number[][]> = { openssh: ROWS.map(() => []), burrow: ROWS.map(() => []) };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate who goes first, so warm caches and thermal drift favour neither.
      const order: Tool[] = round % 2 === 0 ? ['openssh', 'burrow'] : ['burrow', 'openssh'];
      for (const tool of order) {
        const remotePort = await freePort();
        const tunnel = await startTunnel(tool, sshd, remotePort, target.port);
        try {
          const cache = new Map<string, Record<string, number>>();
          for (const [i, row] of ROWS.entries()) {
            const key = row.workload.join(' ');
            if (!cache.has(key)) cache.set(key, JSON.parse(await run(process.execPath, [path.join(here, 'load.js'), String(remotePort), ...row.workload])) as Record<string, number>);
            const r = cache.get(key)!;
            if (r.failed) throw new Error(`${tool}: ${r.failed} connections failed in "${row.name}"`);
            results[tool][i]!.push(row.pick(r));
          }
        } finally {
          await stop(tunnel);
        }
        process.stderr.write(`round ${round + 1}/${ROUNDS}: ${tool} done\n`);
      }
    }
  } finally {
    target.proc.kill('SIGTERM');
    await sshd.dispose();
  }

  const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
  const lines = [
    `Reverse tunnel benchmark: ${sshVersion} vs Burrow (ssh2, native crypto: ${ssh2NativeCrypto() ? 'yes' : 'NO'}), cipher ${CIPHER}, median of ${ROUNDS} rounds, loopback`,
    ...(ROUNDS > 0 ? ['', '| workload | OpenSSH ssh -R | Burrow | Burrow vs OpenSSH |', '|---|---:|---:|---:|'] : []),
  ];
  // BENCH_ROUNDS=0 runs only the long haul.
  const rows = ROUNDS === 0 ? [] : ROWS.map((row, i) => {
    const o = median(results.openssh[i]!);
    const b = median(results.burrow[i]!);
    // "× as fast": above 1 means Burrow is better on this row, whichever way the unit points.
    const speed = row.higherIsBetter ? b / o : o / b;
    lines.push(`| ${row.name} | ${fmt(o)} ${row.unit} | ${fmt(b)} ${row.unit} | ${speed.toFixed(2)}× ${speed >= 1 ? 'as fast' : 'as fast (slower)'} |`);
    return { row: row.name, unit: row.unit, openssh: o, burrow: b, speed, samples: { openssh: results.openssh[i], burrow: results.burrow[i] } };
  });
  let haul: LongHaul[] = [];
  if (LONGHAUL_GIB > 0) {
    haul = await longHaul(LONGHAUL_GIB);
    lines.push('', `Long haul: ${LONGHAUL_GIB} GiB each way at once over 4 connections, sshd RekeyLimit 8M, cipher ${CIPHER}`, '',
      '| tool | time | MB/s each way | every byte verified | key exchanges seen by sshd | reconnects |', '|---|---:|---:|---|---:|---:|');
    for (const h of haul) {
      const mbs = (LONGHAUL_GIB * 1024 * MiB) / 1e6 / h.seconds;
      lines.push(`| ${h.tool === 'openssh' ? 'OpenSSH ssh -R' : 'Burrow'} | ${h.seconds.toFixed(1)} s | ${fmt(mbs)} | ${h.verified ? 'yes' : `NO: ${h.failed[0]}`} | ${h.rekeys} | ${h.reconnects ?? (h.exited ? 'exited' : 0)} |`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ cipher: CIPHER, rounds: ROUNDS, rows, longHaul: haul }, null, 2));
}

await main();
