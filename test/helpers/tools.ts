/**
 * The real tools tests need, from the one list scripts/deps.sh installs (scripts/tools.txt).
 * A test that runs a tool asks `toolsMissing(...)` for its skip reason: on a developer's machine
 * a missing tool skips the test and says what to install; under CI=true it fails the run, since CI
 * must prove everything.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/helpers/: three levels below the repository root.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The list: tool → Debian package. */
function list(): Map<string, string> {
  const text = readFileSync(path.join(ROOT, 'scripts', 'tools.txt'), 'utf8');
  const entries = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/) as [string, string]);
  return new Map(entries);
}

/** `/usr/lib/postgresql/*\/bin/initdb`: one `*` per path segment, as the list uses it. */
function globExists(pattern: string): boolean {
  const parts = pattern.split('/');
  const walk = (dir: string, rest: string[]): boolean => {
    if (rest.length === 0) return existsSync(dir);
    const [head, ...tail] = rest;
    if (!head!.includes('*')) return walk(path.join(dir, head!), tail);
    const re = new RegExp(`^${head!.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return false;
    }
    return names.some((n) => re.test(n) && walk(path.join(dir, n), tail));
  };
  return walk('/', parts.filter(Boolean));
}

function present(tool: string): boolean {
  if (tool.includes('/')) return globExists(tool);
  try {
    execFileSync('sh', ['-c', `command -v '${tool}'`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a test that needs `tools` cannot run here, or undefined when it can. Every tool must be in
 * scripts/tools.txt (so that the test command installs it); under CI=true a missing one throws.
 */
export function toolsMissing(...tools: string[]): string | undefined {
  return missingFrom(list(), tools, process.env.CI === 'true');
}

/** toolsMissing over a given list, for its own test. */
export function missingFrom(
  known: ReadonlyMap<string, string>,
  tools: ReadonlyArray<string>,
  ci: boolean,
  isPresent: (tool: string) => boolean = present,
): string | undefined {
  const unlisted = tools.filter((t) => !known.has(t));
  if (unlisted.length > 0) throw new Error(`${unlisted.join(', ')} must be listed in scripts/tools.txt, so that the test command installs it`);
  const missing = tools.filter((t) => !isPresent(t));
  if (missing.length === 0) return undefined;
  const why = `needs ${missing.join(', ')} (Debian: apt-get install ${[...new Set(missing.map((t) => known.get(t)))].join(' ')})`;
  if (ci) throw new Error(`CI must run every test, but this one ${why}`);
  return why;
}
