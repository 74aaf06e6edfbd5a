/**
 * Entry point of the key worker process (forked by KeyWorker). It parses untrusted key files and
 * runs passphrase KDFs whose cost the file chooses, so it lives in its own process: a hang is
 * ended by SIGKILL and a crash costs nothing but this process.
 */
import type { WorkerReply, WorkerRequest } from './jobs.js';
import { replyError, runJob } from './jobs.js';

process.on('message', (msg: WorkerRequest) => {
  void runJob(msg.job).then(
    (result) => send({ id: msg.id, ok: true, result }),
    (err: unknown) => send({ id: msg.id, ok: false, error: replyError(err) }),
  );
});

// The parent went away (exited or closed us): nothing left to serve.
process.on('disconnect', () => process.exit(0));

function send(reply: WorkerReply): void {
  process.send?.(reply);
}
