#!/usr/bin/env node
// Makes every icon in build/ from the one drawing below, byte for byte the same on every run:
//   build/tray-<state>.png                   Linux tray, 32 px, in colour
//   build/tray-<state>Template.png, …@2x.png macOS menu bar, 16 and 32 px, black and alpha only
//   build/tray-<state>.ico                   Windows tray, 16/20/24/32 px
//   build/icon.png, build/icon.ico           the app's icon (1024 px; 16–256 px)
// <state> is up, connecting, attention, stopped (main/shell/overall.ts). The drawing: a burrow's
// mound with its hole, and a badge whose SHAPE says the state (a dot, a ring, a triangle, none),
// so the state reads without colour and in a template image.
// Usage: node scripts/icons.mjs [OUTDIR]   (default: build/)
import { deflateSync, crc32 } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'build');

const COLORS = {
  mound: [0x3f, 0x7f, 0xc6],
  stoppedMound: [0x8a, 0x8a, 0x8a],
  up: [0x2e, 0x9e, 0x48],
  connecting: [0xe0, 0x9b, 0x16],
  attention: [0xd8, 0x3a, 0x2e],
};

// ---- the drawing, in a unit square: coverage 0..1 of each shape at a point ----
const MOUND = { x0: 0.04, x1: 0.96, base: 0.9, top: -0.5 };
function inMound(x, y) {
  if (x < MOUND.x0 || x > MOUND.x1 || y > MOUND.base) return false;
  const t = (x - MOUND.x0) / (MOUND.x1 - MOUND.x0); // the curve's x is linear in t (symmetric control point)
  const curve = (1 - t) ** 2 * MOUND.base + 2 * t * (1 - t) * MOUND.top + t ** 2 * MOUND.base;
  return y >= curve;
}
const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
function inTriangle(x, y, cx, cy, r) {
  // Pointing up: apex (cx, cy - r), base corners at the bottom.
  const ax = cx,
    ay = cy - r,
    bx = cx - r * 0.95,
    by = cy + r * 0.75,
    ccx = cx + r * 0.95,
    ccy = by;
  const s = (px, py, qx, qy) => (x - qx) * (py - qy) - (px - qx) * (y - qy);
  const d1 = s(ax, ay, bx, by),
    d2 = s(bx, by, ccx, ccy),
    d3 = s(ccx, ccy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}
const BADGE = { cx: 0.78, cy: 0.76, r: 0.2 };
const TILE = [0xe6, 0xef, 0xfa];

/** A rounded square (the app icon's tile), inset by `m`, corner radius `k`. */
function inTile(x, y, m = 0.03, k = 0.2) {
  const cx = Math.min(Math.max(x, m + k), 1 - m - k),
    cy = Math.min(Math.max(y, m + k), 1 - m - k);
  return (x - cx) ** 2 + (y - cy) ** 2 <= k * k;
}

/** The colour (rgb) and coverage of the drawing for `state` at (x, y); `mono` for template images. */
function paint(state, x, y, mono) {
  if (state === 'app') {
    // The mound alone, on a tile, drawn in the tile's inner 76 %.
    const ix = (x - 0.12) / 0.76,
      iy = (y - 0.1) / 0.76;
    if (inMound(ix, iy) && !inCircle(ix, iy, 0.5, 0.72, 0.14)) return { rgb: COLORS.mound, a: 1 };
    return inTile(x, y) ? { rgb: TILE, a: 1 } : { rgb: [0, 0, 0], a: 0 };
  }
  const b = BADGE;
  const inBadgeArea = inCircle(x, y, b.cx, b.cy, b.r + 0.06);
  let badge = false;
  if (state === 'up') badge = inCircle(x, y, b.cx, b.cy, b.r);
  else if (state === 'connecting') badge = inCircle(x, y, b.cx, b.cy, b.r) && !inCircle(x, y, b.cx, b.cy, b.r * 0.52);
  else if (state === 'attention')
    badge =
      inTriangle(x, y, b.cx, b.cy + 0.01, b.r + 0.02) &&
      !(Math.abs(x - b.cx) < 0.028 && ((y > b.cy - 0.12 && y < b.cy + 0.05) || (y > b.cy + 0.085 && y < b.cy + 0.13)));
  if (badge) return { rgb: mono ? [0, 0, 0] : COLORS[state], a: 1 };
  const hole = inCircle(x, y, 0.5, 0.72, 0.14);
  // The badge sits in a gap cut out of the mound, so it reads at 16 px.
  if (inMound(x, y) && !hole && !(state !== 'stopped' && inBadgeArea)) {
    return { rgb: mono ? [0, 0, 0] : state === 'stopped' ? COLORS.stoppedMound : COLORS.mound, a: state === 'stopped' && mono ? 0.55 : 1 };
  }
  return { rgb: [0, 0, 0], a: 0 };
}

/** Rasterises with n×n samples per pixel (anti-aliasing without randomness). */
function render(state, size, mono, n = 4) {
  const px = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let qx = 0; qx < size; qx++) {
      let r = 0,
        g = 0,
        bl = 0,
        a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const p = paint(state, (qx + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size, mono);
          r += p.rgb[0] * p.a;
          g += p.rgb[1] * p.a;
          bl += p.rgb[2] * p.a;
          a += p.a;
        }
      }
      const o = (py * size + qx) * 4;
      const k = n * n;
      px[o] = a ? Math.round(r / a) : 0;
      px[o + 1] = a ? Math.round(g / a) : 0;
      px[o + 2] = a ? Math.round(bl / a) : 0;
      px[o + 3] = Math.round((a / k) * 255);
    }
  }
  return px;
}

// ---- PNG and ICO writers ----
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An .ico of PNG images (Windows Vista and later read PNG entries). */
function ico(images) {
  const head = Buffer.alloc(6 + images.length * 16);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2);
  head.writeUInt16LE(images.length, 4);
  let offset = head.length;
  images.forEach(({ size, data }, i) => {
    const e = 6 + i * 16;
    head[e] = size >= 256 ? 0 : size;
    head[e + 1] = size >= 256 ? 0 : size;
    head.writeUInt16LE(1, e + 4);
    head.writeUInt16LE(32, e + 6);
    head.writeUInt32LE(data.length, e + 8);
    head.writeUInt32LE(offset, e + 12);
    offset += data.length;
  });
  return Buffer.concat([head, ...images.map((i) => i.data)]);
}

mkdirSync(OUT, { recursive: true });
const write = (name, data) => writeFileSync(path.join(OUT, name), data);
for (const state of ['up', 'connecting', 'attention', 'stopped']) {
  write(`tray-${state}.png`, png(32, render(state, 32, false)));
  write(`tray-${state}Template.png`, png(16, render(state, 16, true)));
  write(`tray-${state}Template@2x.png`, png(32, render(state, 32, true)));
  write(`tray-${state}.ico`, ico([16, 20, 24, 32].map((size) => ({ size, data: png(size, render(state, size, false)) }))));
}
write('icon.png', png(1024, render('app', 1024, false, 2)));
write('icon.ico', ico([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, data: png(size, render('app', size, false)) }))));
process.stdout.write(`icons written to ${OUT}\n`);
