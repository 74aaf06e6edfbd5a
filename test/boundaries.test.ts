/**
 * The layers' borders, read from the source: only main/electron/ and preload/ import Electron
 * (the core, the app, the shell's logic, the CLI, the web bridge and the window never do), those
 * files stay a thin shell (under 800 lines), and the window's code imports common/ but never main/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Every module a file imports, statically or with import(). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g,
  ))
    specs.push(m[1] ?? m[2] ?? m[3]!);
  return specs;
}

const ELECTRON = /^electron(\/|$)|^electron-store$/;

test('nothing but main/electron/ and preload/ imports Electron', () => {
  const outside = ['main/core', 'main/cli', 'main/app', 'main/shell', 'main/web', 'common', 'renderer/src'].flatMap(sources);
  assert.ok(outside.length > 80, `${outside.length} files read`);
  const offenders = outside.filter((f) => importsOf(f).some((s) => ELECTRON.test(s)));
  assert.deepEqual(offenders, []);
  // The reader is real: it sees the imports of the shell's own files.
  assert.ok(importsOf('main/electron/index.ts').includes('electron'));
  assert.ok(importsOf('main/electron/config-store.ts').includes('electron-store'));
});

test('the Electron shell is thin: the files that import Electron hold fewer than 800 lines', () => {
  const shell = ['main/electron', 'preload'].flatMap(sources).filter((f) => importsOf(f).some((s) => ELECTRON.test(s)));
  const lines = shell.reduce((n, f) => n + readFileSync(path.join(ROOT, f), 'utf8').split('\n').length - 1, 0);
  assert.ok(shell.length >= 7, shell.join(', '));
  assert.ok(lines < 800, `${lines} lines in ${shell.join(', ')}`);
  console.log(`# the Electron shell: ${lines} lines in ${shell.length} files`);
});

test("the window's code imports common/ (the contract) and never main/", () => {
  const offenders = sources('renderer/src').flatMap((f) =>
    importsOf(f)
      .filter((s) => /(^|\/)main\//.test(s))
      .map((s) => `${f}: ${s}`),
  );
  assert.deepEqual(offenders, []);
});

test('the key layer stands alone: main/core/keys imports nothing from main/core/session (no import cycle)', () => {
  const files = sources('main/core/keys');
  assert.ok(files.length >= 5, files.join(', '));
  const offenders = files.flatMap((f) =>
    importsOf(f)
      .filter((s) => /(^|\/)session\//.test(s))
      .map((s) => `${f}: ${s}`),
  );
  assert.deepEqual(offenders, []);
  assert.ok(
    importsOf('main/core/session/identity.ts').some((s) => /keys\//.test(s)),
    'the reader sees session → keys imports',
  );
});
