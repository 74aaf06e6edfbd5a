/**
 * How much one import may hold, for every door (the window's file picker, the command line, the
 * control channel): enough for the largest real inputs — a regedit export of 10,000 PuTTY
 * sessions is ~40 MiB of UTF-16 — and small enough that a hostile file is refused before it costs
 * seconds and gigabytes. Each is refused with an error that names it.
 */
export const IMPORT_LIMITS = {
  /** A file or pasted text, in bytes. */
  bytes: 64 * 1024 * 1024,
  /** One line, in characters: no real ssh_config, .reg, script or command has longer ones. */
  lineChars: 64 * 1024,
  /** Sessions in one import. */
  sessions: 10_000,
  /** Forwards of one session (also what the store takes). */
  forwardsPerSession: 1_000,
} as const;

/** A piece of a file sent with `import:upload` (before base64). */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * The largest request a door carries (web bridge frame, control-channel line): a key or a piece
 * of a file as base64 inside its JSON, with room. Larger files travel in pieces, so no door reads
 * a message so large that the tunnels would wait for it.
 */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** 64 MiB as people read it. */
export function sizeInWords(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} bytes`;
}
