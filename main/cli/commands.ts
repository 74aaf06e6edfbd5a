/** The `burrow` command table. One module per command, each exporting `main(argv, io)`. */
import type { CliIo } from './io.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

// Commands load lazily so `burrow key …` does not pay for the tunnel engine and vice versa.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  diagnose: { summary: 'check a tunnel step by step (DNS, TCP, host key, login, ports, targets)', load: async () => (await import('./diagnose.js')).main },
  run: { summary: 'run tunnels from an ssh/autossh/plink command line or a config file', load: async () => (await import('./run.js')).main },
  sessions: { summary: 'list, show, add, remove, export and import saved sessions', load: async () => (await import('./sessions.js')).main },
  trust: { summary: "check a server's host key and record it, so a saved session runs unattended", load: async () => (await import('./trust.js')).main },
  authorize: {
    summary: "let a vendor's public key in through this machine's SSH server, limited to one database port (QueryCanary)",
    load: async () => (await import('./authorize.js')).main,
  },
  import: {
    summary: "save a session from an ssh/autossh/plink command, ~/.ssh/config, a PuTTY .reg, known_hosts or Secoda's env",
    load: async () => (await import('./import.js')).main,
  },
  status: {
    summary: 'show the tunnels of the running Burrow (a service, `burrow run`, the app)',
    load: async () => (await import('./control.js')).command('status'),
  },
  start: { summary: 'start saved sessions in the running Burrow', load: async () => (await import('./control.js')).command('start') },
  stop: { summary: 'stop sessions in the running Burrow', load: async () => (await import('./control.js')).command('stop') },
  retry: { summary: 'retry waiting sessions now, or reconnect running ones', load: async () => (await import('./control.js')).command('retry') },
  logs: { summary: "print (or -f follow) a session's log from the running Burrow", load: async () => (await import('./control.js')).command('logs') },
  reload: { summary: 'make the running Burrow re-read its config (as SIGHUP does)', load: async () => (await import('./control.js')).command('reload') },
  service: {
    summary: 'install Burrow as a service that starts at boot (systemd, launchd, Task Scheduler)',
    load: async () => (await import('./service.js')).main,
  },
  container: {
    summary: "the container image's entry point: import the environment's sessions, then run them",
    load: async () => (await import('./container.js')).main,
  },
  web: { summary: "open Burrow's window in a browser (browser mode), serving it on 127.0.0.1", load: async () => (await import('./web.js')).main },
  key: { summary: 'generate, identify and convert SSH keys (OpenSSH, PEM, PKCS#8, PuTTY .ppk)', load: async () => (await import('./key.js')).main },
};

/** The command words (the packaged app runs the CLI when its first argument is one of them). */
export const COMMAND_NAMES: ReadonlyArray<string> = Object.keys(COMMANDS);

function usage(io: CliIo): void {
  io.out('usage: burrow <command> [options]\n\ncommands:');
  for (const [name, c] of Object.entries(COMMANDS)) io.out(`  ${name.padEnd(10)} ${c.summary}`);
  io.out('\n`burrow <command> --help` tells more.');
}

export async function cli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`burrow: unknown command "${name}"`);
    usage(io);
    return 2;
  }
  // `--help` anywhere before `--` (`burrow key generate --help`) asks for the command's usage,
  // whatever else is on the line; after `--` it belongs to a pasted command line.
  const end = rest.indexOf('--');
  if ((end < 0 ? rest : rest.slice(0, end)).includes('--help')) return (await command.load())(['--help'], io);
  return (await command.load())(rest, io);
}
