/** Which tray image file shows an overall state on each system (the files are made by scripts/icons.mjs). */
import path from 'node:path';
import type { Overall } from './overall.js';

/**
 * macOS: a template image (black and alpha, tinted by the menu bar; Electron picks `@2x` itself);
 * Windows: an .ico with 16, 20, 24 and 32 px; Linux: a 32 px PNG.
 */
export function trayIconFile(dir: string, overall: Overall, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return path.join(dir, `tray-${overall}Template.png`);
  if (platform === 'win32') return path.join(dir, `tray-${overall}.ico`);
  return path.join(dir, `tray-${overall}.png`);
}
