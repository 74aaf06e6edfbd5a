/**
 * The layers' borders, read from the source: only main/electron/ and preload/ import Electron
 * (the core, the app, the shell's logic, the CLI, the web bridge and the window never do), those
 * files stay a thin shell (under 800 lines), and the window's code imports common/ but never main/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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

/**
 * The layers are held by dependency-cruiser (.dependency-cruiser.cjs, run by scripts/lint.sh in
 * `npm test`). These plant what the rules forbid in a copy of the layout and run the checker with
 * the project's own rules: each must fail, naming the rule, so a rule that stopped biting is seen.
 */
function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-layers-'));
  try {
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['**/*.ts'] }),
    );
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
        ...new Set(Object.keys(files).map((f) => f.split('/')[0]!)),
        '--config',
        path.join(ROOT, '.dependency-cruiser.cjs'),
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a planted import of the core in the command line fails the layer check, naming the rule', () => {
  const clean = cruise({
    'main/core/engine.ts': 'export const engine = 1;\n',
    'main/app/app.ts': "import { engine } from '../core/engine.js';\nexport const app = engine;\n",
    'main/cli/run.ts': "import { app } from '../app/app.js';\nexport const run = app;\n",
  });
  assert.equal(clean.status, 0, clean.out);
  const planted = cruise({
    'main/core/engine.ts': 'export const engine = 1;\n',
    'main/cli/run.ts': "import { engine } from '../core/engine.js';\nexport const run = engine;\n",
  });
  assert.notEqual(planted.status, 0, planted.out);
  assert.match(planted.out, /doors-carry-the-contract: main\/cli\/run\.ts → main\/core\/engine\.ts/);
});

test('a planted import cycle fails the layer check, and so does the core importing a door', () => {
  const cycle = cruise({
    'common/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'common/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
  });
  assert.notEqual(cycle.status, 0, cycle.out);
  assert.match(cycle.out, /no-cycles: common\/a\.ts → \s*common\/b\.ts →\s*common\/a\.ts/);
  const upward = cruise({
    'main/cli/words.ts': 'export const words = 1;\n',
    'main/core/engine.ts': "import { words } from '../cli/words.js';\nexport const engine = words;\n",
  });
  assert.notEqual(upward.status, 0, upward.out);
  assert.match(upward.out, /core-stands-alone: main\/core\/engine\.ts → main\/cli\/words\.ts/);
});
