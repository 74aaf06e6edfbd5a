/**
 * Saves what an importer found: sessions into the store, their private keys into the
 * SecretStore, their key files (from an export) into files, host keys into a known_hosts file.
 * Nothing is half-saved: a session whose key or key file cannot be stored is not saved, and a
 * key or key file whose session cannot be saved is removed again.
 */
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { SessionConfig } from '../../../common/config.js';
import { writeKeyFile } from '../keys/files.js';
import type { SecretStore } from '../keys/secret-store.js';
import type { KnownHostEntry } from '../session/host-keys.js';
import { appendKnownHosts, entryMatches, parseKnownHosts } from '../session/host-keys.js';
import { ConfigError } from './config-error.js';
import { keySecretName, passphraseSecretName } from '../session/identity.js';
import type { ImportReport, NotTaken, PendingFile } from './importers/report.js';
import { keyWithPassphrase, storeKey } from './key-passphrase.js';
import { withAbsolutePaths } from './paths.js';
import type { ConfigStore } from './store.js';
import { giveWay } from '../give-way.js';

export interface ApplyOptions {
  /** Name for the one session the input describes (refused when there are several). */
  readonly name?: string;
  /** Start the imported sessions with the app / at login. */
  readonly autostart?: boolean;
  /** Where host keys go; default ~/.ssh/known_hosts, the file sessions read unless told otherwise. */
  readonly knownHostsFile?: string;
  /** Where private keys found in the input go; needed only when there are some. */
  readonly secrets?: SecretStore;
  /**
   * The folder the input's relative paths mean something in (the CLI's working folder): key,
   * passphrase and known_hosts paths are stored absolute against it. Absent: stored as written.
   */
  readonly cwd?: string;
  /**
   * The passphrase of the sessions' encrypted key file: the key and its passphrase go to the
   * secret store (key-passphrase.ts), never to the config.
   */
  readonly keyPassphrase?: string;
  /** Home folder for `~` and OpenSSH's default keys (tests use a temporary one). */
  readonly home?: string;
}

export interface ApplyResult {
  readonly saved: ReadonlyArray<SessionConfig>;
  /** Sessions not saved, and why (a name already taken). */
  readonly skipped: ReadonlyArray<NotTaken>;
  readonly hostKeysAdded: number;
  readonly hostKeysKnown: number;
  readonly knownHostsFile?: string;
  /** Keys taken into the secret store with their passphrase (keyPassphrase): which file became which key id. */
  readonly keptKeys: ReadonlyArray<{ readonly file: string; readonly keyId: string; readonly session: string }>;
}

export { keySecretName, passphraseSecretName } from '../session/identity.js';

/** `file` with `-n` before its extension (`key.pem` → `key-2.pem`); `file` itself for 1. */
export function numberedPath(file: string, n: number): string {
  if (n === 1) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}-${n}${ext}`;
}

/**
 * Writes a pending file 0600 at its path, or at the first free numbered name beside it: a file
 * already there is never replaced. Each path written is pushed to `written` at once, so a caller
 * can remove it again when the session is not saved. Returns the path written.
 */
async function writeNewFile(file: PendingFile, written: string[]): Promise<string> {
  await mkdir(path.dirname(file.path), { recursive: true, mode: 0o700 });
  for (let n = 1; ; n++) {
    const target = numberedPath(file.path, n);
    // The name is claimed by an exclusive create, then filled by an atomic replace of that empty
    // file: nothing else is overwritten, even a file made meanwhile, and no half key is left.
    try {
      await (await open(target, 'wx', 0o600)).close();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new ConfigError(target, `cannot be written (${code ?? 'error'})`, 'Check that Burrow may write in the folder beside its config.');
    }
    written.push(target);
    await writeKeyFile(target, file.reveal(), 0o600, true);
    return target;
  }
}

function knownHostsLine(e: KnownHostEntry): string {
  return `${e.marker ? `${e.marker} ` : ''}${e.hosts} ${e.keyType} ${e.keyBlob.toString('base64')}${e.comment ? ` ${e.comment}` : ''}`;
}

/** Whether `existing` already says what `entry` says: same key, same marker, and the same host names. */
function alreadyKnown(entry: KnownHostEntry, existing: ReadonlyArray<KnownHostEntry>): boolean {
  return existing.some((x) => {
    if (x.marker !== entry.marker || !x.keyBlob.equals(entry.keyBlob)) return false;
    if (x.hosts === entry.hosts) return true;
    if (entry.hosts.startsWith('|1|')) return false;
    // Every plain name of the entry (`host` or `[host]:port`) is covered by the existing line.
    return entry.hosts.split(',').every((name) => {
      const m = /^\[(.+)\]:(\d+)$/.exec(name);
      return !/[*?!]/.test(name) && entryMatches(x, m ? m[1]! : name, m ? Number(m[2]) : 22);
    });
  });
}

/** Appends host keys not already in `file`, creating it privately. Returns how many were added and how many were known. */
export async function mergeKnownHosts(file: string, entries: ReadonlyArray<KnownHostEntry>): Promise<{ added: number; known: number }> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const existing = [...parseKnownHosts(text, file).entries];
  const lines: string[] = [];
  let known = 0;
  for (const e of entries) {
    if (alreadyKnown(e, existing)) {
      known++;
      continue;
    }
    existing.push(e);
    lines.push(knownHostsLine(e));
  }
  await appendKnownHosts(file, lines);
  return { added: lines.length, known };
}

/**
 * Saves an import report: every session in one write of the store (an import of 10,000 sessions
 * is one write, not 10,000), after the keys and files they need are stored; if the write fails,
 * those are removed again, so nothing is half-saved. Sessions whose name is already saved are
 * skipped with the reason. Throws ConfigError for --name with several sessions, or keys without a
 * SecretStore.
 */
export async function applyImport(store: ConfigStore, report: ImportReport, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (options.name !== undefined && report.sessions.length !== 1) {
    throw new ConfigError(
      '--name',
      `names one session, but the input has ${report.sessions.length}`,
      'Leave --name out; rename sessions afterwards if needed.',
    );
  }
  const keys = new Map((report.keys ?? []).map((k) => [k.keyId, k]));
  const files = new Map((report.files ?? []).map((f) => [f.path, f]));
  if ((keys.size > 0 || options.keyPassphrase !== undefined) && !options.secrets) {
    throw new ConfigError(
      '(import)',
      'holds a private key but no secret store was given',
      'Import it through the CLI or the app, which keep keys in the secret store.',
    );
  }
  const keptKeys: Array<{ file: string; keyId: string; session: string }> = [];
  const skipped: NotTaken[] = [];
  const taken = new Set(store.sessions().map((s) => s.name.toLowerCase()));
  const toSave: Array<Omit<SessionConfig, 'id'>> = [];
  const written: string[] = [];
  const created: string[] = [];
  let added: ReadonlyArray<SessionConfig> = [];
  const undo = async (): Promise<void> => {
    for (const f of written) await unlink(f).catch(() => undefined);
    for (const keyId of created) {
      await options.secrets!.delete(keySecretName(keyId));
      await options.secrets!.delete(passphraseSecretName(keyId));
    }
  };
  try {
    for (const [i, found] of report.sessions.entries()) {
      // Keep the event loop free between slices: the tunnels of this process go on meanwhile.
      if (i % 100 === 99) await giveWay();
      const { id: _id, ...rest } = found;
      let session: Omit<SessionConfig, 'id'> = { ...rest, name: options.name ?? found.name, autostart: options.autostart ?? found.autostart };
      if (taken.has(session.name.toLowerCase())) {
        skipped.push({ what: `session "${session.name}"`, why: 'a saved session already has this name; remove it first, or import with --name' });
        continue;
      }
      taken.add(session.name.toLowerCase());
      if (options.cwd !== undefined) session = withAbsolutePaths(session, options.cwd);
      let pending = session.auth.keyId !== undefined ? keys.get(session.auth.keyId) : undefined;
      if (options.keyPassphrase !== undefined && pending === undefined) {
        const kept = await keyWithPassphrase(session, options.keyPassphrase, '--key-passphrase-file', options.home);
        session = kept.session;
        pending = kept.key;
        keptKeys.push({ file: kept.file, keyId: kept.key.keyId, session: session.name });
      }
      const place = async (f: string): Promise<string> => {
        const file = files.get(f);
        return file ? writeNewFile(file, written) : f;
      };
      const identityFiles: string[] = [];
      for (const f of session.auth.identityFiles) identityFiles.push(await place(f));
      const passphraseFile = session.auth.passphraseFile !== undefined ? await place(session.auth.passphraseFile) : undefined;
      session = { ...session, auth: { ...session.auth, identityFiles, ...(passphraseFile !== undefined ? { passphraseFile } : {}) } };
      if (pending) {
        const stored = await storeKey(options.secrets!, pending);
        if (stored.created) created.push(stored.keyId);
        session = { ...session, auth: { ...session.auth, keyId: stored.keyId } };
        const kept = keptKeys.find((k) => k.keyId === pending!.keyId && k.session === session.name);
        if (kept) kept.keyId = stored.keyId;
      }
      toSave.push(session);
    }
    const result = toSave.length > 0 ? await store.addMany(toSave) : { added: [], skipped: [] };
    added = result.added;
    // A session saved under the same name by someone else between the look above and the write.
    for (const r of result.skipped) skipped.push({ what: `session "${r.name}"`, why: `${r.why}; remove it first, or import with --name` });
  } catch (err) {
    await undo();
    throw err;
  }
  let hostKeys = { added: 0, known: 0 };
  const knownHostsFile = options.knownHostsFile ?? path.join(homedir(), '.ssh', 'known_hosts');
  if (report.hostKeys.length > 0) hostKeys = await mergeKnownHosts(knownHostsFile, report.hostKeys);
  return {
    saved: added,
    skipped,
    hostKeysAdded: hostKeys.added,
    hostKeysKnown: hostKeys.known,
    keptKeys,
    ...(report.hostKeys.length > 0 ? { knownHostsFile } : {}),
  };
}
