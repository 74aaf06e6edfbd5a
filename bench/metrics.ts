/**
 * What the operator's endpoint costs (`npm run bench`; BENCH_METRICS_ROUNDS=0 skips it, default
 * 3): one `burrow run` of 50 sessions against the benchmark's sshd, all connected, for
 * BENCH_METRICS_SECONDS (default 60) — once without the endpoint, once with it scraped every
 * second (/metrics, as Prometheus would, plus /readyz), and once asked only /healthz twice a
 * second: the bare cost of two HTTP exchanges, which no formatting can go below — in turn, the
 * median of the rounds.
 * CPU and RSS are the Burrow process's own (user + system and VmRSS, /proc), at the end of the
 * window: its key worker, a child that comes and goes, would make both jump by its own size. There is no
 * OpenSSH counterpart (its client has no metrics); the target is growth under 5 %.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sshd } from '../test/helpers/sshd.js';
import { echoServer, freePort } from '../test/helpers/net.js';
import { loopbackRemote, storedSession, writeStore } from '../test/helpers/session.js';
import { cpuSeconds, rssMiB } from './proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BURROW = path.resolve(here, '../main/cli/burrow.js');
const ROUNDS = Number(process.env.BENCH_METRICS_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_METRICS_SECONDS ?? 60);
const SESSIONS = 50;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Starts burrow run on the config and resolves once every session is connected. */
async function start(config: string, metricsPort: number | undefined): Promise<ChildProcess> {
  const args = [BURROW, 'run', '--json', '--autostart', '--config', config, ...(metricsPort ? ['--metrics', String(metricsPort)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const connected = new Set<string>();
  let buf = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${connected.size} of ${SESSIONS} sessions connected: ${err.slice(-2000)}${buf.slice(-2000)}`)),
      120_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const l = JSON.parse(line) as { session?: string; state?: string; type?: string };
          if (l.session && l.state === 'connected' && l.type !== 'forward') connected.add(l.session);
          else if (l.session && l.state && l.type !== 'forward') connected.delete(l.session);
        } catch {
          /* not a JSON line */
        }
      }
      if (connected.size === SESSIONS) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`burrow run exited ${code}: ${err.slice(-2000)}`)));
  });
  return child;
}

type Asked = 'nothing' | 'healthz' | 'scraped';

async function window(config: string, asked: Asked): Promise<{ cpu: number; rss: number; scrapes: number }> {
  const port = asked === 'nothing' ? undefined : await freePort();
  const child = await start(config, port);
  try {
    // Settle: the connections' first seconds (handshakes, the JIT) are not the steady state.
    await new Promise((r) => setTimeout(r, 5_000));
    const cpu0 = cpuSeconds(child.pid!);
    let scrapes = 0;
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      const next = Date.now() + 1000;
      if (asked === 'healthz') {
        for (let i = 0; i < 2; i++) if (!(await fetch(`http://127.0.0.1:${port}/healthz`)).ok) throw new Error('/healthz failed');
        scrapes++;
      } else if (port) {
        const m = await fetch(`http://127.0.0.1:${port}/metrics`);
        if (!m.ok || !(await m.text()).includes('burrow_session_up')) throw new Error(`/metrics answered ${m.status}`);
        await (await fetch(`http://127.0.0.1:${port}/readyz`)).text();
        scrapes++;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    return { cpu: cpuSeconds(child.pid!) - cpu0, rss: rssMiB(child.pid!), scrapes };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

export async function metricsRows(): Promise<string[]> {
  const sshd = await Sshd.start({ overrideConfig: ['MaxStartups 100', 'MaxSessions 100'] });
  const echo = await echoServer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-bench-metrics-'));
  try {
    const config = path.join(dir, 'config.json');
    const sessions = [];
    // Fifty different ports (a free port asked twice may come back twice).
    const ports = new Set<number>();
    while (ports.size < SESSIONS) ports.add(await freePort());
    const free = [...ports];
    for (let i = 0; i < SESSIONS; i++) {
      sessions.push(storedSession(sshd, `vendor-${i}`, [loopbackRemote(free[i]!, echo.port)]));
    }
    writeStore(config, sessions);
    const off: Array<{ cpu: number; rss: number }> = [];
    const floor: Array<{ cpu: number; rss: number }> = [];
    const on: Array<{ cpu: number; rss: number; scrapes: number }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      off.push(await window(config, 'nothing'));
      floor.push(await window(config, 'healthz'));
      on.push(await window(config, 'scraped'));
    }
    const cpuOff = median(off.map((x) => x.cpu));
    const cpuOn = median(on.map((x) => x.cpu));
    const cpuFloor = median(floor.map((x) => x.cpu));
    const rssOff = median(off.map((x) => x.rss));
    const rssOn = median(on.map((x) => x.rss));
    const rssFloor = median(floor.map((x) => x.rss));
    const pct = (a: number, b: number): string => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`;
    return [
      '',
      `Metrics: one burrow run, ${SESSIONS} sessions connected, ${SECONDS} s; /metrics and /readyz asked every second (${median(on.map((x) => x.scrapes))} scrapes), against no endpoint; median of ${ROUNDS}`,
      '',
      '| | CPU in the window | CPU per second | RSS at the end |',
      '|---|---:|---:|---:|',
      `| no endpoint | ${cpuOff.toFixed(2)} s | ${((cpuOff / SECONDS) * 1000).toFixed(1)} ms | ${rssOff.toFixed(1)} MiB |`,
      `| /healthz twice a second (the HTTP floor) | ${cpuFloor.toFixed(2)} s | ${((cpuFloor / SECONDS) * 1000).toFixed(1)} ms | ${rssFloor.toFixed(1)} MiB |`,
      `| scraped every second | ${cpuOn.toFixed(2)} s | ${((cpuOn / SECONDS) * 1000).toFixed(1)} ms | ${rssOn.toFixed(1)} MiB |`,
      `| growth of the floor | ${pct(cpuFloor, cpuOff)} | | ${pct(rssFloor, rssOff)} |`,
      `| growth scraped | ${pct(cpuOn, cpuOff)} | ${(((cpuOn - cpuOff) / median(on.map((x) => x.scrapes))) * 1000).toFixed(2)} ms per scrape | ${pct(rssOn, rssOff)} |`,
      '',
    ];
  } finally {
    await echo.close();
    await sshd.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Alone: node dist/bench/metrics.js
if (process.argv[1] === fileURLToPath(import.meta.url)) console.log((await metricsRows()).join('\n'));
