/**
 * The screenshots in docs/screenshots/ and the README: every screen of the tour, light and dark,
 * at a fixed 1100×800 viewport, full page. Every e2e run takes them (into .tmp/screenshots, to
 * look at); `npm run screenshots` writes them to docs/screenshots, so a test run leaves the
 * committed ones alone.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from '../fixtures.js';
import { tour } from '../tour.js';

// Compiled to dist/e2e/web/: the repository is three folders up.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const OUT = process.env.BURROW_SCREENSHOTS === 'docs' ? path.join(ROOT, 'docs', 'screenshots') : path.join(ROOT, '.tmp', 'screenshots');

test('screenshots of every screen, light and dark', async ({ page, burrow, sshd, pg }) => {
  mkdirSync(OUT, { recursive: true });
  await tour(page, burrow, sshd, pg, async (name) => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      // A question is a modal over the screen: the window as the person sees it, not the page beneath.
      await page.screenshot({
        path: path.join(OUT, `${name}-${colorScheme}.png`),
        fullPage: !name.endsWith('-question') && name !== 'start-at-boot',
        animations: 'disabled',
        caret: 'hide',
      });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
