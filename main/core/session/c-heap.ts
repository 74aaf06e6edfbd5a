/**
 * The C library's heap, where a platform lets a tunnel process give its free memory back (issue 24).
 *
 * On Linux with glibc, free memory between live allocations stays in the process until
 * `malloc_trim(0)`, which Node does not expose: the optional addon `@burrow/heap-trim`
 * (main/native/heap-trim, built at install, heap_trim.c says why) calls it. Elsewhere there is
 * nothing to call — macOS's and Windows' allocators give free pages back themselves — and where the
 * addon could not be built (no compiler at install) the process runs as before, holding that
 * memory; `app:info` says which (`memoryReturn`), `burrow run` and the About screen show it.
 */
import { createRequire } from 'node:module';

export interface CHeap {
  /** Gives the C library's free pages back to the system; whether any were. */
  trim(): boolean;
}

let loaded: CHeap | null | undefined;

let glibc: boolean | undefined;

/** Whether this process can give its free memory back (AppInfo's `memoryReturn` says what each means). */
export function memoryReturn(): 'trim' | 'allocator' | 'missing' {
  // musl's allocator, like macOS's and Windows', unmaps free memory by itself; only glibc's keeps it.
  // Asked once: a diagnostic report is a few milliseconds of work, and app:info is asked often.
  glibc ??= process.platform === 'linux' && Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
  if (!glibc) return 'allocator';
  return cHeap() ? 'trim' : 'missing';
}

/** The addon, loaded on first use; null where it is not built or not needed. */
export function cHeap(): CHeap | null {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@burrow/heap-trim') as CHeap;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
