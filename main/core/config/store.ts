/**
 * The saved sessions: one JSON file, validated on every load and save, migrated from earlier
 * versions, written atomically and privately, and never reset behind the user's back.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { ConfigFile, SessionConfig } from '../../../common/config.js';
import { ConfigError } from './config-error.js';
import { writeFileAtomic } from './atomic-write.js';
import { changedFields, SessionChangedError, sessionVersion } from './versions.js';
import { withFileLockAsync } from './file-lock.js';
import { formatConfigPieces, formatJson, parseJsonText } from './json-text.js';
import { migrateDocument } from './migrations.js';
import { CONFIG_VERSION, checkUnique, findSession, parseConfigFile, parseSessionConfig } from './schema.js';
import { giveWay } from '../give-way.js';

export { CONFIG_ENV, defaultConfigPath, loadConfigFile, resolveConfigPath, secretsFolderFor } from './config-file.js';

/**
 * Where a store reads its JSON document: the file itself in the CLI (fileBackend), electron-store
 * in the app (confBackend).
 * Writes do not go through them (atomic-write.ts says why): the store writes the same file, in
 * the same format, with the asynchronous file API.
 */
export interface ConfigBackend {
  readonly path: string;
  /** The parsed document, or undefined when there is no file yet. Throws ConfigError on bad JSON. */
  read(): unknown;
}

/** The part of conf (and of electron-store, which extends it) a backend needs. */
export interface ConfLike {
  readonly path: string;
  store: Record<string, unknown>;
}

/** The conf options Burrow's backend uses; electron-store takes the same ones (`name` for `configName`). */
export interface ConfOptions {
  readonly cwd: string;
  readonly configName: string;
  readonly fileExtension: string;
  readonly configFileMode: number;
  readonly clearInvalidConfig: false;
  readonly accessPropertiesByDotNotation: false;
  readonly serialize: (value: Record<string, unknown>) => string;
  readonly deserialize: (text: string) => Record<string, unknown>;
}

/** A backend over electron-store (or conf, which it is built on): the file read with Burrow's own format. */
export function confBackend(file: string, create: (options: ConfOptions) => ConfLike): ConfigBackend {
  const ext = path.extname(file);
  const options: ConfOptions = {
    cwd: path.dirname(file),
    configName: path.basename(file, ext),
    fileExtension: ext.slice(1),
    // conf writes 0666 & ~umask unless told: the file names hosts, users and key paths.
    configFileMode: 0o600,
    // Never conf's "reset on bad JSON": ConfigStore keeps the broken file and says what is wrong.
    clearInvalidConfig: false,
    accessPropertiesByDotNotation: false,
    serialize: formatJson,
    deserialize: (text) => parseJsonText(text) as Record<string, unknown>,
  };
  let conf: ConfLike | undefined;
  // conf reads the file when it is made, so it is made on first use, after the folder exists privately.
  const open = (): ConfLike => {
    if (!conf) {
      mkdirSync(options.cwd, { recursive: true, mode: 0o700 });
      conf = create(options);
    }
    return conf;
  };
  return {
    path: file,
    read: () => (existsSync(file) ? open().store : undefined),
  };
}

/**
 * The CLI's backend: the file read as conf reads it for electron-store — the whole file, parsed by
 * the same `deserialize` (json-text.ts), nothing when there is no file — without conf. conf loads
 * ajv and ajv-formats when imported (4 MiB of a tunnel process's memory, measured) for a schema
 * Burrow never gives it: Burrow validates the document itself (schema.ts). A test reads the same
 * files through both and compares (test/core/config/store.test.ts).
 */
export function fileBackend(file: string): ConfigBackend {
  return {
    path: file,
    read: () => (existsSync(file) ? parseJsonText(readFileSync(file, 'utf8')) : undefined),
  };
}

/** How old a leftover temporary file must be before it is removed: older than any write in progress. */
const STALE_TEMP_MS = 60_000;

/**
 * Removes the temporary files of writes that never finished (a crash or kill -9 between write and
 * rename leaves `config.json.tmp-<random>`, atomically's name); a fresh one may be another
 * process's write in progress, so only old ones go.
 */
function removeStaleTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.tmp-`;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const temp = path.join(dir, name);
    try {
      if (Date.now() - statSync(temp).mtimeMs > STALE_TEMP_MS) unlinkSync(temp);
    } catch {
      // Gone already: another process finished or cleaned it.
    }
  }
}

/** A store file that cannot be used as it is: what is wrong, where, and where a copy is kept. */
export class ConfigFileBrokenError extends ConfigError {
  constructor(
    readonly file: string,
    readonly backup: string,
    cause: ConfigError,
  ) {
    super(
      `${file}: ${cause.field}`,
      cause.problem,
      `${cause.fix} A copy of the file as it is now is kept at ${backup}; Burrow will not change ${path.basename(file)} until it reads cleanly.`,
      cause.problems.slice(1).map((p) => ({ ...p, field: `${file}: ${p.field}` })),
    );
    this.name = 'ConfigFileBrokenError';
  }
}

/** An OS error on the store file (EACCES, EISDIR, ENOSPC…) as a ConfigError; other errors pass unchanged. */
function fileError(err: unknown, file: string, verb: 'read' | 'written'): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code !== 'string') return err;
  return new ConfigError(
    file,
    `cannot be ${verb} (${code})`,
    code === 'ENOSPC'
      ? 'Free some disk space; the file was left as it was.'
      : 'Check that it is a file, and that this user may read and write it and its folder; the file was left as it was.',
  );
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'session'
  );
}

/** Sessions addMany validated before taking the lock, by the JSON round trip the write would make. */
const CHECKED = new WeakSet<SessionConfig>();
/** Sessions validated between two turns of the event loop. */
const SLICE = 50;

/**
 * A session exactly as it will be read back from the file, validated: what the JSON of it says
 * (a value JSON cannot carry is refused here, not on the next read). One validation: the
 * validator's output is plain JSON, so it reads back the same.
 */
function roundTrip(session: unknown, field: string): SessionConfig {
  return parseSessionConfig(JSON.parse(JSON.stringify(session)), field);
}

/** What identifies one version of the file: every write replaces it (a new inode), so this changes with it. */
function versionOf(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Sessions added in one write, and those left out because their name was taken. */
export interface AddedMany {
  readonly added: ReadonlyArray<SessionConfig>;
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly why: string }>;
}

/**
 * The saved sessions. Every read looks at the file and every change re-reads it first, so the app
 * and the CLI can both edit the same store; each write replaces the whole file atomically. A read
 * of a file that has not changed since it was last read (or written) here costs one stat: a store
 * of 10,000 sessions is not parsed again for every lookup.
 */
export class ConfigStore {
  private cache: { readonly version: string; readonly config: ConfigFile; readonly from: number } | undefined;
  /** The change in progress in this process (see change()). */
  private changing: Promise<unknown> = Promise.resolve();

  constructor(private readonly backend: ConfigBackend) {}

  /** A store over the file itself at `file` (the CLI's and the tests' store; the app reads through electron-store). */
  static open(file: string): ConfigStore {
    return new ConfigStore(fileBackend(file));
  }

  get path(): string {
    return this.backend.path;
  }

  /** The folder holding the store, where imported key files go too. */
  get folder(): string {
    return path.dirname(this.backend.path);
  }

  /** Reads the file; a missing file is an empty store. Throws ConfigFileBrokenError after keeping a copy. */
  load(): ConfigFile {
    return this.read().config;
  }

  /** All sessions, in file order. */
  sessions(): ReadonlyArray<SessionConfig> {
    return this.load().sessions;
  }

  /** The session with this id, or else this id or name in any case (findSession). */
  find(idOrName: string): SessionConfig | undefined {
    return findSession(this.sessions(), idOrName);
  }

  /**
   * Validates and saves a new session. Without an `id`, one is made from the name. Throws
   * ConfigError when the session is invalid or its name is taken.
   */
  async add(input: unknown): Promise<SessionConfig> {
    let added: SessionConfig | undefined;
    await this.change((sessions) => {
      const parsed = parseSessionConfig(input);
      const hasId = typeof input === 'object' && input !== null && 'id' in input;
      const session = hasId ? parsed : { ...parsed, id: this.freeId(sessions, parsed.name) };
      if (sessions.some((s) => s.name.toLowerCase() === session.name.toLowerCase())) {
        throw new ConfigError('name', `${JSON.stringify(session.name)} is already a saved session`, 'Pick another name, or remove the old session first.');
      }
      if (sessions.some((s) => s.id === session.id)) {
        throw new ConfigError('id', `${JSON.stringify(session.id)} is already a saved session's id`, 'Leave the id out to have one made from the name.');
      }
      added = session;
      return [...sessions, session];
    });
    return added!;
  }

  /**
   * Validates and saves many new sessions in one write (an import): all of them or, when one is
   * invalid, none (ConfigError names it). Sessions whose name is already saved, or repeated in
   * `inputs`, are left out and reported; ids are made from the names. The validation runs before
   * the write, a few hundred sessions at a time with the event loop free in between, so that the
   * tunnels of this process go on carrying data during an import of 10,000; the write itself holds
   * the lock only to merge and write.
   */
  async addMany(inputs: ReadonlyArray<unknown>): Promise<AddedMany> {
    const valid: Array<Omit<SessionConfig, 'id'>> = [];
    for (let i = 0; i < inputs.length; i++) {
      const { id: _id, ...parsed } = roundTrip(inputs[i], `sessions[${i}]`);
      valid.push(parsed);
      if (i % SLICE === SLICE - 1) await giveWay();
    }
    let result: AddedMany = { added: [], skipped: [] };
    await this.change((sessions) => {
      const ids = new Set(sessions.map((s) => s.id));
      const names = new Set(sessions.map((s) => s.name.toLowerCase()));
      const added: SessionConfig[] = [];
      const skipped: Array<{ name: string; why: string }> = [];
      valid.forEach((parsed) => {
        if (names.has(parsed.name.toLowerCase())) {
          skipped.push({ name: parsed.name, why: 'a saved session already has this name' });
          return;
        }
        const base = slug(parsed.name);
        let id = base;
        for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
        ids.add(id);
        names.add(parsed.name.toLowerCase());
        const session = { id, ...parsed };
        CHECKED.add(session);
        added.push(session);
      });
      result = { added, skipped };
      return added.length > 0 ? [...sessions, ...added] : sessions;
    });
    return result;
  }

  /**
   * Replaces the saved session that has the same id. With `basedOn` (the version the change was
   * made to, versions.ts), a session changed since is not overwritten: SessionChangedError, with
   * what changed when `known` has that version.
   */
  async update(session: SessionConfig, basedOn?: { readonly version: string; readonly known?: SessionConfig }): Promise<void> {
    await this.change((sessions) => {
      const i = sessions.findIndex((s) => s.id === session.id);
      if (i < 0) throw new ConfigError('id', `${JSON.stringify(session.id)} is not a saved session`, 'Add it instead.');
      const current = sessions[i]!;
      if (basedOn && sessionVersion(current) !== basedOn.version) {
        throw new SessionChangedError(current, basedOn.known && sessionVersion(basedOn.known) === basedOn.version ? changedFields(basedOn.known, current) : []);
      }
      const next = [...sessions];
      next[i] = parseSessionConfig(session);
      return next;
    });
  }

  /** Removes a session by id or name and returns it. */
  async remove(idOrName: string): Promise<SessionConfig> {
    let removed: SessionConfig | undefined;
    await this.change((sessions) => {
      removed = findSession(sessions, idOrName);
      if (!removed) throw new ConfigError('name', `${JSON.stringify(idOrName)} is not a saved session`, 'See `burrow sessions list` for the names.');
      return sessions.filter((s) => s !== removed);
    });
    return removed!;
  }

  /**
   * Puts a broken store file aside (its copy is already kept) and starts with no sessions; for a
   * person who was told what is wrong and chose not to fix it. Returns where the old file is kept,
   * or undefined when the file reads cleanly and nothing was done.
   */
  startFresh(): string | undefined {
    try {
      this.read();
      return undefined;
    } catch (err) {
      if (!(err instanceof ConfigFileBrokenError)) throw err;
      unlinkSync(this.path);
      return err.backup;
    }
  }

  private freeId(sessions: ReadonlyArray<SessionConfig>, name: string): string {
    const base = slug(name);
    let id = base;
    for (let n = 2; sessions.some((s) => s.id === id); n++) id = `${base}-${n}`;
    return id;
  }

  /** Reads and migrates; on any problem keeps a copy of the file and throws ConfigFileBrokenError. */
  private read(): { config: ConfigFile; from: number } {
    try {
      const version = versionOf(this.path);
      if (version === undefined) return { config: { version: CONFIG_VERSION, sessions: [] }, from: CONFIG_VERSION };
      if (this.cache?.version === version) return this.cache;
      const doc = this.backend.read();
      if (doc === undefined) return { config: { version: CONFIG_VERSION, sessions: [] }, from: CONFIG_VERSION };
      const config = parseConfigFile(doc);
      // parseConfigFile accepted it, so it is an object with a readable version.
      const from = migrateDocument(doc as Record<string, unknown>).from;
      // The version read before the file: a write between the two is seen at the next read.
      this.cache = { version, config, from };
      return this.cache;
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigFileBrokenError(this.path, this.keepCopy('broken'), err);
      throw fileError(err, this.path, 'read');
    }
  }

  /**
   * Copies the file beside itself, named after its content so the same broken file is kept once
   * however often it is read, and private like the store.
   */
  private keepCopy(kind: string): string {
    const data = readFileSync(this.path);
    const copy = `${this.path}.${kind}-${createHash('sha256').update(data).digest('hex').slice(0, 12)}`;
    if (!existsSync(copy)) {
      const tmp = `${copy}.tmp`;
      copyFileSync(this.path, tmp);
      chmodSync(tmp, 0o600);
      renameSync(tmp, copy);
    }
    return copy;
  }

  /**
   * Read, edit, validate, write, under the lock beside the file (file-lock.ts), so that changes
   * from several processes are applied one after another and none is lost; within this process,
   * changes wait for each other in a queue.
   */
  private change(edit: (sessions: ReadonlyArray<SessionConfig>) => ReadonlyArray<SessionConfig>): Promise<void> {
    const next = this.changing.then(async () => {
      try {
        mkdirSync(this.folder, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw fileError(err, this.path, 'written');
      }
      await withFileLockAsync(this.path, () => this.changeLocked(edit));
    });
    this.changing = next.catch(() => undefined);
    return next;
  }

  private async changeLocked(edit: (sessions: ReadonlyArray<SessionConfig>) => ReadonlyArray<SessionConfig>): Promise<void> {
    const { config, from } = this.read();
    const before = new Set(config.sessions);
    const sessions = edit(config.sessions);
    checkUnique(sessions);
    const next: ConfigFile = { version: CONFIG_VERSION, sessions };
    // Validate what is about to be written exactly as it will be read back: the sessions that
    // changed (those read were validated when read, those of addMany before the lock).
    sessions.forEach((s, i) => {
      if (!before.has(s) && !CHECKED.has(s)) roundTrip(s, `sessions[${i}]`);
    });
    // An older Burrow cannot read the migrated file: keep the file it wrote for a downgrade.
    if (from < CONFIG_VERSION) this.keepCopy(`v${from}`);
    try {
      await writeFileAtomic(this.path, await formatConfigPieces(next));
    } catch (err) {
      this.cache = undefined;
      throw fileError(err, this.path, 'written');
    }
    removeStaleTemps(this.path);
    const version = versionOf(this.path);
    this.cache = version !== undefined ? { version, config: next, from: CONFIG_VERSION } : undefined;
  }
}
