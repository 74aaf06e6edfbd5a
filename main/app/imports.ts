/**
 * Importing what people already have (a vendor's command, a script, ~/.ssh/config, a PuTTY
 * export, Secoda's environment, a Burrow export) in two steps: a preview of what would be saved,
 * with what could not be taken and why, then apply. Keys found in the input stay in the preview
 * until applied; the window only learns how many there are.
 *
 * A large input is read in a worker thread (core/config/importers/background.ts), so the tunnels
 * keep carrying data while 10,000 PuTTY sessions are read; at most MAX_PREVIEWS previews are kept,
 * the oldest dropped first, so previews nobody applies cannot pile up in memory.
 */
import { randomUUID } from 'node:crypto';
import type { SessionConfig } from '../../common/config.js';
import type { ImportPreview, ImportResult, KeyView, LoginKeyView } from '../../common/contract.js';
import { IMPORT_LIMITS, sizeInWords } from '../../common/limits.js';
import { applyImport } from '../core/config/apply-import.js';
import { importOffThread } from '../core/config/importers/background.js';
import { PlaceholderError } from '../core/config/importers/command-line.js';
import { isBurrowExport, textOf } from '../core/config/importers/detect.js';
import { checkImportSize } from '../core/config/importers/limits.js';
import type { ImportReport } from '../core/config/importers/report.js';
import type { ConfigStore } from '../core/config/store.js';
import { importBundle } from '../core/config/transfer.js';
import type { SecretStore } from '../core/keys/index.js';
import { keyPlaceholderNames, placeholderName } from '../../common/placeholders.js';
import { inspectKey, inspectKeyFile, KeyError } from '../core/keys/index.js';
import { expandHome } from '../core/session/identity.js';
import { placeholderFailure } from './commandline.js';
import { fail } from './errors.js';
import { giveWay } from '../core/give-way.js';

/** How long a preview can be applied: long enough to read it, short enough not to hold keys for ever. */
const PREVIEW_MS = 15 * 60_000;
/** Previews kept at once: a person compares a few; the oldest goes first. */
const MAX_PREVIEWS = 4;
/** Items of each list a preview holds unless asked for more. */
const SHOWN = 200;
/** Key files a preview reads to say whether each can be used (the same file counts once). */
const KEY_FILES_CHECKED = 50;
/** What fills a command's key placeholder while a chosen stored key (or OpenSSH's defaults) takes its place. */
const KEY_STAND_IN = '/burrow/chosen-key';

/** The key a person chose for every session of an input, in place of the key files it names. */
export type ChosenKey = { readonly keyId: string } | { readonly file: string } | { readonly defaults: true };

/** A session logging in with the chosen key instead of what its input said. */
function withKey(s: SessionConfig, key: ChosenKey): SessionConfig {
  const { keyId: _k, ...auth } = s.auth;
  if ('keyId' in key) return { ...s, auth: { ...auth, identityFiles: [], keyId: key.keyId } };
  return { ...s, auth: { ...auth, identityFiles: 'file' in key ? [key.file] : [] } };
}

/** How long an upload waits for its next piece, or to be previewed. */
const UPLOAD_MS = 5 * 60_000;
/** Uploads in progress at once; the oldest goes first. */
const MAX_UPLOADS = 2;

interface Upload {
  readonly parts: Buffer[];
  bytes: number;
  timer: NodeJS.Timeout;
}

/** Drops the oldest entries of `map` (insertion order) beyond `max`. */
function keepAtMost<T extends { readonly timer: NodeJS.Timeout }>(map: Map<string, T>, max: number): void {
  for (const [id, v] of map) {
    if (map.size <= max) break;
    clearTimeout(v.timer);
    map.delete(id);
  }
}

export class Imports {
  private readonly previews = new Map<string, { readonly report: ImportReport; readonly timer: NodeJS.Timeout }>();
  private readonly uploads = new Map<string, Upload>();

  constructor(
    private readonly store: ConfigStore,
    private readonly secrets: SecretStore,
    private readonly home: string | undefined,
    /** Whether this process runs any tunnel now (an import then reads in a worker thread). */
    private readonly tunnelsRun: () => boolean = () => true,
    /** A key Burrow holds, by id (refuses an unknown one). */
    private readonly storedKey?: (id: string) => Promise<KeyView>,
  ) {}

  /** Takes one more piece of a file sent in pieces; the whole may be up to the import limit. */
  upload(a: { uploadId?: string; base64: string }): { uploadId: string; bytes: number } {
    const piece = Buffer.from(a.base64, 'base64');
    let id = a.uploadId;
    let u = id !== undefined ? this.uploads.get(id) : undefined;
    if (id !== undefined && !u) fail('NOT_FOUND', 'That upload has expired or was never started', 'Pick the file again.', 'uploadId');
    if (!u) {
      id = randomUUID();
      u = { parts: [], bytes: 0, timer: setTimeout(() => undefined, 0) };
      this.uploads.set(id, u);
      keepAtMost(this.uploads, MAX_UPLOADS);
    }
    if (u.bytes + piece.length > IMPORT_LIMITS.bytes) {
      clearTimeout(u.timer);
      this.uploads.delete(id!);
      fail(
        'INVALID_INPUT',
        `the file is larger than the ${sizeInWords(IMPORT_LIMITS.bytes)} Burrow imports at once`,
        'Import it in parts (a PuTTY export can be split by session; an ssh config by Host block).',
        'file',
      );
    }
    u.parts.push(piece);
    u.bytes += piece.length;
    clearTimeout(u.timer);
    const uploadId = id!;
    u.timer = setTimeout(() => this.uploads.delete(uploadId), UPLOAD_MS);
    u.timer.unref();
    return { uploadId, bytes: u.bytes };
  }

  async preview(a: {
    text?: string;
    file?: { name: string; base64: string };
    upload?: { name: string; uploadId: string };
    words?: ReadonlyArray<string>;
    values?: Record<string, string>;
    key?: ChosenKey;
    name?: string;
    passphrase?: string;
    shown?: number;
  }): Promise<ImportPreview> {
    const chosen = a.key;
    if (chosen && 'keyId' in chosen && this.storedKey) {
      const known = await this.storedKey(chosen.keyId).catch(() => undefined);
      if (!known) fail('NOT_FOUND', `there is no stored key "${chosen.keyId}"`, 'Pick one of the keys Burrow lists, or import the key again.', 'key.keyId');
    }
    const where = a.text !== undefined ? 'text' : a.words !== undefined ? 'words' : 'file';
    let data: Buffer | string;
    if (a.words) {
      data = '';
    } else if (a.upload) {
      const u = this.uploads.get(a.upload.uploadId);
      if (!u) fail('NOT_FOUND', 'That upload has expired or was never started', 'Pick the file again.', 'upload.uploadId');
      clearTimeout(u.timer);
      this.uploads.delete(a.upload.uploadId);
      data = await joinPieces(u.parts, u.bytes);
    } else {
      data = a.file ? Buffer.from(a.file.base64, 'base64') : a.text!;
    }
    const name = a.upload?.name ?? a.file?.name;
    if (!a.words && (typeof data === 'string' ? data : data.subarray(0, 8192).toString('latin1')).trim() === '' && data.length <= 8192) {
      fail('INVALID_INPUT', `${where} is empty`, "Paste the command from your vendor's guide, or pick the file that holds it.", where);
    }
    let report: ImportReport;
    if (!a.words && isBurrowExport(data)) {
      checkImportSize(data.length, name);
      report = await importBundle(typeof data === 'string' ? data : textOf(data), { store: this.store, ...(a.passphrase ? { passphrase: a.passphrase } : {}) });
    } else {
      const source = a.words ? { words: a.words } : typeof data === 'string' ? { text: data } : { bytes: data };
      const read = (values: ReadonlyMap<string, string>): Promise<ImportReport> =>
        importOffThread(
          {
            source,
            options: { values: [...values], ...(name !== undefined ? { source: name } : {}), ...(a.name !== undefined ? { name: a.name } : {}) },
          },
          undefined,
          this.tunnelsRun(),
        );
      const given = new Map(Object.entries(a.values ?? {}).map(([k, v]): [string, string] => [placeholderName(k), v]));
      if (chosen) {
        // The chosen key answers the command's key placeholders (`-i <key>`, `<private-key-file>.pem`).
        const text = a.words ? a.words.join(' ') : typeof data === 'string' ? data : '';
        for (const hole of keyPlaceholderNames(text)) if (!given.has(hole)) given.set(hole, 'file' in chosen ? chosen.file : KEY_STAND_IN);
      }
      try {
        report = await read(given);
      } catch (err) {
        if (!(err instanceof PlaceholderError)) throw err;
        throw await placeholderFailure(err, (standIns) => read(new Map([...standIns, ...given])));
      }
    }
    if (chosen) report = { ...report, sessions: report.sessions.map((s) => withKey(s, chosen)) };
    const shown = a.shown ?? SHOWN;
    const logins = await this.logins(report, shown);
    const previewId = randomUUID();
    const timer = setTimeout(() => this.previews.delete(previewId), PREVIEW_MS);
    timer.unref();
    this.previews.set(previewId, { report, timer });
    keepAtMost(this.previews, MAX_PREVIEWS);
    return {
      previewId,
      kind: report.kind,
      sessions: report.sessions.slice(0, shown),
      sessionCount: report.sessions.length,
      took: report.took.slice(0, shown),
      tookCount: report.took.length,
      couldNot: report.couldNot.slice(0, shown),
      couldNotCount: report.couldNot.length,
      hostKeys: report.hostKeys.length,
      keys: (report.keys ?? []).length,
      commands: commandsOf(report.sessions),
      logins,
    };
  }

  /**
   * The key each session shown logs in with, checked now: a stored key by what Burrow knows of it,
   * a key file by reading its public half (each file once, at most KEY_FILES_CHECKED of them).
   */
  private async logins(report: ImportReport, shown: number): Promise<ImportPreview['logins']> {
    const files = new Map<string, Promise<LoginKeyView>>();
    const stored = new Map<string, Promise<LoginKeyView>>();
    const pending = new Map((report.keys ?? []).map((k) => [k.keyId, k]));
    const describeStored = async (keyId: string): Promise<LoginKeyView> => {
      const inInput = pending.get(keyId);
      if (inInput) {
        const info = await inspectKey(inInput.reveal()).catch(() => undefined);
        return {
          kind: 'stored',
          keyId,
          name: 'the key in the input',
          inInput: true,
          algorithm: info?.algorithm ?? 'unknown',
          fingerprint: info?.fingerprint ?? '',
          passphrase: info?.encrypted ? (inInput.revealPassphrase() !== undefined ? 'stored' : 'asked') : 'none',
        };
      }
      const k = await this.storedKey?.(keyId).catch(() => undefined);
      if (!k) return { kind: 'stored', keyId, name: `${keyId} (not found)`, algorithm: 'unknown', fingerprint: '', passphrase: 'none' };
      return {
        kind: 'stored',
        keyId,
        name: k.comment || k.id,
        algorithm: k.algorithm,
        fingerprint: k.fingerprint,
        passphrase: !k.encrypted ? 'none' : k.passphraseStored ? 'stored' : 'asked',
      };
    };
    const describeFile = async (file: string): Promise<LoginKeyView> => {
      if (files.size > KEY_FILES_CHECKED) return { kind: 'file', path: file, state: 'unchecked' };
      try {
        const info = await inspectKeyFile(expandHome(file, this.home));
        return {
          kind: 'file',
          path: file,
          state: info.encrypted ? 'passphrase' : 'ok',
          algorithm: info.algorithm,
          fingerprint: info.fingerprint,
          format: info.format,
        };
      } catch (err) {
        if (!(err instanceof KeyError)) throw err;
        if (err.code === 'KEY_PASSPHRASE_NEEDED') return { kind: 'file', path: file, state: 'passphrase', problem: err.message };
        if (err.code === 'KEY_UNREADABLE' && /\(ENOENT\)/.test(err.message))
          return { kind: 'file', path: file, state: 'missing', problem: 'no such file on this machine' };
        return { kind: 'file', path: file, state: 'unreadable', problem: err.message };
      }
    };
    const once = <T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> => {
      let p = map.get(key);
      if (!p) map.set(key, (p = make()));
      return p;
    };
    const out: Array<ImportPreview['logins'][number]> = [];
    for (const s of report.sessions.slice(0, shown)) {
      const { keyId, identityFiles, agent } = s.auth;
      const key: LoginKeyView =
        keyId !== undefined
          ? await once(stored, keyId, () => describeStored(keyId))
          : identityFiles[0] !== undefined
            ? await once(files, identityFiles[0], () => describeFile(identityFiles[0]!))
            : agent !== undefined
              ? { kind: 'agent' }
              : { kind: 'defaults' };
      out.push({ session: s.name, key });
    }
    return out;
  }

  /**
   * Saves what a preview found. `about` (warnings and next steps of each saved session shown) is
   * filled by the caller, which knows the saved sessions as the app runs them.
   */
  async apply(a: {
    previewId: string;
    name?: string;
    autostart?: boolean;
    shown?: number;
    cwd?: string;
    keyPassphrase?: string;
    knownHostsFile?: string;
    runCommands?: boolean;
  }): Promise<Omit<ImportResult, 'about'>> {
    const p = this.previews.get(a.previewId);
    if (!p) fail('NOT_FOUND', 'That import preview has expired', 'Paste or pick the input again to see a fresh preview.', 'previewId');
    // A pasted or imported command never runs a program unasked: one rule for every door.
    const commands = commandsOf(p.report.sessions);
    if (commands.length > 0 && a.runCommands !== true) {
      const [first] = commands;
      fail(
        'INVALID_INPUT',
        `${commands.length === 1 ? `"${first!.session}" would run` : `${commands.length} sessions would run programs, "${first!.session}"`} \`${first!.command}\` on this machine at every connection`,
        'Read the command; save only if it is what you expect (confirm it in the window, or give burrow import --allow-commands).',
        'runCommands',
      );
    }
    const result = await applyImport(this.store, p.report, {
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.autostart !== undefined ? { autostart: a.autostart } : {}),
      ...(a.knownHostsFile !== undefined ? { knownHostsFile: a.knownHostsFile } : {}),
      ...(a.cwd !== undefined ? { cwd: a.cwd } : {}),
      ...(a.keyPassphrase !== undefined ? { keyPassphrase: a.keyPassphrase } : {}),
      ...(this.home !== undefined ? { home: this.home } : {}),
      secrets: this.secrets,
    });
    clearTimeout(p.timer);
    this.previews.delete(a.previewId);
    return {
      saved: result.saved.slice(0, a.shown ?? SHOWN),
      savedCount: result.saved.length,
      skipped: result.skipped,
      hostKeysAdded: result.hostKeysAdded,
      hostKeysKnown: result.hostKeysKnown,
      keptKeys: result.keptKeys,
      warnings: p.report.warnings ?? [],
      ...(result.knownHostsFile !== undefined ? { knownHostsFile: result.knownHostsFile } : {}),
    };
  }

  /** How many previews are held (for tests of the cap). */
  get held(): number {
    return this.previews.size;
  }

  close(): void {
    for (const p of this.previews.values()) clearTimeout(p.timer);
    this.previews.clear();
    for (const u of this.uploads.values()) clearTimeout(u.timer);
    this.uploads.clear();
  }
}

/** The sessions that run a program of their own to connect (a ProxyCommand), with that program. */
function commandsOf(sessions: ReadonlyArray<SessionConfig>): Array<{ session: string; command: string }> {
  const out: Array<{ session: string; command: string }> = [];
  for (const s of sessions) if (s.proxy?.type === 'command') out.push({ session: s.name, command: s.proxy.command });
  return out;
}

/**
 * The pieces of an upload as one buffer that owns its memory (so the import worker is handed it,
 * not a copy), copied a few MiB at a time with the event loop free in between: Buffer.concat of a
 * 40 MB export held this process's tunnels for ~90 ms in one go (measured on a 2-core machine).
 */
async function joinPieces(parts: ReadonlyArray<Buffer>, bytes: number): Promise<Buffer> {
  const out = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  let since = 0;
  for (const p of parts) {
    p.copy(out, at);
    at += p.length;
    since += p.length;
    if (since >= 4 * 1024 * 1024) {
      since = 0;
      await giveWay();
    }
  }
  return out;
}
