/**
 * Writes a file whole or not at all, without holding up the event loop: the text goes to a new
 * temporary file beside it (created exclusively, private), is flushed to disk, then renamed over
 * the file. A crash or kill -9 at any point leaves the old file or the new one, never half of
 * either; a leftover temporary file is removed later (store.ts removeStaleTemps).
 *
 * conf and electron-store write synchronously: a store of 10,000 sessions is 7.5 MB, about 50 ms
 * of a blocked event loop per save, which every tunnel of the process would wait for. This is
 * the same write (temp file, fsync, rename), done with the asynchronous file API.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `text` to `file` atomically, with `mode`; pieces of `text` are written one after another.
 * `owner`: given to the new file before it takes the old one's place (root writing another
 * account's file), so it is never the account's name with root's ownership.
 */
export async function writeFileAtomic(
  file: string,
  pieces: ReadonlyArray<string>,
  mode = 0o600,
  owner?: { readonly uid: number; readonly gid: number },
): Promise<void> {
  const temp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  const fh = await open(temp, 'wx', mode);
  try {
    try {
      if (owner) await fh.chown(owner.uid, owner.gid);
      for (const piece of pieces) await fh.write(piece);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  // The rename itself reaches the disk with the folder's entry (POSIX); not possible on Windows.
  if (process.platform !== 'win32') {
    try {
      const dir = await open(path.dirname(file), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch {
      // A file system that cannot sync a folder: the file itself is on disk.
    }
  }
}
