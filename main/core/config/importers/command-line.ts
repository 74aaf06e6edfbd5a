/**
 * Turns the tunnel commands vendors hand out — OpenSSH `ssh`, `autossh` and PuTTY `plink` — into a
 * SessionConfig for Burrow's own engine (Burrow never spawns ssh). Every option is either honoured,
 * accepted with a note saying why it does not matter here, or refused with an error naming it.
 */
import { placeholderName, placeholdersOf } from '../../../../common/placeholders.js';
import path from 'node:path';
import type { ForwardConfig, HostKeyPolicy, ProxyConfig, RekeyLimitConfig, SessionConfig } from '../../../../common/config.js';
import type { AlgorithmKind } from '../../../../common/algorithms.js';
import {
  ALGORITHM_KEYWORDS,
  AlgorithmListError,
  checkAlgorithmList,
  hostKeyPolicyOf,
  identityAgentOf,
  parseRekeyLimit,
  RekeyLimitError,
} from '../ssh-options.js';
import { SESSION_DEFAULTS } from '../../../../common/config.js';
import { CommandLineError, splitCommandLine } from './command-words.js';
import { fromPuttyCommand, type HopSpec, jumpHostOf, parseJumpList, readProxyCommand, RouteError } from './proxy-route.js';
import { localUserName } from './local-user.js';

export { CommandLineError, splitCommandLine };

export type Program = 'ssh' | 'autossh' | 'plink';

export interface ParsedCommandLine {
  readonly program: Program;
  readonly session: SessionConfig;
  /** Options accepted but not applicable to Burrow, each with the reason. */
  readonly notes: ReadonlyArray<string>;
  /** What was taken but deserves a person's attention before the session is saved (a program it runs). */
  readonly warnings: ReadonlyArray<string>;
  /** `-v` given: the user wants to see the connection's progress. */
  readonly verbose: boolean;
  /** How many `-v`: 1 shows the handshake, 2 or more ssh2's own debug output too. */
  readonly verbosity: number;
}

const SSH_ARG_OPTS = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));
const SSH_FLAG_OPTS = new Set('46AaCfGgKkMNnqsTtVvXxYy'.split(''));

/** Flags that change nothing for a tunnel-only engine, with the reason shown to the user. */
const HARMLESS_FLAGS: Record<string, string> = {
  N: '',
  T: '',
  n: '', // Burrow never runs a command, a shell or a terminal: what -N -T -n ask for.
  f: "-f (go to the background): burrow run stays in the foreground; use the app's start-at-login or a service to run it unattended",
  q: '',
  4: '-4: Burrow uses the address the name resolves to first',
  6: '-6: Burrow uses the address the name resolves to first',
  x: '',
  a: '',
  k: '',
  t: '-t (terminal): Burrow opens no terminal, only forwards',
};

const YES_NO: Record<string, boolean> = { yes: true, true: true, no: false, false: false };

/** ssh_config keywords accepted with -o that do not matter for Burrow, with the reason (empty: none worth saying). */
const HARMLESS_OPTIONS: Record<string, string> = {
  controlpath: 'ControlPath: Burrow does not share connections',
  controlmaster: 'ControlMaster: Burrow does not share connections',
  controlpersist: 'ControlPersist: Burrow does not share connections',
  loglevel: "LogLevel: use -v or --json for Burrow's own log",
  batchmode: '',
  tcpkeepalive: 'TCPKeepAlive: Burrow relies on SSH keepalives (ServerAliveInterval), which also see a frozen server',
  pubkeyauthentication: '',
  passwordauthentication: 'PasswordAuthentication: Burrow logs in with keys only',
  kbdinteractiveauthentication: 'KbdInteractiveAuthentication: Burrow logs in with keys only',
  preferredauthentications: '',
  forwardagent: '',
  forwardx11: '',
  requesttty: '',
  sessiontype: '',
  stdinnull: '',
  hashknownhosts: '',
  checkhostip: '',
  visualhostkey: '',
  updatehostkeys: 'UpdateHostKeys: Burrow records only keys it was asked to trust',
  addkeystoagent: '',
  proxyusefdpass: 'ProxyUseFdpass: Burrow talks to a proxy command over its standard input and output',
  serveralivecountmax: '', // handled, listed only so the harmless check never shadows it
};

function lower(s: string): string {
  return s.toLowerCase();
}

function parsePortValue(v: string, option: string, allowZero = false): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n > 65535 || n < (allowZero ? 0 : 1)) {
    throw new CommandLineError(option, 'is not a port number', `Give a number from ${allowZero ? 0 : 1} to 65535.`);
  }
  return n;
}

/** Splits `a:b:c` on colons outside `[...]`, as OpenSSH's hpdelim does for IPv6 literals. */
function splitForward(spec: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of spec) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === ':' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.map((p) => (p.startsWith('[') && p.endsWith(']') ? p.slice(1, -1) : p));
}

/** Parses the argument of -R, -L or -D into a ForwardConfig. */
export function parseForwardSpec(flag: 'R' | 'L' | 'D', spec: string, gatewayPorts = false): ForwardConfig {
  const option = `-${flag} ${spec}`;
  const parts = splitForward(spec.trim());
  const remote = flag === 'R';
  // Port 0 asks for a free port: the server picks it for -R, this machine for -L and -D; either
  // way the port bound is reported (OpenSSH prints "Allocated port …" for -R 0).
  const bindPortOf = (v: string): number => parsePortValue(v, option, true);
  const localBind = (b: string | undefined): { bindAddress?: string } =>
    b !== undefined ? { bindAddress: b } : gatewayPorts && !remote ? { bindAddress: '*' } : {};
  if (flag === 'D' || (remote && parts.length <= 2)) {
    if (parts.length > 2) throw new CommandLineError(option, 'a dynamic forward is [bind_address:]port', 'Write -D 1080 or -D localhost:1080.');
    const bindPort = bindPortOf(parts[parts.length - 1]!);
    const bind = parts.length === 2 ? parts[0] : undefined;
    return { type: remote ? 'remote-dynamic' : 'local-dynamic', ...localBind(bind), bindPort };
  }
  if (parts.length !== 3 && parts.length !== 4) {
    throw new CommandLineError(
      option,
      `expected [bind_address:]port:host:hostport${remote ? ' or [bind_address:]port' : ''}`,
      remote ? 'For a database tunnel write e.g. -R 15432:localhost:5432.' : 'Write e.g. -L 15432:db.internal:5432.',
    );
  }
  const [bind, port, host, hostPort] = parts.length === 4 ? parts : [undefined, ...parts];
  if (!host) throw new CommandLineError(option, 'the destination host is empty', 'Name the host that runs the database, e.g. localhost.');
  return {
    type: remote ? 'remote' : 'local',
    ...localBind(bind),
    bindPort: bindPortOf(port!),
    targetHost: host,
    targetPort: parsePortValue(hostPort!, option),
  };
}

function programOf(word: string): Program | undefined {
  const base = word
    .split(/[\\/]/)
    .pop()!
    .toLowerCase()
    .replace(/\.exe$/, '');
  if (base === 'ssh' || base === 'autossh' || base === 'plink') return base;
  return undefined;
}

export { placeholderName };

/**
 * Every unfilled placeholder of a command, reported at once with the `--set` that fills each: a
 * guide such as Fivetran's has six, and naming them one run at a time wastes five runs.
 */
export class PlaceholderError extends CommandLineError {
  constructor(readonly placeholders: ReadonlyArray<string>) {
    const one = placeholders.length === 1;
    super(
      placeholders.join(', '),
      one ? 'is a placeholder still to be filled in' : `are ${placeholders.length} placeholders still to be filled in`,
      `Give ${one ? 'it' : 'each'} the value from the vendor's instructions: ${placeholders.map((p) => `--set ${placeholderName(p)}=…`).join(' ')}`,
    );
    this.name = 'PlaceholderError';
  }

  /** The names as `--set` takes them, in the order they appear. */
  get names(): string[] {
    return [...new Set(this.placeholders.map(placeholderName))];
  }
}

/** Refuses unfilled placeholders from vendor guides, naming all of them. */
function checkPlaceholders(words: string[]): void {
  // Only the placeholders are named: the word around one may be a proxy command with a password.
  const found = [...new Set(words.flatMap((w) => placeholdersOf(w)))];
  if (found.length > 0) throw new PlaceholderError(found);
}

/** sshpass types a password into ssh's prompt: the command is refused whatever it runs. */
export function sshpassError(): CommandLineError {
  return new CommandLineError(
    'sshpass',
    'runs through sshpass: password login is not supported, as an unattended tunnel would have to store the password',
    'Use a key: create one with `burrow key generate`, add its public key on the server, and give it with -i.',
  );
}

/** How the server is reached, from -J, ProxyJump, ProxyCommand or plink's -proxycmd. */
interface Route {
  /** The option it came from, for messages (never its value): `-J`, `-o ProxyCommand`, `-proxycmd`. */
  readonly option: string;
  readonly hops: ReadonlyArray<HopSpec>;
  /**
   * Who a hop that names no user logs in as: ssh runs `ssh -W … hop`, which logs in as the local
   * user; PuTTY's plink would ask, and Burrow's answer is the session's user.
   */
  readonly hopUser: 'local' | 'session';
  readonly proxy?: ProxyConfig;
  /** What the proxy command's program did that Burrow does not take (a password it read elsewhere). */
  readonly notes?: ReadonlyArray<string>;
}

interface Draft {
  host?: string;
  /** `-o HostName=…`: the real address behind the name on the command line. */
  hostName?: string;
  port?: number;
  user?: string;
  identityFiles: string[];
  /** `-o IdentityAgent`: null for `none` (the first value wins, so it still counts as given). */
  agent?: string | null;
  identitiesOnly?: boolean;
  /** The first way to the server given wins, as OpenSSH's ProxyJump and ProxyCommand compete. */
  route?: Route;
  forwards: ForwardConfig[];
  /** `-g`: set outright, as OpenSSH's -g does. */
  gatewayFlag: boolean;
  /** `-o GatewayPorts`: the first value wins. */
  gatewayPorts?: boolean;
  keepaliveInterval?: number;
  keepaliveCount?: number;
  connectTimeout?: number;
  policy?: HostKeyPolicy;
  knownHostsFiles?: string[];
  fingerprint?: string;
  /** `-C`: set outright, as OpenSSH's -C does. */
  compressionFlag: boolean;
  /** `-o Compression`: the first value wins. */
  compression?: boolean;
  rekeyLimit?: RekeyLimitConfig;
  /** `-o KexAlgorithms` and the other lists, as written: the first value of each wins. */
  algorithms: Partial<Record<AlgorithmKind, string>>;
  /** `-c` and `-m`: set outright (the last one given), whatever `-o Ciphers`/`MACs` says, as in OpenSSH. */
  cipherFlag?: string;
  macFlag?: string;
  verbosity: number;
  notes: string[];
  warnings: string[];
  /** -R/-L/-D in order, parsed after all options so that -g placed anywhere applies. */
  rawForwards: Array<['R' | 'L' | 'D', string]>;
}

function applySshOption(d: Draft, raw: string): void {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*)$/.exec(raw);
  if (!m) throw new CommandLineError('-o', 'expected Key=Value or "Key Value"', 'Write e.g. -o ServerAliveInterval=15.');
  const key = lower(m[1]!);
  const value = m[2]!.trim().replace(/^"(.*)"$/, '$1');
  const option = `-o ${m[1]}`;
  const yesNo = (): boolean => {
    const b = YES_NO[lower(value)];
    if (b === undefined) throw new CommandLineError(option, 'is not yes or no', 'Write yes or no.');
    return b;
  };
  const int = (min: number, max: number): number => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max)) throw new CommandLineError(option, `is not a whole number from ${min} to ${max}`, 'Give a number of seconds (or a count).');
    return n;
  };
  switch (key) {
    // As in OpenSSH, the first value obtained for an option is the one used.
    case 'serveraliveinterval':
      d.keepaliveInterval ??= int(0, 3600);
      return;
    case 'serveralivecountmax':
      // OpenSSH's 0 means "drop the link after one interval with nothing received"; ssh2 counts
      // unanswered probes only, so 0 there would drop even a busy link every interval.
      if (value === '0')
        throw new CommandLineError(
          option,
          'ServerAliveCountMax=0 (drop the link after one quiet interval) is not supported',
          'Use ServerAliveCountMax=1: the link is dropped when one keepalive goes unanswered.',
        );
      d.keepaliveCount ??= int(1, 100);
      return;
    case 'connecttimeout':
      d.connectTimeout ??= int(1, 600);
      return;
    case 'port':
      d.port ??= parsePortValue(value, option);
      return;
    case 'user':
      d.user ??= value;
      return;
    case 'hostname':
      // Not quoted: what stands before the @ may be user:password.
      if (value.includes('@'))
        throw new CommandLineError(
          option,
          'holds an "@": a user name is written into the host name',
          'Give the host name alone, and the user with -l or as user@host.',
        );
      d.hostName ??= value;
      return;
    case 'identityfile':
      d.identityFiles.push(value);
      return;
    case 'compression':
      d.compression ??= yesNo();
      return;
    case 'rekeylimit':
      try {
        d.rekeyLimit ??= parseRekeyLimit(value);
      } catch (err) {
        if (!(err instanceof RekeyLimitError)) throw err;
        throw new CommandLineError(option, err.message, err.fix);
      }
      return;
    case 'gatewayports':
      d.gatewayPorts ??= yesNo();
      return;
    case 'exitonforwardfailure':
      if (!yesNo()) {
        throw new CommandLineError(
          option,
          'Burrow always treats a forward that cannot be opened as a failure (it never reports a tunnel as up when it is not)',
          'Remove -o ExitOnForwardFailure=no.',
        );
      }
      return;
    case 'stricthostkeychecking': {
      const p = hostKeyPolicyOf(value);
      if (!p) throw new CommandLineError(option, 'is not a policy', 'Use yes, accept-new, no or ask.');
      d.policy ??= p;
      return;
    }
    case 'userknownhostsfile': {
      const files = value.split(/\s+/).filter(Boolean);
      if (files.length === 0) throw new CommandLineError(option, 'no file given', 'Name a known_hosts file.');
      d.knownHostsFiles ??= files;
      return;
    }
    case 'remoteforward':
    case 'localforward': {
      // ssh_config syntax: "[bind:]port host:hostport" (a space between listen and target).
      const [listen, target] = value.split(/\s+/, 2);
      d.rawForwards.push([key === 'remoteforward' ? 'R' : 'L', target ? `${listen}:${target}` : listen!]);
      return;
    }
    case 'dynamicforward':
      d.rawForwards.push(['D', value]);
      return;
    case 'identityagent': {
      if (d.agent !== undefined) return;
      const agent = identityAgentOf(value);
      if ('problem' in agent) throw new CommandLineError(option, agent.problem, agent.fix);
      d.agent = agent.agent ?? null;
      return;
    }
    case 'identitiesonly':
      d.identitiesOnly ??= yesNo();
      return;
    case 'proxyjump':
    case 'proxycommand':
      // "Whichever is specified first will prevent later instances of the other" (ssh_config(5)).
      setRoute(d, option, () => routeOf(option, key === 'proxyjump' ? 'jump' : 'command', value));
      return;
    default:
      break;
  }
  const kind = ALGORITHM_KEYWORDS[key];
  if (kind !== undefined) {
    d.algorithms[kind] ??= algorithmList(option, kind, value);
    return;
  }
  if (key in HARMLESS_OPTIONS) {
    if (HARMLESS_OPTIONS[key]) d.notes.push(`${HARMLESS_OPTIONS[key]} (ignored)`);
    return;
  }
  throw new CommandLineError(
    option,
    'is not an option Burrow knows how to honour',
    'Remove it, or see the README section "burrow run" for the supported options.',
  );
}

/** An algorithm list checked as OpenSSH reads it; `option` names it in the error. */
function algorithmList(option: string, kind: AlgorithmKind, value: string): string {
  try {
    return checkAlgorithmList(kind, value);
  } catch (err) {
    if (!(err instanceof AlgorithmListError)) throw err;
    throw new CommandLineError(option, err.message, err.fix);
  }
}

/** Takes the first way to the server given; a later one is noted and left, as ssh leaves it. */
function setRoute(d: Draft, option: string, read: () => Route): void {
  if (d.route) {
    d.notes.push(`${option}: a way to the server was given before it (${d.route.option}), and the first one wins, as in ssh (ignored)`);
    return;
  }
  d.route = read();
  for (const n of d.route.notes ?? []) d.notes.push(`${option}: ${n}`);
}

/**
 * A way to the server: a `-J`/ProxyJump hop list, or a ProxyCommand (`putty-command`: plink's
 * -proxycmd, in PuTTY's `%host` tokens; a command line gives PuTTY no proxy settings for its
 * `%user` or `%proxyhost`) read into the hops or proxy Burrow makes itself, else kept as a
 * command. Errors name `option`, never the value.
 */
function routeOf(option: string, kind: 'jump' | 'command' | 'putty-command', value: string): Route {
  try {
    if (kind === 'jump') {
      const hops = parseJumpList(value);
      return { option, hops: hops === 'none' ? [] : hops, hopUser: 'local' };
    }
    const read = readProxyCommand(kind === 'putty-command' ? fromPuttyCommand(value, {}) : value);
    switch (read.kind) {
      case 'direct':
        return { option, hops: [], hopUser: 'local' };
      case 'jump':
        return { option, hops: read.hops, hopUser: read.program === 'ssh' ? 'local' : 'session' };
      case 'proxy':
        return { option, hops: [], hopUser: 'local', proxy: read.proxy, notes: read.notes };
      case 'command':
        return { option, hops: [], hopUser: 'local', proxy: { type: 'command', command: read.command } };
    }
  } catch (err) {
    if (!(err instanceof RouteError)) throw err;
    throw new CommandLineError(option, err.problem, err.fix);
  }
}

/**
 * `user:password@host`, in a URL or not. No system allows a colon in a user name (it separates
 * /etc/passwd fields), so the part after it is a password: never used, never repeated.
 */
function passwordInAddress(): CommandLineError {
  return new CommandLineError(
    'user:…@host',
    'the user name carries a password',
    'Remove the password from the address or user name; Burrow logs in with keys.',
  );
}

/** Parses `user@host`, `host` and `ssh://user@host:port`. */
function applyDestination(d: Draft, word: string): void {
  let w = word;
  const uri = /^ssh:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(w);
  if (uri?.[1]?.includes(':')) throw passwordInAddress();
  if (uri) {
    if (uri[1]) d.user ??= uri[1];
    if (uri[3]) d.port ??= parsePortValue(uri[3], word);
    d.host = uri[2]!.replace(/^\[|\]$/g, '');
    return;
  }
  const at = w.lastIndexOf('@');
  if (at >= 0) {
    if (w.slice(0, at).includes(':')) throw passwordInAddress();
    d.user ??= w.slice(0, at);
    w = w.slice(at + 1);
  }
  if (!w) throw new CommandLineError('(destination)', 'has no host name after the @', 'Write user@host.');
  d.host = w;
}

/** Parses a full tunnel command line (or just its arguments, taken as `ssh`). */
export function parseCommandLine(input: string | ReadonlyArray<string>): ParsedCommandLine {
  const words = typeof input === 'string' ? splitCommandLine(input.trim().replace(/^\$\s+/, '')) : [...input];
  const prefixNotes: string[] = [];
  // `AUTOSSH_GATETIME=0 autossh …`: environment settings for the tool, not part of the tunnel.
  // Only the names are repeated, never the values (they may be secrets).
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) {
    prefixNotes.push(`${words.shift()!.split('=')[0]}=…: environment settings for ssh/autossh do not apply to Burrow (ignored)`);
  }
  if (words[0] !== undefined && /^sshpass(\.exe)?$/i.test(path.win32.basename(words[0]))) throw sshpassError();
  if (words.length === 0)
    throw new CommandLineError('(command)', 'the command line is empty', "Paste the ssh, autossh or plink command from the vendor's guide.");
  const first = programOf(words[0]!);
  const program: Program = first ?? 'ssh';
  if (first) words.shift();
  else if (!words[0]!.startsWith('-') && words.length > 1 && !words.some((w) => /^-[RLD]/.test(w))) {
    throw new CommandLineError(words[0]!, 'is not ssh, autossh or plink', 'Paste the tunnel command, e.g. ssh -N -R 15432:localhost:5432 user@host.');
  }
  checkPlaceholders(words);

  const d: Draft = {
    identityFiles: [],
    forwards: [],
    gatewayFlag: false,
    compressionFlag: false,
    algorithms: {},
    verbosity: 0,
    notes: prefixNotes,
    warnings: [],
    rawForwards: [],
  };
  const rest: string[] = [];

  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const takeArg = (opt: string, attached: string): string => {
      if (attached !== '') return attached;
      const v = words[++i];
      if (v === undefined) throw new CommandLineError(opt, 'needs a value', `Give the value after ${opt}.`);
      return v;
    };
    // Like OpenSSH, options may follow the destination (`ssh host -p 2222`, as Fivetran's guide
    // writes it); the first word after the destination that is not an option starts the command.
    if (rest.length > 1 || !w.startsWith('-') || w === '-') {
      // The destination is read where it stands, so first-value-wins holds between user@host
      // and a later -l, as in OpenSSH.
      if (rest.length === 0) applyDestination(d, w);
      rest.push(w);
      continue;
    }
    if (w === '--') {
      rest.push(...words.slice(i + 1));
      break;
    }

    if (program === 'plink') {
      const word = w.toLowerCase();
      if (word === '-ssh' || word === '-batch' || word === '-no-antispoof') continue;
      if (word === '-pw' || word === '-pwfile') {
        throw new CommandLineError(
          w,
          'password login is not supported: an unattended tunnel would have to store the password',
          'Use a key: create one with `burrow key generate` and give it with -i.',
        );
      }
      if (word === '-hostkey') {
        if (d.fingerprint !== undefined) {
          throw new CommandLineError(
            '-hostkey',
            'Burrow pins one host key per session',
            'Keep the -hostkey of the key type the server presents (usually its ssh-ed25519 key), or use known_hosts instead.',
          );
        }
        d.fingerprint = takeArg('-hostkey', '');
        continue;
      }
      if (word === '-load') {
        throw new CommandLineError(
          w,
          "Burrow cannot read PuTTY's registry from a command line",
          'Export the session with regedit (HKCU\\Software\\SimonTatham\\PuTTY\\Sessions) and run `burrow import FILE.reg`.',
        );
      }
      // -agent asks for Pageant in so many words (the agent SSH_AUTH_SOCK names elsewhere):
      // plink's IdentityAgent. -noagent turns it off; as with -o options, the first one counts.
      if (word === '-agent' || word === '-noagent') {
        if (d.agent === undefined) d.agent = word === '-agent' ? 'env' : null;
        continue;
      }
      if (word === '-proxycmd') {
        const command = takeArg('-proxycmd', '');
        setRoute(d, '-proxycmd', () => routeOf('-proxycmd', 'putty-command', command));
        continue;
      }
      if (word === '-sanitise-stderr' || word === '-no-sanitise-stderr' || word === '-shareexists' || word === '-share' || word === '-noshare') continue;
      // Everything else plink shares with OpenSSH's spelling.
    }

    // A cluster like -nNT or -fN, or an option with its value attached (-p2222, -R8080:h:80).
    for (let j = 1; j < w.length; j++) {
      const c = w[j]!;
      const attached = w.slice(j + 1);
      if (program === 'autossh' && c === 'M') {
        const v = takeArg('-M', attached);
        if (!/^\d+(:\d+)?$/.test(v))
          throw new CommandLineError('-M', "is not autossh's monitor port", 'Write -M 0 (Burrow uses SSH keepalives instead of a monitor port).');
        if (v !== '0') d.notes.push(`-M ${v}: Burrow watches the link with SSH keepalives, not autossh's monitor port (ignored)`);
        break;
      }
      if (program === 'plink' && c === 'P') {
        d.port ??= parsePortValue(takeArg('-P', attached), '-P');
        break;
      }
      if (SSH_ARG_OPTS.has(c)) {
        const v = takeArg(`-${c}`, attached);
        switch (c) {
          case 'R':
          case 'L':
          case 'D':
            d.rawForwards.push([c, v]);
            break;
          case 'p':
            d.port ??= parsePortValue(v, '-p');
            break;
          case 'l':
            d.user ??= v;
            break;
          case 'i':
            d.identityFiles.push(v);
            break;
          case 'o':
            applySshOption(d, v);
            break;
          case 'J':
            // ssh: "Only a single -J option is permitted", "Cannot specify -J with ProxyCommand".
            if (d.route) {
              throw new CommandLineError(
                '-J',
                `comes after another way to the server (${d.route.option}), which ssh refuses`,
                'Keep one: a single -J with the hops separated by commas (-J first,second), or one ProxyCommand.',
              );
            }
            d.route = routeOf('-J', 'jump', v);
            break;
          case 'E':
            d.notes.push('-E: Burrow writes its own log; use --json to capture it (ignored)');
            break;
          case 'S':
            d.notes.push('-S: Burrow does not share connections (ignored)');
            break;
          case 'F':
            throw new CommandLineError(
              '-F',
              'Burrow does not read ssh config files from a command line',
              'Import the host with `burrow import ~/.ssh/config`, or give the options with -o.',
            );
          case 'c':
            d.cipherFlag = algorithmList('-c', 'ciphers', v);
            break;
          case 'm':
            d.macFlag = algorithmList('-m', 'macs', v);
            break;
          default:
            throw new CommandLineError(`-${c}`, 'is not an option Burrow can honour for a tunnel', 'Remove it; see the README section "burrow run".');
        }
        break;
      }
      if (SSH_FLAG_OPTS.has(c)) {
        if (c === 'g') d.gatewayFlag = true;
        else if (c === 'C') d.compressionFlag = true;
        else if (c === 'v') d.verbosity++;
        else if (c === 'M') d.notes.push('-M (connection-sharing master): Burrow does not share connections (ignored)');
        else if (c === 's' || c === 'G' || c === 'V' || c === 'K' || c === 'A' || c === 'X' || c === 'Y') {
          throw new CommandLineError(`-${c}`, 'is not an option Burrow can honour for a tunnel', 'Remove it; see the README section "burrow run".');
        } else if (HARMLESS_FLAGS[c] !== undefined) {
          if (HARMLESS_FLAGS[c]) d.notes.push(`${HARMLESS_FLAGS[c]} (ignored)`);
        }
        continue;
      }
      throw new CommandLineError(`-${c}`, `is not an option of ${program}`, 'Check the command; see the README section "burrow run".');
    }
  }

  if (rest.length === 0) throw new CommandLineError('(destination)', 'no SSH server given', 'End the command with user@host.');
  if (rest.length > 1) {
    // Not quoted: a remote command may carry a password (`PGPASSWORD=… psql`).
    throw new CommandLineError(
      '(remote command)',
      'Burrow does not run remote commands: it keeps the tunnel open by itself',
      "Remove the command after the host (and use -N, as the vendors' guides do).",
    );
  }
  const gatewayPorts = d.gatewayFlag || (d.gatewayPorts ?? false);
  if (gatewayPorts && d.rawForwards.some(([f]) => f === 'R')) {
    d.notes.push("-g: affects only -L/-D forwards; for -R the bind address and the server's GatewayPorts decide, as with OpenSSH");
  }
  d.forwards = d.rawForwards.map(([flag, spec]) => parseForwardSpec(flag, spec, gatewayPorts));
  if (d.forwards.length === 0) {
    throw new CommandLineError(
      '(forwards)',
      'the command has no -R, -L or -D forward, so there is no tunnel to keep open',
      "Add the forward from the vendor's guide, e.g. -R 15432:localhost:5432.",
    );
  }
  if (d.keepaliveInterval === 0) d.notes.push('ServerAliveInterval=0 turns keepalives off: a dead link will only be noticed when the OS gives up');

  const host = d.hostName ?? d.host!;
  const port = d.port ?? SESSION_DEFAULTS.port;
  const localUser = localUserName();
  const user = d.user ?? localUser;
  // -l or -o User with `name:password`.
  if (user.includes(':')) throw passwordInAddress();
  const name = `${user}@${host}${port === 22 ? '' : `:${port}`}`;
  const fingerprint = d.fingerprint;
  if (fingerprint !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) {
    throw new CommandLineError('-hostkey', 'is not a SHA256 fingerprint', 'Give it as SHA256:… (puttygen -l -E sha256 or ssh-keygen -lf prints it).');
  }
  const algorithms = {
    ...d.algorithms,
    ...(d.cipherFlag !== undefined ? { ciphers: d.cipherFlag } : {}),
    ...(d.macFlag !== undefined ? { macs: d.macFlag } : {}),
  };
  const route = d.route;
  const jumpHosts = (route?.hops ?? []).map((h) => jumpHostOf(h, user, route?.hopUser === 'local' ? localUser : undefined));
  if (route?.proxy?.type === 'command') {
    d.warnings.push(
      `${route.option}: this session runs the command ${JSON.stringify(route.proxy.command)} to reach the server, as ssh would; Burrow starts it at every connection, so check that it is the program you expect before saving`,
    );
  }
  if (route?.hopUser === 'local' && d.identityFiles.length > 0) {
    // ssh reaches a hop with `ssh -W … hop`, which offers its own keys, not the -i given for the server.
    for (const hop of jumpHosts.filter((h) => h.identityFiles === undefined)) {
      d.warnings.push(
        `${route.option}: the jump host ${hop.host} is offered the session's keys (-i); ssh offered it your default keys (~/.ssh/id_*): if it takes another key, give the jump host its own in Burrow`,
      );
    }
  }
  const session: SessionConfig = {
    id: name,
    name,
    host,
    port,
    user,
    auth: {
      identityFiles: d.identityFiles,
      ...(typeof d.agent === 'string' ? { agent: d.agent } : {}),
      ...(d.identitiesOnly ? { identitiesOnly: true } : {}),
    },
    hostKey: {
      // OpenSSH's default is to ask; plink with -hostkey trusts exactly that key.
      policy: d.policy ?? (fingerprint ? 'yes' : 'ask'),
      ...(d.knownHostsFiles ? { knownHostsFiles: d.knownHostsFiles } : {}),
      ...(fingerprint ? { fingerprint } : {}),
    },
    keepalive: {
      intervalSeconds: d.keepaliveInterval ?? SESSION_DEFAULTS.keepalive.intervalSeconds,
      countMax: d.keepaliveCount ?? SESSION_DEFAULTS.keepalive.countMax,
    },
    connectTimeoutSeconds: d.connectTimeout ?? SESSION_DEFAULTS.connectTimeoutSeconds,
    compression: d.compressionFlag || (d.compression ?? false),
    ...(d.rekeyLimit && Object.keys(d.rekeyLimit).length > 0 ? { rekeyLimit: d.rekeyLimit } : {}),
    ...(Object.keys(algorithms).length > 0 ? { algorithms } : {}),
    ...(jumpHosts.length > 0 ? { jumpHosts } : {}),
    ...(route?.proxy !== undefined ? { proxy: route.proxy } : {}),
    autostart: false,
    forwards: d.forwards,
  };
  return { program, session, notes: d.notes, warnings: d.warnings, verbose: d.verbosity > 0, verbosity: d.verbosity };
}
