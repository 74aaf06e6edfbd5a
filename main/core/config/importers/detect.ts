/**
 * One entry point for everything people paste or pick: tells which kind of input it is and runs
 * the matching importer.
 */
import { ConfigError } from '../config-error.js';
import { checkImportSize, checkImportText, checkImportWords, checkSessionCount } from './limits.js';
import { importKnownHosts, isKnownHosts } from './known-hosts.js';
import { decodeRegFile, importPuttyReg, isRegFile } from './putty-reg.js';
import type { ImportKind, ImportReport } from './report.js';
import { importSecodaEnv, isSecodaEnv } from './secoda-env.js';
import { importCommandLine, importShellScript, isShellScript, refuseKeyText } from './shell.js';
import { importSshConfig } from './ssh-config.js';

/** The text of a picked file, decoding regedit's UTF-16LE. */
export function textOf(data: Buffer): string {
  const text = decodeRegFile(data);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Whether an input is a Burrow sessions export, from its first bytes only: exports start with
 * their marker, and an input of 64 MiB must not be scanned on the event loop to tell.
 */
export function isBurrowExport(data: Buffer | string): boolean {
  const head = typeof data === 'string' ? data.slice(0, 8192) : textOf(data.subarray(0, 8192));
  return detectKind(head) === 'burrow-export';
}

/** Which importer fits the text. */
export function detectKind(text: string): ImportKind {
  if (isRegFile(text)) return 'putty-reg';
  if (/^\s*\{/.test(text) && /"burrow"\s*:\s*"sessions-export"/.test(text)) return 'burrow-export';
  // Before command lines: Secoda's script also holds an autossh command, built from these variables.
  if (isSecodaEnv(text)) return 'secoda-env';
  if (isKnownHosts(text)) return 'known-hosts';
  if (/^\s*(Host|Match)\s+\S/im.test(text) && /^\s*(HostName|RemoteForward|LocalForward|DynamicForward|User|Port|IdentityFile)[\s=]/im.test(text))
    return 'ssh-config';
  return isShellScript(text) ? 'shell-script' : 'command-line';
}

export interface ImportOptions {
  /** Values for the placeholders of a command from a vendor guide (`SSH_HIGH_PORT` → `11433`). */
  readonly values?: ReadonlyMap<string, string>;
  /** Where the text came from, for messages. */
  readonly source?: string;
  /** A name for the session, where the input names none (Secoda). */
  readonly name?: string;
}

/**
 * Detects the kind of input and imports it, within the import limits (limits.ts). Burrow export
 * bundles go to importBundle() (they may need a passphrase).
 */
export function importInput(input: string | Buffer | ReadonlyArray<string>, options: ImportOptions = {}): ImportReport {
  if (Array.isArray(input)) {
    checkImportWords(input as ReadonlyArray<string>);
    return counted(importCommandLine(input as ReadonlyArray<string>, options.values), options.source);
  }
  if (Buffer.isBuffer(input)) checkImportSize(input.length, options.source);
  const text = Buffer.isBuffer(input) ? textOf(input) : (input as string);
  checkImportText(text, options.source);
  const kind = detectKind(text);
  if (kind === 'command-line' || kind === 'shell-script') refuseKeyText(text, options.source);
  switch (kind) {
    case 'putty-reg':
      return counted(importPuttyReg(text, options.source), options.source);
    case 'secoda-env':
      return counted(importSecodaEnv(text, options.name), options.source);
    case 'known-hosts':
      return counted(importKnownHosts(text, options.source), options.source);
    case 'ssh-config':
      return counted(importSshConfig(text), options.source);
    case 'command-line':
      return counted(importCommandLine(text, options.values, options.source), options.source);
    case 'shell-script':
      return counted(importShellScript(text, options.values), options.source);
    case 'burrow-export':
      throw new ConfigError(options.source ?? '(input)', 'is a Burrow sessions export', 'Import it with `burrow sessions import FILE`.');
  }
}

function counted(report: ImportReport, source: string | undefined): ImportReport {
  checkSessionCount(report.sessions.length, source);
  return report;
}
