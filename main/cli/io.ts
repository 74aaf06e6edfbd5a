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

export function processIo(): CliIo {
  let stopping = false;
  const stopSignal = new Promise<string>((resolve) => {
    // Listeners stay installed (`on`, not `once`). when-exit (loaded through conf's atomic writes)
    // re-raises every signal it sees; patches/when-exit+2.1.5.patch makes it leave that to us when
    // we listen, so a SIGTERM is one graceful stop, not two. A second signal means "now".
    const onSignal = (sig: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    stopSignal,
    onHangup: (listener) => {
      if (process.platform === 'win32') return () => {};
      process.on('SIGHUP', listener);
      return () => { process.off('SIGHUP', listener); };
    },
  };
}
