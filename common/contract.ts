/**
 * The one contract between a window (the React renderer, in Electron or a browser) or the
 * control channel and Burrow's app (main/app/): every request with the schema of its arguments
 * and the type of its reply, and every event with its payload. The Electron IPC, the web bridge
 * and the control channel only carry these messages; the renderer imports nothing else of Burrow
 * than `common/`.
 *
 * Arguments are validated with these zod schemas where they arrive (main/app/); a session's
 * settings inside them by the shared validator (common/config-schema.ts), the one the store and
 * the forms use too. Private keys and passphrases may go in (keys:import, keys:generate,
 * questions:answer); nothing here ever carries one out.
 */
import { z } from 'zod';
import type { HostKeyPolicy, SessionConfig } from './config.js';
import type { ErrorInfo, SessionSnapshot } from './session.js';
import { IMPORT_LIMITS, sizeInWords, UPLOAD_CHUNK_BYTES } from './limits.js';

// ---------------------------------------------------------------------------------------------
// Data that crosses the boundary
// ---------------------------------------------------------------------------------------------

/** Codes of errors the app itself gives (besides the engine's ErrorCode of a session). */
export type AppErrorCode = 'INVALID_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'UNSUPPORTED' | 'KEY_ERROR' | 'HELD_ELSEWHERE' | 'FORBIDDEN' | 'INTERNAL_ERROR';

/**
 * The plain error object every failed request returns: a stable code, what went wrong, the fix,
 * and the field it is about when the request's input was at fault (forms show it beside that field).
 */
export interface AppError {
  readonly code: AppErrorCode | ErrorInfo['code'];
  readonly message: string;
  readonly hint?: string;
  /** `config.forwards[0].bindPort`, `passphrase`, … */
  readonly field?: string;
  /** The key layer's own code (KEY_PASSPHRASE_NEEDED, …) under KEY_ERROR. */
  readonly cause?: string;
}

/** A saved session and its live state, as every door shows it. */
export interface SessionView {
  readonly config: SessionConfig;
  /** The version of `config` (a hash of it): sessions:update names it, so a newer save is never overwritten. */
  readonly version: string;
  readonly snapshot: SessionSnapshot;
  /**
   * When another running Burrow (a service, `burrow run`, another window) holds this session:
   * who, so the window shows that one's state instead of starting a second copy.
   */
  readonly heldBy?: string;
}

/** What a reload changed, by session name. */
export interface ReloadResult {
  readonly added: ReadonlyArray<string>;
  readonly removed: ReadonlyArray<string>;
  readonly changed: ReadonlyArray<string>;
  readonly unchanged: ReadonlyArray<string>;
}

/** A vendor preset as the New-tunnel screen offers it. */
export interface PresetView {
  readonly id: string;
  readonly vendor: string;
  readonly direction: 'reverse' | 'inbound';
  readonly user?: string;
  readonly port: number;
  readonly forward: 'remote' | 'remote-dynamic' | 'none';
  /** What the person must still give: host, user, target, remote port… */
  readonly asks: ReadonlyArray<'host' | 'user' | 'target' | 'remotePort'>;
  /** The remote port rule, said in words ("the database port with a 1 in front"). */
  readonly remotePortRule: string;
  readonly hostKeyPolicy: HostKeyPolicy;
  readonly publishedFingerprint?: string;
  readonly key: {
    readonly type: 'rsa' | 'ed25519' | 'ecdsa-sha2-nistp256';
    readonly bits?: number;
    readonly madeBy: 'you' | 'vendor';
    readonly passphrase: boolean;
  };
  readonly databases: ReadonlyArray<{ readonly id: string; readonly name: string; readonly port: number }>;
  readonly nextSteps: ReadonlyArray<string>;
  readonly troubleshooting: ReadonlyArray<string>;
}

/** What a session from a preset needs besides the preset. */
export interface SavedSession {
  readonly session: SessionConfig;
  /** The vendor's next steps with this session's values filled in (its public key included). */
  readonly nextSteps: ReadonlyArray<string>;
  /** Worth knowing, not wrong: another session uses the same server and remote port, a key file is missing… */
  readonly warnings: ReadonlyArray<string>;
}

/**
 * What an import would create, before anything is saved. The lists hold their first `shown`
 * items (import:preview's argument; 200 unless asked), the counts all of them: a window shows a
 * sample of an import of 10,000 sessions, and import:apply saves them all.
 */
export interface ImportPreview {
  /** Pass to import:apply; valid for a few minutes. */
  readonly previewId: string;
  readonly kind: string;
  readonly sessions: ReadonlyArray<SessionConfig>;
  readonly sessionCount: number;
  readonly took: ReadonlyArray<string>;
  readonly tookCount: number;
  readonly couldNot: ReadonlyArray<{ readonly what: string; readonly why: string }>;
  readonly couldNotCount: number;
  /** Host keys it would add to known_hosts, and private keys it would store (counted, never shown). */
  readonly hostKeys: number;
  readonly keys: number;
}

/** What an import saved: the first `shown` sessions (import:apply's argument; 200 unless asked), and how many in all. */
export interface ImportResult {
  readonly saved: ReadonlyArray<SessionConfig>;
  readonly savedCount: number;
  readonly skipped: ReadonlyArray<{ readonly what: string; readonly why: string }>;
  readonly hostKeysAdded: number;
  readonly knownHostsFile?: string;
}

/** A key Burrow holds: public data only. */
export interface KeyView {
  readonly id: string;
  readonly type: 'ed25519' | 'rsa' | 'ecdsa';
  readonly algorithm: string;
  readonly bits: number;
  readonly comment: string;
  /** The line a vendor asks for (`ssh-ed25519 AAAA… comment`). */
  readonly publicKey: string;
  readonly fingerprint: string;
  /** Whether the stored key is protected by a passphrase, and whether that passphrase is stored. */
  readonly encrypted: boolean;
  readonly passphraseStored: boolean;
  /** Sessions that use it (`auth.keyId`). */
  readonly usedBy: ReadonlyArray<string>;
}

export interface KeyExport {
  readonly fileName: string;
  /** Where the file was written (desktop), for the person to find it. */
  readonly savedTo?: string;
  /** A one-time address that downloads it (browser mode). */
  readonly downloadUrl?: string;
}

export type DiagnoseStatus = 'pass' | 'fail' | 'skip';

export interface DiagnoseStepView {
  readonly id: string;
  readonly title: string;
  readonly status: DiagnoseStatus;
  readonly ms: number;
  readonly detail: string;
  readonly hint?: string;
}

export interface DiagnoseReportView {
  readonly session: string;
  readonly ok: boolean;
  readonly steps: ReadonlyArray<DiagnoseStepView>;
}

/** Something only a person can decide, asked of whichever window is open. */
export type Question =
  | {
      readonly id: string;
      readonly kind: 'host-key';
      readonly sessionId: string;
      readonly sessionName: string;
      readonly host: string;
      readonly port: number;
      readonly keyType: string;
      readonly fingerprint: string;
    }
  | {
      readonly id: string;
      readonly kind: 'passphrase';
      readonly sessionId: string;
      readonly sessionName: string;
      /** The key file or stored key that needs it. */
      readonly key: string;
      /** Set when a passphrase was given and did not open the key. */
      readonly wrong?: boolean;
    };

export type Theme = 'system' | 'light' | 'dark';

export interface Settings {
  readonly launchAtLogin: boolean;
  readonly notifications: { readonly down: boolean; readonly back: boolean; readonly needsPerson: boolean };
  readonly theme: Theme;
}

export interface AppInfo {
  readonly version: string;
  /** Which door this window is served by. */
  readonly mode: 'web' | 'desktop' | 'run';
  /** This Burrow as others name it ("burrow web", "the Burrow service") and its process. */
  readonly door: string;
  readonly pid: number;
  /**
   * When another running Burrow runs the tunnels (a service, `burrow run`) and this door shows
   * them through its control channel: that Burrow.
   */
  readonly runBy?: { readonly door: string; readonly pid: number };
  readonly platform: string;
  readonly configPath: string;
  readonly secretStore: { readonly backend: string; readonly warnings: ReadonlyArray<string> };
  /** Whether launch at login can be set from this door, and why not when it cannot. */
  readonly launchAtLogin: { readonly supported: boolean; readonly reason?: string };
  readonly ssh2: { readonly nativeCrypto: boolean; readonly patched: boolean };
}

export interface LogLine {
  readonly ts: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  /** 'state': a change of the session's state, written for the log's history (a door that reports states already has it). */
  readonly kind?: 'state';
}

// ---------------------------------------------------------------------------------------------
// Argument schemas
// ---------------------------------------------------------------------------------------------

const id = z.string().min(1, 'is empty').max(200, 'is longer than 200 characters');
const NoArgs = z.object({}).strict();
const ById = z.object({ id }).strict();
/** A secret passed in (a key's passphrase): never echoed, never logged. */
const secret = z.string().max(1024, 'is longer than 1024 characters');
/** Text a person pasted or a file they picked: bounded, so a window cannot make the app hold gigabytes. */
const pasted = z.string().max(1024 * 1024, 'is larger than 1 MiB');
/** A picked key file's bytes, as base64 (binary keys: DER). */
const fileBytes = z
  .string()
  .max(1.5 * 1024 * 1024, 'is larger than 1 MiB')
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64');
/**
 * One piece of a large file picked for an import (a UTF-16 .reg export of 10,000 PuTTY sessions
 * is ~40 MiB), as base64. Large files travel in pieces (`import:upload`), so that no door ever
 * reads one message of tens of megabytes while tunnels wait.
 */
const uploadChunk = z
  .string()
  .max(Math.ceil(UPLOAD_CHUNK_BYTES / 3) * 4, `is larger than ${sizeInWords(UPLOAD_CHUNK_BYTES)}: send the file in pieces`)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64');

/**
 * A session's settings as a window sends them: checked by the shared validator in the app, so the
 * schema here only says "an object". The same validator runs in the form, on every keystroke.
 */
const sessionInput = z.record(z.string(), z.unknown());

export const REQUESTS = {
  'app:info': NoArgs,

  'sessions:list': NoArgs,
  'sessions:get': ById,
  'sessions:create': z.object({ config: sessionInput }).strict(),
  /** `version`: the version the change was made to (from sessions:get or a SessionView); a session changed since is refused (CONFLICT). */
  'sessions:update': z.object({ config: sessionInput, version: z.string().min(1).max(100) }).strict(),
  'sessions:remove': ById,
  'sessions:start': ById,
  'sessions:stop': ById,
  'sessions:start-all': NoArgs,
  'sessions:stop-all': NoArgs,
  /** Retry every waiting session now (the machine woke up, the network came back). */
  'sessions:nudge-all': NoArgs,
  'sessions:next-steps': ById,
  /** Re-read the saved sessions: added ones are added (and started if this Burrow runs such), removed ones stopped, changed ones restarted, the rest untouched. */
  'sessions:reload': NoArgs,

  'presets:list': NoArgs,
  'presets:create-session': z
    .object({
      presetId: id,
      name: z.string().min(1, 'is empty').max(100, 'is longer than 100 characters'),
      host: z.string().max(255).optional(),
      user: z.string().max(100).optional(),
      port: z.number().int().min(1).max(65535).optional(),
      targetHost: z.string().max(255).optional(),
      targetPort: z.number().int().min(1).max(65535).optional(),
      database: z.string().max(50).optional(),
      remotePort: z.number().int().min(0).max(65535).optional(),
      keyId: id.optional(),
      autostart: z.boolean().optional(),
    })
    .strict(),

  /**
   * One piece of a file to import, in order: the first piece comes without `uploadId` and gets one;
   * the rest name it. Kept for five minutes after the last piece; import:preview reads it.
   */
  'import:upload': z.object({ uploadId: id.optional(), base64: uploadChunk }).strict(),
  'import:preview': z
    .object({
      text: pasted.optional(),
      file: z
        .object({ name: z.string().max(255), base64: fileBytes })
        .strict()
        .optional(),
      /** A file sent in pieces with import:upload. */
      upload: z
        .object({ name: z.string().max(255), uploadId: id })
        .strict()
        .optional(),
      /** Values for a guide's placeholders (`SSH_HIGH_PORT` → `11433`). */
      values: z.record(z.string().max(100), z.string().max(1000)).optional(),
      /** Opens the keys of a `burrow sessions export --with-secrets` file. */
      passphrase: secret.optional(),
      /** How many of each list the reply holds (200 unless given). */
      shown: z.number().int().min(0).max(IMPORT_LIMITS.sessions).optional(),
    })
    .strict()
    .refine((a) => [a.text, a.file, a.upload].filter((x) => x !== undefined).length === 1, {
      message: 'give the pasted text, a file or an upload, one of them',
      path: ['text'],
    }),
  'import:apply': z
    .object({
      previewId: id,
      name: z.string().min(1).max(100).optional(),
      autostart: z.boolean().optional(),
      /** How many saved sessions the reply holds (200 unless given). */
      shown: z.number().int().min(0).max(IMPORT_LIMITS.sessions).optional(),
    })
    .strict(),

  'keys:list': NoArgs,
  'keys:get': ById,
  'keys:generate': z
    .object({
      /** Chosen by the window, so it can follow `keys:progress` for this one. */
      opId: id,
      type: z.enum(['ed25519', 'rsa', 'ecdsa']),
      bits: z.number().int().optional(),
      comment: z.string().max(200).optional(),
      passphrase: secret.optional(),
      /** Keep the passphrase, so a tunnel using the key can start unattended. */
      storePassphrase: z.boolean().optional(),
    })
    .strict(),
  'keys:import': z
    .object({
      text: pasted.optional(),
      file: z
        .object({ name: z.string().max(255), base64: fileBytes })
        .strict()
        .optional(),
      passphrase: secret.optional(),
      storePassphrase: z.boolean().optional(),
    })
    .strict()
    .refine((a) => (a.text === undefined) !== (a.file === undefined), { message: 'give the pasted key or a key file, one of them', path: ['text'] }),
  'keys:export': z
    .object({
      id,
      format: z.enum(['openssh', 'ppk', 'ppk2']),
      /** Protects the exported file; the stored key stays as it is. */
      passphrase: secret.optional(),
      /** Opens the stored key when it is encrypted and its passphrase is not stored. */
      keyPassphrase: secret.optional(),
    })
    .strict(),
  'keys:delete': ById,

  'diagnose:run': z
    .object({
      /** Chosen by the window, so it can follow `diagnose:step` for this run. */
      runId: id,
      id: id.optional(),
      config: sessionInput.optional(),
    })
    .strict()
    .refine((a) => (a.id === undefined) !== (a.config === undefined), { message: "give a saved session's id or a config, one of them", path: ['id'] }),

  'questions:list': NoArgs,
  'questions:answer': z
    .object({
      id,
      accept: z.boolean(),
      passphrase: secret.optional(),
      /** For a passphrase: keep it in the secret store for unattended starts. */
      remember: z.boolean().optional(),
    })
    .strict(),

  'settings:get': NoArgs,
  'settings:set': z
    .object({
      launchAtLogin: z.boolean().optional(),
      notifications: z.object({ down: z.boolean().optional(), back: z.boolean().optional(), needsPerson: z.boolean().optional() }).strict().optional(),
      theme: z.enum(['system', 'light', 'dark']).optional(),
    })
    .strict(),

  'logs:get': ById,
} as const;

export type RequestName = keyof typeof REQUESTS;
export type RequestArgs<K extends RequestName> = z.input<(typeof REQUESTS)[K]>;

/** What each request resolves with. */
export interface Replies {
  'app:info': AppInfo;
  'sessions:list': ReadonlyArray<SessionView>;
  'sessions:get': { readonly config: SessionConfig; readonly version: string };
  'sessions:create': SavedSession;
  'sessions:update': SavedSession;
  'sessions:remove': null;
  'sessions:start': SessionView;
  'sessions:stop': SessionView;
  'sessions:start-all': ReadonlyArray<SessionView>;
  'sessions:stop-all': ReadonlyArray<SessionView>;
  'sessions:nudge-all': null;
  'sessions:next-steps': { readonly nextSteps: ReadonlyArray<string>; readonly troubleshooting: ReadonlyArray<string> };
  'sessions:reload': ReloadResult;
  'presets:list': ReadonlyArray<PresetView>;
  'presets:create-session': SavedSession;
  'import:upload': { readonly uploadId: string; readonly bytes: number };
  'import:preview': ImportPreview;
  'import:apply': ImportResult;
  'keys:list': ReadonlyArray<KeyView>;
  'keys:get': KeyView;
  'keys:generate': KeyView;
  'keys:import': KeyView;
  'keys:export': KeyExport;
  'keys:delete': null;
  'diagnose:run': DiagnoseReportView;
  'questions:list': ReadonlyArray<Question>;
  'questions:answer': null;
  'settings:get': Settings;
  'settings:set': Settings;
  'logs:get': ReadonlyArray<LogLine>;
}

/** Events the app pushes to every attached window. */
export interface Events {
  /**
   * Sessions whose state, counters or settings changed: every view that changed in one turn of
   * Burrow's event loop, in one event (counters at most a few times a second).
   */
  'sessions:changed': ReadonlyArray<SessionView>;
  'sessions:removed': { readonly id: string };
  'logs:line': { readonly id: string; readonly line: LogLine };
  'keys:progress': { readonly opId: string; readonly state: 'working' | 'done' | 'failed'; readonly elapsedMs: number };
  'keys:changed': null;
  'diagnose:step': { readonly runId: string; readonly step: DiagnoseStepView };
  'questions:asked': Question;
  'questions:closed': { readonly id: string };
  'settings:changed': Settings;
  /** This door's AppInfo changed: it began to run the tunnels itself, or shows another Burrow's. */
  'app:changed': AppInfo;
}

export type EventName = keyof Events;

export { AppCallError, EVENT_NAMES, REQUEST_NAMES, type BurrowApi, type ClientMessage, type ServerMessage } from './api.js';
