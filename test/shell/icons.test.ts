/**
 * The icons in build/ are what scripts/icons.mjs draws (run again here into a temporary folder),
 * in each system's form: macOS templates black + alpha with @2x, Windows .ico with 16/20/24/32 px,
 * Linux PNGs; and the four states look different even without colour.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trayIconFile } from '../../main/shell/tray-icon.js';
import type { Overall } from '../../main/shell/overall.js';
import { tempDir } from '../core/config/fixtures.js';
import { readIco, readPng, type Png } from '../helpers/png.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUILD = path.join(ROOT, 'build');
const STATES: Overall[] = ['up', 'connecting', 'attention', 'stopped'];
const png = (file: string): Png => readPng(readFileSync(path.join(BUILD, file)));

test('build/ holds exactly what scripts/icons.mjs draws: run again, every image has the same pixels', () => {
  const out = tempDir('burrow-icons-');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'icons.mjs'), out]);
  const made = readdirSync(out).sort();
  assert.equal(made.length, STATES.length * 4 + 2);
  assert.deepEqual(
    readdirSync(BUILD)
      .filter((f) => /\.(png|ico)$/.test(f))
      .sort(),
    made,
    'no icon in build/ that the script does not make, none missing',
  );
  for (const f of made) {
    const a = readFileSync(path.join(out, f));
    const b = readFileSync(path.join(BUILD, f));
    // Pixels, not bytes: another zlib may compress the same pixels differently.
    if (f.endsWith('.png')) assert.ok(readPng(a).rgba.equals(readPng(b).rgba), f);
    else
      assert.deepEqual(
        readIco(a).map((i) => [i.size, i.png.rgba.toString('base64')]),
        readIco(b).map((i) => [i.size, i.png.rgba.toString('base64')]),
        f,
      );
  }
});

test('macOS menu-bar templates are black and alpha only, 16 px with a 32 px @2x', () => {
  for (const s of STATES) {
    const file = path.basename(trayIconFile(BUILD, s, 'darwin'));
    for (const [name, size] of [
      [file, 16],
      [file.replace('.png', '@2x.png'), 32],
    ] as const) {
      const img = png(name);
      assert.deepEqual([img.width, img.height], [size, size], name);
      let opaque = 0;
      for (let i = 0; i < img.rgba.length; i += 4) {
        assert.deepEqual([img.rgba[i], img.rgba[i + 1], img.rgba[i + 2]], [0, 0, 0], `${name}: a pixel that is not black`);
        if (img.rgba[i + 3]! > 0) opaque++;
      }
      assert.ok(opaque > size * size * 0.15, `${name}: something is drawn (${opaque} px)`);
    }
  }
});

test('Windows tray icons hold 16, 20, 24 and 32 px images; Linux gets 32 px PNGs; the app icon is 1024 px', () => {
  for (const s of STATES) {
    const images = readIco(readFileSync(trayIconFile(BUILD, s, 'win32')));
    assert.deepEqual(
      images.map((i) => i.size),
      [16, 20, 24, 32],
    );
    for (const i of images) assert.deepEqual([i.png.width, i.png.height], [i.size, i.size]);
    const linux = png(path.basename(trayIconFile(BUILD, s, 'linux')));
    assert.deepEqual([linux.width, linux.height], [32, 32]);
  }
  const app = png('icon.png');
  assert.deepEqual([app.width, app.height], [1024, 1024]);
  const appIco = readIco(readFileSync(path.join(BUILD, 'icon.ico')));
  assert.ok(appIco.some((i) => i.size === 256) && appIco.some((i) => i.size === 16), `icon.ico sizes ${appIco.map((i) => i.size).join(',')}`);
});

test('the four states differ in shape, not only colour: their templates are four different images', () => {
  const shapes = STATES.map((s) => png(`tray-${s}Template@2x.png`).rgba.toString('base64'));
  assert.equal(new Set(shapes).size, STATES.length);
});
