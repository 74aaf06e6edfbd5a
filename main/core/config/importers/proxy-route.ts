/**
 * The ways OpenSSH and PuTTY reach a server through something else, read into Burrow's jump hosts
 * and proxies: `-J`/ProxyJump hop lists; ProxyCommand programs (`ssh -W`, `plink -nc`, netcat's
 * `-X`/`-x`, `connect`, `corkscrew`, and any other program, kept as a command); PuTTY's local proxy
 * commands with their own `%host` tokens. One reader for the command-line, ssh_config and PuTTY
 * importers, so that a command reads the same whichever of them it came through.
 *
 * Nothing here quotes its input in an error: a proxy command or a hop may carry a password.
 */
import path from 'node:path';
import type { JumpHostConfig, NetworkProxyConfig } from '../../../../common/config.js';
import { SESSION_DEFAULTS } from '../../../../common/config.js';
import { MAX_JUMP_HOSTS } from '../../../../common/config-schema.js';
import { splitCommandLine } from './command-words.js';
import { NO_PASSWORD_FIX, RouteError, parseHop, parseJumpList, type HopSpec } from '../../../../common/route.js';

export { RouteError, parseJumpList, type HopSpec } from '../../../../common/route.js';

/**
 * A hop as the session stores it. `defaultUser` is who the input's own tool logs in as when the
 * hop names no one (ssh: the user of its own config, else the local user); a hop's left-out user
 * and keys mean the session's, so the user is written only when it differs, and keys only when
 * the hop has its own.
 */
export function jumpHostOf(hop: HopSpec, sessionUser: string, defaultUser: string | undefined): JumpHostConfig {
  const user = hop.user === '%r' ? sessionUser : (hop.user ?? defaultUser);
  return {
    host: hop.host,
    port: hop.port ?? SESSION_DEFAULTS.port,
    ...(user !== undefined && user !== sessionUser ? { user } : {}),
    ...(hop.identityFiles !== undefined && hop.identityFiles.length > 0 ? { identityFiles: [...hop.identityFiles] } : {}),
    ...(hop.fingerprint !== undefined ? { fingerprint: hop.fingerprint } : {}),
  };
}

/** A program's name as a word calls it: `/usr/bin/nc`, `C:\PuTTY\plink.exe` → `nc`, `plink`. */
function programName(word: string): string {
  return path.win32
    .basename(word)
    .toLowerCase()
    .replace(/\.exe$/, '');
}

/** Options that take a user name and, after a colon, its password (proxytunnel -P, curl -U, ncat --proxy-auth). */
const CREDENTIAL_OPTIONS = new Set(['-P', '-U', '--proxy-user', '--user', '--proxyauth', '--proxy-auth']);

/**
 * Why a proxy command's words carry a password, or undefined. A command is stored in the config
 * and shown in the window as written, so one with a password is refused, never cleaned: dropping a
 * word could leave a command that does something else. The reason never holds the password.
 */
export function passwordIn(words: ReadonlyArray<string>): string | undefined {
  let leading = true;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const variable = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(w)?.[1];
    if (leading && variable !== undefined) {
      if (/pass|pwd|secret|token/i.test(variable)) return `it sets ${variable}`;
      continue;
    }
    if (leading && (w === 'env' || w === 'exec')) continue;
    leading = false;
    if (programName(w) === 'sshpass') return 'it runs sshpass, which types a password';
    if (w === '-pw') return 'it gives plink a password (-pw)';
    const option = /^(--?[A-Za-z][A-Za-z-]*)(?:=|$)/.exec(w)?.[1];
    if (option !== undefined && /^--?(proxy-?)?(pass(word|wd)?|pwd)$/i.test(option)) return `it gives a password (${option})`;
    if (option !== undefined && CREDENTIAL_OPTIONS.has(option)) {
      const value = w.includes('=') ? w.slice(w.indexOf('=') + 1) : (words[i + 1] ?? '');
      if (value.includes(':')) return `it gives a user name and password (${option} user:password)`;
    }
    if (/(^|[,:])proxyauth=/i.test(w)) return 'it gives a user name and password (proxyauth=)';
    // user:password@host, in a URL or not (a backslash before the @ is a Windows path, not this).
    if (/^(?:[a-z][a-z0-9+.-]*:\/\/)?[^\s@/:\\]+:[^\s@/\\]*@[^\s@]/i.test(w)) return 'an address in it carries a password (user:password@host)';
  }
  return undefined;
}

/** How a ProxyCommand reaches the server, as Burrow can do it itself where it can. */
export type ProxyCommandRoute =
  /** `none`, or a plain `nc %h %p`: a direct TCP connection, what Burrow makes by itself. */
  | { readonly kind: 'direct' }
  /** `ssh -W %h:%p hop` (with its own -J hops first) or `plink hop -nc %h:%p`. */
  | { readonly kind: 'jump'; readonly program: 'ssh' | 'plink'; readonly hops: ReadonlyArray<HopSpec> }
  /** netcat, `connect` or `corkscrew` to an HTTP or SOCKS proxy; `notes` say what was not taken. */
  | { readonly kind: 'proxy'; readonly program: string; readonly proxy: NetworkProxyConfig; readonly notes: ReadonlyArray<string> }
  /** Anything else: the command, kept as written, for Burrow to run. */
  | { readonly kind: 'command'; readonly command: string };

/** `%h:%p` or `[%h]:%p`: the destination OpenSSH (and PuTTY, after translation) fills in. */
const TARGET = /^(%h|\[%h\]):%p$/;

/** Reads `ssh [options] -W %h:%p [user@]hop`; undefined when it does more than that. */
function viaSsh(args: ReadonlyArray<string>): ProxyCommandRoute | undefined {
  let dest: HopSpec | undefined;
  let target: string | undefined;
  let port: number | undefined;
  let user: string | undefined;
  let hostName: string | undefined;
  const identityFiles: string[] = [];
  let before: HopSpec[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-') || a === '-') {
      if (dest !== undefined) return undefined; // a remote command: not a plain -W
      dest = destination(a);
      if (!dest) return undefined;
      // Read where it stands: the first value obtained wins between user@host and -l, as in ssh.
      user ??= dest.user;
      port ??= dest.port;
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      // Flags that change nothing about where the stream goes.
      if ('46ACNTaknqvx'.includes(c)) continue;
      if (!'WplioJ'.includes(c)) return undefined;
      const v = a.length > j + 1 ? a.slice(j + 1) : args[++i];
      if (v === undefined) return undefined;
      // As in OpenSSH, the first value obtained wins (IdentityFile accumulates).
      if (c === 'W') target ??= v;
      else if (c === 'p') port ??= portOf(v);
      else if (c === 'l') user ??= v;
      else if (c === 'i') identityFiles.push(v);
      else if (c === 'J') {
        let hops: HopSpec[] | 'none';
        try {
          hops = parseJumpList(v);
        } catch (err) {
          if (err instanceof RouteError) return undefined;
          throw err;
        }
        before = hops === 'none' ? [] : hops;
      } else {
        const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(v);
        const key = m?.[1]?.toLowerCase();
        const value = m?.[2]?.trim() ?? '';
        if (key === 'port') port ??= portOf(value);
        else if (key === 'user') user ??= value;
        else if (key === 'identityfile') identityFiles.push(value);
        else if (key === 'hostname') hostName ??= value;
        // Settings of an interactive ssh, meaningless for a relay: anything else may change the
        // hop (its host keys, keepalive), which a Burrow hop takes from the session, so the command is kept.
        else if (!['batchmode', 'loglevel', 'forwardagent', 'forwardx11', 'clearallforwardings', 'requesttty'].includes(key ?? '')) return undefined;
      }
      break;
    }
  }
  if (target === undefined || !TARGET.test(target) || dest === undefined || Number.isNaN(port)) return undefined;
  const host = hostName !== undefined ? hostName.replace(/%h/g, dest.host) : dest.host;
  // Other tokens would name something only ssh knows at the time it runs.
  if (/%/.test(host) || (user !== '%r' && /%/.test(user ?? ''))) return undefined;
  return {
    kind: 'jump',
    program: 'ssh',
    hops: [
      ...before,
      {
        host,
        ...(port !== undefined ? { port } : {}),
        ...(user !== undefined ? { user } : {}),
        ...(identityFiles.length > 0 ? { identityFiles } : {}),
      },
    ],
  };
}

/** Reads `plink [options] [user@]hop -nc %h:%p` (PuTTY's own way to cross a jump host). */
function viaPlink(args: ReadonlyArray<string>): ProxyCommandRoute | undefined {
  const FLAGS = [
    '-ssh',
    '-batch',
    '-v',
    '-agent',
    '-noagent',
    '-a',
    '-A',
    '-x',
    '-X',
    '-t',
    '-T',
    '-N',
    '-C',
    '-4',
    '-6',
    '-no-antispoof',
    '-noshare',
    '-share',
  ];
  let dest: string | undefined;
  let target: string | undefined;
  let port: number | undefined;
  let user: string | undefined;
  let fingerprint: string | undefined;
  const identityFiles: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) {
      if (dest !== undefined) return undefined;
      dest = a;
      continue;
    }
    if (FLAGS.includes(a)) continue;
    const v = args[++i];
    if (v === undefined) return undefined;
    if (a === '-nc') target ??= v;
    else if (a === '-P') port ??= portOf(v);
    else if (a === '-l') user ??= v;
    else if (a === '-i') identityFiles.push(v);
    // Only a SHA256 pin is something a Burrow hop can hold; PuTTY's other forms keep the command.
    else if (a === '-hostkey' && /^SHA256:[A-Za-z0-9+/]{43}$/.test(v) && fingerprint === undefined) fingerprint = v;
    else return undefined;
  }
  if (target === undefined || !TARGET.test(target) || dest === undefined || Number.isNaN(port)) return undefined;
  const hop = destination(dest);
  user ??= hop?.user;
  if (!hop || /%/.test(hop.host) || (user !== '%r' && /%/.test(user ?? ''))) return undefined;
  return {
    kind: 'jump',
    program: 'plink',
    hops: [
      {
        host: hop.host,
        ...(port !== undefined ? { port } : {}),
        ...(user !== undefined ? { user } : {}),
        ...(identityFiles.length > 0 ? { identityFiles } : {}),
        ...(fingerprint !== undefined ? { fingerprint } : {}),
      },
    ],
  };
}

/** An ssh or plink destination: `[user@]host` or `ssh://[user@]host[:port]`. */
function destination(word: string): HopSpec | undefined {
  try {
    if (/^ssh:\/\//i.test(word)) return parseHop(word);
    const at = word.lastIndexOf('@');
    const host = word.slice(at + 1).replace(/^\[(.*)\]$/, '$1');
    if (host === '' || at === 0 || /[\s/]/.test(host)) return undefined;
    return { host, ...(at > 0 ? { user: word.slice(0, at) } : {}) };
  } catch (err) {
    if (err instanceof RouteError) return undefined;
    throw err;
  }
}

function portOf(v: string): number {
  return /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? Number(v) : NaN;
}

/** `[user@]host[:port]` of a proxy, with the program's default port. */
function proxyAddress(spec: string, defaultPort: number): { host: string; port: number; user?: string } | undefined {
  const at = spec.lastIndexOf('@');
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(spec.slice(at + 1));
  if (!m || at === 0) return undefined;
  const port = m[2] !== undefined ? portOf(m[2]) : defaultPort;
  if (Number.isNaN(port)) return undefined;
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port, ...(at > 0 ? { user: spec.slice(0, at) } : {}) };
}

const PASSWORD_ELSEWHERE = (program: string, where: string): string =>
  `${program} took the proxy's password from ${where}; if the proxy asks for one, give it in Burrow, which keeps it in its secret store`;

/**
 * OpenBSD netcat (`nc -X connect|5|4 -x proxy[:port] %h %p`; no -X is SOCKS 5). Its default proxy
 * ports are 1080 (SOCKS) and 3128 (HTTP); for SOCKS 4 it looks the name up itself, as SOCKS 4
 * (not 4a) carries an address.
 */
function viaNc(program: string, args: ReadonlyArray<string>): ProxyCommandRoute | undefined {
  let protocol: string | undefined;
  let address: string | undefined;
  let user: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) {
      rest.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      if ('46vN'.includes(c)) continue;
      if (!'XxPwq'.includes(c)) return undefined;
      const v = a.length > j + 1 ? a.slice(j + 1) : args[++i];
      if (v === undefined) return undefined;
      if (c === 'X') protocol = v.toLowerCase();
      else if (c === 'x') address = v;
      else if (c === 'P') user = v;
      // -w and -q are timeouts: nothing about where the stream goes.
      break;
    }
  }
  if (rest.length !== 2 || rest[0] !== '%h' || rest[1] !== '%p') return undefined;
  if (address === undefined) return protocol === undefined && user === undefined ? { kind: 'direct' } : undefined;
  const type = protocol === undefined || protocol === '5' ? 'socks5' : protocol === '4' ? 'socks4' : protocol === 'connect' ? 'http' : undefined;
  if (type === undefined) return undefined;
  const at = proxyAddress(address, type === 'http' ? 3128 : 1080);
  if (!at || at.user !== undefined) return undefined;
  return {
    kind: 'proxy',
    program,
    proxy: { type, host: at.host, port: at.port, ...(user !== undefined ? { user } : {}), ...(type === 'socks4' ? { remoteDns: false } : {}) },
    notes: user !== undefined ? [PASSWORD_ELSEWHERE(program, 'a prompt at each start')] : [],
  };
}

/**
 * `connect -H [user@]proxy[:port] %h %p` (HTTP, port 80 by default) or `connect -S
 * [user@]proxy[:port] %h %p` (SOCKS 5, or 4 with -4; port 1080). `-R local` has this machine look
 * the name up, as connect does by itself for SOCKS 4.
 */
function viaConnect(program: string, args: ReadonlyArray<string>): ProxyCommandRoute | undefined {
  let http: string | undefined;
  let socks: string | undefined;
  let version: 4 | 5 = 5;
  let resolve: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) {
      rest.push(a);
      continue;
    }
    if (a === '-4' || a === '-5') {
      version = a === '-4' ? 4 : 5;
      continue;
    }
    if (a === '-d') continue;
    const flag = a.slice(0, 2);
    if (!['-H', '-S', '-R', '-w'].includes(flag)) return undefined;
    const v = a.length > 2 ? a.slice(2) : args[++i];
    if (v === undefined) return undefined;
    if (flag === '-H') http = v;
    else if (flag === '-S') socks = v;
    else if (flag === '-R') resolve = v.toLowerCase();
  }
  if (rest.length !== 2 || rest[0] !== '%h' || rest[1] !== '%p') return undefined;
  // Neither: connect goes direct or takes its proxy from the environment, which an import cannot see.
  if ((http === undefined) === (socks === undefined)) return undefined;
  const type = http !== undefined ? 'http' : version === 4 ? 'socks4' : 'socks5';
  const at = proxyAddress((http ?? socks)!, http !== undefined ? 80 : 1080);
  if (!at) return undefined;
  const remoteDns = resolve === undefined ? type !== 'socks4' : resolve === 'remote' || resolve === 'both';
  if (resolve !== undefined && !['local', 'remote', 'both'].includes(resolve)) return undefined;
  return {
    kind: 'proxy',
    program,
    proxy: { type, host: at.host, port: at.port, ...(at.user !== undefined ? { user: at.user } : {}), ...(remoteDns ? {} : { remoteDns: false }) },
    notes: at.user !== undefined ? [PASSWORD_ELSEWHERE(program, type === 'http' ? 'HTTP_PROXY_PASSWORD (or a prompt)' : 'SOCKS5_PASSWD (or a prompt)')] : [],
  };
}

/** `corkscrew proxy port %h %p [authfile]`: HTTP CONNECT; the auth file (user:password) is not read. */
function viaCorkscrew(args: ReadonlyArray<string>): ProxyCommandRoute | undefined {
  if ((args.length !== 4 && args.length !== 5) || args[2] !== '%h' || args[3] !== '%p') return undefined;
  const port = portOf(args[1]!);
  if (Number.isNaN(port) || /[\s@/:]/.test(args[0]!) || /%/.test(args[0]!)) return undefined;
  return {
    kind: 'proxy',
    program: 'corkscrew',
    proxy: { type: 'http', host: args[0]!, port },
    notes:
      args.length === 5
        ? [
            "corkscrew's auth file (user:password) was not read, as Burrow never stores a password in the config: if the proxy asks for one, give the proxy's user in the session and its password in Burrow, which keeps it in its secret store",
          ]
        : [],
  };
}

const NETCATS = new Set(['nc', 'netcat', 'nc.openbsd']);
const CONNECTS = new Set(['connect', 'connect-proxy']);

/**
 * Reads an OpenSSH ProxyCommand (or a PuTTY local command already in OpenSSH's tokens, see
 * fromPuttyCommand). Throws a RouteError when it carries a password.
 */
export function readProxyCommand(command: string): ProxyCommandRoute {
  const text = command.trim();
  if (text === '') throw new RouteError('the proxy command is empty', 'Give the command, or none.');
  if (text.toLowerCase() === 'none') return { kind: 'direct' };
  let words: string[];
  try {
    words = splitCommandLine(text);
  } catch {
    // Quoting a POSIX shell would not read either: the command is kept as written, and still checked.
    words = text.split(/\s+/);
  }
  const why = passwordIn(words);
  if (why !== undefined) throw new RouteError(`the proxy command carries a password: ${why}`, NO_PASSWORD_FIX);
  // OpenSSH runs `exec COMMAND` itself; written out, it changes nothing.
  const w = words[0] === 'exec' ? words.slice(1) : words;
  const program = w[0] !== undefined ? programName(w[0]) : '';
  const args = w.slice(1);
  const read =
    program === 'ssh'
      ? viaSsh(args)
      : program === 'plink'
        ? viaPlink(args)
        : NETCATS.has(program)
          ? viaNc(program, args)
          : CONNECTS.has(program)
            ? viaConnect(program, args)
            : program === 'corkscrew'
              ? viaCorkscrew(args)
              : undefined;
  if (read?.kind === 'jump' && read.hops.length > MAX_JUMP_HOSTS) {
    throw new RouteError(
      `names ${read.hops.length} jump hosts, more than the ${MAX_JUMP_HOSTS} Burrow crosses`,
      'Give the jump hosts this server really needs.',
    );
  }
  return read ?? { kind: 'command', command: text };
}

/** What PuTTY fills into its proxy command's `%user`, `%proxyhost` and `%proxyport`; absent: it has none. */
export interface PuttyCommandValues {
  readonly proxyUser?: string;
  readonly proxyHost?: string;
  readonly proxyPort?: number;
}

/**
 * A PuTTY local proxy command (ProxyTelnetCommand, plink's -proxycmd) in OpenSSH's tokens, as
 * PuTTY's format_connection_setup_command reads it: `%host` → `%h`, `%port` → `%p`, `%%` and
 * unknown `%x` literal; `%user`, `%proxyhost`, `%proxyport` are the proxy settings' values (PuTTY's
 * `%user` is ProxyUsername, not the SSH user); backslash escapes `\\ \% \r \n \t \xHH` are
 * read, any other backslash is kept. A literal `%` comes out as `%%`. Throws a RouteError for
 * `%pass` (the proxy password, never stored), a value the session does not have, and a control
 * character left inside the command (what `\t` makes of `C:\tools`: PuTTY ran that too).
 */
export function fromPuttyCommand(format: string, values: PuttyCommandValues): string {
  let out = '';
  const literal = (s: string): void => {
    out += s.replace(/%/g, '%%');
  };
  const value = (v: string | undefined, token: string): void => {
    if (v === undefined || v === '') {
      throw new RouteError(
        `the proxy command uses ${token}, which this session does not give (PuTTY would ask for it at every start)`,
        `Write the value into the command in place of ${token}.`,
      );
    }
    literal(v);
  };
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    const next = format[i + 1];
    if ((c !== '%' && c !== '\\') || next === undefined) {
      literal(c);
      i++;
    } else if (c === '\\') {
      const escapes: Readonly<Record<string, string>> = { '\\': '\\', '%': '%', r: '\r', n: '\n', t: '\t' };
      const hex = /^[xX]([0-9a-fA-F]{2})/.exec(format.slice(i + 1));
      if (escapes[next] !== undefined) {
        literal(escapes[next]);
        i += 2;
      } else if (hex) {
        literal(String.fromCharCode(parseInt(hex[1]!, 16)));
        i += 4;
      } else {
        // PuTTY sends an unknown escape (or a \x without two hex digits) as it stands.
        literal('\\');
        i++;
      }
    } else {
      const rest = format.slice(i + 1).toLowerCase();
      if (next === '%') {
        literal('%');
        i += 2;
      } else if (rest.startsWith('host')) {
        out += '%h';
        i += 5;
      } else if (rest.startsWith('port')) {
        out += '%p';
        i += 5;
      } else if (rest.startsWith('user')) {
        value(values.proxyUser, '%user');
        i += 5;
      } else if (rest.startsWith('pass')) {
        throw new RouteError('the proxy command passes the proxy password (%pass), and Burrow never stores a password in the config', NO_PASSWORD_FIX);
      } else if (rest.startsWith('proxyhost')) {
        value(values.proxyHost, '%proxyhost');
        i += 10;
      } else if (rest.startsWith('proxyport')) {
        value(values.proxyPort !== undefined ? String(values.proxyPort) : undefined, '%proxyport');
        i += 10;
      } else {
        literal('%');
        i++;
      }
    }
  }
  // The Telnet proxy's default ends in \n (the line sent to the proxy); a shell ignores it at the end.
  const command = out.trim();
  const control = /[\u0000-\u001f\u007f]/.exec(command)?.[0];
  if (control !== undefined) {
    const name =
      control === '\t' ? 'a tab (\\t)' : control === '\n' ? 'a line break (\\n)' : control === '\r' ? 'a carriage return (\\r)' : 'a control character (\\x…)';
    throw new RouteError(
      `the proxy command holds ${name} where PuTTY read a backslash escape (PuTTY could not have run it as meant either)`,
      'PuTTY reads a single backslash as an escape: write \\\\ for each backslash of a path (C:\\\\tools\\\\nc.exe), or use forward slashes.',
    );
  }
  return command;
}
