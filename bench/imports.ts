/**
 * Imports at scale (`npm run bench`, after the tunnel tables; BENCH_IMPORT_ROUNDS=0 skips it):
 * `burrow import FILE` into a fresh store of a regedit export of N PuTTY sessions (UTF-16, one
 * forward each) and of an ~/.ssh/config of N hosts, end to end through the command line (read,
 * checked, saved in one write). Wall and CPU seconds, the median of BENCH_IMPORT_ROUNDS (default
 * 3), and how the time grows: 2,000 sessions against 1,000 (linear is 2×). There is no OpenSSH
 * counterpart to compare with; the targets are the issue's: 10,000 under 5 s, 1,000 under 1 s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { puttyExport, sshConfig } from '../test/helpers/bulk-inputs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_IMPORT_ROUNDS ?? 3);

function once(file: string, dir: string): Promise<{ wallMs: number; cpuMs: number; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'import-child.js'), 'import', file, '--config', path.join(dir, 'config.json')], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let out = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`burrow import ${file} exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as { wallMs: number; cpuMs: number; code: number });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(name: string, data: Buffer | string): Promise<{ wall: number; cpu: number }> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'burrow-bench-import-'));
  try {
    const file = path.join(work, name);
    writeFileSync(file, data);
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const dir = path.join(work, `store-${r}`);
      const m = await once(file, dir);
      walls.push(m.wallMs / 1000);
      cpus.push(m.cpuMs / 1000);
    }
    return { wall: median(walls), cpu: median(cpus) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function importRows(): Promise<string[]> {
  const lines = [
    `Imports at scale: \`burrow import FILE\` into a fresh store, end to end (median of ${ROUNDS})`,
    '',
    '| input | sessions | size | wall | CPU | CPU per 1,000 sessions |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  const times = new Map<string, number>();
  for (const [kind, n] of [
    ['PuTTY .reg (UTF-16)', 1_000],
    ['PuTTY .reg (UTF-16)', 2_000],
    ['PuTTY .reg (UTF-16)', 10_000],
    ['~/.ssh/config', 1_000],
    ['~/.ssh/config', 2_000],
    ['~/.ssh/config', 10_000],
  ] as const) {
    const data = kind.startsWith('PuTTY') ? puttyExport(n) : sshConfig(n);
    const m = await measure(kind.startsWith('PuTTY') ? 'putty.reg' : 'ssh_config', data);
    times.set(`${kind} ${n}`, m.wall);
    lines.push(
      `| ${kind} | ${n.toLocaleString('en')} | ${(Buffer.byteLength(data) / 1e6).toFixed(1)} MB | ${m.wall.toFixed(2)} s | ${m.cpu.toFixed(2)} s | ${((m.cpu / n) * 1000).toFixed(2)} s |`,
    );
  }
  lines.push('');
  for (const kind of ['PuTTY .reg (UTF-16)', '~/.ssh/config']) {
    const ratio = times.get(`${kind} 2000`)! / times.get(`${kind} 1000`)!;
    lines.push(`${kind}: 2,000 sessions took ${ratio.toFixed(2)}× the time of 1,000 (linear: 2×; the test's bound: 2.5×).`);
  }
  lines.push('');
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write((await importRows()).join('\n') + '\n');
