/** The worker thread of background.ts: reads one import job and posts its report (or its error). */
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { errorToWire, REPORT_SLICE, runImportJob, toWire, type ImportJob, type WorkerResult } from './background.js';

/**
 * This thread gives way to the tunnels: on a machine of two cores, an import running at full
 * priority beside sshd and the tunnel's own thread makes every round trip wait for a core. Linux
 * keeps a nice value per thread (setpriority on a thread id), so only this thread is lowered;
 * elsewhere the whole process would be, so nothing is changed.
 */
function yieldToTunnels(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 19);
  } catch {
    // No /proc, or not allowed: the import runs at the process's priority.
  }
}

yieldToTunnels();
let result: WorkerResult;
try {
  result = { ok: true, report: toWire(runImportJob(workerData as ImportJob)) };
} catch (err) {
  result = { ok: false, error: errorToWire(err) };
}
// The sessions first, a slice per message, each sent when the caller asks for the next: the
// caller's thread receives (deserialises) one message in one go, and 10,000 sessions in one took
// it ~60 ms away from its tunnels (background.ts).
const port = parentPort!;
if (result.ok) {
  const sessions = result.report.sessions;
  for (let i = 0; i < sessions.length; i += REPORT_SLICE) {
    port.postMessage({ slice: sessions.slice(i, i + REPORT_SLICE) });
    await once(port, 'message');
  }
  result = { ok: true, report: { ...result.report, sessions: [] } };
}
port.postMessage(result);
