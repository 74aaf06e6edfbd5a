/** What a CLI command may touch of the outside world, so tests can run commands in-process. */

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** True when a person can answer prompts on a terminal. */
  readonly interactive: boolean;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM). */
  readonly stopSignal: Promise<string>;
}

export function processIo(): CliIo {
  let stopping = false;
  const stopSignal = new Promise<string>((resolve) => {
    // Listeners stay installed (`on`, not `once`): signal-exit, loaded through conf's atomic
    // writes, re-raises a signal when it finds itself the only listener left, which would kill
    // the process before the tunnels are closed. A second signal means "now".
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
  };
}
