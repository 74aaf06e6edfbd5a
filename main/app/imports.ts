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
import type { ImportPreview, ImportResult } from '../../common/contract.js';
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
import { placeholderName } from '../../common/placeholders.js';
import { placeholderFailure } from './commandline.js';
import { fail } from './errors.js';

/** How long a preview can be applied: long enough to read it, short enough not to hold keys for ever. */
const PREVIEW_MS = 15 * 60_000;
/** Previews kept at once: a person compares a few; the oldest goes first. */
const MAX_PREVIEWS = 4;
/** Items of each list a preview holds unless asked for more. */
const SHOWN = 200;
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
    name?: string;
    passphrase?: string;
    shown?: number;
  }): Promise<ImportPreview> {
    const where = a.text !== undefined ? 'text' : a.words !== undefined ? 'words' : 'file';
    let data: Buffer | string;
    if (a.words) {
      data = '';
    } else if (a.upload) {
      const u = this.uploads.get(a.upload.uploadId);
      if (!u) fail('NOT_FOUND', 'That upload has expired or was never started', 'Pick the file again.', 'upload.uploadId');
      clearTimeout(u.timer);
      this.uploads.delete(a.upload.uploadId);
      data = Buffer.concat(u.parts, u.bytes);
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
      try {
        report = await read(given);
      } catch (err) {
        if (!(err instanceof PlaceholderError)) throw err;
        throw await placeholderFailure(err, (standIns) => read(new Map([...standIns, ...given])));
      }
    }
    const previewId = randomUUID();
    const timer = setTimeout(() => this.previews.delete(previewId), PREVIEW_MS);
    timer.unref();
    this.previews.set(previewId, { report, timer });
    keepAtMost(this.previews, MAX_PREVIEWS);
    const shown = a.shown ?? SHOWN;
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
    };
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
