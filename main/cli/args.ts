/** A small, strict option reader shared by the CLI commands: unknown options are errors. */

export class UsageError extends Error {
  /** `showUsage: false` when the usage text would not help (the command was right, the data not). */
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export interface OptionSpec {
  /** Options that take a value, e.g. `--config`. */
  readonly values?: ReadonlyArray<string>;
  /** Options that take a value and may be given more than once, e.g. `--set`, in order. */
  readonly lists?: ReadonlyArray<string>;
  /** Options that are switches, e.g. `--json`. */
  readonly flags?: ReadonlyArray<string>;
}

export interface ParsedArgs {
  readonly values: Record<string, string>;
  /** Every value of each `lists` option, in the order given (absent when never given). */
  readonly lists: Record<string, string[]>;
  readonly flags: Set<string>;
  readonly positional: string[];
  /** Everything after `--`, untouched. */
  readonly rest: string[] | undefined;
}

/** Reads `--name value`, `--name=value` and switches; stops at `--`. */
export function parseArgs(argv: ReadonlyArray<string>, spec: OptionSpec): ParsedArgs {
  const values: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  let rest: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(0, eq) : a;
      const takesValue = spec.values?.includes(name) || spec.lists?.includes(name);
      if (takesValue) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`${name} needs a value`);
        if (spec.lists?.includes(name)) (lists[name] ??= []).push(v);
        else values[name] = v;
      } else if (spec.flags?.includes(name) && eq < 0) {
        flags.add(name);
      } else {
        throw new UsageError(`unknown option ${name}`);
      }
    } else {
      positional.push(a);
    }
  }
  return { values, lists, flags, positional, rest };
}

/**
 * The values of `--set NAME=VALUE` options, for a vendor guide's placeholders. NAME may be
 * written as the guide writes it (`<SSH_HIGH_PORT>`, `$SSH_HOST`, `${SSH_HOST}`, `[tunnel_port]`).
 */
export function setValues(args: ParsedArgs): Map<string, string> {
  const values = new Map<string, string>();
  for (const v of args.lists['--set'] ?? []) {
    const m = /^([^=]+)=(.*)$/s.exec(v);
    if (!m) throw new UsageError(`--set needs NAME=VALUE (got ${JSON.stringify(v)})`);
    values.set(m[1]!.replace(/^[<$[{]+|[>\]}]+$/g, ''), m[2]!);
  }
  return values;
}

/** A word as a POSIX shell needs it written to mean itself. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
