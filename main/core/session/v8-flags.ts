/**
 * V8 settings for a process that carries tunnel data (the CLI and the desktop app's main process).
 *
 * Every SSH packet and every read of the SSH socket is an ArrayBuffer: about two GiB of them per
 * GiB carried, each freed by the next young-generation collection. V8 frees their memory on a
 * helper thread ("concurrent array buffer sweeping") and subtracts it from its count of external
 * memory only when that thread has run. On a busy machine — two cores shared with sshd, the
 * database and the vendor's connections — the thread runs late, the count climbs past V8's limit
 * and sets off a full mark-compact of the old generation, again and again: 25–60 per GiB in
 * `--trace-gc`, and CPU per GiB up to twice OpenSSH's client. Sweeping on the main thread, at the
 * end of each young collection, costs little (the memory is freed either way) and keeps the count
 * true: 0 mark-compacts per GiB in the same runs (README, Benchmark).
 */
import v8 from 'node:v8';

export const TUNNEL_V8_FLAGS: readonly string[] = ['--no-concurrent-array-buffer-sweeping'];

/** Applies TUNNEL_V8_FLAGS to this process; call before data flows. */
export function tuneV8ForTunnels(): void {
  for (const flag of TUNNEL_V8_FLAGS) v8.setFlagsFromString(flag);
}
