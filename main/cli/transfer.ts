/**
 * How the command line hands an import to the app: a file in pieces (import:upload, as the
 * window sends a large file), or a pasted command; then import:preview and import:apply. The file
 * is read a piece at a time, so a file over the app's limit is refused after the limit, not after
 * reading all of it.
 */
import { createReadStream } from 'node:fs';
import type { ImportPreview, ImportResult, RequestArgs } from '../../common/contract.js';
import { UPLOAD_CHUNK_BYTES } from '../../common/limits.js';
import type { Ask } from './connect.js';

export type ImportInput =
  | { readonly file: string; readonly name: string }
  | { readonly data: Buffer; readonly name: string }
  | { readonly text: string }
  | { readonly words: ReadonlyArray<string> };

type PreviewExtras = Omit<RequestArgs<'import:preview'>, 'text' | 'file' | 'upload' | 'words'>;
type ApplyExtras = Omit<RequestArgs<'import:apply'>, 'previewId'>;

/** Sends a file to the app in pieces; resolves with the upload's id. */
async function upload(ask: Ask, input: { file: string } | { data: Buffer }): Promise<string> {
  let uploadId: string | undefined;
  const pieces: AsyncIterable<Buffer> =
    'file' in input
      ? createReadStream(input.file, { highWaterMark: UPLOAD_CHUNK_BYTES })
      : (async function* () {
          for (let at = 0; at < input.data.length || at === 0; at += UPLOAD_CHUNK_BYTES) yield input.data.subarray(at, at + UPLOAD_CHUNK_BYTES);
        })();
  for await (const piece of pieces) {
    const r = await ask('import:upload', { ...(uploadId !== undefined ? { uploadId } : {}), base64: piece.toString('base64') });
    uploadId = r.uploadId;
  }
  // An empty file is one empty piece: the preview says it is empty.
  uploadId ??= (await ask('import:upload', { base64: '' })).uploadId;
  return uploadId;
}

/**
 * Previews and applies an import. `check` sees the preview before anything is saved (a command
 * may refuse a kind of input it does not take).
 */
export async function importVia(
  ask: Ask,
  input: ImportInput,
  previewExtras: PreviewExtras,
  applyExtras: ApplyExtras,
  check?: (preview: ImportPreview) => void | Promise<void>,
): Promise<{ preview: ImportPreview; result: ImportResult }> {
  const source =
    'words' in input
      ? { words: [...input.words] }
      : 'text' in input
        ? { text: input.text }
        : { upload: { name: input.name, uploadId: await upload(ask, input) } };
  // The first 200 of each list, and the counts: an import of 10,000 sessions is told in a screenful,
  // and the Burrow that runs the tunnels is not held up building a reply of megabytes.
  const preview = await ask('import:preview', { ...source, ...previewExtras, shown: previewExtras.shown ?? 200 });
  await check?.(preview);
  const result = await ask('import:apply', { previewId: preview.previewId, ...applyExtras, shown: applyExtras.shown ?? 200 });
  return { preview, result };
}
