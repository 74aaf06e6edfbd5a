/** A small, strict option reader shared by the CLI commands: unknown options are errors. */

export class UsageError extends Error {
  /** `showUsage: false` when the usage text would not help (the command was right, the data not). */
  constructor(message: string, readonly showUsage = true) {
    super(message);
  }
}

export interface OptionSpec {
  /** Options that take a value, e.g. `--config`. */
  readonly values?: ReadonlyArray<string>;
  /** Options that are switches, e.g. `--json`. */
  readonly flags?: ReadonlyArray<string>;
}

export interface ParsedArgs {
  readonly values: Record<string, string>;
  readonly flags: Set<string>;
  readonly positional: string[];
  /** Everything after `--`, untouched. */
  readonly rest: string[] | undefined;
}

/** Reads `--name value`, `--name=value` and switches; stops at `--`. */
export function parseArgs(argv: ReadonlyArray<string>, spec: OptionSpec): ParsedArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  let rest: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { rest = argv.slice(i + 1); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(0, eq) : a;
      if (spec.values?.includes(name)) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`${name} needs a value`);
        values[name] = v;
      } else if (spec.flags?.includes(name) && eq < 0) {
        flags.add(name);
      } else {
        throw new UsageError(`unknown option ${name}`);
      }
    } else {
      positional.push(a);
    }
  }
  return { values, flags, positional, rest };
}
