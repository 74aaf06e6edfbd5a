/**
 * `burrow run`: runs tunnels headless, from a pasted ssh/autossh/plink command line or from a
 * config file, with the same engine the app uses. Stops cleanly on SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { SessionConfig } from '../../common/config.js';
import type { ErrorInfo } from '../../common/session.js';
import { ConfigError } from '../core/config/schema.js';
import { loadConfigFile, resolveConfigPath, secretsFolderFor } from '../core/config/config-file.js';
import { parseCommandLine, CommandLineError } from '../core/config/importers/command-line.js';
import { SessionManager } from '../core/manager.js';
import { FileSecretStore, KeyError, loadIdentity, readPassphraseFile, type SecretStore } from '../core/keys/index.js';
import type { HostKeyPrompt } from '../core/session/host-keys.js';
import { BurrowError } from '../core/session/errors.js';
import { defaultIdentityFiles, expandHome } from '../core/session/identity.js';
import { ssh2NativeCrypto, ssh2Patched } from '../core/session/native-crypto.js';
import { parseArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';

const USAGE = `usage: burrow run [--json] [-v] [--passphrase-file FILE] -- <ssh|autossh|plink command line>
       burrow run [--json] [-v] [--passphrase-file FILE] [--config FILE] [NAME...]

Without a command line, runs the saved sessions NAME... (all of them when none is named) from
--config FILE, else $BURROW_CONFIG, else the default store (see docs/config.md).

Runs the tunnels until SIGINT/SIGTERM, reconnecting by itself. With --json, prints one JSON
object per line for every change. The key passphrase comes from --passphrase-file, the
BURROW_PASSPHRASE environment variable, or a prompt on a terminal.`;

/** How `burrow run` reports: JSON lines for programs, readable lines for people. */
export class Reporter {
  constructor(private readonly io: CliIo, private readonly json: boolean, private readonly verbose: boolean) {}

  private line(obj: Record<string, unknown>, human: string): void {
    if (this.json) this.io.out(JSON.stringify({ ts: new Date().toISOString(), ...obj }));
    else this.io.err(`${new Date().toISOString()} ${human}`);
  }

  state(session: string, state: string, error: ErrorInfo | undefined, nextAttemptAt: string | undefined): void {
    const human = `${session}: ${state}` + (error ? ` — ${error.code}: ${error.message}${error.hint ? `\n    fix: ${error.hint}` : ''}` : '')
      + (nextAttemptAt ? `\n    next attempt at ${nextAttemptAt}` : '');
    this.line({ session, type: 'state', state, ...(error ? { error } : {}), ...(nextAttemptAt ? { nextAttemptAt } : {}) }, human);
  }

  forward(session: string, forward: string, state: string, port: number | undefined, error: ErrorInfo | undefined): void {
    this.line({ session, type: 'forward', forward, state, ...(port !== undefined ? { port } : {}), ...(error ? { error } : {}) },
      `${session}: ${forward} ${state}${port !== undefined ? ` on port ${port}` : ''}`);
  }

  log(session: string, level: string, message: string): void {
    if (!this.json && !this.verbose && (level === 'debug' || level === 'info')) return;
    this.line({ session, type: 'log', level, message }, `${session}: ${level}: ${message}`);
  }

  note(message: string): void {
    this.line({ type: 'note', message }, `note: ${message}`);
  }
}

/** Asks on the terminal, as `ssh` does for an unknown host. */
function terminalHostKeyPrompt(): HostKeyPrompt {
  return async ({ host, port, keyType, fingerprint }) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const name = port === 22 ? host : `[${host}]:${port}`;
      const answer = await rl.question(`The authenticity of host '${name}' can't be established.\n${keyType} key fingerprint is ${fingerprint}.\nTrust it and record it in known_hosts (yes/no)? `);
      return answer.trim().toLowerCase() === 'yes';
    } finally {
      rl.close();
    }
  };
}

/**
 * Reads a passphrase on the terminal without echoing it; undefined when the person presses Ctrl-C.
 * A 'data' listener rather than `for await`: leaving a `for await` loop destroys process.stdin,
 * and the host-key question that may follow could then never be answered.
 */
function askPassphrase(prompt: string): Promise<string | undefined> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode?.(true);
  let value = '';
  return new Promise((resolve) => {
    const finish = (result: string | undefined): void => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(value);
        if (ch === '\u0003') return finish(undefined);
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** The sessions of a config file, all of them or those named. */
export async function sessionsFromConfig(file: string, names: string[]): Promise<SessionConfig[]> {
  const cfg = await loadConfigFile(file);
  if (names.length === 0) return [...cfg.sessions];
  return names.map((n) => {
    const s = cfg.sessions.find((x) => x.name === n || x.id === n);
    if (!s) throw new UsageError(`no session named "${n}" in ${file} (it has: ${cfg.sessions.map((x) => x.name).join(', ') || 'none'})`, false);
    return s;
  });
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let sessions: SessionConfig[];
  let json: boolean;
  let verbose: boolean;
  let passphrase: string | undefined;
  let secrets: SecretStore | undefined;
  try {
    const args = parseArgs(argv, { values: ['--config', '--passphrase-file'], flags: ['--json', '--help', '-v'] });
    const verboseFlag = args.positional.includes('-v');
    const positional = args.positional.filter((p) => p !== '-v');
    if (args.flags.has('--help')) { io.out(USAGE); return 0; }
    json = args.flags.has('--json');
    const reporter0 = new Reporter(io, json, false);
    const words = args.rest ?? positional;
    // A command line starts with ssh/autossh/plink or an option; anything else names saved sessions.
    const isCommandLine = args.rest !== undefined || (words.length > 0 && (/^-|(^|[\\/])(ssh|autossh|plink)(\.exe)?$/i.test(words[0]!)));
    if (!isCommandLine) {
      const file = resolveConfigPath(args.values['--config'], io.env);
      // A first run has no store yet: that is "no sessions", not a broken path.
      sessions = args.values['--config'] === undefined && !existsSync(file) ? [] : await sessionsFromConfig(file, positional);
      // Keys imported with the sessions (auth.keyId) live beside the config file.
      secrets = new FileSecretStore(secretsFolderFor(file));
      if (sessions.length === 0) {
        throw new UsageError(`${file} has no saved sessions: add one with \`burrow import '<the vendor's ssh/autossh/plink command>'\`, or run a command line directly with \`burrow run -- ssh …\``, false);
      }
      verbose = verboseFlag;
    } else {
      if (args.values['--config'] !== undefined) throw new UsageError('give either --config FILE or a command line, not both');
      const parsed = parseCommandLine(words);
      for (const n of parsed.notes) reporter0.note(n);
      sessions = [parsed.session];
      verbose = verboseFlag || parsed.verbose;
    }
    const pf = args.values['--passphrase-file'];
    passphrase = pf !== undefined ? await readPassphraseFile(pf) : io.env.BURROW_PASSPHRASE;
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommandLineError || err instanceof ConfigError || err instanceof BurrowError || err instanceof KeyError) {
      io.err(`burrow run: ${err.message}${err instanceof KeyError && err.hint ? ` ${err.hint}` : ''}`);
      if (err instanceof UsageError && err.showUsage) io.err(USAGE);
      return 2;
    }
    throw err;
  }

  const reporter = new Reporter(io, json, verbose);
  if (!ssh2Patched()) reporter.note('ssh2 is missing Burrow\'s patch (patches/ssh2+1.17.0.patch; install with scripts enabled, e.g. npm ci): a server\'s key re-exchange can cut tunnels that are sending data');
  if (!ssh2NativeCrypto()) reporter.note('ssh2\'s native crypto binding is missing: tunnels work but are several times slower (reinstall with a C++ compiler available)');
  const manager = new SessionManager({
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(secrets ? { secrets } : {}),
    ...(io.interactive ? { prompt: terminalHostKeyPrompt() } : {}),
  });
  if (passphrase === undefined && io.interactive) {
    // Ask once up front for an encrypted key rather than failing the first attempt: the files the
    // session will use, with ~ expanded and OpenSSH's defaults when none is given.
    for (const s of sessions) {
      const files = s.auth.identityFiles.length > 0 ? s.auth.identityFiles.map((f) => expandHome(f)) : defaultIdentityFiles().filter((f) => existsSync(f));
      for (const f of files) {
        try {
          await loadIdentity(f, undefined);
        } catch (err) {
          if (passphrase === undefined && err instanceof BurrowError && err.info.code === 'KEY_PASSPHRASE') {
            passphrase = await askPassphrase(`Passphrase for ${f}: `);
            if (passphrase === undefined) return 130;
          }
        }
      }
    }
  }
  let last = new Map<string, string>();
  for (const cfg of sessions) {
    if (cfg.hostKey.policy === 'ask' && !io.interactive) {
      reporter.note(`${cfg.name}: no terminal to ask about an unknown host key, so unknown keys are refused (use -o StrictHostKeyChecking=accept-new to trust on first use)`);
    }
    manager.add(cfg, passphrase !== undefined ? { passphrase } : {});
  }
  manager.on('changed', (s) => {
    // One line per state or error change, not per counter tick.
    const key = `${s.state}|${s.lastError?.code ?? ''}|${s.nextAttemptAt ?? ''}`;
    if (last.get(s.id) === key) return;
    last.set(s.id, key);
    reporter.state(s.name, s.state, s.lastError, s.nextAttemptAt);
  });
  manager.on('forward', (id, f) => reporter.forward(manager.get(id)!.config.name, f.spec, f.state, f.boundPort, f.lastError));
  manager.on('log', (id, l) => reporter.log(manager.get(id)!.config.name, l.level, l.message));
  manager.startAll();

  await io.stopSignal;
  last = new Map();
  await manager.stopAll();
  return 0;
}
