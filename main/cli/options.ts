/**
 * The command line's options, read with Node's own `util.parseArgs` in strict mode: unknown
 * options are errors, values are checked by kind, `--` ends the options (what follows is a
 * pasted command, kept word for word). Its errors are said in Burrow's words.
 */
import { parseListenAddress, type ListenAddress } from '../../common/metrics.js';
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how a command was called: the usage is shown with it, unless it would not help. */
export class UsageError extends Error {
  /** `showUsage: false` when the usage text would not help (the command was right, the data not). */
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<O extends OptionSpec> {
  readonly values: {
    readonly [K in keyof O]?: O[K] extends { type: 'boolean'; multiple: true }
      ? boolean[]
      : O[K] extends { type: 'boolean' }
        ? boolean
        : O[K] extends { multiple: true }
          ? string[]
          : string;
  };
  /** The words before `--` that are not options. */
  readonly positionals: string[];
  /** Everything after `--`, untouched (a pasted ssh command); undefined without `--`. */
  readonly rest: string[] | undefined;
}

/** A word that starts a pasted tunnel command: ssh, autossh or plink (a path to one, a .exe). */
const PROGRAM = /^(.*[\\/])?(ssh|autossh|plink)(\.exe)?$/i;

/**
 * Reads `argv` against `options` (all long, some with a short letter); throws UsageError in
 * Burrow's words. With `commands`, a word naming ssh, autossh or plink starts a pasted command as
 * `--` would (`burrow import ssh -N -R …` as well as `burrow import -- ssh …`).
 */
export function parseOptions<O extends OptionSpec>(argv: ReadonlyArray<string>, options: O, commands = false): Parsed<O> {
  if (commands && !argv.includes('--')) {
    // The first word that is not an option or an option's value (`--name ssh` names a session ssh).
    for (let i = 0; i < argv.length; i++) {
      const w = argv[i]!;
      if (w.startsWith('--')) {
        const spec = options[w.slice(2)];
        if (spec?.type === 'string' && !w.includes('=')) i++;
        continue;
      }
      if (PROGRAM.test(w)) {
        argv = [...argv.slice(0, i), '--', ...argv.slice(i)];
        break;
      }
    }
  }
  // A value may start with a dash (`--forward -R 11433:db:1433`, `--notes -----BEGIN…`): joined to
  // its option, as parseArgs asks, so that it is not taken for an option of its own.
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') {
      joined.push(...argv.slice(i));
      break;
    }
    const spec = w.startsWith('--') && !w.includes('=') ? options[w.slice(2)] : undefined;
    if (spec?.type === 'string' && i + 1 < argv.length && argv[i + 1]!.startsWith('-') && argv[i + 1] !== '--') joined.push(`${w}=${argv[++i]!}`);
    else joined.push(w);
  }
  argv = joined;
  let r: ReturnType<typeof nodeParseArgs>;
  try {
    r = nodeParseArgs({ args: [...argv], options, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(wording(err as NodeJS.ErrnoException));
  }
  const end = r.tokens?.find((t) => t.kind === 'option-terminator');
  const positionals = end ? r.tokens!.filter((t) => t.kind === 'positional' && t.index < end.index).map((t) => (t as { value: string }).value) : r.positionals;
  const rest = end ? argv.slice(end.index + 1) : undefined;
  return { values: r.values as Parsed<O>['values'], positionals, rest };
}

/** Node's messages, in the words Burrow's commands have always used. */
function wording(err: NodeJS.ErrnoException): string {
  const m = err.message;
  const quoted = /'(-{1,2}[^' ]+)/.exec(m)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? m}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(m)) return `${quoted ?? 'an option'} needs a value`;
      if (/does not take an argument/.test(m)) return `unknown option ${m.match(/'(--[^']+)'/)?.[1] ?? quoted ?? m}`;
      return m;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${m.match(/'([^']+)'/)?.[1] ?? ''}`.trim();
    default:
      return m;
  }
}

/**
 * The values of `--set NAME=VALUE` options, for a vendor guide's placeholders. NAME may be written
 * as the guide writes it (`<SSH_HIGH_PORT>`, `$SSH_HOST`, `${SSH_HOST}`, `[tunnel_port]`).
 */
export function setValues(sets: ReadonlyArray<string> | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const v of sets ?? []) {
    const m = /^([^=]+)=(.*)$/s.exec(v);
    if (!m) throw new UsageError(`--set needs NAME=VALUE (got ${JSON.stringify(v)})`);
    // Written as the guide writes it or bare: the app reads the name either way (common/placeholders.ts).
    values[m[1]!] = m[2]!;
  }
  return values;
}

/**
 * The operator's endpoint address: `--metrics ADDR:PORT` (or PORT, on 127.0.0.1), else the
 * environment's BURROW_METRICS (a container's way to set it), else none (Settings decide).
 */
export function metricsOption(v: string | undefined, env: NodeJS.ProcessEnv): ListenAddress | undefined {
  const [text, from] = v !== undefined ? [v, '--metrics'] : env.BURROW_METRICS ? [env.BURROW_METRICS, 'BURROW_METRICS'] : [undefined, ''];
  if (text === undefined) return undefined;
  const a = parseListenAddress(text);
  if ('problem' in a) throw new UsageError(`${from} ${JSON.stringify(text)}: ${a.problem} (e.g. 127.0.0.1:9876, 0.0.0.0:9876 in a container)`);
  return a;
}

/** A port number given on the command line (1–65535), or a UsageError naming the option. */
export function portOption(v: string | undefined, option: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new UsageError(`${option} must be a port number from 1 to 65535 (got ${v})`);
  return Number(v);
}
