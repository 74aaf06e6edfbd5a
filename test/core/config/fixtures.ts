/** Paths of the real-world samples under test/fixtures/config, and private temp folders. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/core/config/: four levels below the repository root.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A sample file in test/fixtures/config. */
export function fixture(name: string): string {
  return path.join(ROOT, 'test', 'fixtures', 'config', name);
}

/** A fresh temp folder for one test. */
export function tempDir(prefix = 'burrow-config-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}
