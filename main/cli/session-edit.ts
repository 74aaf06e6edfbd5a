/**
 * `burrow sessions edit NAME`: every stored setting of a saved session has a flag (and `--json`
 * takes a JSON merge patch). The flags are read into one sessions:edit request; the app checks it
 * with the store's own validator, so a session can be changed without opening its JSON file. An
 * error names the flag, the field and the fix.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppCallError } from '../../common/api.js';
import type { RequestArgs } from '../../common/contract.js';
import { readSecretFile } from '../app/platform.js';
import type { CliDoor } from './connect.js';
import type { CliIo } from './io.js';
import { parseOptions, UsageError } from './options.js';
import { notSaved, printWarnings, tookTheChange } from './say.js';

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
  --reach-check SECONDS | --no-reach-check   check the remote forwards from the server's side
                              again every SECONDS while connected (default: only on connect)
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
  [/^reachCheckSeconds/, '--reach-check'],
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

/** The request's own fields, which are flags of their own. */
const REQUEST_FLAG: Readonly<Record<string, string>> = {
  'forwards.set': '--forward',
  'forwards.add': '--add-forward',
  'forwards.remove': '--remove-forward',
  keyPassphrase: '--key-passphrase-file',
  patch: '--json',
};

/** A field of an app error in the words of this command: `--port (port)`, `--forward`, or the field itself. */
export function fieldAsFlag(field: string): string {
  if (REQUEST_FLAG[field] !== undefined) return REQUEST_FLAG[field]!;
  const stored = field.replace(/^(session|config|patch)(\.|$)/, '');
  const flag = FLAG_OF.find(([re]) => re.test(stored))?.[1];
  return flag ? `${flag} (${stored})` : stored || '(session)';
}

const NUMBER = /^\d+$/;
/** A number when it is one; otherwise the text, for the validator to refuse with its own words. */
const numeric = (v: string): number | string => (NUMBER.test(v) ? Number(v) : v);
/** A path as the store keeps it: absolute against the folder this runs in (a running Burrow runs elsewhere); `~` kept. */
const absolute = (p: string): string => (p === '~' || p.startsWith('~/') || p.startsWith('~\\') || path.win32.isAbsolute(p) ? p : path.resolve(p));

export const EDIT_OPTIONS = {
  config: { type: 'string' },
  name: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  user: { type: 'string' },
  'key-id': { type: 'string' },
  'key-passphrase-file': { type: 'string' },
  'passphrase-file': { type: 'string' },
  'host-key-policy': { type: 'string' },
  fingerprint: { type: 'string' },
  'keepalive-interval': { type: 'string' },
  'keepalive-count': { type: 'string' },
  'connect-timeout': { type: 'string' },
  'rekey-limit': { type: 'string' },
  'reach-check': { type: 'string' },
  'kex-algorithms': { type: 'string' },
  'host-key-algorithms': { type: 'string' },
  'pubkey-accepted-algorithms': { type: 'string' },
  ciphers: { type: 'string' },
  macs: { type: 'string' },
  preset: { type: 'string' },
  notes: { type: 'string' },
  json: { type: 'string' },
  identity: { type: 'string', multiple: true },
  'known-hosts': { type: 'string', multiple: true },
  forward: { type: 'string', multiple: true },
  'add-forward': { type: 'string', multiple: true },
  'remove-forward': { type: 'string', multiple: true },
  'no-identity': { type: 'boolean' },
  'no-key-id': { type: 'boolean' },
  'no-passphrase-file': { type: 'boolean' },
  'no-known-hosts': { type: 'boolean' },
  'no-fingerprint': { type: 'boolean' },
  compression: { type: 'boolean' },
  'no-compression': { type: 'boolean' },
  'no-rekey-limit': { type: 'boolean' },
  'no-reach-check': { type: 'boolean' },
  'no-algorithms': { type: 'boolean' },
  autostart: { type: 'boolean' },
  'no-autostart': { type: 'boolean' },
  'no-preset': { type: 'boolean' },
  'no-notes': { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseOptions<typeof EDIT_OPTIONS>>['values'];

/** A mistake in what was given, refused as the app refuses a value (exit 1), with the fix. */
function refused(field: string, problem: string, hint: string): AppCallError {
  return new AppCallError({ code: 'INVALID_INPUT', message: `${field} ${problem}`, field, problem, hint });
}

/** The sessions:edit request the flags ask for: a merge patch (on top of `--json`'s), forwards and RekeyLimit in ssh's words. */
function requestOf(v: Values): Omit<RequestArgs<'sessions:edit'>, 'id'> {
  const patch: Record<string, unknown> = {};
  const set = (at: string, value: unknown): void => {
    const keys = at.split('.');
    let o = patch;
    for (const k of keys.slice(0, -1)) o = (o[k] = typeof o[k] === 'object' && o[k] !== null ? o[k] : {}) as Record<string, unknown>;
    o[keys.at(-1)!] = value;
  };
  const flag = (name: string): boolean => (v as Record<string, unknown>)[name] === true;
  const given = (name: string): boolean => (v as Record<string, unknown>)[name] !== undefined;
  for (const [on, off] of [
    ['compression', 'no-compression'],
    ['autostart', 'no-autostart'],
  ] as const) {
    if (flag(on) && flag(off)) throw new UsageError(`give --${on} or --${off}, not both`);
  }
  for (const name of ['identity', 'known-hosts', 'key-id', 'passphrase-file', 'fingerprint', 'rekey-limit', 'reach-check', 'preset', 'notes']) {
    if (given(name) && flag(`no-${name}`)) throw new UsageError(`give --${name} or --no-${name}, not both`);
  }
  if (v.json !== undefined) {
    const text = v.json === '-' ? readFileSync(0, 'utf8') : v.json;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw refused(
        '--json',
        `is not valid JSON (${(err as Error).message})`,
        'Give a JSON object of the settings to change, e.g. {"keepalive":{"intervalSeconds":10}}; null removes a setting.',
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw refused('--json', 'must be a JSON object', 'Give the settings to change, e.g. {"autostart":true}.');
    Object.assign(patch, parsed);
  }
  if (v.name !== undefined) set('name', v.name);
  if (v.host !== undefined) set('host', v.host);
  if (v.port !== undefined) set('port', numeric(v.port));
  if (v.user !== undefined) set('user', v.user);
  if (v.identity !== undefined) set('auth.identityFiles', v.identity.map(absolute));
  if (v['no-identity']) set('auth.identityFiles', []);
  if (v['key-id'] !== undefined) set('auth.keyId', v['key-id']);
  if (v['no-key-id']) set('auth.keyId', null);
  if (v['passphrase-file'] !== undefined) set('auth.passphraseFile', absolute(v['passphrase-file']));
  if (v['no-passphrase-file']) set('auth.passphraseFile', null);
  if (v['host-key-policy'] !== undefined) set('hostKey.policy', v['host-key-policy']);
  if (v['known-hosts'] !== undefined) set('hostKey.knownHostsFiles', v['known-hosts'].map(absolute));
  if (v['no-known-hosts']) set('hostKey.knownHostsFiles', null);
  if (v.fingerprint !== undefined) set('hostKey.fingerprint', v.fingerprint);
  if (v['no-fingerprint']) set('hostKey.fingerprint', null);
  if (v['keepalive-interval'] !== undefined) set('keepalive.intervalSeconds', numeric(v['keepalive-interval']));
  if (v['keepalive-count'] !== undefined) set('keepalive.countMax', numeric(v['keepalive-count']));
  if (v['connect-timeout'] !== undefined) set('connectTimeoutSeconds', numeric(v['connect-timeout']));
  if (v.compression) set('compression', true);
  if (v['no-compression']) set('compression', false);
  if (v['no-rekey-limit']) set('rekeyLimit', null);
  if (v['reach-check'] !== undefined) set('reachCheckSeconds', numeric(v['reach-check']));
  if (v['no-reach-check']) set('reachCheckSeconds', null);
  if (v['no-algorithms']) set('algorithms', null);
  for (const [option, kind] of [
    ['kex-algorithms', 'kex'],
    ['host-key-algorithms', 'hostKey'],
    ['pubkey-accepted-algorithms', 'pubkey'],
    ['ciphers', 'ciphers'],
    ['macs', 'macs'],
  ] as const) {
    if (v[option] !== undefined) set(`algorithms.${kind}`, v[option]);
  }
  if (v.autostart) set('autostart', true);
  if (v['no-autostart']) set('autostart', false);
  if (v.preset !== undefined) set('preset', v.preset);
  if (v['no-preset']) set('preset', null);
  if (v.notes !== undefined) set('notes', v.notes);
  if (v['no-notes']) set('notes', null);
  const forwards = {
    ...(v.forward !== undefined ? { set: v.forward } : {}),
    ...(v['add-forward'] !== undefined ? { add: v['add-forward'] } : {}),
    ...(v['remove-forward'] !== undefined ? { remove: v['remove-forward'] } : {}),
  };
  return {
    ...(Object.keys(patch).length > 0 ? { patch } : {}),
    ...(Object.keys(forwards).length > 0 ? { forwards } : {}),
    ...(v['rekey-limit'] !== undefined ? { rekeyLimit: v['rekey-limit'] } : {}),
  };
}

/** `burrow sessions edit NAME [options]`. */
export async function editCommand(argv: string[], io: CliIo, open: (config: string | undefined) => Promise<CliDoor>): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, EDIT_OPTIONS);
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'edit needs the NAME of a saved session' : `edit takes one session NAME (got ${positionals.join(' ')})`);
  }
  const request = requestOf(v);
  const keyPassphrase = v['key-passphrase-file'] !== undefined ? await readSecretFile(path.resolve(v['key-passphrase-file'])) : undefined;
  if (Object.keys(request).length === 0 && keyPassphrase === undefined)
    throw new UsageError('nothing to change: give at least one option (see `burrow sessions edit --help`)');
  const door = await open(v.config);
  const name = positionals[0]!;
  let r;
  try {
    r = await door.ask('sessions:edit', { id: name, ...request, ...(keyPassphrase !== undefined ? { keyPassphrase } : {}) });
  } catch (err) {
    throw notSaved(err, name);
  }
  const after = r.saved.session;
  io.out(`edited "${after.name}" in ${door.file}${r.changes.length === 0 ? ': nothing changed' : ':'}`);
  for (const c of r.changes) io.out(`  ${c}`);
  if (r.keptKey)
    io.out(`  key: ${r.keptKey.file} and its passphrase are kept in Burrow's secret store as "${r.keptKey.keyId}" (the session no longer reads the file)`);
  printWarnings(r.saved, io);
  if (r.changes.length > 0) {
    if (door.runBy) tookTheChange(io, door.runBy, [['changed', [after.name]]]);
    else io.out('No Burrow runs this config now: the next one to start (a service, `burrow run`, the app) runs the session as saved.');
  }
  return 0;
}
