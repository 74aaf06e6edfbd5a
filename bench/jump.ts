/**
 * One jump host (`npm run bench`; BENCH_JUMP_ROUNDS=0 skips it, default 3): the same reverse
 * tunnel through a bastion, by OpenSSH's `ssh -J` and by Burrow, against two sshds on loopback
 * limited to one cipher. Rows: the time from starting the tool to the remote port listening (two
 * SSH logins, the second inside a channel of the first), and BENCH_JUMP_MB (default 256) pushed
 * vendor → target: MB/s, and the tool's CPU seconds per GiB (user + system, its children
 * included: OpenSSH's `-J` runs a second ssh for the hop). The median of the rounds, each tool
 * started afresh in each round.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sshd } from '../test/helpers/sshd.js';
import { freePort, waitForPort } from '../test/helpers/net.js';
import { treeCpu } from './proc.js';
import { run, startTarget } from './spawn.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BURROW = path.resolve(here, '../main/cli/burrow.js');
const ROUNDS = Number(process.env.BENCH_JUMP_ROUNDS ?? 3);
const MB = Number(process.env.BENCH_JUMP_MB ?? 256);
const CIPHER = 'aes128-gcm@openssh.com';
const GiB = 1024 * 1024 * 1024;

type Tool = 'openssh' | 'burrow';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Starts one tool's tunnel through the jump host; resolves with it and the ms until the remote port listened. */
async function start(
  tool: Tool,
  jump: Sshd,
  target: Sshd,
  sshConfig: string,
  knownHosts: string,
  remote: number,
  targetPort: number,
): Promise<{ proc: ChildProcess; ms: number }> {
  const forward = `127.0.0.1:${remote}:127.0.0.1:${targetPort}`;
  const t0 = performance.now();
  // OpenSSH passes a -J hop only -F (not -i or -o), so both logins are described in a config file.
  const proc =
    tool === 'openssh'
      ? spawn('ssh', ['-F', sshConfig, '-N', '-T', '-o', 'ExitOnForwardFailure=yes', '-R', forward, 'target'], { stdio: 'ignore' })
      : spawn(
          process.execPath,
          [
            BURROW,
            'run',
            '--',
            'ssh',
            '-N',
            '-T',
            '-J',
            `${jump.user}@127.0.0.1:${jump.port}`,
            '-i',
            target.clientKeyPath,
            '-p',
            String(target.port),
            '-o',
            `UserKnownHostsFile=${knownHosts}`,
            '-o',
            'StrictHostKeyChecking=yes',
            '-o',
            `Ciphers=${CIPHER}`,
            '-R',
            forward,
            `${target.user}@127.0.0.1`,
          ],
          { stdio: 'ignore' },
        );
  await waitForPort(remote, '127.0.0.1', 30_000);
  return { proc, ms: performance.now() - t0 };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  await gone;
}

export async function jumpRows(): Promise<string[]> {
  if (ROUNDS <= 0) return [];
  const jump = await Sshd.start({ ciphers: CIPHER });
  const target = await Sshd.start({ ciphers: CIPHER });
  const sink = await startTarget();
  try {
    // One key opens both, as a bastion and its server often share an account's key.
    await jump.authorize(readFileSync(target.clientKeyPath + '.pub', 'utf8'));
    const knownHosts = path.join(target.dir, 'bench_known_hosts');
    writeFileSync(knownHosts, readFileSync(jump.knownHostsPath, 'utf8') + readFileSync(target.knownHostsPath, 'utf8'));
    const sshConfig = path.join(target.dir, 'bench_ssh_config');
    const host = (name: string, s: Sshd, extra: string[] = []): string =>
      [
        `Host ${name}`,
        '  HostName 127.0.0.1',
        `  Port ${s.port}`,
        `  User ${s.user}`,
        `  IdentityFile ${target.clientKeyPath}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHosts}`,
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        `  Ciphers ${CIPHER}`,
        ...extra,
      ].join('\n');
    writeFileSync(sshConfig, `${host('jump', jump)}\n${host('target', target, ['  ProxyJump jump'])}\n`);

    const connectMs: Record<Tool, number[]> = { openssh: [], burrow: [] };
    const mbps: Record<Tool, number[]> = { openssh: [], burrow: [] };
    const cpuPerGiB: Record<Tool, number[]> = { openssh: [], burrow: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const tool of ['openssh', 'burrow'] as const) {
        const remote = await freePort();
        const { proc, ms } = await start(tool, jump, target, sshConfig, knownHosts, remote, sink.port);
        try {
          connectMs[tool].push(ms);
          const c0 = treeCpu(proc.pid!);
          const r = JSON.parse(await run(process.execPath, [path.join(here, 'load.js'), String(remote), 'stream', String(MB * 1024 * 1024), '1'])) as {
            mbPerS: number;
          };
          mbps[tool].push(r.mbPerS);
          cpuPerGiB[tool].push((treeCpu(proc.pid!) - c0) / ((MB * 1024 * 1024) / GiB));
        } finally {
          await stop(proc);
        }
      }
    }
    const row = (name: string, unit: string, xs: Record<Tool, number[]>, digits: number): string => {
      const o = median(xs.openssh);
      const b = median(xs.burrow);
      return `| ${name} | ${o.toFixed(digits)} ${unit} | ${b.toFixed(digits)} ${unit} | ${(b / o).toFixed(2)}× |`;
    };
    return [
      `One jump host (two sshds on loopback, cipher ${CIPHER}), median of ${ROUNDS} rounds, each tool started afresh`,
      '',
      '| workload | OpenSSH ssh -J | Burrow -J | Burrow ÷ OpenSSH |',
      '|---|---:|---:|---:|',
      row('start to remote port listening (two logins)', 'ms', connectMs, 0),
      row(`${MB} MiB vendor → target, one connection`, 'MB/s', mbps, 1),
      row('CPU per GiB pushed (the tool, hop included)', 's', cpuPerGiB, 2),
      '',
    ];
  } finally {
    sink.proc.kill();
    await jump.dispose();
    await target.dispose();
  }
}
