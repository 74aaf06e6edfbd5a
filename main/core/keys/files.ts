/** Writing key and secret files so that nobody else can read them, at any moment. */
import { randomBytes } from 'node:crypto';
import { chmod, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { KeyError, keyError } from './errors.js';

/**
 * Writes a file atomically with `mode` (0600 for private keys; POSIX only, Windows ignores modes).
 * Refuses to replace an existing file unless `overwrite`.
 */
export async function writeKeyFile(file: string, data: Buffer | string, mode: number, overwrite = false): Promise<void> {
  // A random suffix: a temporary file left by a crash must not block the next write.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    if (!overwrite) {
      const exists = await stat(file).then(
        () => true,
        () => false,
      );
      if (exists) throw keyError('KEY_WRITE_FAILED', `${file} already exists`, 'Choose another --out path, or add --force to replace it.');
    }
    // Created with the final mode, so the key is never readable by others, not even briefly.
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if (err instanceof KeyError) throw err;
    throw keyError(
      'KEY_WRITE_FAILED',
      `${file} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'Check that the folder exists and that Burrow may write there.',
    );
  }
}
