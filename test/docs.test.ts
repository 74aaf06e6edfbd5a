/**
 * The README says only what is true: every error code it lists is produced somewhere in the
 * engine, every option it says is "accepted with a note" gets one, every option it says is
 * accepted silently gets none, and every command prints its usage for --help.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from '../main/core/config/importers/command-line.js';
import { runBurrow } from './helpers/cli.js';

// Compiled to dist/test/: two levels below the repository root.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The README table row that starts with `label`, as its second cell. */
function row(label: string): string {
  const line = README.split('\n').find((l) => l.startsWith(`| ${label} |`));
  assert.ok(line, `README has a row "${label}"`);
  return line.split('|')[2]!;
}

test('every error code the README lists is produced by some path of the engine', () => {
  const para = README.slice(README.indexOf('Errors are plain objects'));
  const listed = [...para.slice(0, para.indexOf('\n\n')).matchAll(/`([A-Z_]{4,})`/g)].map((m) => m[1]!);
  assert.ok(listed.length >= 17, `codes listed: ${listed.join(', ')}`);
  const code = sources(path.join(ROOT, 'main'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  for (const c of listed) {
    // Produced: given as an error's code, not only named in a list of codes.
    const produced = new RegExp(`code: '${c}'|burrowError\\(\\s*'${c}'|withCause\\(\\s*'${c}'|\\? '${c}' :|: '${c}'\\)?;|'${c}' : `).test(code);
    assert.ok(produced, `${c} is listed in the README but no path produces it`);
  }
});

/** Splits a row's cell into [program, option words] groups: `-f -t`, autossh `-M port`, `-o` A, B. */
function options(cell: string): Array<{ program: 'ssh' | 'autossh' | 'plink'; words: string[] }> {
  const out: Array<{ program: 'ssh' | 'autossh' | 'plink'; words: string[] }> = [];
  for (const part of cell.split(/,\s*(?=autossh|plink|`-o`)/)) {
    const program = part.trim().startsWith('autossh') ? 'autossh' : part.trim().startsWith('plink') ? 'plink' : 'ssh';
    if (part.includes('`-o`')) {
      const before = part.slice(0, part.indexOf('`-o`'));
      for (const m of before.matchAll(/`([^`]+)`/g)) for (const w of m[1]!.split(' ')) out.push({ program, words: [w] });
      for (const k of part
        .slice(part.indexOf('`-o`') + 4)
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean))
        out.push({ program, words: ['-o', `${k}=yes`] });
    } else {
      for (const m of part.matchAll(/`([^`]+)`/g)) {
        const text = m[1]!;
        // autossh `-M port` / `-M 0`: one option with its value.
        if (/^-M (port|0)$/.test(text)) out.push({ program, words: ['-M', text.endsWith('0') ? '0' : '20000'] });
        // -E and -S take a file; the others here are switches.
        else for (const w of text.split(' ')) out.push({ program, words: w === '-E' ? ['-E', 'burrow.log'] : w === '-S' ? ['-S', '/tmp/ctl'] : [w] });
      }
    }
  }
  return out;
}

const notesFor = (program: string, words: string[]): ReadonlyArray<string> => parseCommandLine([program, ...words, '-R', '1:db:2', 'u@h']).notes;

test('every option the README says is accepted with a note gets its note', () => {
  const opts = options(row('accepted with a note saying why it does not matter'));
  assert.ok(opts.length >= 15, JSON.stringify(opts));
  for (const { program, words } of opts) {
    const notes = notesFor(program, words);
    const name = words[0] === '-o' ? words[1]!.split('=')[0]! : words[0]!;
    assert.ok(
      notes.some((n) => n.startsWith(name)),
      `${program} ${words.join(' ')}: no note (${JSON.stringify(notes)})`,
    );
  }
});

test('every option the README says is accepted silently gets no note', () => {
  const opts = options(row('accepted silently (they ask for what Burrow does anyway)'));
  assert.ok(opts.length >= 20, JSON.stringify(opts));
  for (const { program, words } of opts) {
    assert.deepEqual(notesFor(program, words), [], `${program} ${words.join(' ')}`);
  }
});

test('-o options keep their first value, Compression and GatewayPorts included; -C and -g switch them on outright', () => {
  const s = (...words: string[]) => parseCommandLine(['ssh', ...words, '-L', '1:db:2', 'u@h']).session;
  assert.equal(s('-o', 'Compression=no', '-o', 'Compression=yes').compression, false);
  assert.equal(s('-o', 'Compression=yes', '-o', 'Compression=no').compression, true);
  assert.equal(s('-o', 'Compression=no', '-C').compression, true);
  assert.equal(s('-o', 'GatewayPorts=no', '-o', 'GatewayPorts=yes').forwards[0]!.bindAddress, undefined);
  assert.equal(s('-o', 'GatewayPorts=yes', '-o', 'GatewayPorts=no').forwards[0]!.bindAddress, '*');
  assert.equal(s('-o', 'GatewayPorts=no', '-g').forwards[0]!.bindAddress, '*');
});

test('every command and subcommand prints its usage for --help, and exits 0', async () => {
  const commands = [
    ['run'],
    ['diagnose'],
    ['trust'],
    ['import'],
    ['sessions'],
    ['sessions', 'list'],
    ['sessions', 'edit'],
    ['sessions', 'export'],
    ['key'],
    ['key', 'generate'],
    ['key', 'convert'],
  ];
  for (const c of commands) {
    const r = await runBurrow([...c, '--help']);
    assert.equal(r.code, 0, `${c.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^usage: burrow ${c[0]}`), c.join(' '));
    assert.equal(r.stderr, '', `${c.join(' ')} --help wrote to stderr`);
  }
  const top = await runBurrow(['--help']);
  assert.equal(top.code, 0);
  for (const c of ['run', 'diagnose', 'trust', 'import', 'sessions', 'key']) assert.match(top.stdout, new RegExp(`\\n  ${c} `));
});
