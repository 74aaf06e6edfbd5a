/**
 * `npm run bench`: the same reverse-tunnel workload through OpenSSH `ssh -R` and through Burrow,
 * in one run, against the same sshd limited to one cipher, one table per cipher. Each tool runs as
 * its own process with the same command line; the target service and the load generator run in
 * processes of their own. Besides wall-clock rates, the tunnel process's CPU time (user + system,
 * from /proc/PID/stat, every thread, its child processes included) is read before and after each
 * workload, so CPU per GiB and per forwarded connection are measured, not estimated; and its RSS
 * (children included): idle once connected, with 1,000 connections open, right after the load and
 * BENCH_LATER_S (default 60) seconds later — the footprint a tray or a service lives with.
 *
 * Then the soak: BENCH_SOAK_GIB (default 20) GiB each way and BENCH_SOAK_CONNS (default 200,000)
 * short connections through one fresh tunnel per tool, in ten rounds, its RSS read every second;
 * the table gives the slope of RSS over the soak's second half (least squares, MiB per minute): a
 * process that keeps something per connection or per GiB climbs, one that does not stays flat.
 * After each round the tunnel rests BENCH_SOAK_SETTLE_S (default 40) seconds and its RSS is read
 * again; a second table gives those readings and their slope. BENCH_SOAK_GIB=0 skips the soak.
 *
 * Then the long haul: BENCH_LONGHAUL_GIB (default 4; 0 skips it) GiB each way at once through each
 * tool, over 4 connections, against an sshd that rekeys every 8 MiB; every byte is checked by
 * SHA-256, key exchanges are counted in sshd's log and reconnects in Burrow's --json events.
 *
 * Each round starts each tool afresh: RSS with connections open first, then WARM_MB each way (its
 * CPU is a row of its own: a fresh process compiles its data path), then the measured workloads.
 *
 * Environment: BENCH_ROUNDS (default 5; the median is reported), BENCH_STREAM_MB (default 1024),
 * BENCH_CIPHERS (default aes128-gcm@openssh.com,chacha20-poly1305@openssh.com; the long haul uses
 * the first), BENCH_AB=1 to add Burrow on ssh2 as published (without patches/ssh2+1.17.0.patch)
 * as a third tool, BENCH_PACKET_ROUNDS (default 5; 0 skips bench/packets.ts, ssh2's packet path
 * in one process), BENCH_IMPORT_ROUNDS (default 3; 0 skips bench/imports.ts, imports of 1,000 to
 * 10,000 sessions), BENCH_JUMP_ROUNDS (default 3; 0 skips bench/jump.ts, one jump host against
 * `ssh -J`), BENCH_LATER_S (default 60), BENCH_JSON=FILE to also write the raw results,
 * BENCH_WEIGH=0 to skip the table of what each layer of a tunnel process adds to a bare Node
 * process (bench/weigh.ts), BENCH_MALLOC=1 to start Burrow with glibc settings that keep less memory after a burst for more
 * CPU per GiB (MALLOC_ENV below; README, Footprint), BENCH_NODE_FLAGS to start Burrow with other
 * node options than a long-lived tunnel process gets (NODE_FLAGS below).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Sshd } from '../test/helpers/sshd.js';
import { freePort, waitForPort } from '../test/helpers/net.js';
import { ssh2NativeCrypto } from '../main/core/session/native-crypto.js';
import { WORKER_IDLE_MS } from '../main/core/keys/key-worker.js';
import { TUNNEL_NODE_FLAGS } from '../main/core/session/v8-flags.js';
import { importRows } from './imports.js';
import { metricsRows } from './metrics.js';
import { cpuSeconds, treeCpu, treeRssMiB } from './proc.js';
import { run, startTarget } from './spawn.js';
import { jumpRows } from './jump.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BURROW = path.resolve(here, '../main/cli/burrow.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STREAM_MB = Number(process.env.BENCH_STREAM_MB ?? 1024);
const CIPHERS = (process.env.BENCH_CIPHERS ?? 'aes128-gcm@openssh.com,chacha20-poly1305@openssh.com').split(',').filter(Boolean);
const LONGHAUL_GIB = Number(process.env.BENCH_LONGHAUL_GIB ?? 4);
/** The soak (issue 24): GiB each way and short connections through one fresh tunnel per tool, in SOAK_ROUNDS rounds. */
const SOAK_GIB = Number(process.env.BENCH_SOAK_GIB ?? 20);
const SOAK_CONNS = Number(process.env.BENCH_SOAK_CONNS ?? 200_000);
const SOAK_ROUNDS = 10;
/**
 * Seconds of rest after each soak round before RSS is read (BENCH_SOAK_SETTLE_S; 0 skips the rest).
 * During the load RSS swings by tens of MiB between collections, so a slope over it cannot tell a
 * few MiB kept per round from that noise; read once the process has rested as long as its quiet
 * collection and the C heap's trim take (two quiet 5-s checks, then one more: v8-flags.ts; 20 s
 * proved too short, readings 89–116 MiB), the same moment every round, what is kept per round
 * shows as a slope of its own.
 */
const SOAK_SETTLE_S = Number(process.env.BENCH_SOAK_SETTLE_S ?? 40);
const AB = process.env.BENCH_AB === '1';
/**
 * BENCH_MALLOC=1: Burrow started with these glibc malloc settings. Buffers of 32 KiB and more then
 * get mappings of their own, unmapped when freed, so nothing a burst left scattered in glibc's main
 * heap stays there (README, Footprint: within ~5 MiB of idle a minute after the load, against
 * ~20 without); but every SSH packet is then a fresh mapping, which costs 0.5–0.7 s of CPU per GiB.
 * Not Burrow's default for that reason; measured here so the trade can be seen.
 */
const MALLOC = process.env.BENCH_MALLOC === '1';
const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '32768', MALLOC_TRIM_THRESHOLD_: '131072' };
/**
 * Node's options for Burrow's process: by default those the service, the container and `npm start`
 * give a long-lived tunnel process (TUNNEL_NODE_FLAGS); BENCH_NODE_FLAGS replaces them (words
 * separated by spaces; empty: a bare `node burrow.js run`, as typed in a terminal).
 */
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS === undefined ? [...TUNNEL_NODE_FLAGS] : process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
const HOLD = 1000;
/** Seconds the tunnel rests after the load before its RSS is read again (BENCH_LATER_S; 60 as in issue 24). */
const LATER_S = Number(process.env.BENCH_LATER_S ?? 60);
const BURST = 200;
const BURSTS = 11;

type Tool = 'openssh' | 'burrow' | 'published';
const TOOLS: Tool[] = AB ? ['openssh', 'burrow', 'published'] : ['openssh', 'burrow'];
const TOOL_NAME: Record<Tool, string> = {
  openssh: 'OpenSSH ssh -R',
  burrow: MALLOC ? 'Burrow (MALLOC_* set)' : 'Burrow',
  published: 'Burrow on ssh2 as published',
};

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BYTES = STREAM_MB * MiB;

/** One workload's result from load.js, plus the CPU seconds the tunnel and its sshd used meanwhile. */
type Result = Record<string, number> & { cpu: number; sshdCpu: number };
/** The workloads, each run once per tool and round; rows pick from their results. */
const WARM_MB = 64;
const WORKLOADS = {
  // A tunnel runs for days; its first MiBs through a fresh process also pay for compiling the data
  // path (V8's JIT) and growing the heap, which OpenSSH's client never does. Both tools carry
  // WARM_MB each way first, and that cost is a row of its own, so it is shown, not hidden.
  warmPush: ['stream', String(WARM_MB * 1024 * 1024), '1'],
  warmPull: ['pull', String(WARM_MB * 1024 * 1024), '1'],
  push1: ['stream', String(BYTES), '1'],
  pull1: ['pull', String(BYTES), '1'],
  push32: ['stream', String(BYTES), '32'],
  pull32: ['pull', String(BYTES), '32'],
  // Issue 24: the target writes 1 MiB at a time (a database answering a large query) into a reader
  // in the load generator's process; an outside benchmark of this shape measured Burrow at ~2.1 s
  // of CPU per GiB against OpenSSH's ~0.9 s.
  pullMiB: ['pull-mib', String(BYTES), '1'],
  rtt: ['rtt', '3000'],
  connect: ['connect', '100'],
  burst: ['burst', String(BURST), String(BURSTS)],
} as const;
type Workload = keyof typeof WORKLOADS;
type Results = Record<Workload, Result> & { rssIdleMiB: number; rssMiB: number; rssAfterMiB: number; rssLaterMiB: number };

interface Row {
  readonly name: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  /** Part of issue 12's targets: Burrow at least as good as OpenSSH's client. */
  readonly target: boolean;
  readonly pick: (r: Results) => number;
}

const perGiB = (r: Result, cpu: number): number => cpu / ((r.seconds! * r.mbPerS! * 1e6) / GiB);
const ROWS: Row[] = [
  { name: `vendor → target, 1 stream, ${STREAM_MB} MiB`, unit: 'MB/s', higherIsBetter: true, target: true, pick: (r) => r.push1.mbPerS! },
  { name: `target → vendor, 1 stream, ${STREAM_MB} MiB`, unit: 'MB/s', higherIsBetter: true, target: true, pick: (r) => r.pull1.mbPerS! },
  { name: `vendor → target, 32 streams, ${STREAM_MB} MiB total`, unit: 'MB/s', higherIsBetter: true, target: true, pick: (r) => r.push32.mbPerS! },
  { name: `target → vendor, 32 streams, ${STREAM_MB} MiB total`, unit: 'MB/s', higherIsBetter: true, target: true, pick: (r) => r.pull32.mbPerS! },
  { name: 'CPU per GiB, vendor → target, 1 stream', unit: 's', higherIsBetter: false, target: true, pick: (r) => perGiB(r.push1, r.push1.cpu) },
  { name: 'CPU per GiB, target → vendor, 1 stream', unit: 's', higherIsBetter: false, target: true, pick: (r) => perGiB(r.pull1, r.pull1.cpu) },
  { name: 'CPU per GiB, vendor → target, 32 streams', unit: 's', higherIsBetter: false, target: true, pick: (r) => perGiB(r.push32, r.push32.cpu) },
  { name: 'CPU per GiB, target → vendor, 32 streams', unit: 's', higherIsBetter: false, target: true, pick: (r) => perGiB(r.pull32, r.pull32.cpu) },
  {
    name: 'CPU per GiB, target → vendor, 1 stream, the target writing 1 MiB at a time',
    unit: 's',
    higherIsBetter: false,
    target: false,
    pick: (r) => perGiB(r.pullMiB, r.pullMiB.cpu),
  },
  {
    name: "sshd's CPU per GiB serving it, vendor → target, 1 stream",
    unit: 's',
    higherIsBetter: false,
    target: false,
    pick: (r) => perGiB(r.push1, r.push1.sshdCpu),
  },
  {
    name: "sshd's CPU per GiB serving it, target → vendor, 1 stream",
    unit: 's',
    higherIsBetter: false,
    target: false,
    pick: (r) => perGiB(r.pull1, r.pull1.sshdCpu),
  },
  { name: 'round trip (1 byte), p50', unit: 'µs', higherIsBetter: false, target: true, pick: (r) => r.rtt.p50us! },
  { name: 'round trip (1 byte), p99', unit: 'µs', higherIsBetter: false, target: false, pick: (r) => r.rtt.p99us! },
  { name: 'open a connection, p50', unit: 'ms', higherIsBetter: false, target: false, pick: (r) => r.connect.p50ms! },
  { name: 'open a connection, p99', unit: 'ms', higherIsBetter: false, target: false, pick: (r) => r.connect.p99ms! },
  {
    name: `CPU per forwarded connection (${BURSTS} bursts of ${BURST})`,
    unit: 'µs',
    higherIsBetter: false,
    target: true,
    pick: (r) => (r.burst.cpu / (BURST * BURSTS)) * 1e6,
  },
  { name: `burst of ${BURST} connections (median of ${BURSTS})`, unit: 'ms', higherIsBetter: false, target: true, pick: (r) => r.burst.totalMs! },
  {
    name: `CPU for a fresh tunnel's first ${WARM_MB} MiB each way (before the rows above)`,
    unit: 's',
    higherIsBetter: false,
    target: false,
    pick: (r) => r.warmPush.cpu + r.warmPull.cpu,
  },
  // The footprint (issue 24): at rest, with connections open, right after the load, and once it
  // had a minute to give memory back (the figure a tray or a service lives with).
  {
    name: `RSS idle, connected, ${(WORKER_IDLE_MS + 5000) / 1000} s after start`,
    unit: 'MiB',
    higherIsBetter: false,
    target: false,
    pick: (r) => r.rssIdleMiB,
  },
  { name: `RSS with ${HOLD.toLocaleString('en')} connections open (fresh tunnel)`, unit: 'MiB', higherIsBetter: false, target: false, pick: (r) => r.rssMiB },
  { name: 'RSS after all of the above', unit: 'MiB', higherIsBetter: false, target: false, pick: (r) => r.rssAfterMiB },
  { name: `RSS ${LATER_S} s after that, idle`, unit: 'MiB', higherIsBetter: false, target: false, pick: (r) => r.rssLaterMiB },
];

/** The same `ssh -R` command line for both tools (Burrow runs it with its own engine). */
function sshArgs(sshd: Sshd, remotePort: number, targetPort: number): string[] {
  return [
    '-N',
    '-T',
    '-i',
    sshd.clientKeyPath,
    '-p',
    String(sshd.port),
    '-o',
    `UserKnownHostsFile=${sshd.knownHostsPath}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    'ServerAliveInterval=15',
    '-R',
    `127.0.0.1:${remotePort}:127.0.0.1:${targetPort}`,
    `${sshd.user}@127.0.0.1`,
  ];
}

async function startTunnel(
  tool: Tool,
  sshd: Sshd,
  cipher: string,
  remotePort: number,
  targetPort: number,
  onJson?: (event: Record<string, unknown>) => void,
): Promise<ChildProcess> {
  const args = sshArgs(sshd, remotePort, targetPort);
  const burrow = [
    ...NODE_FLAGS,
    ...(tool === 'published' ? ['--import', path.join(here, 'ssh2-as-published.js')] : []),
    BURROW,
    'run',
    ...(onJson ? ['--json'] : []),
    '--',
    'ssh',
    ...args,
  ];
  const proc =
    tool === 'openssh'
      ? spawn('ssh', ['-o', 'BatchMode=yes', '-c', cipher, ...args], { stdio: 'ignore' })
      : spawn(process.execPath, burrow, {
          stdio: ['ignore', onJson ? 'pipe' : 'ignore', 'ignore'],
          env: { ...process.env, ...(MALLOC ? MALLOC_ENV : {}) },
        });
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

/**
 * Runs one load.js workload, and the CPU that the tunnel (`pid` and its children: Burrow's key
 * worker) and sshd's per-connection processes used meanwhile.
 */
async function measure(pid: number, sshdPid: number, port: number, workload: ReadonlyArray<string>): Promise<Result> {
  const c0 = treeCpu(pid);
  const s0 = treeCpu(sshdPid) - cpuSeconds(sshdPid);
  const r = JSON.parse(await run(process.execPath, [path.join(here, 'load.js'), String(port), ...workload])) as Record<string, number>;
  if (r.failed) throw new Error(`${r.failed} connections failed in "${workload.join(' ')}"`);
  return { ...r, cpu: treeCpu(pid) - c0, sshdCpu: treeCpu(sshdPid) - cpuSeconds(sshdPid) - s0 };
}

/** Opens HOLD echoing connections through the tunnel and reads its RSS while they are open. */
async function rssWithConnectionsOpen(pid: number, port: number): Promise<number> {
  const p = spawn(process.execPath, [path.join(here, 'load.js'), String(port), 'hold', String(HOLD)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) => p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`hold exited ${code}`)))));
  await Promise.race([new Promise((resolve) => p.stdout!.once('data', resolve)), exited]);
  const rss = treeRssMiB(pid);
  p.stdin!.end();
  await exited;
  return rss;
}

interface Soak {
  readonly tool: Tool;
  readonly seconds: number;
  readonly failed: number;
  readonly startMiB: number;
  readonly halfMiB: number;
  readonly endMiB: number;
  readonly peakMiB: number;
  /** Least-squares slope of RSS over the second half, MiB per minute. */
  readonly slope: number;
  /** RSS after each round and SOAK_SETTLE_S seconds of rest: what the process keeps, round by round. */
  readonly settledMiB: number[];
  /** Least-squares slope of the settled RSS over the second half of the rounds, MiB per round. */
  readonly settledSlope: number;
}

/** Least-squares slope of (seconds, MiB) samples, in MiB per minute. */
function slopePerMinute(samples: ReadonlyArray<readonly [number, number]>): number {
  const n = samples.length;
  const mx = samples.reduce((a, [x]) => a + x, 0) / n;
  const my = samples.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = samples.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = samples.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : (sxy / sxx) * 60;
}

/** SOAK_GIB each way and SOAK_CONNS short connections through a fresh tunnel of each tool; RSS every second. */
async function soak(cipher: string): Promise<Soak[]> {
  const sshd = await Sshd.start({ ciphers: cipher });
  const target = await startTarget();
  const out: Soak[] = [];
  try {
    for (const tool of ['openssh', 'burrow'] as const) {
      const remotePort = await freePort();
      const tunnel = await startTunnel(tool, sshd, cipher, remotePort, target.port);
      const samples: Array<[number, number]> = [];
      const settled: number[] = [];
      const t0 = performance.now();
      // The slope over the load is taken over the load alone: the clock stops while the tunnel rests.
      let rested = 0;
      let loading = true;
      const sample = (): void => {
        if (loading) samples.push([(performance.now() - t0) / 1000 - rested, treeRssMiB(tunnel.pid!)]);
      };
      sample();
      const sampler = setInterval(sample, 1000);
      let failed = 0;
      try {
        const bytes = String(Math.floor((SOAK_GIB * GiB) / SOAK_ROUNDS));
        const conns = String(Math.floor(SOAK_CONNS / SOAK_ROUNDS));
        for (let round = 0; round < SOAK_ROUNDS; round++) {
          // Both directions and the connections at once, as a busy vendor would.
          const results = await Promise.all([
            run(process.execPath, [path.join(here, 'load.js'), String(remotePort), 'stream', bytes, '4']),
            run(process.execPath, [path.join(here, 'load.js'), String(remotePort), 'pull', bytes, '4']),
            run(process.execPath, [path.join(here, 'load.js'), String(remotePort), 'churn', conns]),
          ]);
          failed += (JSON.parse(results[2]) as { failed: number }).failed;
          if (tunnel.exitCode !== null) throw new Error(`${tool} exited during the soak`);
          if (SOAK_SETTLE_S > 0) {
            loading = false;
            const restFrom = performance.now();
            await new Promise((r) => setTimeout(r, SOAK_SETTLE_S * 1000));
            settled.push(treeRssMiB(tunnel.pid!));
            rested += (performance.now() - restFrom) / 1000;
            loading = true;
          }
        }
      } finally {
        clearInterval(sampler);
        sample();
        await stop(tunnel);
      }
      const seconds = samples.at(-1)![0];
      const second = samples.filter(([t]) => t >= seconds / 2);
      out.push({
        tool,
        seconds,
        failed,
        startMiB: samples[0]![1],
        halfMiB: second[0]![1],
        endMiB: samples.at(-1)![1],
        peakMiB: Math.max(...samples.map(([, m]) => m)),
        slope: slopePerMinute(second),
        settledMiB: settled,
        // Rounds as the x axis: slopePerMinute's unit is per 60 of them, so divide it back.
        settledSlope: settled.length >= 4 ? slopePerMinute(settled.map((m, i) => [i + 1, m] as const).slice(Math.floor(settled.length / 2))) / 60 : NaN,
      });
      process.stderr.write(`soak: ${tool} done\n`);
    }
  } finally {
    target.proc.kill('SIGTERM');
    await sshd.dispose();
  }
  return out;
}

interface LongHaul {
  readonly tool: Tool;
  readonly seconds: number;
  readonly verified: boolean;
  readonly failed: string[];
  readonly rekeys: number;
  readonly reconnects: number | undefined;
  readonly exited: boolean;
}

/** GiB each way through each tool while the server rekeys every 8 MiB; see the file's header. */
async function longHaul(gib: number, cipher: string): Promise<LongHaul[]> {
  const sshd = await Sshd.start({ ciphers: cipher, logLevel: 'DEBUG1', extraConfig: ['RekeyLimit 8M'] });
  const target = spawn(process.execPath, [path.join(here, 'hashed.js'), 'target'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const targetPort = await new Promise<number>((resolve) => target.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const out: LongHaul[] = [];
  try {
    for (const tool of ['openssh', 'burrow'] as const) {
      const remotePort = await freePort();
      let reconnects = 0;
      const tunnel = await startTunnel(
        tool,
        sshd,
        cipher,
        remotePort,
        targetPort,
        tool === 'burrow'
          ? (e) => {
              if (e.type === 'state' && e.state === 'reconnecting') reconnects++;
            }
          : undefined,
      );
      const before = (sshd.log().match(/SSH2_MSG_NEWKEYS received/g) ?? []).length;
      try {
        const r = JSON.parse(await run(process.execPath, [path.join(here, 'hashed.js'), 'load', String(remotePort), String(gib * GiB), '4'])) as {
          seconds: number;
          verified: boolean;
          failed: string[];
        };
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

/** Every round of every tool against one sshd limited to `cipher`: per tool, one sample list per row. */
async function rounds(cipher: string): Promise<Record<Tool, number[][]>> {
  const sshd = await Sshd.start({ ciphers: cipher });
  const sshdPid = sshd.pid;
  const target = await startTarget();
  const results = Object.fromEntries(TOOLS.map((t) => [t, ROWS.map(() => [])])) as unknown as Record<Tool, number[][]>;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate who goes first, so warm caches and thermal drift favour nobody.
      const order = TOOLS.map((_, i) => TOOLS[(i + round) % TOOLS.length]!);
      for (const tool of order) {
        const remotePort = await freePort();
        const tunnel = await startTunnel(tool, sshd, cipher, remotePort, target.port);
        try {
          const r: Partial<Results> = {};
          // At rest: read once Burrow's key worker (a process that read the key at connect) has
          // ended, WORKER_IDLE_MS after its last job, so the row is what stays, not a start-up peak.
          await new Promise((resolve) => setTimeout(resolve, WORKER_IDLE_MS + 5000));
          r.rssIdleMiB = treeRssMiB(tunnel.pid!);
          r.rssMiB = await rssWithConnectionsOpen(tunnel.pid!, remotePort);
          for (const [name, workload] of Object.entries(WORKLOADS)) r[name as Workload] = await measure(tunnel.pid!, sshdPid, remotePort, workload);
          r.rssAfterMiB = treeRssMiB(tunnel.pid!);
          await new Promise((resolve) => setTimeout(resolve, LATER_S * 1000));
          r.rssLaterMiB = treeRssMiB(tunnel.pid!);
          if (tunnel.exitCode !== null) throw new Error(`${tool} exited during the round`);
          for (const [i, row] of ROWS.entries()) results[tool][i]!.push(row.pick(r as Results));
        } finally {
          await stop(tunnel);
        }
        process.stderr.write(`${cipher}, round ${round + 1}/${ROUNDS}: ${tool} done\n`);
      }
    }
  } finally {
    target.proc.kill('SIGTERM');
    await sshd.dispose();
  }
  return results;
}

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** "0.93×" and whether that meets the row's direction (≥ 1 for rates, ≤ 1 for costs). */
function verdict(row: Row, ratio: number): string {
  if (!row.target) return '';
  const met = row.higherIsBetter ? ratio >= 1 : ratio <= 1;
  return `${row.higherIsBetter ? '≥' : '≤'} 1.00×: ${met ? 'met' : '**not met**'}`;
}

async function main(): Promise<void> {
  // `ssh -V` prints its version on stderr.
  const sshVersion = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim().split(',')[0] ?? 'OpenSSH';
  const lines: string[] = [];
  const raw: unknown[] = [];
  for (const cipher of ROUNDS > 0 ? CIPHERS : []) {
    const results = await rounds(cipher);
    lines.push(
      `${sshVersion} vs Burrow (ssh2, native crypto: ${ssh2NativeCrypto() ? 'yes' : 'NO'}, node options: ${NODE_FLAGS.join(' ') || 'none'}), cipher ${cipher}, median of ${ROUNDS} rounds, loopback`,
      '',
      `| workload | ${TOOL_NAME.openssh} | ${TOOL_NAME.burrow} | Burrow ÷ OpenSSH | target |${AB ? ` ${TOOL_NAME.published} | patched ÷ published |` : ''}`,
      `|---|---:|---:|---:|---|${AB ? '---:|---:|' : ''}`,
    );
    for (const [i, row] of ROWS.entries()) {
      const o = median(results.openssh[i]!);
      const b = median(results.burrow[i]!);
      const ab = AB ? median(results.published[i]!) : undefined;
      lines.push(
        `| ${row.name} | ${fmt(o)} ${row.unit} | ${fmt(b)} ${row.unit} | ${(b / o).toFixed(2)}× | ${verdict(row, b / o)} |` +
          (ab !== undefined ? ` ${fmt(ab)} ${row.unit} | ${(b / ab).toFixed(2)}× |` : ''),
      );
      raw.push({ cipher, row: row.name, unit: row.unit, samples: Object.fromEntries(TOOLS.map((t) => [t, results[t][i]])) });
    }
    lines.push('');
  }
  // What each layer of a tunnel process adds to a bare Node process: the floor under the idle row.
  if (process.env.BENCH_WEIGH !== '0') lines.push(await run(process.execPath, ['--expose-gc', path.join(here, 'weigh.js')]));
  // CPU per packet of ssh2's own code, patched against as published: steady where the tables above are noisy.
  if (process.env.BENCH_PACKET_ROUNDS !== '0') lines.push(await run(process.execPath, [path.join(here, 'packets.js')]));
  // Imports at scale: no OpenSSH counterpart; wall and CPU seconds per size, and how they grow.
  if (process.env.BENCH_IMPORT_ROUNDS !== '0') lines.push(...(await importRows()));
  // The operator's endpoint: what serving /metrics, scraped every second, costs a 50-session Burrow.
  if (process.env.BENCH_METRICS_ROUNDS !== '0') lines.push(...(await metricsRows()));
  // One jump host: connect time and throughput through `ssh -J` and through Burrow's own hops.
  if (process.env.BENCH_JUMP_ROUNDS !== '0') lines.push(...(await jumpRows()));
  let soaked: Soak[] = [];
  if (SOAK_GIB > 0) {
    const cipher = CIPHERS[0]!;
    soaked = await soak(cipher);
    lines.push(
      `Soak: ${SOAK_GIB} GiB each way and ${SOAK_CONNS.toLocaleString('en')} short connections through one tunnel, in ${SOAK_ROUNDS} rounds (each: 4 streams each way and the connections, 100 at a time, together), cipher ${cipher}; RSS every second, children included`,
      '',
      '| tool | time under load | connections failed | RSS at start | at half time | at the end | peak | slope over the second half |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
    for (const k of soaked) {
      lines.push(
        `| ${TOOL_NAME[k.tool]} | ${k.seconds.toFixed(0)} s | ${k.failed} | ${fmt(k.startMiB)} MiB | ${fmt(k.halfMiB)} MiB | ${fmt(k.endMiB)} MiB | ${fmt(k.peakMiB)} MiB | ${signed(k.slope)} MiB/min |`,
      );
    }
    lines.push('');
    if (SOAK_SETTLE_S > 0) {
      lines.push(
        `RSS after each soak round and ${SOAK_SETTLE_S} s of rest (MiB), and its slope over rounds ${Math.floor(SOAK_ROUNDS / 2) + 1}–${SOAK_ROUNDS}`,
        '',
        `| tool | ${soaked[0]!.settledMiB.map((_, i) => `round ${i + 1}`).join(' | ')} | slope, second half |`,
        `|---|${soaked[0]!.settledMiB.map(() => '---:').join('|')}|---:|`,
      );
      for (const k of soaked) lines.push(`| ${TOOL_NAME[k.tool]} | ${k.settledMiB.map(fmt).join(' | ')} | ${signed(k.settledSlope)} MiB/round |`);
      lines.push('');
    }
  }
  let haul: LongHaul[] = [];
  if (LONGHAUL_GIB > 0) {
    const cipher = CIPHERS[0]!;
    haul = await longHaul(LONGHAUL_GIB, cipher);
    lines.push(
      `Long haul: ${LONGHAUL_GIB} GiB each way at once over 4 connections, sshd RekeyLimit 8M, cipher ${cipher}`,
      '',
      '| tool | time | MB/s each way | every byte verified | key exchanges seen by sshd | reconnects |',
      '|---|---:|---:|---|---:|---:|',
    );
    for (const h of haul) {
      const mbs = (LONGHAUL_GIB * GiB) / 1e6 / h.seconds;
      lines.push(
        `| ${TOOL_NAME[h.tool]} | ${h.seconds.toFixed(1)} s | ${fmt(mbs)} | ${h.verified ? 'yes' : `NO: ${h.failed[0]}`} | ${h.rekeys} | ${h.reconnects ?? (h.exited ? 'exited' : 0)} |`,
      );
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ rounds: ROUNDS, rows: raw, soak: soaked, longHaul: haul }, null, 2));
}

await main();
