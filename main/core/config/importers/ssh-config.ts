/**
 * Imports OpenSSH client config (`~/.ssh/config`): every concrete `Host` that forwards ports
 * becomes a session, with settings gathered the way `ssh` gathers them (first value wins, blocks
 * in file order, `Host *` included, forwards and identity files accumulate). A jump host named in
 * ProxyJump (or in a ProxyCommand's `ssh -W`) gets its own block's settings, as the `ssh` that
 * OpenSSH runs for it reads them.
 */
import { homedir } from 'node:os';
import type {
  AlgorithmsConfig,
  ForwardConfig,
  HostKeyPolicy,
  JumpHostConfig,
  ProxyConfig,
  RekeyLimitConfig,
  SessionConfig,
} from '../../../../common/config.js';
import {
  ALGORITHM_KEYWORDS,
  AlgorithmListError,
  checkAlgorithmList,
  hostKeyPolicyOf,
  identityAgentOf,
  parseRekeyLimit,
  RekeyLimitError,
} from '../ssh-options.js';
import { globToRegExp } from '../../glob.js';
import { ConfigError } from '../config-error.js';
import { parseSessionConfig } from '../schema.js';
import { CommandLineError, parseForwardSpec } from './command-line.js';
import { checkSessionCount } from './limits.js';
import { type HopSpec, jumpHostOf, parseJumpList, readProxyCommand, RouteError } from './proxy-route.js';
import { type ImportReport, type NotTaken, routeText } from './report.js';
import { localUserName } from './local-user.js';

interface Line {
  readonly line: number;
  readonly keyword: string;
  /** The keyword as written, for messages. */
  readonly written: string;
  readonly args: string[];
  /** The value as written: ProxyCommand and ProxyJump take the rest of the line, not words. */
  readonly raw: string;
}

interface Block {
  /** Host patterns; undefined for the settings before the first Host. */
  readonly patterns?: ReadonlyArray<string>;
  readonly lines: Line[];
}

/**
 * Which blocks apply to a host, in file order, without testing every block against every host: a
 * file of 10,000 `Host` blocks would otherwise be 10^8 pattern tests. Blocks whose patterns are
 * plain names are looked up by name; only those with wildcards or negations are tested, each
 * pattern compiled once.
 */
class BlockIndex {
  private readonly byName = new Map<string, number[]>();
  private readonly tested: Array<{ readonly index: number; readonly match: (alias: string) => boolean }> = [];

  constructor(private readonly blocks: ReadonlyArray<Block>) {
    blocks.forEach((b, index) => {
      if (!b.patterns) return;
      if (b.patterns.every((p) => !/[*?!]/.test(p))) {
        for (const name of new Set(b.patterns.map((p) => p.toLowerCase()))) {
          const list = this.byName.get(name);
          if (list) list.push(index);
          else this.byName.set(name, [index]);
        }
        return;
      }
      const positive = b.patterns.filter((p) => !p.startsWith('!')).map(globToRegExp);
      const negative = b.patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(p.slice(1)));
      // OpenSSH's Host matching: any positive pattern matches and no negated one does.
      this.tested.push({ index, match: (alias) => !negative.some((re) => re.test(alias)) && positive.some((re) => re.test(alias)) });
    });
  }

  /** The blocks that apply to `alias`, in file order (the settings before any Host always do). */
  matching(alias: string): Block[] {
    const named = this.byName.get(alias.toLowerCase()) ?? [];
    const indexes = [...named, ...this.tested.filter((t) => t.match(alias)).map((t) => t.index)].sort((a, b) => a - b);
    return [...this.blocks.filter((b) => !b.patterns), ...indexes.map((i) => this.blocks[i]!)];
  }
}

/** Splits an argument list the way ssh_config does: spaces separate, double quotes group. */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2]!);
  return out;
}

/** Keywords that accumulate instead of "first value wins". */
const MULTI = new Set(['identityfile', 'remoteforward', 'localforward', 'dynamicforward', 'certificatefile']);

/** Keywords about interactive use that mean nothing for a tunnel: skipped without a word. */
const QUIET = new Set([
  'batchmode',
  'forwardagent',
  'forwardx11',
  'forwardx11trusted',
  'addkeystoagent',
  'usekeychain',
  'requesttty',
  'sessiontype',
  'stdinnull',
  'loglevel',
  'hashknownhosts',
  'checkhostip',
  'visualhostkey',
  'sendenv',
  'setenv',
  'pubkeyauthentication',
  'preferredauthentications',
  'controlmaster',
  'controlpath',
  'controlpersist',
  'escapechar',
  'permitlocalcommand',
  'localcommand',
  'remotecommand',
  'canonicalizehostname',
  'updatehostkeys',
  'tcpkeepalive',
  'exitonforwardfailure',
  'ipqos',
  'gssapiauthentication',
  'passwordauthentication',
  'kbdinteractiveauthentication',
  'challengeresponseauthentication',
  'xauthlocation',
  // Burrow talks to a proxy command over its standard input and output either way.
  'proxyusefdpass',
]);

function parseBlocks(text: string, couldNot: NotTaken[]): Block[] {
  const blocks: Block[] = [{ lines: [] }];
  let skipping = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(t);
    if (!m) {
      // Not repeated: a line that is not "Keyword value" may be a stray password.
      couldNot.push({ what: `line ${line}`, why: 'expected "Keyword value"' });
      return;
    }
    const keyword = m[1]!.toLowerCase();
    const args = splitArgs(m[2]!);
    if (keyword === 'host') {
      skipping = false;
      blocks.push({ patterns: args, lines: [] });
      return;
    }
    if (keyword === 'match') {
      // Match conditions (exec, user, localnetwork, …) depend on the moment ssh runs.
      skipping = true;
      // Its criteria are not repeated: `Match exec "…"` runs a command, which may hold a password.
      couldNot.push({ what: `line ${line}: Match`, why: 'Match blocks are not evaluated, so the settings in this block were not taken' });
      return;
    }
    if (skipping) return;
    if (keyword === 'include') {
      couldNot.push({ what: `line ${line}: Include ${m[2]}`, why: 'included files are not followed; import them one by one' });
      return;
    }
    blocks[blocks.length - 1]!.lines.push({ line, keyword, written: m[1]!, args, raw: m[2]! });
  });
  return blocks;
}

/** Expands the `%` tokens OpenSSH allows in IdentityFile and UserKnownHostsFile. */
function expandTokens(value: string, t: { host: string; alias: string; port: number; user: string }): string {
  return value.replace(
    /%([%dhnpru])/g,
    (_, c: string) =>
      ({
        '%': '%',
        d: homedir(),
        h: t.host,
        n: t.alias,
        p: String(t.port),
        r: t.user,
        u: localUserName(),
      })[c]!,
  );
}

function yesNo(v: string | undefined): boolean | undefined {
  const l = v?.toLowerCase();
  return l === 'yes' || l === 'true' ? true : l === 'no' || l === 'false' ? false : undefined;
}

/** The settings that apply to an alias: each keyword's first value, and the lists of those that accumulate. */
interface Gathered {
  readonly first: ReadonlyMap<string, Line>;
  readonly multi: ReadonlyMap<string, ReadonlyArray<Line>>;
}

function gather(alias: string, blocks: BlockIndex): Gathered {
  const first = new Map<string, Line>();
  const multi = new Map<string, Line[]>();
  for (const b of blocks.matching(alias)) {
    for (const l of b.lines) {
      if (MULTI.has(l.keyword)) {
        const list = multi.get(l.keyword);
        if (list) list.push(l);
        else multi.set(l.keyword, [l]);
      } else if (!first.has(l.keyword)) first.set(l.keyword, l);
    }
  }
  return { first, multi };
}

/** A jump host's settings as the `ssh` OpenSSH runs for it gathers them. */
interface Hop {
  /** The name its Host blocks are looked up by. */
  readonly alias: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Empty: none of its own (ssh would offer its default keys). */
  readonly identityFiles: ReadonlyArray<string>;
  readonly fingerprint?: string;
}

/** How a host is reached: jump hosts in order, and a proxy (or a command) to the first of them. */
interface Way {
  readonly hops: ReadonlyArray<Hop>;
  readonly proxy?: ProxyConfig;
  /** The ProxyCommand line the proxy came from, and what its program did that Burrow does not take. */
  readonly proxyLine?: Line;
  readonly notes: ReadonlyArray<string>;
}

const DIRECT: Way = { hops: [], notes: [] };

/** A ProxyJump or ProxyCommand that cannot be taken, with its line; its value is never quoted. */
class WayError extends Error {
  constructor(
    readonly at: Line,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}. ${fix}`);
    this.name = 'WayError';
  }
}

/**
 * A hop of ProxyJump or of `ssh -W` in a ProxyCommand: what the hop names itself (`user@`, `:port`,
 * `-i`) first, then its own Host blocks' HostName, Port, User and IdentityFile, then OpenSSH's
 * defaults (port 22, the local user) — the order `ssh -l user -p port hop` reads them in.
 */
function hopOf(spec: HopSpec, blocks: BlockIndex, sessionUser: string, local: string): Hop {
  const { first, multi } = gather(spec.host, blocks);
  const arg = (k: string): string | undefined => first.get(k)?.args[0];
  const host = (arg('hostname') ?? spec.host).replace(/%h/g, spec.host);
  const portText = arg('port');
  if (portText !== undefined && !/^\d+$/.test(portText)) {
    throw new RouteError(`the jump host ${spec.host} has a Port that is not a whole number`, "Correct the Port of the jump host's Host block.");
  }
  const configPort = portText !== undefined ? Number(portText) : undefined;
  const port = spec.port ?? configPort ?? 22;
  const user = spec.user === '%r' ? sessionUser : (spec.user ?? arg('user') ?? local);
  const tokens = { host, alias: spec.host, port, user };
  const configured = (multi.get('identityfile') ?? []).map((l) => expandTokens(l.args[0]!, tokens)).filter((f) => f.toLowerCase() !== 'none');
  return {
    alias: spec.host,
    host,
    port,
    user,
    identityFiles: [...(spec.identityFiles ?? []), ...configured],
    ...(spec.fingerprint !== undefined ? { fingerprint: spec.fingerprint } : {}),
  };
}

/** Whichever of ProxyJump and ProxyCommand comes first applies: "the first prevents later instances of the other" (ssh_config(5)). */
function wayLine({ first }: Gathered): Line | undefined {
  const jump = first.get('proxyjump');
  const command = first.get('proxycommand');
  if (jump && command) return jump.line < command.line ? jump : command;
  return jump ?? command;
}

/**
 * The way to a host from its settings. The first jump host is reached by an `ssh` of its own,
 * without -J, so that host's own ProxyJump or ProxyCommand applies in turn (the later hops are
 * reached with -J, which overrides theirs). `seen` holds the aliases on the way, against circles.
 */
function wayTo(g: Gathered, blocks: BlockIndex, sessionUser: string, seen: Set<string>): Way {
  const line = wayLine(g);
  if (!line) return DIRECT;
  const local = localUserName();
  try {
    let hops: Hop[];
    if (line.keyword === 'proxyjump') {
      const list = parseJumpList(line.raw);
      if (list === 'none') return DIRECT;
      hops = list.map((h) => hopOf(h, blocks, sessionUser, local));
    } else {
      const read = readProxyCommand(line.raw);
      if (read.kind === 'direct') return DIRECT;
      if (read.kind === 'proxy') return { hops: [], proxy: read.proxy, proxyLine: line, notes: read.notes };
      if (read.kind === 'command') return { hops: [], proxy: { type: 'command', command: read.command }, proxyLine: line, notes: [] };
      if (read.program === 'plink') {
        // plink reads no ssh_config: its hop is as the command names it, and one without a user
        // would be asked for one, which Burrow answers with the session's.
        return {
          hops: read.hops.map((h) => ({
            alias: h.host,
            host: h.host,
            port: h.port ?? 22,
            user: h.user === undefined || h.user === '%r' ? sessionUser : h.user,
            identityFiles: h.identityFiles ?? [],
            ...(h.fingerprint !== undefined ? { fingerprint: h.fingerprint } : {}),
          })),
          notes: [],
        };
      }
      hops = read.hops.map((h) => hopOf(h, blocks, sessionUser, local));
    }
    const alias = hops[0]!.alias.toLowerCase();
    if (seen.has(alias)) {
      throw new RouteError(
        'the jump hosts go round in a circle (a jump host is reached through itself)',
        'Give the first jump host of the circle `ProxyJump none`.',
      );
    }
    seen.add(alias);
    const before = wayTo(gather(hops[0]!.alias, blocks), blocks, sessionUser, seen);
    return { ...before, hops: [...before.hops, ...hops] };
  } catch (err) {
    if (err instanceof RouteError) throw new WayError(line, err.problem, err.fix);
    throw err;
  }
}

function sameList(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** One alias: its settings gathered from every matching block, or why it cannot be a session. */
function sessionFor(alias: string, blocks: BlockIndex, couldNot: NotTaken[], warnings: string[]): SessionConfig | undefined {
  const g = gather(alias, blocks);
  // Said only of a host that is imported.
  const mine: string[] = [];
  const { first, multi } = g;
  const where = `Host ${alias}`;
  const forwardLines = ['remoteforward', 'localforward', 'dynamicforward'].flatMap((k) => multi.get(k) ?? []).sort((a, b) => a.line - b.line);
  if (forwardLines.length === 0) {
    couldNot.push({ what: where, why: 'has no RemoteForward, LocalForward or DynamicForward, so there is no tunnel to keep open' });
    return undefined;
  }

  const arg = (k: string): string | undefined => first.get(k)?.args[0];
  const host = (arg('hostname') ?? alias).replace(/%h/g, alias);
  const num = (k: string): number | undefined => {
    const l = first.get(k);
    if (!l) return undefined;
    if (!/^\d+$/.test(l.args[0] ?? '')) {
      couldNot.push({ what: `${where}: ${l.written} ${l.args.join(' ')} (line ${l.line})`, why: "is not a whole number, so Burrow's default is used" });
      return undefined;
    }
    return Number(l.args[0]);
  };
  const port = num('port') ?? 22;
  const user = arg('user') ?? localUserName();
  const tokens = { host, alias, port, user };
  const gatewayPorts = yesNo(arg('gatewayports')) === true;

  let way: Way;
  try {
    way = wayTo(g, blocks, user, new Set([alias.toLowerCase()]));
  } catch (err) {
    if (!(err instanceof WayError)) throw err;
    // The keyword and line only: a ProxyCommand may run `sshpass -p …`, a ProxyJump may hold user:password@.
    couldNot.push({ what: `${where}: ${err.at.written} (line ${err.at.line})`, why: `${err.problem}, so this host was not imported; ${err.fix}` });
    return undefined;
  }
  const proxyAt = way.proxyLine ? `${where}: ${way.proxyLine.written} (line ${way.proxyLine.line})` : where;
  for (const note of way.notes) couldNot.push({ what: proxyAt, why: note });
  if (way.proxy?.type === 'command') {
    mine.push(
      `${proxyAt}: this session runs the command ${JSON.stringify(way.proxy.command)} to reach the server, as ssh would; Burrow starts it at every connection, so check that it is the program you expect before saving`,
    );
  }

  const forwards: ForwardConfig[] = [];
  for (const l of forwardLines) {
    const flag = l.keyword === 'remoteforward' ? 'R' : l.keyword === 'localforward' ? 'L' : 'D';
    const [listen, target] = l.args;
    try {
      if (l.args.some((a) => a.includes('/') && !a.includes(':')))
        throw new CommandLineError(l.written, 'forwards a Unix socket', 'Burrow forwards TCP ports only.');
      forwards.push(parseForwardSpec(flag, target !== undefined ? `${listen}:${target}` : (listen ?? ''), gatewayPorts));
    } catch (err) {
      if (!(err instanceof CommandLineError)) throw err;
      couldNot.push({ what: `${where}: ${l.written} ${l.args.join(' ')} (line ${l.line})`, why: `${err.message}` });
    }
  }
  if (forwards.length === 0) {
    couldNot.push({ what: where, why: 'none of its forwards could be read, so it was not imported' });
    return undefined;
  }

  let policy: HostKeyPolicy = 'ask';
  const strict = arg('stricthostkeychecking')?.toLowerCase();
  if (strict !== undefined) {
    const p = hostKeyPolicyOf(strict);
    if (p) policy = p;
    else couldNot.push({ what: `${where}: StrictHostKeyChecking ${strict}`, why: 'is not yes, accept-new, no or ask; Burrow asks' });
  }
  const knownHosts = first.get('userknownhostsfile')?.args.map((f) => expandTokens(f, tokens));
  const interval = num('serveraliveinterval');
  const countMax = num('serveralivecountmax');
  const timeout = num('connecttimeout');
  const compression = yesNo(arg('compression'));
  let rekeyLimit: RekeyLimitConfig | undefined;
  const rekeyLine = first.get('rekeylimit');
  if (rekeyLine) {
    try {
      rekeyLimit = parseRekeyLimit(rekeyLine.args.join(' '));
    } catch (err) {
      if (!(err instanceof RekeyLimitError)) throw err;
      couldNot.push({ what: `${where}: ${rekeyLine.written} (line ${rekeyLine.line})`, why: `${err.message}, so OpenSSH's default is used; ${err.fix}` });
    }
  }

  // KexAlgorithms and the other lists; PubkeyAcceptedAlgorithms wins over its old name when both
  // are given, as they are one option to OpenSSH (first value wins, whichever name it came under).
  const algorithms: Partial<Record<keyof AlgorithmsConfig, string>> = {};
  const algorithmLines = [...first.values()].filter((l) => ALGORITHM_KEYWORDS[l.keyword] !== undefined).sort((a, b) => a.line - b.line);
  for (const l of algorithmLines) {
    const kind = ALGORITHM_KEYWORDS[l.keyword]!;
    if (algorithms[kind] !== undefined) continue;
    try {
      algorithms[kind] = checkAlgorithmList(kind, l.args.join(' '));
    } catch (err) {
      if (!(err instanceof AlgorithmListError)) throw err;
      couldNot.push({ what: `${where}: ${l.written} (line ${l.line})`, why: `${err.message}, so Burrow's default is used; ${err.fix}` });
    }
  }

  let agent: string | undefined;
  const agentLine = first.get('identityagent');
  if (agentLine) {
    const read = identityAgentOf(agentLine.args[0] ?? '');
    if ('problem' in read)
      couldNot.push({ what: `${where}: ${agentLine.written} (line ${agentLine.line})`, why: `${read.problem}, so no agent is used; ${read.fix}` });
    else if (read.agent !== undefined) agent = read.agent === 'env' ? 'env' : expandTokens(read.agent, tokens);
  }
  const identitiesOnly = yesNo(arg('identitiesonly')) === true;
  const identityFiles = (multi.get('identityfile') ?? []).map((l) => expandTokens(l.args[0]!, tokens)).filter((f) => f.toLowerCase() !== 'none');
  const jumpHosts: JumpHostConfig[] = way.hops.map((h) => {
    // A hop's left-out keys are the session's: written only when the hop's own differ.
    const own = h.identityFiles.length > 0 && !sameList(h.identityFiles, identityFiles);
    if (h.identityFiles.length === 0 && identityFiles.length > 0) {
      mine.push(
        `${where}: the jump host ${h.host} has no IdentityFile of its own, so Burrow offers it the session's keys; ssh offered it your default keys (~/.ssh/id_*): if it takes another key, give the jump host its own in Burrow`,
      );
    }
    return jumpHostOf(
      {
        host: h.host,
        port: h.port,
        user: h.user,
        ...(own ? { identityFiles: h.identityFiles } : {}),
        ...(h.fingerprint ? { fingerprint: h.fingerprint } : {}),
      },
      user,
      undefined,
    );
  });

  const handled = new Set([
    'hostname',
    'port',
    'user',
    'gatewayports',
    'stricthostkeychecking',
    'userknownhostsfile',
    'serveraliveinterval',
    'serveralivecountmax',
    'connecttimeout',
    'compression',
    'rekeylimit',
    ...Object.keys(ALGORITHM_KEYWORDS),
    'proxyjump',
    'proxycommand',
    'identityagent',
    'identitiesonly',
    'identityfile',
    'remoteforward',
    'localforward',
    'dynamicforward',
  ]);
  for (const l of [...first.values(), ...(multi.get('certificatefile') ?? [])]) {
    if (handled.has(l.keyword) || QUIET.has(l.keyword)) continue;
    // Values of keywords Burrow does not know are not repeated: it cannot tell which are secrets.
    couldNot.push({ what: `${where}: ${l.written} (line ${l.line})`, why: 'has no Burrow equivalent, so it was left out' });
  }

  try {
    const session = parseSessionConfig(
      {
        name: alias,
        host,
        port,
        user,
        auth: { identityFiles, ...(agent !== undefined ? { agent } : {}), ...(identitiesOnly ? { identitiesOnly } : {}) },
        hostKey: { policy, ...(knownHosts ? { knownHostsFiles: knownHosts } : {}) },
        keepalive: { ...(interval !== undefined ? { intervalSeconds: interval } : {}), ...(countMax !== undefined ? { countMax } : {}) },
        ...(timeout !== undefined ? { connectTimeoutSeconds: timeout } : {}),
        ...(compression !== undefined ? { compression } : {}),
        ...(rekeyLimit && Object.keys(rekeyLimit).length > 0 ? { rekeyLimit } : {}),
        ...(Object.keys(algorithms).length > 0 ? { algorithms } : {}),
        ...(jumpHosts.length > 0 ? { jumpHosts } : {}),
        ...(way.proxy !== undefined ? { proxy: way.proxy } : {}),
        forwards,
        notes: `Imported from ssh config (Host ${alias}).`,
      },
      where,
    );
    warnings.push(...mine);
    return session;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    couldNot.push({ what: err.field, why: `${err.problem}; ${err.fix}` });
    return undefined;
  }
}

/** The concrete host names of `Host` lines: no wildcards, not negated. */
function aliases(blocks: ReadonlyArray<Block>): string[] {
  const seen = new Set<string>();
  for (const b of blocks) for (const p of b.patterns ?? []) if (!/[*?!]/.test(p)) seen.add(p);
  return [...seen];
}

/** Imports the text of an ssh_config file. */
export function importSshConfig(text: string): ImportReport {
  const couldNot: NotTaken[] = [];
  const blocks = parseBlocks(text, couldNot);
  const index = new BlockIndex(blocks);
  const sessions: SessionConfig[] = [];
  const took: string[] = [];
  const warnings: string[] = [];
  for (const alias of aliases(blocks)) {
    const s = sessionFor(alias, index, couldNot, warnings);
    if (!s) continue;
    sessions.push(s);
    checkSessionCount(sessions.length);
    took.push(
      `Host ${alias}: ${s.user}@${s.host}:${s.port}, ${s.forwards.length} forward${s.forwards.length === 1 ? '' : 's'}` +
        `${s.auth.identityFiles.length ? `, key ${s.auth.identityFiles.join(', ')}` : ''}, keepalive ${s.keepalive.intervalSeconds} s × ${s.keepalive.countMax}${routeText(s)}`,
    );
  }
  return { kind: 'ssh-config', sessions, hostKeys: [], took, couldNot, ...(warnings.length > 0 ? { warnings } : {}) };
}
