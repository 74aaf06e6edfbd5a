/**
 * Runs an import's parsing off the event loop: a large input (a PuTTY export of 10,000 sessions
 * takes about a second to read) goes to a worker thread, so the tunnels this process runs keep
 * carrying data while it is read; a small one (a pasted command) is read at once, where a thread
 * would cost more than the work. The worker's memory goes with it when it ends, and a caller that
 * stops (Ctrl-C during `burrow import`) ends it at once.
 */
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../config-error.js';
import { CommandLineError, PlaceholderError } from './command-line.js';
import { importInput, type ImportOptions } from './detect.js';
import { ImportLimitError } from './limits.js';
import { PendingFile, PendingKey, type ImportReport } from './report.js';
import { giveWay } from '../../give-way.js';

/** Sessions per message from the worker (import-worker.ts): each message is received in one go. */
export const REPORT_SLICE = 500;

/** Inputs smaller than this are read on the caller's thread. */
const INLINE_BYTES = 256 * 1024;

/** What to import: text, a file's bytes (base64 from a window, or read from disk), or a command's words. */
export type ImportSource = { readonly text: string } | { readonly base64: string } | { readonly bytes: Buffer } | { readonly words: ReadonlyArray<string> };

/** What crosses to and from the worker: plain data only (classes and Buffers are rebuilt). */
export interface ImportJob {
  readonly source: ImportSource;
  readonly options: { readonly values?: ReadonlyArray<[string, string]>; readonly source?: string; readonly name?: string };
}

/**
 * The report as the worker posts it. Sessions travel as one JSON text each and are parsed here a
 * few hundred at a time: 10,000 sessions as one object graph take ~50 ms to receive in one piece,
 * which every tunnel of this process would wait for.
 */
type WireReport = Omit<ImportReport, 'keys' | 'files' | 'hostKeys' | 'sessions'> & {
  readonly sessions: ReadonlyArray<string>;
  readonly hostKeys: ReadonlyArray<Omit<ImportReport['hostKeys'][number], 'keyBlob'> & { readonly keyBlob: Uint8Array }>;
  readonly keys: ReadonlyArray<{ readonly keyId: string; readonly material: string; readonly passphrase?: string }>;
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: Uint8Array }>;
};

export type WireError =
  | { readonly cls: 'ConfigError' | 'ImportLimitError'; readonly field: string; readonly problem: string; readonly fix: string }
  | { readonly cls: 'CommandLineError'; readonly option: string; readonly problem: string; readonly fix: string }
  | { readonly cls: 'PlaceholderError'; readonly placeholders: ReadonlyArray<string> }
  | { readonly cls: 'Error'; readonly message: string };

export type WorkerResult = { readonly ok: true; readonly report: WireReport } | { readonly ok: false; readonly error: WireError };

/** Reads the job here (what the worker runs, and what small inputs use directly). */
export function runImportJob(job: ImportJob): ImportReport {
  const s = job.source;
  const input = 'text' in s ? s.text : 'base64' in s ? Buffer.from(s.base64, 'base64') : 'bytes' in s ? Buffer.from(s.bytes) : s.words;
  const options: ImportOptions = {
    ...(job.options.values ? { values: new Map(job.options.values) } : {}),
    ...(job.options.source !== undefined ? { source: job.options.source } : {}),
    ...(job.options.name !== undefined ? { name: job.options.name } : {}),
  };
  return importInput(input, options);
}

export function toWire(report: ImportReport): WireReport {
  return {
    ...report,
    sessions: report.sessions.map((s) => JSON.stringify(s)),
    hostKeys: report.hostKeys.map((h) => ({ ...h, keyBlob: new Uint8Array(h.keyBlob) })),
    keys: (report.keys ?? []).map((k) => ({
      keyId: k.keyId,
      material: k.reveal(),
      ...(k.revealPassphrase() !== undefined ? { passphrase: k.revealPassphrase()! } : {}),
    })),
    files: (report.files ?? []).map((f) => ({ path: f.path, content: new Uint8Array(f.reveal()) })),
  };
}

async function fromWire(w: WireReport): Promise<ImportReport> {
  const sessions: ImportReport['sessions'][number][] = [];
  for (let i = 0; i < w.sessions.length; i++) {
    sessions.push(JSON.parse(w.sessions[i]!) as ImportReport['sessions'][number]);
    if (i % 500 === 499) await giveWay();
  }
  return {
    ...w,
    sessions,
    hostKeys: w.hostKeys.map((h) => ({ ...h, keyBlob: Buffer.from(h.keyBlob) })),
    keys: w.keys.map((k) => new PendingKey(k.keyId, k.material, k.passphrase)),
    files: w.files.map((f) => new PendingFile(f.path, Buffer.from(f.content))),
  };
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof PlaceholderError) return { cls: 'PlaceholderError', placeholders: err.placeholders };
  if (err instanceof CommandLineError) return { cls: 'CommandLineError', option: err.option, problem: err.problem, fix: err.fix };
  if (err instanceof ConfigError)
    return { cls: err instanceof ImportLimitError ? 'ImportLimitError' : 'ConfigError', field: err.field, problem: err.problem, fix: err.fix };
  return { cls: 'Error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

function errorFromWire(e: WireError): Error {
  switch (e.cls) {
    case 'PlaceholderError':
      return new PlaceholderError(e.placeholders);
    case 'CommandLineError':
      return new CommandLineError(e.option, e.problem, e.fix);
    case 'ImportLimitError':
      return new ImportLimitError(e.field, e.problem, e.fix);
    case 'ConfigError':
      return new ConfigError(e.field, e.problem, e.fix);
    case 'Error':
      return new Error(`the import worker failed: ${e.message}`);
  }
}

function sizeOf(s: ImportSource): number {
  if ('text' in s) return s.text.length;
  if ('base64' in s) return s.base64.length;
  if ('bytes' in s) return s.bytes.length;
  return s.words.reduce((n, w) => n + w.length, 0);
}

/**
 * Imports `job`: in a worker thread when it is large and `tunnelsRun` (this process carries tunnel
 * data that must not wait for it); otherwise at once, where a thread would only cost its start and
 * its lower priority (`burrow import` with no Burrow running). Rejects at once when `signal` aborts.
 */
export async function importOffThread(job: ImportJob, signal?: AbortSignal, tunnelsRun = true): Promise<ImportReport> {
  signal?.throwIfAborted();
  if (sizeOf(job.source) < INLINE_BYTES || !tunnelsRun) return runImportJob(job);
  const result = await inWorker(job, signal);
  if (!result.ok) throw errorFromWire(result.error);
  return fromWire(result.report);
}

function inWorker(job: ImportJob, signal: AbortSignal | undefined): Promise<WorkerResult> {
  // A buffer that owns all of its memory is handed over, not copied (a 40 MiB export).
  const s = job.source;
  const owned = 'bytes' in s && s.bytes.byteOffset === 0 && s.bytes.byteLength === s.bytes.buffer.byteLength;
  const worker = new Worker(new URL('./import-worker.js', import.meta.url), {
    workerData: job,
    ...(owned ? { transferList: [(s as { bytes: Buffer }).bytes.buffer as ArrayBuffer] } : {}),
  });
  return new Promise<WorkerResult>((resolve, reject) => {
    const onAbort = (): void => {
      void worker.terminate();
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    // The report's sessions come a slice per message, the next asked for after a pause (give-way.ts),
    // then the rest of the report (import-worker.ts).
    const sessions: string[] = [];
    worker.on('message', (m: WorkerResult | { slice: string[] }) => {
      if ('slice' in m) {
        for (const s of m.slice) sessions.push(s);
        void giveWay().then(() => worker.postMessage('next'));
        return;
      }
      done();
      resolve(m.ok ? { ok: true, report: { ...m.report, sessions: [...sessions, ...m.report.sessions] } } : m);
    });
    worker.once('error', (err) => {
      done();
      reject(new Error(`the import worker failed: ${err.message}`));
    });
    worker.once('exit', (code) => {
      done();
      if (code !== 0) reject(new Error(`the import worker ended with code ${code}`));
    });
  });
}
