/**
 * Importing what people already have (a vendor's command, a script, ~/.ssh/config, a PuTTY
 * export, Secoda's environment, a Burrow export) in two steps: a preview of what would be saved,
 * with what could not be taken and why, then apply. Keys found in the input stay in the preview
 * until applied; the window only learns how many there are.
 */
import { randomUUID } from 'node:crypto';
import type { ImportPreview, ImportResult } from '../../common/contract.js';
import { applyImport } from '../core/config/apply-import.js';
import { detectKind, importInput, textOf } from '../core/config/importers/detect.js';
import type { ImportReport } from '../core/config/importers/report.js';
import type { ConfigStore } from '../core/config/store.js';
import { importBundle } from '../core/config/transfer.js';
import type { SecretStore } from '../core/keys/index.js';
import { fail } from './errors.js';

/** How long a preview can be applied: long enough to read it, short enough not to hold keys for ever. */
const PREVIEW_MS = 15 * 60_000;

export class Imports {
  private readonly previews = new Map<string, { readonly report: ImportReport; readonly timer: NodeJS.Timeout }>();

  constructor(private readonly store: ConfigStore, private readonly secrets: SecretStore, private readonly knownHostsFile: string | undefined) {}

  async preview(a: { text?: string; file?: { name: string; base64: string }; values?: Record<string, string>; passphrase?: string }): Promise<ImportPreview> {
    const data = a.file ? Buffer.from(a.file.base64, 'base64') : Buffer.from(a.text ?? '', 'utf8');
    const text = textOf(data);
    if (text.trim() === '') fail('INVALID_INPUT', `${a.file ? 'file' : 'text'} is empty`, 'Paste the command from your vendor\'s guide, or pick the file that holds it.', a.file ? 'file' : 'text');
    const values = new Map(Object.entries(a.values ?? {}));
    const report = detectKind(text) === 'burrow-export'
      ? await importBundle(text, { store: this.store, ...(a.passphrase ? { passphrase: a.passphrase } : {}) })
      : importInput(data, { values, ...(a.file ? { source: a.file.name } : {}) });
    const previewId = randomUUID();
    const timer = setTimeout(() => this.previews.delete(previewId), PREVIEW_MS);
    timer.unref();
    this.previews.set(previewId, { report, timer });
    return {
      previewId, kind: report.kind, sessions: report.sessions, took: report.took, couldNot: report.couldNot,
      hostKeys: report.hostKeys.length, keys: (report.keys ?? []).length,
    };
  }

  async apply(a: { previewId: string; name?: string; autostart?: boolean }): Promise<ImportResult> {
    const p = this.previews.get(a.previewId);
    if (!p) fail('NOT_FOUND', 'That import preview has expired', 'Paste or pick the input again to see a fresh preview.', 'previewId');
    const result = await applyImport(this.store, p.report, {
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.autostart !== undefined ? { autostart: a.autostart } : {}),
      ...(this.knownHostsFile !== undefined ? { knownHostsFile: this.knownHostsFile } : {}),
      secrets: this.secrets,
    });
    clearTimeout(p.timer);
    this.previews.delete(a.previewId);
    return {
      saved: result.saved, skipped: result.skipped, hostKeysAdded: result.hostKeysAdded,
      ...(result.knownHostsFile !== undefined ? { knownHostsFile: result.knownHostsFile } : {}),
    };
  }

  close(): void {
    for (const p of this.previews.values()) clearTimeout(p.timer);
    this.previews.clear();
  }
}
