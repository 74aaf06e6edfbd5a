/** Paths of the real-world samples under test/fixtures/config, and private temp folders. */
import ssh2 from 'ssh2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/core/config/: four levels below the repository root.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A sample file in test/fixtures/config. */
export function fixture(name: string): string {
  return path.join(ROOT, 'test', 'fixtures', 'config', name);
}

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder for one test, removed when the test file's process ends. */
export function tempDir(prefix = 'burrow-config-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * A fresh OpenSSH-format private key (ssh2 writes the format ssh-keygen writes; the key layer's
 * interop tests check that against ssh-keygen itself), and its base64 as Secoda hands it out in
 * SSH_KEY_BASE64. Made in-process, so the importer tests need no external tool.
 */
export function secodaKey(): { base64: string; pem: string } {
  const pem = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'secoda-agent' }).private;
  return { base64: Buffer.from(pem).toString('base64'), pem };
}
