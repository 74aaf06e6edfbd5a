/**
 * Network namespaces for tests that need a host this process cannot reach directly (FACTS.md,
 * "Networks and users in tests"): a chain root ↔ A ↔ B of veth pairs, where A does not forward,
 * so B is reachable only by a program running in A (a jump host). Root only; removed after.
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** Why namespaces cannot be made here, or undefined when they can. Throws under CI=true. */
export function netnsUnavailable(): string | undefined {
  const why =
    process.getuid?.() !== 0
      ? 'not root: network namespaces cannot be made'
      : spawnSync('sh', ['-c', 'command -v ip']).status !== 0
        ? 'ip is missing (Debian: iproute2)'
        : undefined;
  if (why !== undefined && process.env.CI === 'true') throw new Error(`CI must run every test, but this one cannot: ${why}`);
  return why;
}

export interface JumpNetwork {
  /** Namespace A, reachable from here at `aAddress`. */
  readonly a: string;
  readonly aAddress: string;
  /** Namespace B, reachable only from A, at `bAddress`. */
  readonly b: string;
  readonly bAddress: string;
  /** The network B is on: this machine has an `unreachable` route for it. */
  readonly bNet: string;
  remove(): void;
}

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Builds root ↔ A ↔ B; `n` (0–250) keeps parallel test files apart. */
export function jumpNetwork(n: number): JumpNetwork {
  const tag = `${process.pid % 100000}x${n}`;
  const a = `burrowA${tag}`;
  const b = `burrowB${tag}`;
  // Interface names are at most 15 characters.
  const [ra, ar, ab, ba] = ['ra', 'ar', 'ab', 'ba'].map((s) => `b${s}${tag}`.slice(0, 15));
  const net1 = `10.${200 + (n % 50)}.${process.pid % 250}`;
  const net2 = `10.${200 + (n % 50)}.${(process.pid % 250) + 1 > 250 ? 1 : (process.pid % 250) + 1}`;
  const bNet = `${net2}.0/24`;
  const remove = (): void => {
    for (const args of [
      ['netns', 'del', a],
      ['netns', 'del', b],
      ['link', 'del', ra!],
      ['route', 'del', bNet],
    ])
      spawnSync('ip', args, { stdio: 'ignore' });
  };
  remove();
  try {
    ip('netns', 'add', a);
    ip('netns', 'add', b);
    ip('link', 'add', ra!, 'type', 'veth', 'peer', 'name', ar!);
    ip('link', 'set', ar!, 'netns', a);
    ip('link', 'add', ab!, 'type', 'veth', 'peer', 'name', ba!);
    ip('link', 'set', ab!, 'netns', a);
    ip('link', 'set', ba!, 'netns', b);
    ip('addr', 'add', `${net1}.1/24`, 'dev', ra!);
    ip('link', 'set', ra!, 'up');
    ip('-n', a, 'addr', 'add', `${net1}.2/24`, 'dev', ar!);
    ip('-n', a, 'addr', 'add', `${net2}.1/24`, 'dev', ab!);
    ip('-n', b, 'addr', 'add', `${net2}.2/24`, 'dev', ba!);
    for (const [ns, dev] of [
      [a, ar!],
      [a, ab!],
      [b, ba!],
      [a, 'lo'],
      [b, 'lo'],
    ] as const)
      ip('-n', ns, 'link', 'set', dev, 'up');
    // From here, B's network answers nothing (this machine's default route would "accept" it).
    ip('route', 'add', 'unreachable', bNet);
  } catch (err) {
    remove();
    throw err;
  }
  return { a, aAddress: `${net1}.2`, b, bAddress: `${net2}.2`, bNet, remove };
}
