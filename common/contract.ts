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
import type { DefaultProxyConfig, HostKeyPolicy, SessionConfig } from './config.js';
import type { ErrorInfo, SessionSnapshot } from './session.js';
import { IMPORT_LIMITS, sizeInWords, UPLOAD_CHUNK_BYTES } from './limits.js';
import { parseListenAddress } from './metrics.js';

// ---------------------------------------------------------------------------------------------
// Data that crosses the boundary
// ---------------------------------------------------------------------------------------------

/** Codes of errors the app itself gives (besides the engine's ErrorCode of a session). */
export type AppErrorCode = 'INVALID_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'UNSUPPORTED' | 'KEY_ERROR' | 'FORBIDDEN' | 'INTERNAL_ERROR';

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
  /** What is wrong with `field`, without its name (a door that names fields its own way, the CLI's flags, puts the two together). */
  readonly problem?: string;
  /**
   * The key layer's own code (KEY_PASSPHRASE_NEEDED, …) under KEY_ERROR; PLACEHOLDERS for a command
   * with blanks; COMMAND_LINE for a command line Burrow refuses; the service choice that went wrong
   * (ROOT_UNASKED, NO_ACCOUNT…) for service requests.
   */
  readonly cause?: string;
  /**
   * With `cause: 'PLACEHOLDERS'`: the names of a vendor command's placeholders still to fill
   * (`SSH_HIGH_PORT`), in order; `onlyPlaceholders` when nothing else in the command is wrong, so
   * that the command can be shown again with a value for each.
   */
  readonly placeholders?: ReadonlyArray<string>;
  readonly onlyPlaceholders?: boolean;
  /**
   * Settings refused by the validator: every problem found, the first being `field`/`problem`/`hint`
   * (a form shows each beside its field; a config file with three mistakes is told about all three).
   */
  readonly problems?: ReadonlyArray<{ readonly field: string; readonly problem: string; readonly fix: string }>;
}

/** A saved session and its live state, as every door shows it. */
export interface SessionView {
  readonly config: SessionConfig;
  /** The version of `config` (a hash of it): sessions:update names it, so a newer save is never overwritten. */
  readonly version: string;
  readonly snapshot: SessionSnapshot;
  /** Settings' default proxy, when this session goes out through it (it has none of its own). */
  readonly viaDefaultProxy?: true;
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
  /** The remote port rule, said in words ("the database port with a 1 in front"), and as data. */
  readonly remotePortRule: string;
  readonly remotePort:
    | { readonly kind: 'fixed'; readonly port: number }
    | { readonly kind: 'database-prefix' }
    | { readonly kind: 'vendor-assigned'; readonly example?: number }
    | { readonly kind: 'none' };
  /** ServerAliveInterval and ServerAliveCountMax as the vendor prescribes them. */
  readonly keepalive: { readonly intervalSeconds: number; readonly countMax: number };
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

/**
 * Something worth knowing about a saved session, not wrong: `text` says it for any door; `kind`
 * (and `file`) let a door say what to do in its own words — the window names its buttons, the
 * command line its commands.
 */
export interface SessionWarning {
  readonly kind: 'key-file-missing' | 'key-file-encrypted' | 'remote-port-shared';
  readonly text: string;
  readonly file?: string;
}

/** A session just saved, with what to do next. */
export interface SavedSession {
  readonly session: SessionConfig;
  /** The vendor's next steps with this session's values filled in (its public key included). */
  readonly nextSteps: ReadonlyArray<string>;
  /** Worth knowing, not wrong: another session uses the same server and remote port, a key file is missing… */
  readonly warnings: ReadonlyArray<SessionWarning>;
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
  /**
   * The sessions that would run a program on this machine at every connection (a ProxyCommand
   * kept as a command), each with the command exactly as it would run. Saving them needs
   * import:apply's `runCommands`.
   */
  readonly commands: ReadonlyArray<{ readonly session: string; readonly command: string }>;
  /**
   * The key each session shown would log in with, and whether it can be read and used now: said
   * before anything is saved (a key path typed into a guide's placeholder, a `.reg`'s
   * PublicKeyFile from another machine).
   */
  readonly logins: ReadonlyArray<{ readonly session: string; readonly key: LoginKeyView }>;
}

/** A session's key as a preview checks it. */
export type LoginKeyView =
  | {
      readonly kind: 'stored';
      readonly keyId: string;
      readonly name: string;
      readonly algorithm: string;
      readonly fingerprint: string;
      /** `asked`: protected, its passphrase not stored: asked for when the tunnel starts. */
      readonly passphrase: 'none' | 'stored' | 'asked';
      /** A private key the input itself carries (Secoda's SSH_KEY_BASE64): stored when saved. */
      readonly inInput?: true;
    }
  | {
      readonly kind: 'file';
      readonly path: string;
      /**
       * `ok`: read (its public half); `passphrase`: protected, give its passphrase when saving;
       * `missing`: no such file here; `unreadable`: not a key Burrow can read (`problem` says why);
       * `unchecked`: beyond the files a preview reads.
       */
      readonly state: 'ok' | 'passphrase' | 'missing' | 'unreadable' | 'unchecked';
      readonly algorithm?: string;
      readonly fingerprint?: string;
      /** openssh, pem-pkcs1, pkcs8, ppk2, ppk3… */
      readonly format?: string;
      readonly problem?: string;
    }
  | { readonly kind: 'defaults' }
  | { readonly kind: 'agent' };

/** What an import saved: the first `shown` sessions (import:apply's argument; 200 unless asked), and how many in all. */
export interface ImportResult {
  readonly saved: ReadonlyArray<SessionConfig>;
  readonly savedCount: number;
  /** For each saved session shown, by id: what is worth knowing (a missing or encrypted key file, a port asked for twice) and the vendor's next steps. */
  readonly about: Readonly<Record<string, { readonly warnings: ReadonlyArray<SessionWarning>; readonly nextSteps: ReadonlyArray<string> }>>;
  /** What the input itself deserves a warning for (it disagrees with what Burrow knows). */
  readonly warnings: ReadonlyArray<string>;
  /** Key files taken into the secret store with their passphrase (keyPassphrase). */
  readonly keptKeys: ReadonlyArray<{ readonly file: string; readonly keyId: string; readonly session: string }>;
  readonly hostKeysKnown: number;
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
  /**
   * The operator's endpoint (/metrics, /healthz, /readyz), served by the Burrow that runs the
   * tunnels (the desktop app, `burrow web`, `burrow run`, the service) while switched on.
   */
  readonly metrics: { readonly enabled: boolean; readonly address: string };
  /**
   * The default proxy: every session without a proxy of its own goes out through it, except to
   * this machine and the hosts it excludes. Its password is the secret `proxy-default`.
   */
  readonly proxy: DefaultProxyConfig | null;
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
  /**
   * How this process gives back the memory a busy spell used (issue 24): 'trim', Burrow's addon
   * returns the C library's free memory once quiet (Linux); 'allocator', the system's allocator does
   * it by itself (macOS, Windows); 'missing', Linux without the addon (it is built at install, which
   * needs a C compiler): that memory stays with the process until it is used again.
   */
  readonly memoryReturn: 'trim' | 'allocator' | 'missing';
}

export interface LogLine {
  readonly ts: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  /** 'state': a change of the session's state, written for the log's history (a door that reports states already has it). */
  readonly kind?: 'state';
}

/** What sessions:edit changed: the session as saved, and each setting `field: old → new`. */
export interface EditResult {
  readonly saved: SavedSession;
  readonly changes: ReadonlyArray<string>;
  /** The key file whose key and passphrase went to the secret store (keyPassphrase). */
  readonly keptKey?: { readonly file: string; readonly keyId: string };
}

/** A command line (ssh, autossh, plink) read into a session, not saved. */
export interface ParsedCommandLine {
  readonly session: SessionConfig;
  readonly program: 'ssh' | 'autossh' | 'plink';
  /** Options taken without effect, and the like: worth saying, not wrong. */
  readonly notes: ReadonlyArray<string>;
  /** How many `-v` the command line had. */
  readonly verbosity: number;
}

/** A saved session's host key, or a command line's, as the server presents it and as Burrow knows it. */
export interface HostKeyCheck {
  readonly host: string;
  readonly port: number;
  /** `[host]:port`, or `host` on port 22, as known_hosts names it. */
  readonly name: string;
  readonly keyType: string;
  readonly fingerprint: string;
  readonly status:
    | { readonly kind: 'known'; readonly file: string; readonly line: number }
    | { readonly kind: 'unknown' }
    | {
        readonly kind: 'changed';
        readonly recorded: ReadonlyArray<{ readonly keyType: string; readonly fingerprint: string; readonly file: string; readonly line: number }>;
      }
    | { readonly kind: 'pinned'; readonly matches: boolean; readonly pinned: string }
    | { readonly kind: 'revoked'; readonly file: string; readonly line: number };
}

/** What hostkeys:trust did. */
export interface HostKeyTrusted {
  /** Recorded in this known_hosts file (unknown or changed keys). */
  readonly file?: string;
  /** Old lines removed (a changed key, replaced; the old file kept as FILE.old). */
  readonly removed?: number;
  /** The session's pin, replaced (was `previous`). */
  readonly pinned?: { readonly fingerprint: string; readonly previous: string };
  /** Nothing was needed: already known, or the pinned key. */
  readonly already?: boolean;
}

/** Whether a host key is already trusted, looked up without connecting. */
export interface HostKeyStatus {
  readonly name: string;
  readonly policy: HostKeyPolicy;
  readonly known: boolean;
}

/** The known_hosts files Burrow reads (~/.ssh/known_hosts and every session's own), and what each trusts. */
export interface KnownHostsView {
  readonly files: ReadonlyArray<{
    readonly file: string;
    readonly exists: boolean;
    readonly entries: ReadonlyArray<{
      readonly line: number;
      /** The host patterns as written, or "(hashed)" for a `|1|…` line. */
      readonly hosts: string;
      readonly keyType: string;
      readonly fingerprint: string;
      readonly marker?: '@revoked' | '@cert-authority';
      /** Saved sessions whose server this line is for. */
      readonly sessions: ReadonlyArray<string>;
    }>;
    readonly entryCount: number;
    readonly problems: ReadonlyArray<{ readonly line: number; readonly message: string }>;
  }>;
}

/** A vendor's key Burrow allowed in through this machine's SSH server, with its limits (QueryCanary's guide). */
export interface VendorKeyView {
  /** What it is called in lists ("QueryCanary – prod"). */
  readonly name: string;
  /** YYYY-MM-DD */
  readonly added: string;
  readonly keyType: string;
  readonly fingerprint: string;
  /** The vendor's own comment on the key (`querycanary.com`). */
  readonly comment: string;
  /** The one host:port the key may open (permitopen). */
  readonly opens: ReadonlyArray<string>;
  /** The addresses it may come from (from=); empty: anywhere. */
  readonly from: ReadonlyArray<string>;
  readonly line: number;
  /** The line as sshd reads it, options included. */
  readonly text: string;
}

/** An account's ~/.ssh/authorized_keys as Burrow sees it: the entries it wrote, and how many other keys are there. */
export interface AuthorizedKeysView {
  readonly account: string;
  readonly file: string;
  readonly exists: boolean;
  readonly entries: ReadonlyArray<VendorKeyView>;
  readonly otherKeys: number;
}

/** How Burrow would start at boot here: what it writes and runs, as the account it runs as. */
export interface ServicePlanView {
  readonly action: 'install' | 'uninstall';
  readonly platform: string;
  readonly scope: 'user' | 'system';
  /** What the system calls it (burrow.service, dev.burrow.tunnels, Burrow). */
  readonly name: string;
  readonly runsAs: string;
  readonly configFile: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly mode: number; readonly text: string; readonly exists: 'no' | 'ours' | 'foreign' }>;
  readonly commands: ReadonlyArray<ReadonlyArray<string>>;
  /** Uninstall: run after the files are removed. */
  readonly after: ReadonlyArray<ReadonlyArray<string>>;
  readonly notes: ReadonlyArray<string>;
}

/** What service:install or service:uninstall did, step by step; `left` is what to run by hand after a failure. */
export interface ServiceResult {
  readonly ok: boolean;
  readonly steps: ReadonlyArray<{ readonly kind: 'wrote' | 'removed' | 'ran' | 'failed' | 'note'; readonly text: string }>;
  readonly left: ReadonlyArray<ReadonlyArray<string>>;
  readonly plan: ServicePlanView;
}

export interface ServiceStatusView {
  readonly scope: 'user' | 'system';
  readonly file: string;
  /** The store whose sessions the service runs. */
  readonly configFile: string;
  readonly state: 'not installed' | 'installed' | 'foreign';
  /** systemd's word for it, where there is systemd: enabled/disabled, active/inactive. */
  readonly systemd?: { readonly enabled: string; readonly active: string };
  /** The service's last lines in the journal (systemd), newest last; or why they cannot be read. */
  readonly journal?: { readonly lines: ReadonlyArray<string> } | { readonly unavailable: string };
}

/** A key file written or read on this machine (the CLI's `burrow key`). */
export interface KeyFileView {
  readonly path: string;
  /** The OpenSSH public key line, and the `ssh-keygen -l` line. */
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly listLine: string;
  readonly format: 'openssh' | 'ppk' | 'ppk2';
  /** Whether the key read was encrypted; whether the file written is. */
  readonly encrypted: boolean;
  /** generate: where the public key went. */
  readonly publicPath?: string;
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

/** A saved session's id or name (any case), or a session's settings not saved (a command line): one of them. */
const target = z.object({ id: id.optional(), config: sessionInput.optional() }).strict();
const oneTarget = <T extends { id?: unknown; config?: unknown }>(a: T): boolean => (a.id === undefined) !== (a.config === undefined);
const ONE_TARGET = { message: "give a saved session's id or name, or a config, one of them", path: ['id'] };

/** A path on the machine the app runs on (the command line's key files and service files). */
const localPath = z.string().min(1, 'is empty').max(4096, 'is longer than 4096 characters');
/** A service's scope and account (see service:plan). */
/** A user name of this machine, as useradd allows them. */
const accountName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, 'is not a user name of this machine');

const serviceWhere = {
  scope: z.enum(['user', 'system']).optional(),
  /** A system unit that runs as this account, with its sessions. */
  as: z.string().min(1).max(100).optional(),
  /** The store whose sessions the service runs (default: this app's). */
  configFile: localPath.optional(),
};
/** Placeholder values for a vendor's command (`SSH_HIGH_PORT` → `11433`). */
const values = z.record(z.string().max(100), z.string().max(1000));

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
  /**
   * "Retry now" / "Restart": a waiting session tries at once (its next attempt, or the refused
   * forwards on the connection it holds); a connected or connecting one reconnects; a stopped one starts.
   */
  'sessions:retry': ById,
  'sessions:start-all': NoArgs,
  'sessions:stop-all': NoArgs,
  /** Retry every waiting session now (the machine woke up, the network came back). */
  'sessions:nudge-all': NoArgs,
  'sessions:next-steps': ById,
  /** Re-read the saved sessions: added ones are added (and started if this Burrow runs such), removed ones stopped, changed ones restarted, the rest untouched. */
  'sessions:reload': NoArgs,
  /**
   * The password of a session's proxy (HTTP Basic, SOCKS5): kept in the secret store, never in
   * the config or a reply. `null` forgets it; left out, only whether one is kept is answered.
   */
  'sessions:proxy-password': z.object({ id, password: secret.min(1, 'is empty').nullable().optional() }).strict(),

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
      /** Key files to log in with (absolute paths, as the command line makes them). */
      identityFiles: z.array(localPath).max(20).optional(),
      /** The passphrase of that key file: the key and the passphrase go to the secret store. */
      keyPassphrase: secret.optional(),
      autostart: z.boolean().optional(),
    })
    .strict(),

  /**
   * Changes some settings of a saved session (what `burrow sessions edit` does): a JSON merge
   * patch of the stored settings, forwards in ssh's words, RekeyLimit in OpenSSH's, a key's
   * passphrase to keep. Checked as the store checks a session; nothing is saved unless all is valid.
   */
  'sessions:edit': z
    .object({
      id,
      /** A JSON merge patch of the stored session: null removes a setting. */
      patch: z.record(z.string(), z.unknown()).optional(),
      /** Forwards in ssh's words (-R 11433:db:1433, -L…, -D…): the whole list, more of them, or some removed. */
      forwards: z
        .object({
          set: z.array(z.string().max(300)).max(1000).optional(),
          add: z.array(z.string().max(300)).max(1000).optional(),
          remove: z.array(z.string().max(300)).max(1000).optional(),
        })
        .strict()
        .optional(),
      /** OpenSSH's RekeyLimit ('1G 1h'); 'default none' or '' removes it. */
      rekeyLimit: z.string().max(100).optional(),
      /** The passphrase of the session's key: the key and the passphrase go to the secret store. */
      keyPassphrase: secret.optional(),
      /** The version the edit was made to: a session changed since is refused (CONFLICT). Without it, the edit applies to the settings as they are. */
      version: z.string().min(1).max(100).optional(),
    })
    .strict(),
  /** Every saved session as one file for another machine; keys and passphrases only with `withSecrets`, sealed with `passphrase`. */
  'sessions:export': z.object({ withSecrets: z.boolean().optional(), passphrase: secret.optional() }).strict(),

  /** Reads an ssh, autossh or plink command line (its words, as a shell split them) into a session, without saving it. */
  'commandline:parse': z
    .object({
      words: z.array(z.string().max(IMPORT_LIMITS.lineChars)).min(1, 'is empty: give the command').max(10_000),
      values: values.optional(),
    })
    .strict(),

  /** Connects to the server and shows its host key beside what Burrow knows of it (`burrow trust`). */
  'hostkeys:check': target.refine(oneTarget, ONE_TARGET),
  /**
   * Trusts the key the server presents, which must still be `fingerprint` (the one the person was
   * shown): records it in known_hosts, or, with `replace`, replaces a changed key or a saved
   * session's pin.
   */
  'hostkeys:trust': target
    .extend({ fingerprint: z.string().max(100), replace: z.boolean().optional() })
    .strict()
    .refine(oneTarget, ONE_TARGET),
  /** Forgets what is recorded for a saved session's server (its known_hosts lines, kept as FILE.old; or its pin). */
  'hostkeys:forget': ById,
  /** Whether the server's key is already trusted, looked up without connecting. */
  'hostkeys:status': target.refine(oneTarget, ONE_TARGET),
  /** Every known_hosts file Burrow reads, and the keys each trusts (the first `shown` lines of each; 500 unless given). */
  'hostkeys:list': z.object({ shown: z.number().int().min(0).max(100_000).optional() }).strict(),
  /**
   * Removes one line of one of those files (kept as FILE.old), if it still holds the key with
   * `fingerprint` (the one the person was shown): a file changed since is not touched.
   */
  'hostkeys:remove': z.object({ file: localPath, line: z.number().int().min(1), fingerprint: z.string().max(100) }).strict(),

  /** The vendor keys Burrow authorized in an account's ~/.ssh/authorized_keys (this account's unless named). */
  'authorized:list': z.object({ account: accountName.optional() }).strict(),
  /**
   * Lets a vendor's public key in through this machine's SSH server, limited to opening
   * `host:port` (and, with `from`, to the vendor's addresses); replaces Burrow's earlier entry for
   * the same key. Never written to root's file.
   */
  'authorized:add': z
    .object({
      account: accountName.optional(),
      publicKey: z.string().max(16_384),
      name: z.string().max(200).optional(),
      host: z.string().max(300),
      port: z.number().int(),
      from: z.array(z.string().max(300)).max(200).optional(),
    })
    .strict(),
  /** Removes the entry Burrow wrote for a key (by fingerprint or name); other lines are never touched. */
  'authorized:remove': z.object({ account: accountName.optional(), key: z.string().min(1).max(200) }).strict(),

  /** What starting Burrow at boot writes and runs here (`burrow service install --dry-run`), as whom. */
  'service:plan': z.object({ action: z.enum(['install', 'uninstall']), ...serviceWhere }).strict(),
  'service:install': z.object(serviceWhere).strict(),
  'service:uninstall': z.object(serviceWhere).strict(),
  'service:status': z.object({ scope: serviceWhere.scope, configFile: serviceWhere.configFile }).strict(),

  /** Makes a key pair as files on this machine (`burrow key generate`): PATH and PATH.pub, or ~/.ssh/id_<type>. */
  'keyfiles:generate': z
    .object({
      path: localPath.optional(),
      /** ed25519, rsa or ecdsa: the key layer checks it with `bits`, and says which it takes. */
      type: z.string().max(20).optional(),
      bits: z.number().int().optional(),
      comment: z.string().max(200).optional(),
      passphrase: secret.optional(),
      format: z.enum(['openssh', 'ppk', 'ppk2']).optional(),
      force: z.boolean().optional(),
    })
    .strict(),
  /** Reads a key file on this machine: its public key and fingerprint. */
  'keyfiles:inspect': z.object({ path: localPath, passphrase: secret.optional() }).strict(),
  /** Writes a key file in another format (OpenSSH, PuTTY .ppk v3 or v2). */
  'keyfiles:convert': z
    .object({
      path: localPath,
      to: z.enum(['openssh', 'ppk', 'ppk2']),
      out: localPath,
      passphrase: secret.optional(),
      newPassphrase: secret.optional(),
      force: z.boolean().optional(),
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
      /** A command's words, as a shell split them (`burrow import -- ssh …`). */
      words: z.array(z.string().max(IMPORT_LIMITS.lineChars)).min(1).max(10_000).optional(),
      /** Values for a guide's placeholders (`SSH_HIGH_PORT` → `11433`). */
      values: values.optional(),
      /**
       * The key every session of the input logs in with, in place of the key files it names (a
       * window's key chooser for `-i <…>`, `<private-key-file>.pem`, a `.reg`'s PublicKeyFile): a key
       * Burrow holds, a file on this machine, or OpenSSH's default files. The command's key
       * placeholders then need no value.
       */
      key: z.union([z.object({ keyId: id }).strict(), z.object({ file: localPath }).strict(), z.object({ defaults: z.literal(true) }).strict()]).optional(),
      /** A name for the session, where the input names none (Secoda's environment). */
      name: z.string().min(1).max(100).optional(),
      /** Opens the keys of a `burrow sessions export --with-secrets` file. */
      passphrase: secret.optional(),
      /** How many of each list the reply holds (200 unless given). */
      shown: z.number().int().min(0).max(IMPORT_LIMITS.sessions).optional(),
    })
    .strict()
    .refine((a) => [a.text, a.file, a.upload, a.words].filter((x) => x !== undefined).length === 1, {
      message: 'give the pasted text, a file, an upload or a command, one of them',
      path: ['text'],
    }),
  'import:apply': z
    .object({
      previewId: id,
      name: z.string().min(1).max(100).optional(),
      autostart: z.boolean().optional(),
      /** How many saved sessions the reply holds (200 unless given). */
      shown: z.number().int().min(0).max(IMPORT_LIMITS.sessions).optional(),
      /** The folder the input's relative paths mean something in (the command line's): they are saved absolute. */
      cwd: localPath.optional(),
      /** The passphrase of the sessions' encrypted key file: the key and its passphrase go to the secret store. */
      keyPassphrase: secret.optional(),
      /** Where host keys found in the input go (default ~/.ssh/known_hosts). */
      knownHostsFile: localPath.optional(),
      /** A person read the preview's `commands` and agrees that these sessions run them. */
      runCommands: z.boolean().optional(),
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
      /** For keys with no passphrase of their own (`--passphrase-file`, BURROW_PASSPHRASE). */
      passphrase: secret.optional(),
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
      metrics: z
        .object({
          enabled: z.boolean().optional(),
          /** ADDR:PORT, [IPv6]:PORT or PORT (on 127.0.0.1). */
          address: z
            .string()
            .max(100)
            .superRefine((v, ctx) => {
              const a = parseListenAddress(v);
              if ('problem' in a) ctx.addIssue({ code: 'custom', message: a.problem });
            })
            .optional(),
        })
        .strict()
        .optional(),
      /** Settings' default proxy (checked as a session's proxy is), or null for none. */
      proxy: z.unknown().optional(),
      /** The default proxy's password for the secret store; null forgets it. */
      proxyPassword: secret.min(1, 'is empty').nullable().optional(),
    })
    .strict(),

  'logs:get': ById,
} as const;

export type RequestName = keyof typeof REQUESTS;
export type RequestArgs<K extends RequestName> = z.input<(typeof REQUESTS)[K]>;
/** A request's arguments as the app receives them, validated (defaults applied). */
export type RequestOutput<K extends RequestName> = z.output<(typeof REQUESTS)[K]>;

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
  'sessions:retry': SessionView;
  'sessions:start-all': ReadonlyArray<SessionView>;
  'sessions:stop-all': ReadonlyArray<SessionView>;
  'sessions:nudge-all': null;
  'sessions:next-steps': { readonly nextSteps: ReadonlyArray<string>; readonly troubleshooting: ReadonlyArray<string> };
  'sessions:reload': ReloadResult;
  'presets:list': ReadonlyArray<PresetView>;
  'presets:create-session': SavedSession & { readonly keptKey?: { readonly file: string; readonly keyId: string } };
  'sessions:edit': EditResult;
  /** Whether a password is kept for the session's proxy, and where a service can be given it instead. */
  'sessions:proxy-password': { readonly stored: boolean; readonly secretName: string; readonly environment: string };
  'sessions:export': {
    readonly text: string;
    readonly sessions: number;
    readonly withSecrets: boolean;
    /** The secrets included, named (never shown), and what the other machine will need from elsewhere. */
    readonly included: ReadonlyArray<string>;
    readonly left: ReadonlyArray<{ readonly what: string; readonly why: string }>;
  };
  'commandline:parse': ParsedCommandLine;
  'hostkeys:check': HostKeyCheck;
  'hostkeys:trust': HostKeyTrusted;
  'hostkeys:forget': { readonly removed: number; readonly file?: string; readonly unpinned?: string };
  'hostkeys:status': HostKeyStatus;
  'hostkeys:list': KnownHostsView;
  'hostkeys:remove': { readonly file: string; readonly line: number };
  'authorized:list': AuthorizedKeysView;
  'authorized:add': { readonly entry: VendorKeyView; readonly replaced: boolean; readonly file: string; readonly account: string };
  'authorized:remove': { readonly entry: VendorKeyView; readonly file: string; readonly account: string };
  'service:plan': ServicePlanView;
  'service:install': ServiceResult;
  'service:uninstall': ServiceResult;
  'service:status': ServiceStatusView;
  'keyfiles:generate': KeyFileView;
  'keyfiles:inspect': KeyFileView;
  'keyfiles:convert': KeyFileView;
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
