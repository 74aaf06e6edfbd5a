/** What a CLI command may touch of the outside world, so tests can run commands in-process. */

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** True when a person can answer prompts on a terminal. */
  readonly interactive: boolean;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM). */
  readonly stopSignal: Promise<string>;
  /** Calls `listener` on each SIGHUP (reload), where the system has it; returns the function that stops that. */
  onHangup?(listener: () => void): () => void;
}

/**
 * The real process's streams and signals. A closed stdout or stderr (`burrow … | head -1`) is not
 * an error: as other Unix tools, Burrow stops quietly and exits 0. A command that waits for the
 * stop signal (`run`, `web`, `logs -f`) gets it, so its tunnels close cleanly; any other exits at once.
 */
export function processIo(): CliIo {
  let stopping = false;
  let resolveStop: (why: string) => void = () => undefined;
  let stopAwaited = false;
  let closed = false;
  const onStreamError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') throw err;
    if (closed) return;
    closed = true;
    process.on('exit', () => {
      process.exitCode = 0;
    });
    if (stopAwaited) resolveStop('EPIPE');
    else process.exit(0);
  };
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
  const stopSignal = new Promise<string>((resolve) => {
    resolveStop = resolve;
    // Listeners stay installed (`on`, not `once`). when-exit (loaded through conf's atomic writes)
    // re-raises every signal it sees; patches/when-exit+2.1.5.patch makes it leave that to us when
    // we listen, so a SIGTERM is one graceful stop, not two. A second signal means "now".
    const onSignal = (sig: NodeJS.Signals): void => {
      // A command that does not wait for the signal (an import, an edit) stops at once: its writes
      // are atomic, so what it was doing is either all saved or not at all.
      if (stopping || !stopAwaited) process.exit(130);
      stopping = true;
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return {
    out: (line) => {
      if (!closed) process.stdout.write(line + '\n');
    },
    err: (line) => {
      if (!closed) process.stderr.write(line + '\n');
    },
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    get stopSignal() {
      stopAwaited = true;
      return stopSignal;
    },
    onHangup: (listener) => {
      if (process.platform === 'win32') return () => {};
      process.on('SIGHUP', listener);
      return () => {
        process.off('SIGHUP', listener);
      };
    },
  };
}
