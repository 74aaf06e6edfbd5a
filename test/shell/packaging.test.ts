/**
 * The desktop package (electron-builder.yml) can load every native addon the app depends on:
 * Electron cannot dlopen a `.node` file from inside app.asar, so each one built under
 * node_modules by a production dependency (ssh2's crypto, cpu-features, Burrow's heap-trim) must be
 * matched by an `asarUnpack` pattern. electron-builder itself cannot run here (it downloads
 * Electron), so this reads what it would be given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** electron-builder's glob, enough for its patterns here: `*` within a folder, `**` across them. */
function globRegExp(pattern: string): RegExp {
  const re = pattern
    .split(/(\*\*\/|\*)/)
    .map((part) => (part === '**/' ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`);
}

function nodeFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'obj.target') nodeFiles(p, out);
    else if (e.isFile() && e.name.endsWith('.node')) out.push(p);
  }
  return out;
}

test("every native addon of the app's dependencies is unpacked from app.asar", () => {
  const config = parseYaml(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as { asarUnpack?: string[] };
  const patterns = (config.asarUnpack ?? []).map(globRegExp);
  // The production dependency tree, as npm resolved it (links to Burrow's own folders included).
  const packages = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((p) => p.startsWith(path.join(ROOT, 'node_modules') + path.sep));
  const addons: string[] = [];
  for (const pkg of packages) {
    const inTree = path.relative(ROOT, pkg).split(path.sep).join('/');
    for (const file of nodeFiles(realpathSync(pkg))) addons.push(`${inTree}/${path.relative(realpathSync(pkg), file).split(path.sep).join('/')}`);
  }
  assert.ok(
    addons.some((a) => a.startsWith('node_modules/ssh2/')),
    `ssh2's native binding is built by npm ci on this machine (found: ${addons.join(', ') || 'none'})`,
  );
  for (const a of addons)
    assert.ok(
      patterns.some((p) => p.test(a)),
      `${a} is matched by an asarUnpack pattern in electron-builder.yml`,
    );
});
