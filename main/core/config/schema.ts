/** Validation of whole config files (with migrations); a session's own validator lives in common/. */
import type { ConfigFile } from '../../../common/config.js';
import { checkUnique, ConfigError, isObject, onlyKnown, readSession } from '../../../common/config-schema.js';
import { LATEST_VERSION, migrateDocument } from './migrations.js';

export { checkPort, checkUnique, ConfigError, parseSessionConfig } from '../../../common/config-schema.js';

/** The format this Burrow writes; migrations.ts and docs/config.md say what each version is. */
export const CONFIG_VERSION = LATEST_VERSION;

/**
 * Validates a whole config file, first migrating it from any earlier version (a file without
 * `version` is hand-written and read as the current one). Session ids must be unique (they are
 * how doors and the SecretStore refer to a session), and so must names (how people pick one).
 */
export function parseConfigFile(v: unknown): ConfigFile {
  if (!isObject(v)) throw new ConfigError('(file)', 'must be a JSON object', 'Start from the example in docs/config.md.');
  const doc = migrateDocument(v).doc;
  onlyKnown(doc, '(file)', ['version', 'sessions']);
  if (!Array.isArray(doc.sessions))
    throw new ConfigError('sessions', doc.sessions === undefined ? 'is missing' : 'must be a list', `Give {"version":${CONFIG_VERSION},"sessions":[…]}.`);
  // Every problem of every session, at once: a file with three mistakes is told about all three.
  const read = doc.sessions.map((s, i) => readSession(s, `sessions[${i}]`));
  const problems = read.flatMap((r) => r.problems ?? []);
  if (problems.length > 0) throw new ConfigError(problems[0]!.field, problems[0]!.problem, problems[0]!.fix, problems.slice(1));
  const sessions = read.map((r) => r.config!);
  checkUnique(sessions);
  return { version: CONFIG_VERSION, sessions };
}

/**
 * The session a person means by `idOrName`, as every door looks one up: the exact id first, then
 * a name in any case (`burrow run FIVETRAN` finds "fivetran"), then an id in any case.
 */
export function findSession<T extends { readonly id: string; readonly name: string }>(sessions: ReadonlyArray<T>, idOrName: string): T | undefined {
  const lower = idOrName.toLowerCase();
  return sessions.find((s) => s.id === idOrName) ?? sessions.find((s) => s.name.toLowerCase() === lower) ?? sessions.find((s) => s.id.toLowerCase() === lower);
}
