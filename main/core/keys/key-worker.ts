/** Runs key jobs in a separate Node process with a time limit, so no key file can crash or freeze Burrow. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KeyError, keyError } from './errors.js';
import type { KeyJob, KeyJobResults, WorkerReply, WorkerRequest } from './jobs.js';

/** The worker process, however it was started. */
export interface WorkerProcess {
  send(msg: WorkerRequest, done: (err?: Error | null) => void): void;
  onMessage(listener: (reply: WorkerReply) => void): void;
  /** Once, when the process is gone, with why. */
  onExit(listener: (why: string) => void): void;
  kill(): void;
  /** Whether the process keeps Burrow's event loop alive (only while a job runs). */
  ref(busy: boolean): void;
}

/** Starts the worker script as a process. */
export type WorkerLauncher = (script: string, execArgv: ReadonlyArray<string>) => WorkerProcess;

/** Node's fork: the CLI, `burrow web`, the service and the tests. */
export const forkLauncher: WorkerLauncher = (script, execArgv) => {
  const child = fork(script, [], {
    serialization: 'advanced',
    // Nothing the worker prints may reach Burrow's output: crash text could describe key bytes.
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    execArgv: [...execArgv],
  });
  let gone = false;
  const exits: Array<(why: string) => void> = [];
  const exit = (why: string): void => {
    if (!gone) {
      gone = true;
      for (const l of exits) l(why);
    }
  };
  child.on('exit', (code, signal) => exit(signal ?? `exit code ${code}`));
  child.on('error', (err) => exit((err as NodeJS.ErrnoException).code ?? 'spawn failed'));
  return {
    send: (msg, done) => {
      child.send(msg, done);
    },
    onMessage: (l) => {
      child.on('message', l);
    },
    onExit: (l) => {
      exits.push(l);
    },
    kill: () => {
      child.kill('SIGKILL');
    },
    ref: (busy) => {
      const channel = child.channel as { ref?: () => void; unref?: () => void } | null | undefined;
      if (busy) {
        child.ref();
        channel?.ref?.();
      } else {
        child.unref();
        channel?.unref?.();
      }
    },
  };
};

let defaultLauncher: WorkerLauncher = forkLauncher;

/**
 * How every KeyWorker made after this starts its process. The desktop app sets Electron's utility
 * process: with its RunAsNode fuse off, fork() cannot start the Electron binary as Node.
 */
export function setWorkerLauncher(launcher: WorkerLauncher): void {
  defaultLauncher = launcher;
}

interface Pending {
  readonly id: number;
  readonly job: KeyJob;
  readonly timeoutMs: number;
  readonly resolve: (r: KeyJobResults[KeyJob['op']]) => void;
  readonly reject: (e: KeyError) => void;
}

/** A worker process bounded in memory: a hostile file may exhaust it, never Burrow. */
const WORKER_HEAP_MB = 256;

/**
 * How long an idle worker process is kept for the next job. A tunnel needs its key once per
 * connection, so a worker kept for ever held ~57 MiB (RSS) for a job that comes at the next
 * reconnect, if ever; a burst of jobs (the key wizard, a reconnect storm) still shares one process.
 */
export const WORKER_IDLE_MS = 30_000;

/**
 * A worker process, jobs one at a time, ended after `idleMs` without a job. A job over its time
 * limit gets the process SIGKILLed (a thread stuck in a native KDF cannot be interrupted any other
 * way) and the next job starts a fresh one. While idle the process does not keep Burrow's event
 * loop alive.
 */
export class KeyWorker {
  private child: WorkerProcess | undefined;
  private idle: NodeJS.Timeout | undefined;
  private current: (Pending & { readonly timer: NodeJS.Timeout }) | undefined;
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(
    private readonly script = fileURLToPath(new URL('./worker.js', import.meta.url)),
    private readonly launcher?: WorkerLauncher,
    private readonly idleMs = WORKER_IDLE_MS,
  ) {}

  /** Runs a job; rejects with KeyError (KEY_TIMEOUT when over `timeoutMs`). */
  run<O extends KeyJob['op']>(job: Extract<KeyJob, { op: O }>, timeoutMs: number): Promise<KeyJobResults[O]> {
    return new Promise<KeyJobResults[O]>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, timeoutMs, resolve: resolve as Pending['resolve'], reject });
      this.pump();
    });
  }

  /** Ends the worker process; queued jobs fail with KEY_WORKER_FAILED. */
  close(): void {
    const stopped = keyError('KEY_WORKER_FAILED', 'the key worker was closed', 'Try again.');
    for (const p of this.queue.splice(0)) p.reject(stopped);
    this.finish(stopped);
    this.kill();
  }

  private pump(): void {
    if (this.current) return;
    const next = this.queue.shift();
    clearTimeout(this.idle);
    if (!next) {
      this.setRef(false);
      if (this.child) this.idle = setTimeout(() => this.kill(), this.idleMs).unref();
      return;
    }
    const child = this.spawn();
    this.setRef(true);
    const timer = setTimeout(() => {
      this.kill();
      this.finish(
        keyError(
          'KEY_TIMEOUT',
          `reading or writing the key took longer than ${Math.round(next.timeoutMs / 100) / 10} s and was stopped`,
          "The key's passphrase derivation is set to an extreme cost (bcrypt rounds or Argon2 passes), or the file is hostile. Re-encrypt it with default settings (ssh-keygen -p -f FILE, or PuTTYgen).",
        ),
      );
    }, next.timeoutMs);
    this.current = { ...next, timer };
    // With a callback, a channel that closed under us reports here instead of throwing.
    child.send({ id: next.id, job: next.job }, (err) => {
      if (err && this.current?.id === next.id) {
        this.kill();
        this.finish(workerFailed('its channel closed'));
      }
    });
  }

  private spawn(): WorkerProcess {
    if (this.child) return this.child;
    const child = (this.launcher ?? defaultLauncher)(this.script, [`--max-old-space-size=${WORKER_HEAP_MB}`]);
    child.onMessage((reply) => {
      if (!this.current || reply.id !== this.current.id) return;
      if (reply.ok) this.finish(undefined, reply.result);
      else this.finish(new KeyError(reply.error.code, reply.error.message, reply.error.hint));
    });
    child.onExit((why) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.finish(workerFailed(why));
    });
    this.child = child;
    return child;
  }

  private finish(error: KeyError | undefined, result?: KeyJobResults[KeyJob['op']]): void {
    const done = this.current;
    if (!done) return;
    clearTimeout(done.timer);
    this.current = undefined;
    if (error) done.reject(error);
    else done.resolve(result!);
    this.pump();
  }

  private kill(): void {
    clearTimeout(this.idle);
    const child = this.child;
    this.child = undefined;
    child?.kill();
  }

  private setRef(busy: boolean): void {
    this.child?.ref(busy);
  }
}

function workerFailed(why: string): KeyError {
  return keyError(
    'KEY_WORKER_FAILED',
    `the key worker process stopped unexpectedly (${why})`,
    'The key file may be damaged or hostile. Try again with a fresh copy of the key.',
  );
}
