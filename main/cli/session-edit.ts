/**
 * `burrow sessions edit NAME`: every stored setting of a saved session has a flag (and `--json`
 * takes a JSON merge patch), checked by the store's own validator, so a session can be changed
 * without opening its JSON file. An error names the flag, the field and the fix.
 */
import { readFileSync } from 'node:fs';
import type { SessionConfig } from '../../common/config.js';
import { ConfigError } from '../core/config/config-error.js';
import { patchSession } from '../core/config/edit.js';
import { CommandLineError, parseForwardSpec } from '../core/config/importers/command-line.js';
import { keepStoredKeyPassphrase, saveWithKeptKey } from '../core/config/key-passphrase.js';
import { absolutePath } from '../core/config/paths.js';
import { parseRekeyLimit, RekeyLimitError } from '../core/config/ssh-options.js';
import type { ConfigStore } from '../core/config/store.js';
import { readPassphraseFile, type SecretStore } from '../core/keys/index.js';
import { forwardSpec } from '../core/session/forward.js';
import { UsageError, type ParsedArgs } from './args.js';

/** The options of `burrow sessions edit`, as the sessions usage lists them. */
export const EDIT_USAGE = `edit options (burrow sessions edit NAME [options]):
  --name NAME                 rename (the id stays)
  --host HOST  --port N  --user USER
  --identity FILE             the key file(s) to log in with, replacing the list (repeatable);
                              --no-identity: OpenSSH's defaults (~/.ssh/id_ed25519, id_ecdsa, id_rsa)
  --key-id ID | --no-key-id   a key held in Burrow's secret store
  --key-passphrase-file F     the key's passphrase: the key and its passphrase are kept in the
                              secret store, never in the config
  --passphrase-file F | --no-passphrase-file   a file the passphrase is read from at each start
  --host-key-policy yes|accept-new|ask|no      (OpenSSH's StrictHostKeyChecking)
  --known-hosts FILE | --no-known-hosts        known_hosts file(s) (repeatable; default ~/.ssh/known_hosts)
  --fingerprint SHA256:… | --no-fingerprint    pin the server's host key
  --keepalive-interval S  --keepalive-count N  (ServerAliveInterval, ServerAliveCountMax)
  --connect-timeout S
  --compression | --no-compression
  --rekey-limit 'SIZE [TIME]' | --no-rekey-limit          (OpenSSH's RekeyLimit)
  --kex-algorithms L  --host-key-algorithms L  --pubkey-accepted-algorithms L  --ciphers L  --macs L
                              in OpenSSH's syntax (+name appends); --no-algorithms: OpenSSH's defaults
  --forward SPEC              the forwards, replacing them (repeatable): -R 11433:db:1433, -L …, -D …
  --add-forward SPEC  --remove-forward SPEC
  --autostart | --no-autostart
  --preset ID | --no-preset   --notes TEXT | --no-notes
  --json PATCH                a JSON merge patch of the stored session (- reads it from standard input)
  --config FILE

Relative paths are saved absolute, against the folder you run this in. Nothing is saved unless
every change is valid. A running Burrow takes the change on \`burrow reload\`.`;

/** The flag that sets each stored field, to name it in errors. */
const FLAG_OF: ReadonlyArray<[RegExp, string]> = [
  [/^name$/, '--name'],
  [/^host$/, '--host'],
  [/^port$/, '--port'],
  [/^user$/, '--user'],
  [/^auth\.identityFiles/, '--identity'],
  [/^auth\.keyId/, '--key-id'],
  [/^auth\.passphraseFile/, '--passphrase-file'],
  [/^hostKey\.policy/, '--host-key-policy'],
  [/^hostKey\.knownHostsFiles/, '--known-hosts'],
  [/^hostKey\.fingerprint/, '--fingerprint'],
  [/^keepalive\.intervalSeconds/, '--keepalive-interval'],
  [/^keepalive\.countMax/, '--keepalive-count'],
  [/^connectTimeoutSeconds/, '--connect-timeout'],
  [/^compression/, '--compression'],
  [/^rekeyLimit/, '--rekey-limit'],
  [/^algorithms\.kex/, '--kex-algorithms'],
  [/^algorithms\.hostKey/, '--host-key-algorithms'],
  [/^algorithms\.pubkey/, '--pubkey-accepted-algorithms'],
  [/^algorithms\.ciphers/, '--ciphers'],
  [/^algorithms\.macs/, '--macs'],
  [/^forwards/, '--forward'],
  [/^autostart/, '--autostart'],
  [/^preset/, '--preset'],
  [/^notes/, '--notes'],
];

/** A validator error in the words of this command: the flag, the stored field, the problem and the fix. */
function inFlags(err: ConfigError): ConfigError {
  const field = err.field.replace(/^session\.?/, '');
  const flag = FLAG_OF.find(([re]) => re.test(field))?.[1];
  return new ConfigError(flag ? `${flag} (${field})` : field || '(session)', err.problem, err.fix);
}

const NUMBER = /^\d+$/;
/** A number when it is one; otherwise the text, for the validator to refuse with its own words. */
const numeric = (v: string): number | string => (NUMBER.test(v) ? Number(v) : v);

function forwardOf(option: string, spec: string): ReturnType<typeof parseForwardSpec> {
  const m = /^-?([RLD])\s*(.+)$/s.exec(spec.trim());
  if (!m)
    throw new ConfigError(option, `${JSON.stringify(spec)} is not a forward`, 'Write it as ssh does: -R 11433:db.internal:1433, -L 15432:db:5432 or -D 1080.');
  try {
    return parseForwardSpec(m[1] as 'R' | 'L' | 'D', m[2]!);
  } catch (err) {
    if (err instanceof CommandLineError) throw new ConfigError(option, `${err.option}: ${err.problem}`, err.fix);
    throw err;
  }
}

/** The merge patch the flags ask for, on top of `--json`'s. */
function patchOf(args: ParsedArgs, current: SessionConfig, cwd: string): Record<string, unknown> {
  const v = args.values;
  const l = args.lists;
  const f = args.flags;
  const patch: Record<string, unknown> = {};
  const set = (path: string, value: unknown): void => {
    const keys = path.split('.');
    let o = patch;
    for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[keys.at(-1)!] = value;
  };
  const both = (on: string, off: string): void => {
    if (f.has(on) && f.has(off)) throw new UsageError(`give ${on} or ${off}, not both`);
  };
  for (const [on, off] of [
    ['--compression', '--no-compression'],
    ['--autostart', '--no-autostart'],
  ] as const)
    both(on, off);
  for (const name of ['--identity', '--known-hosts', '--key-id', '--passphrase-file', '--fingerprint', '--rekey-limit', '--preset', '--notes']) {
    if ((v[name] !== undefined || l[name] !== undefined) && f.has(`--no-${name.slice(2)}`))
      throw new UsageError(`give ${name} or --no-${name.slice(2)}, not both`);
  }
  if (v['--json'] !== undefined) {
    const text = v['--json'] === '-' ? readFileSync(0, 'utf8') : v['--json'];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(
        '--json',
        `is not valid JSON (${(err as Error).message})`,
        'Give a JSON object of the settings to change, e.g. {"keepalive":{"intervalSeconds":10}}; null removes a setting.',
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError('--json', 'must be a JSON object', 'Give the settings to change, e.g. {"autostart":true}.');
    }
    Object.assign(patch, parsed);
  }
  if (v['--name'] !== undefined) set('name', v['--name']);
  if (v['--host'] !== undefined) set('host', v['--host']);
  if (v['--port'] !== undefined) set('port', numeric(v['--port']));
  if (v['--user'] !== undefined) set('user', v['--user']);
  if (l['--identity'] !== undefined)
    set(
      'auth.identityFiles',
      l['--identity'].map((p) => absolutePath(p, cwd)),
    );
  if (f.has('--no-identity')) set('auth.identityFiles', []);
  if (v['--key-id'] !== undefined) set('auth.keyId', v['--key-id']);
  if (f.has('--no-key-id')) set('auth.keyId', null);
  if (v['--passphrase-file'] !== undefined) set('auth.passphraseFile', absolutePath(v['--passphrase-file'], cwd));
  if (f.has('--no-passphrase-file')) set('auth.passphraseFile', null);
  if (v['--host-key-policy'] !== undefined) set('hostKey.policy', v['--host-key-policy']);
  if (l['--known-hosts'] !== undefined)
    set(
      'hostKey.knownHostsFiles',
      l['--known-hosts'].map((p) => absolutePath(p, cwd)),
    );
  if (f.has('--no-known-hosts')) set('hostKey.knownHostsFiles', null);
  if (v['--fingerprint'] !== undefined) set('hostKey.fingerprint', v['--fingerprint']);
  if (f.has('--no-fingerprint')) set('hostKey.fingerprint', null);
  if (v['--keepalive-interval'] !== undefined) set('keepalive.intervalSeconds', numeric(v['--keepalive-interval']));
  if (v['--keepalive-count'] !== undefined) set('keepalive.countMax', numeric(v['--keepalive-count']));
  if (v['--connect-timeout'] !== undefined) set('connectTimeoutSeconds', numeric(v['--connect-timeout']));
  if (f.has('--compression')) set('compression', true);
  if (f.has('--no-compression')) set('compression', false);
  if (v['--rekey-limit'] !== undefined) {
    try {
      const limit = parseRekeyLimit(v['--rekey-limit']);
      set('rekeyLimit', Object.keys(limit).length > 0 ? limit : null);
    } catch (err) {
      if (err instanceof RekeyLimitError) throw new ConfigError('--rekey-limit (rekeyLimit)', err.message, err.fix);
      throw err;
    }
  }
  if (f.has('--no-rekey-limit')) set('rekeyLimit', null);
  const algorithms: ReadonlyArray<[string, string]> = [
    ['--kex-algorithms', 'kex'],
    ['--host-key-algorithms', 'hostKey'],
    ['--pubkey-accepted-algorithms', 'pubkey'],
    ['--ciphers', 'ciphers'],
    ['--macs', 'macs'],
  ];
  if (f.has('--no-algorithms')) set('algorithms', null);
  for (const [flag, kind] of algorithms) if (v[flag] !== undefined) set(`algorithms.${kind}`, v[flag]);
  let forwards = [...current.forwards];
  const touched = l['--forward'] !== undefined || l['--add-forward'] !== undefined || l['--remove-forward'] !== undefined;
  if (l['--forward'] !== undefined) forwards = l['--forward'].map((s) => forwardOf('--forward', s));
  for (const s of l['--add-forward'] ?? []) forwards.push(forwardOf('--add-forward', s));
  for (const s of l['--remove-forward'] ?? []) {
    const spec = forwardSpec(forwardOf('--remove-forward', s));
    const i = forwards.findIndex((x) => forwardSpec(x) === spec);
    if (i < 0)
      throw new ConfigError(
        '--remove-forward',
        `${spec} is not one of the session's forwards (${forwards.map(forwardSpec).join(', ') || 'none'})`,
        'Give one of them as it is listed.',
      );
    forwards.splice(i, 1);
  }
  if (touched) set('forwards', forwards);
  if (f.has('--autostart')) set('autostart', true);
  if (f.has('--no-autostart')) set('autostart', false);
  if (v['--preset'] !== undefined) set('preset', v['--preset']);
  if (f.has('--no-preset')) set('preset', null);
  if (v['--notes'] !== undefined) set('notes', v['--notes']);
  if (f.has('--no-notes')) set('notes', null);
  return patch;
}

/** What changed between two versions of a session, one `field: old → new` each. */
export { changedFields as changes } from '../core/config/versions.js';
import { sessionVersion } from '../core/config/versions.js';

export const EDIT_OPTIONS = {
  values: [
    '--config',
    '--name',
    '--host',
    '--port',
    '--user',
    '--key-id',
    '--key-passphrase-file',
    '--passphrase-file',
    '--host-key-policy',
    '--fingerprint',
    '--keepalive-interval',
    '--keepalive-count',
    '--connect-timeout',
    '--rekey-limit',
    '--kex-algorithms',
    '--host-key-algorithms',
    '--pubkey-accepted-algorithms',
    '--ciphers',
    '--macs',
    '--preset',
    '--notes',
    '--json',
  ],
  lists: ['--identity', '--known-hosts', '--forward', '--add-forward', '--remove-forward'],
  flags: [
    '--no-identity',
    '--no-key-id',
    '--no-passphrase-file',
    '--no-known-hosts',
    '--no-fingerprint',
    '--compression',
    '--no-compression',
    '--no-rekey-limit',
    '--no-algorithms',
    '--autostart',
    '--no-autostart',
    '--no-preset',
    '--no-notes',
  ],
} as const;

export interface EditDeps {
  readonly store: ConfigStore;
  readonly secrets: SecretStore;
  /** The folder relative paths are resolved against. */
  readonly cwd: string;
}

/**
 * Applies an edit: the flags' patch, validated as the store validates (nothing saved otherwise),
 * then a key passphrase into the secret store (removed again if the save fails). Returns the
 * session before and after, and the key kept, if any.
 */
export async function editSession(
  name: string,
  args: ParsedArgs,
  deps: EditDeps,
): Promise<{ before: SessionConfig; after: SessionConfig; keptKey?: { file: string; keyId: string } }> {
  const before = deps.store.find(name);
  if (!before) throw new ConfigError(`session ${JSON.stringify(name)}`, 'is not saved', 'See `burrow sessions list` for the names.');
  const patch = patchOf(args, before, deps.cwd);
  const passFile = args.values['--key-passphrase-file'];
  if (Object.keys(patch).length === 0 && passFile === undefined)
    throw new UsageError('nothing to change: give at least one option (see `burrow sessions edit --help`)');
  let after: SessionConfig;
  try {
    after = patchSession(before, patch, deps.store.sessions());
  } catch (err) {
    throw err instanceof ConfigError ? inFlags(err) : err;
  }
  // Made to `before`: a change saved meanwhile (the window, another command) is not overwritten.
  const update = async (s: SessionConfig): Promise<void> => {
    try {
      await deps.store.update(s, { version: sessionVersion(before), known: before });
    } catch (err) {
      throw err instanceof ConfigError ? inFlags(err) : err;
    }
  };
  if (passFile !== undefined) {
    const passphrase = await readPassphraseFile(absolutePath(passFile, deps.cwd));
    if (after.auth.keyId === undefined || after.auth.identityFiles.length > 0) {
      const kept = await saveWithKeptKey(deps.secrets, after, passphrase, '--key-passphrase-file', update);
      return { before, after: kept.session, keptKey: { file: kept.file, keyId: kept.keyId } };
    }
    await keepStoredKeyPassphrase(deps.secrets, after.auth.keyId, passphrase, '--key-passphrase-file');
  }
  await update(after);
  return { before, after };
}
