/**
 * A file picked for an import, as the contract takes it: inline when small, else sent in pieces
 * with `import:upload` (no door reads one message of tens of megabytes while tunnels wait).
 */
import type { BurrowApi } from '../../../common/api.js';
import { UPLOAD_CHUNK_BYTES } from '../../../common/limits.js';

function base64Of(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** A picked file's bytes as base64 (keys:import takes them so). */
export async function fileAsBase64(file: File): Promise<string> {
  return base64Of(new Uint8Array(await file.arrayBuffer()));
}

/** `file` as import:preview's `file` (small) or `upload` (large, sent first), with progress from 0 to 1. */
export async function importSource(
  api: BurrowApi,
  file: File,
  progress?: (done: number) => void,
): Promise<{ file: { name: string; base64: string } } | { upload: { name: string; uploadId: string } }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length <= UPLOAD_CHUNK_BYTES) return { file: { name: file.name, base64: base64Of(bytes) } };
  let uploadId: string | undefined;
  for (let at = 0; at < bytes.length; at += UPLOAD_CHUNK_BYTES) {
    const r = await api.call('import:upload', {
      ...(uploadId !== undefined ? { uploadId } : {}),
      base64: base64Of(bytes.subarray(at, at + UPLOAD_CHUNK_BYTES)),
    });
    uploadId = r.uploadId;
    progress?.(r.bytes / bytes.length);
  }
  return { upload: { name: file.name, uploadId: uploadId! } };
}
