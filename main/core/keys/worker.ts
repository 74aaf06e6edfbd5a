/**
 * Entry point of the key worker process (forked by KeyWorker). It parses untrusted key files and
 * runs passphrase KDFs whose cost the file chooses, so it lives in its own process: a hang is
 * ended by SIGKILL and a crash costs nothing but this process.
 */
import type { WorkerReply, WorkerRequest } from './jobs.js';
import { replyError, runJob } from './jobs.js';

/** Electron's utility process (the desktop app) talks through parentPort; a forked Node process through process.send. */
const parentPort = (process as unknown as { parentPort?: { on(e: 'message', l: (ev: { data: WorkerRequest }) => void): void; postMessage(m: unknown): void } })
  .parentPort;

function handle(msg: WorkerRequest): void {
  void runJob(msg.job).then(
    (result) => send({ id: msg.id, ok: true, result }),
    (err: unknown) => send({ id: msg.id, ok: false, error: replyError(err) }),
  );
}

function send(reply: WorkerReply): void {
  if (parentPort) parentPort.postMessage(reply);
  else process.send?.(reply);
}

if (parentPort) {
  parentPort.on('message', (ev) => handle(ev.data));
} else {
  process.on('message', handle);
  // The parent went away (exited or closed us): nothing left to serve.
  process.on('disconnect', () => process.exit(0));
}
