/**
 * One form for a tunnel's settings, new or saved: server, key, host-key checking, forwards, and
 * the rest under "Advanced". It validates with the same validator the app and the store use, so
 * an error shows beside its field as it is typed, and nothing half-valid can be saved.
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import {
  ALGORITHM_KINDS,
  AlgorithmListError,
  DEFAULT_ALGORITHMS,
  OPENSSH_OPTION,
  resolveAlgorithms,
  WEAK_ALGORITHMS,
  type AlgorithmKind,
} from '../../../common/algorithms.js';
import type { ForwardConfig, HostKeyPolicy, SessionConfig } from '../../../common/config.js';
import { sessionProblems } from '../../../common/config-schema.js';
import { jumpSpec, parseJumpList, RouteError, type HopSpec } from '../../../common/route.js';
import type { AppError, PresetView, Replies, SavedSession } from '../../../common/contract.js';
import { useAction, useApi, usePresets, useSessions } from '../api/hooks.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Field } from '../components/Field.js';
import { navigate } from '../router.js';
import { KeyPicker, recommendedKey, type KeyChoice } from './key-picker.js';
import { focusFirstProblem, NotSaved } from '../components/NotSaved.js';
import { NextSteps } from './next-steps.js';
import { SavedHeading } from '../components/SavedHeading.js';

type ForwardType = ForwardConfig['type'];

interface ForwardDraft {
  type: ForwardType;
  bindAddress: string;
  bindPort: string;
  targetHost: string;
  targetPort: string;
}

export interface Draft {
  name: string;
  host: string;
  port: string;
  user: string;
  key: KeyChoice;
  passphraseFile: string;
  policy: HostKeyPolicy;
  fingerprint: string;
  forwards: ForwardDraft[];
  keepaliveInterval: string;
  keepaliveCount: string;
  connectTimeout: string;
  compression: boolean;
  rekeyMiB: string;
  rekeyMinutes: string;
  /** Minutes between checks of the remote forwards from the server's side; empty: only on connect. */
  reachMinutes: string;
  /** Each algorithm list as written, OpenSSH syntax (`+ssh-rsa`); empty: Burrow's defaults. */
  algorithms: Record<AlgorithmKind, string>;
  autostart: boolean;
  preset?: string;
  notes?: string;
  /** "Connect through": directly, jump hosts (`-J` syntax), a proxy, or a command. */
  via: 'direct' | 'jump' | 'http' | 'socks5' | 'socks4' | 'command';
  jumps: string;
  proxyHost: string;
  proxyPort: string;
  proxyUser: string;
  proxyCommand: string;
  /** Typed only to be kept in the secret store after a save; never part of the config. */
  proxyPassword: string;
  agent: boolean;
  /** Settings this form does not edit, carried through a save unchanged. */
  kept: Pick<SessionConfig, 'jumpHosts' | 'proxy'> & { agentPath?: string; identitiesOnly?: boolean; knownHostsFiles?: ReadonlyArray<string> };
}

const MiB = 1024 * 1024;

const NO_ALGORITHMS: Record<AlgorithmKind, string> = { kex: '', hostKey: '', pubkey: '', ciphers: '', macs: '' };

/** What a list field offers as typed: the resulting list with its weak names, or why it cannot be used. */
function algorithmsPreview(kind: AlgorithmKind, value: string): { list?: string[]; weak?: string[]; problem?: string } {
  if (!value.trim()) return { list: [...DEFAULT_ALGORITHMS[kind]] };
  try {
    const list = resolveAlgorithms(kind, value.trim());
    return { list, weak: list.filter((a) => WEAK_ALGORITHMS[a] !== undefined) };
  } catch (err) {
    return { problem: err instanceof AlgorithmListError ? `${err.message}. ${err.fix}` : String(err) };
  }
}

const NO_ROUTE = {
  via: 'direct',
  jumps: '',
  proxyHost: '',
  proxyPort: '',
  proxyUser: '',
  proxyCommand: '',
  proxyPassword: '',
  agent: false,
  kept: {},
} as const;

export function emptyDraft(): Draft {
  return {
    name: '',
    host: '',
    port: '22',
    user: '',
    key: { kind: 'default' },
    passphraseFile: '',
    policy: 'accept-new',
    fingerprint: '',
    forwards: [{ type: 'remote', bindAddress: '', bindPort: '', targetHost: 'localhost', targetPort: '' }],
    keepaliveInterval: '15',
    keepaliveCount: '3',
    connectTimeout: '20',
    compression: false,
    rekeyMiB: '',
    rekeyMinutes: '',
    reachMinutes: '',
    autostart: true,
    algorithms: NO_ALGORITHMS,
    ...NO_ROUTE,
  };
}

export function draftOf(c: SessionConfig): Draft {
  return {
    name: c.name,
    host: c.host,
    port: String(c.port),
    user: c.user,
    key:
      c.auth.keyId !== undefined
        ? { kind: 'stored', keyId: c.auth.keyId }
        : c.auth.identityFiles.length > 0
          ? { kind: 'file', path: c.auth.identityFiles[0]! }
          : { kind: 'default' },
    passphraseFile: c.auth.passphraseFile ?? '',
    policy: c.hostKey.policy,
    fingerprint: c.hostKey.fingerprint ?? '',
    forwards: c.forwards.map((f) => ({
      type: f.type,
      bindAddress: f.bindAddress ?? '',
      bindPort: String(f.bindPort),
      targetHost: 'targetHost' in f ? f.targetHost : '',
      targetPort: 'targetPort' in f ? String(f.targetPort) : '',
    })),
    keepaliveInterval: String(c.keepalive.intervalSeconds),
    keepaliveCount: String(c.keepalive.countMax),
    connectTimeout: String(c.connectTimeoutSeconds),
    compression: c.compression,
    rekeyMiB: c.rekeyLimit?.bytes !== undefined ? String(c.rekeyLimit.bytes / MiB) : '',
    rekeyMinutes: c.rekeyLimit?.seconds !== undefined ? String(c.rekeyLimit.seconds / 60) : '',
    reachMinutes: c.reachCheckSeconds !== undefined ? String(c.reachCheckSeconds / 60) : '',
    algorithms: { ...NO_ALGORITHMS, ...(c.algorithms ?? {}) },
    autostart: c.autostart,
    ...(c.preset ? { preset: c.preset } : {}),
    ...(c.notes ? { notes: c.notes } : {}),
    via: c.proxy?.type ?? ((c.jumpHosts?.length ?? 0) > 0 ? 'jump' : 'direct'),
    jumps: jumpSpec(c.jumpHosts ?? []),
    proxyHost: c.proxy && c.proxy.type !== 'command' ? c.proxy.host : '',
    proxyPort: c.proxy && c.proxy.type !== 'command' ? String(c.proxy.port) : '',
    proxyUser: c.proxy && c.proxy.type !== 'command' ? (c.proxy.user ?? '') : '',
    proxyCommand: c.proxy?.type === 'command' ? c.proxy.command : '',
    proxyPassword: '',
    agent: c.auth.agent !== undefined,
    kept: {
      ...(c.jumpHosts ? { jumpHosts: c.jumpHosts } : {}),
      ...(c.proxy ? { proxy: c.proxy } : {}),
      ...(c.auth.agent !== undefined && c.auth.agent !== 'env' ? { agentPath: c.auth.agent } : {}),
      ...(c.auth.identitiesOnly ? { identitiesOnly: true } : {}),
      ...(c.hostKey.knownHostsFiles ? { knownHostsFiles: c.hostKey.knownHostsFiles } : {}),
    },
  };
}

/**
 * The jump hosts the form says: each hop typed in `-J` syntax, keeping what the form does not show
 * (a hop's own key files, its pinned fingerprint) for a hop that is still there.
 */
function jumpsOf(d: Draft): unknown {
  // What cannot be read is told by problemsOf, in the form's words.
  const hops = readJumps(d.jumps);
  if (!Array.isArray(hops)) return [];
  return hops.map((h) => {
    const was = d.kept.jumpHosts?.find((k) => k.host === h.host && k.port === (h.port ?? 22));
    return {
      ...(was ? { ...(was.identityFiles ? { identityFiles: was.identityFiles } : {}), ...(was.fingerprint ? { fingerprint: was.fingerprint } : {}) } : {}),
      ...h,
    };
  });
}

/** The hops typed, in `-J` syntax (the importers' reader), or why they cannot be read. */
function readJumps(text: string): HopSpec[] | RouteError {
  try {
    const hops = parseJumpList(text.trim() === '' ? 'none' : text);
    return hops === 'none' ? [] : hops;
  } catch (err) {
    if (err instanceof RouteError) return err;
    throw err;
  }
}

/** The proxy the form says; the proxy's "resolves names" setting is kept as it was. */
function proxyOf(d: Draft): unknown {
  if (d.via === 'command') return { type: 'command', command: d.proxyCommand.trim() };
  if (d.via !== 'http' && d.via !== 'socks5' && d.via !== 'socks4') return undefined;
  const was = d.kept.proxy && d.kept.proxy.type !== 'command' ? d.kept.proxy : undefined;
  return {
    type: d.via,
    host: d.proxyHost.trim(),
    port: d.proxyPort.trim() === '' ? '' : num(d.proxyPort),
    ...(d.proxyUser.trim() ? { user: d.proxyUser.trim() } : {}),
    ...(was?.remoteDns === false ? { remoteDns: false } : {}),
  };
}

/** A number typed as text: the number when it is one, else the text, so the validator names the field. */
function num(s: string): number | string {
  return /^\d+(\.\d+)?$/.test(s.trim()) ? Number(s.trim()) : s;
}

/** The config the draft says, in the form the validator and the app take. */
export function configOf(d: Draft, id?: string): Record<string, unknown> {
  const rekeyBytes = d.rekeyMiB.trim() ? (typeof num(d.rekeyMiB) === 'number' ? Math.round((num(d.rekeyMiB) as number) * MiB) : d.rekeyMiB) : undefined;
  const rekeySeconds = d.rekeyMinutes.trim()
    ? typeof num(d.rekeyMinutes) === 'number'
      ? Math.round((num(d.rekeyMinutes) as number) * 60)
      : d.rekeyMinutes
    : undefined;
  const reachSeconds = d.reachMinutes.trim()
    ? typeof num(d.reachMinutes) === 'number'
      ? Math.round((num(d.reachMinutes) as number) * 60)
      : d.reachMinutes
    : undefined;
  return {
    ...(id !== undefined ? { id } : {}),
    name: d.name.trim(),
    host: d.host.trim(),
    port: num(d.port),
    user: d.user.trim(),
    auth: {
      identityFiles: d.key.kind === 'file' && d.key.path.trim() ? [d.key.path.trim()] : [],
      ...(d.key.kind === 'stored' ? { keyId: d.key.keyId } : {}),
      ...(d.passphraseFile.trim() ? { passphraseFile: d.passphraseFile.trim() } : {}),
      ...(d.agent ? { agent: d.kept.agentPath ?? 'env' } : {}),
      ...(d.agent && d.kept.identitiesOnly ? { identitiesOnly: true } : {}),
    },
    hostKey: {
      policy: d.policy,
      ...(d.kept.knownHostsFiles ? { knownHostsFiles: d.kept.knownHostsFiles } : {}),
      ...(d.fingerprint.trim() ? { fingerprint: d.fingerprint.trim() } : {}),
    },
    ...(d.via === 'jump' ? { jumpHosts: jumpsOf(d) } : {}),
    ...(d.via !== 'direct' && d.via !== 'jump' ? { proxy: proxyOf(d) } : {}),
    keepalive: { intervalSeconds: num(d.keepaliveInterval), countMax: num(d.keepaliveCount) },
    connectTimeoutSeconds: num(d.connectTimeout),
    compression: d.compression,
    ...(ALGORITHM_KINDS.some((k) => d.algorithms[k].trim())
      ? { algorithms: Object.fromEntries(ALGORITHM_KINDS.filter((k) => d.algorithms[k].trim()).map((k) => [k, d.algorithms[k].trim()])) }
      : {}),
    ...(reachSeconds !== undefined ? { reachCheckSeconds: reachSeconds } : {}),
    ...(rekeyBytes !== undefined || rekeySeconds !== undefined
      ? { rekeyLimit: { ...(rekeyBytes !== undefined ? { bytes: rekeyBytes } : {}), ...(rekeySeconds !== undefined ? { seconds: rekeySeconds } : {}) } }
      : {}),
    forwards: d.forwards.map((f) => ({
      type: f.type,
      ...(f.bindAddress.trim() ? { bindAddress: f.bindAddress.trim() } : {}),
      bindPort: f.bindPort.trim() === '' ? '' : num(f.bindPort),
      ...(f.type === 'remote' || f.type === 'local'
        ? { targetHost: f.targetHost.trim(), targetPort: f.targetPort.trim() === '' ? '' : num(f.targetPort) }
        : {}),
    })),
    autostart: d.autostart,
    ...(d.preset ? { preset: d.preset } : {}),
    ...(d.notes ? { notes: d.notes } : {}),
  };
}

/** The label a field has in this form, for messages that must name it ("Forward 1: Port on the server"). */
export function fieldLabel(field: string, d: Draft): string {
  const f = /^session\.forwards\[(\d+)\]\.(\w+)$/.exec(field);
  if (f) {
    const i = Number(f[1]);
    const type = d.forwards[i]?.type ?? 'remote';
    const remote = type === 'remote' || type === 'remote-dynamic';
    const names: Record<string, string> = {
      type: 'Kind',
      bindAddress: remote ? 'Listen address on the server' : 'Listen address here',
      bindPort: remote ? 'Port on the server' : 'Port here',
      targetHost: type === 'remote' ? 'Database host' : 'Target host',
      targetPort: 'Database port',
    };
    return `Forward ${i + 1}: ${names[f[2]!] ?? f[2]}`;
  }
  return LABELS[field] ?? field.replace(/^session\./, '');
}

const LABELS: Readonly<Record<string, string>> = {
  'session.name': 'Name',
  'session.host': 'SSH server',
  'session.port': 'SSH port',
  'session.user': 'User',
  'session.auth.identityFiles': 'Key file path',
  'session.auth.keyId': 'Log in with',
  'session.auth.passphraseFile': 'Passphrase file',
  'session.hostKey.fingerprint': 'Pinned host key',
  'session.keepalive.intervalSeconds': 'Keepalive every (seconds)',
  'session.keepalive.countMax': 'Unanswered keepalives before reconnecting',
  'session.connectTimeoutSeconds': 'Connect timeout (seconds)',
  'session.rekeyLimit.bytes': 'Renew the session keys after (MiB)',
  'session.jumpHosts': 'Jump hosts',
  'session.proxy.host': 'Proxy host',
  'session.proxy.port': 'Proxy port',
  'session.proxy.user': 'Proxy user',
  'session.proxy.command': 'Proxy command',
  'session.rekeyLimit.seconds': '…or every (minutes)',
  'session.reachCheckSeconds': "Check from the server's side every (minutes)",
  ...Object.fromEntries(ALGORITHM_KINDS.map((k) => [`session.algorithms.${k}`, OPENSSH_OPTION[k]])),
};

/** Fields under "Advanced": a problem there opens it, so the field can be seen and focused. */
const ADVANCED = [
  'session.keepalive.',
  'session.connectTimeoutSeconds',
  'session.rekeyLimit.',
  'session.reachCheckSeconds',
  'session.auth.passphraseFile',
  'session.algorithms',
  'session.jumpHosts',
  'session.proxy',
];

/** The validator's wording for a form: an empty field is "empty", not "a non-empty string" or "(got "")". */
export function plainProblem(problem: string): string {
  if (problem === 'is missing' || problem === 'must be a non-empty string') return 'is empty';
  const empty = /^(.*) \(got ""\)$/.exec(problem);
  if (empty) return `is empty: it ${empty[1]}`;
  return problem;
}

export interface Problem {
  /** The validator's path, `session.forwards[0].bindPort`. */
  readonly field: string;
  /** Said with the field's label, then the fix. */
  readonly text: string;
}

/**
 * Every problem of a draft, by field, as the shared validator finds them (all of them, in one
 * pass), each said with the field's label.
 */
export function problemsOf(d: Draft): Problem[] {
  const found: Problem[] = [];
  if (d.key.kind === 'file' && !d.key.path.trim())
    found.push({ field: 'session.auth.identityFiles', text: "Key file path is empty. Give the key file's path, or pick another key." });
  if (d.via === 'jump') {
    const hops = readJumps(d.jumps);
    if (!Array.isArray(hops)) found.push({ field: 'session.jumpHosts', text: `Jump hosts: ${hops.problem}. ${hops.fix}` });
    else if (hops.length === 0)
      found.push({ field: 'session.jumpHosts', text: 'Jump hosts is empty. Give at least one, e.g. ops@bastion.example.com, or choose "Directly".' });
  }
  for (const p of sessionProblems(configOf(d, 'draft'))) {
    found.push({ field: p.field, text: `${fieldLabel(p.field, d)} ${plainProblem(p.problem)}. ${p.fix}` });
  }
  // In the order the form shows its fields, so the list reads top to bottom as the form does.
  const rank = (f: string): number => {
    const i = FORM_ORDER.findIndex((o) => f.startsWith(o));
    return i < 0 ? FORM_ORDER.length : i;
  };
  return found.sort((a, b) => rank(a.field) - rank(b.field));
}

const FORM_ORDER = [
  'session.name',
  'session.host',
  'session.port',
  'session.user',
  'session.auth.identityFiles',
  'session.auth.keyId',
  'session.hostKey',
  'session.forwards',
  'session.jumpHosts',
  'session.proxy',
  'session.keepalive',
  'session.connectTimeoutSeconds',
  'session.rekeyLimit',
  'session.reachCheckSeconds',
  'session.auth.passphraseFile',
  'session.algorithms',
];

/**
 * The app's refusal about one of this form's fields, said as the form says its own: the shared
 * validator names `session.port`, the store names `name` (a name already taken).
 */
function fieldProblem(e: AppError, d: Draft): Problem | undefined {
  const raw = e.field;
  if (raw === undefined) return undefined;
  const field = raw === 'name' || raw === 'id' ? 'session.name' : raw.startsWith('session.') ? raw : undefined;
  if (!field) return undefined;
  const problem = e.message.startsWith(`${raw} `) ? e.message.slice(raw.length + 1) : e.message;
  return { field, text: `${fieldLabel(field, d)} ${plainProblem(problem)}.${e.hint ? ` ${e.hint}` : ''}` };
}

const POLICY: ReadonlyArray<[HostKeyPolicy, string, string]> = [
  [
    'accept-new',
    'Trust on first connection, then insist on that key',
    'Recommended for a server you have not connected to before: its key is remembered in known_hosts, and a different key later is refused.',
  ],
  ['yes', 'Only a key already known', 'The server must already be in known_hosts, or its fingerprint pinned below.'],
  ['ask', 'Ask me the first time', 'The first connection waits until you compare the fingerprint in this window.'],
  ['no', 'Do not check (not recommended)', "Any server can take the vendor's place; its key is still recorded, and a later change is refused."],
];

const FORWARD_KINDS: ReadonlyArray<[ForwardType, string]> = [
  ['remote', 'Remote: the vendor connects to a port on its server'],
  ['remote-dynamic', 'Remote SOCKS: the vendor reaches any host through this machine'],
  ['local', 'Local: this machine listens, the server connects onward'],
  ['local-dynamic', 'Local SOCKS proxy'],
];

function ForwardRow({
  f,
  i,
  onChange,
  onRemove,
  error,
  databases,
  onlyOne,
}: {
  f: ForwardDraft;
  i: number;
  onChange: (f: ForwardDraft) => void;
  onRemove: () => void;
  error: (field: string) => string | undefined;
  databases: PresetView['databases'];
  onlyOne: boolean;
}) {
  const hasTarget = f.type === 'remote' || f.type === 'local';
  const remote = f.type === 'remote' || f.type === 'remote-dynamic';
  const p = `session.forwards[${i}]`;
  return (
    <fieldset className="forward">
      <legend>Forward {i + 1}</legend>
      <Field label="Kind">
        {(q) => (
          <select {...q} value={f.type} onChange={(e) => onChange({ ...f, type: e.target.value as ForwardType })}>
            {FORWARD_KINDS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        label={remote ? 'Listen address on the server' : 'Listen address here'}
        error={error(`${p}.bindAddress`)}
        hint={
          remote
            ? "Empty: the server's own loopback. * or 0.0.0.0: every interface of the server (its GatewayPorts setting decides)."
            : 'Empty: this machine only (127.0.0.1). * or 0.0.0.0: reachable from your network.'
        }
      >
        {(q) => (
          <input
            {...q}
            value={f.bindAddress}
            onChange={(e) => onChange({ ...f, bindAddress: e.target.value })}
            placeholder={remote ? 'localhost' : '127.0.0.1'}
            spellCheck={false}
          />
        )}
      </Field>
      <Field
        label={remote ? 'Port on the server' : 'Port here'}
        error={error(`${p}.bindPort`)}
        hint={remote ? 'The port your vendor gave you; 0 lets the server pick one.' : '0 picks a free port.'}
      >
        {(q) => <input {...q} inputMode="numeric" value={f.bindPort} onChange={(e) => onChange({ ...f, bindPort: e.target.value })} />}
      </Field>
      {hasTarget && (
        <>
          <Field
            label={f.type === 'remote' ? 'Database host (as this machine reaches it)' : 'Target host (as the server reaches it)'}
            error={error(`${p}.targetHost`)}
          >
            {(q) => <input {...q} value={f.targetHost} onChange={(e) => onChange({ ...f, targetHost: e.target.value })} spellCheck={false} />}
          </Field>
          <Field label="Database" hint="Fills in its usual port.">
            {(q) => (
              <select
                {...q}
                value=""
                onChange={(e) => {
                  const db = databases.find((d) => d.id === e.target.value);
                  if (db)
                    onChange({
                      ...f,
                      targetPort: String(db.port),
                      bindPort: f.bindPort || (f.type === 'remote' && Number(`1${db.port}`) <= 65535 ? `1${db.port}` : f.bindPort),
                    });
                }}
              >
                <option value="">Choose to fill in the port…</option>
                {databases.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name} ({d.port})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Database port" error={error(`${p}.targetPort`)}>
            {(q) => <input {...q} inputMode="numeric" value={f.targetPort} onChange={(e) => onChange({ ...f, targetPort: e.target.value })} />}
          </Field>
        </>
      )}
      {!onlyOne && (
        <button type="button" className="button" onClick={onRemove}>
          Remove forward {i + 1}
        </button>
      )}
    </fieldset>
  );
}

export function SessionForm({
  initial,
  id,
  version,
  onSaved,
  onReload,
  submitLabel,
}: {
  initial: Draft;
  id?: string;
  /** The version of the saved settings this form started from (sessions:get): a newer save is never overwritten. */
  version?: string;
  onSaved: (s: SavedSession) => void;
  /** Loads the saved settings again, when they were changed elsewhere since this form opened. */
  onReload?: () => void;
  submitLabel: string;
}) {
  const api = useApi();
  const [d, setD] = useState(initial);
  // A tunnel made from a vendor's preset: a new key is the kind that vendor asks for.
  const vendor = usePresets().find((p) => p.id === d.preset);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [tried, setTried] = useState(false);
  const [serverError, setServerError] = useState<AppError>();
  const [saving, setSaving] = useState(false);
  const [databases, setDatabases] = useState<PresetView['databases']>([]);
  const [advanced, setAdvanced] = useState(false);
  useEffect(() => {
    api.call('presets:list', {}).then(
      (p) => setDatabases(p[0]?.databases ?? []),
      () => undefined,
    );
  }, [api]);
  const problems = useMemo(() => problemsOf(d), [d]);
  const update = (change: Partial<Draft>, field?: string): void => {
    setD((x) => ({ ...x, ...change }));
    if (field) setTouched((t) => new Set(t).add(field));
    setServerError(undefined);
  };
  /** The error to show beside `field`: once touched or after a try, from the form or from the app. */
  const error = (field: string): string | undefined => {
    if (serverField?.field === field) return serverField.text;
    const problem = problems.find((p) => p.field === field);
    if (problem && (tried || touched.has(field) || [...touched].some((t) => field.startsWith(t)))) return problem.text;
    return undefined;
  };
  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTried(true);
    if (problems.length > 0) {
      if (problems.some((p) => ADVANCED.some((a) => p.field.startsWith(a)))) setAdvanced(true);
      // After React has shown the error (and opened "Advanced"): the person lands on the field to fix.
      focusFirstProblem();
      return;
    }
    setSaving(true);
    try {
      const config = configOf(d, id);
      const saved = id !== undefined ? await api.call('sessions:update', { config, version: version ?? '' }) : await api.call('sessions:create', { config });
      // The proxy's password goes to the secret store once the session (and its proxy user) is saved.
      if (d.proxyPassword !== '' && d.proxyUser.trim() !== '' && (d.via === 'http' || d.via === 'socks5' || d.via === 'socks4')) {
        await api.call('sessions:proxy-password', { id: saved.session.id, password: d.proxyPassword });
      }
      onSaved(saved);
    } catch (err) {
      const ae = err as { error?: AppError };
      setServerError(ae.error ?? { code: 'INTERNAL_ERROR', message: String(err) });
      focusFirstProblem();
    } finally {
      setSaving(false);
    }
  };
  // An error the app gave about no field of this form (a name already taken is about `name`).
  const serverField = serverError ? fieldProblem(serverError, d) : undefined;
  const generalError = serverError && !serverField ? serverError : undefined;
  // What stopped the save, naming the field: the form's own check, or the app's answer about a field.
  const notSaved: string[] = serverField ? [serverField.text] : tried ? problems.map((p) => p.text) : [];
  return (
    <form className="form" onSubmit={(e) => void save(e)} noValidate>
      <fieldset>
        <legend>Server</legend>
        <Field label="Name" error={error('session.name')} hint="How you will recognise this tunnel, e.g. the vendor and the database.">
          {(p) => <input {...p} value={d.name} onChange={(e) => update({ name: e.target.value }, 'session.name')} />}
        </Field>
        <Field label="SSH server" error={error('session.host')} hint="The host name or address your vendor gave you.">
          {(p) => <input {...p} value={d.host} onChange={(e) => update({ host: e.target.value }, 'session.host')} spellCheck={false} autoComplete="off" />}
        </Field>
        <Field label="SSH port" error={error('session.port')}>
          {(p) => <input {...p} inputMode="numeric" value={d.port} onChange={(e) => update({ port: e.target.value }, 'session.port')} />}
        </Field>
        <Field label="User" error={error('session.user')} hint="The SSH user name your vendor gave you.">
          {(p) => <input {...p} value={d.user} onChange={(e) => update({ user: e.target.value }, 'session.user')} spellCheck={false} autoComplete="off" />}
        </Field>
      </fieldset>

      <KeyPicker
        value={d.key}
        onChange={(key) => update({ key }, 'session.auth.identityFiles')}
        recommended={vendor ? recommendedKey(vendor) : undefined}
        keyName={d.name}
        error={error('session.auth.identityFiles') ?? error('session.auth.keyId')}
      />

      <fieldset>
        <legend>Server identity (host key)</legend>
        <div role="radiogroup" aria-label="How to check the server's key">
          {POLICY.map(([v, label, hint]) => (
            <label key={v} className="radio">
              <input type="radio" name="policy" value={v} checked={d.policy === v} onChange={() => update({ policy: v })} />
              <span>
                <strong>{label}</strong>
                <br />
                <span className="muted">{hint}</span>
              </span>
            </label>
          ))}
        </div>
        <Field
          label="Pinned host key (optional)"
          error={error('session.hostKey.fingerprint')}
          hint="The SHA256:… fingerprint your vendor publishes. When given, only that key is accepted."
        >
          {(p) => (
            <input
              {...p}
              value={d.fingerprint}
              onChange={(e) => update({ fingerprint: e.target.value }, 'session.hostKey.fingerprint')}
              placeholder="SHA256:"
              spellCheck={false}
            />
          )}
        </Field>
      </fieldset>

      <fieldset>
        <legend>Forwards</legend>
        {d.forwards.map((f, i) => (
          <ForwardRow
            key={i}
            f={f}
            i={i}
            databases={databases}
            error={error}
            onlyOne={d.forwards.length === 1}
            onChange={(nf) => {
              // Only the boxes typed into count as touched: switching the kind (or adding a forward)
              // must not greet the person with "Port here is empty" before they typed anything.
              const old = d.forwards[i];
              const typed = (Object.keys(nf) as Array<keyof typeof nf>).filter((k) => k !== 'type' && old?.[k] !== nf[k]);
              update({ forwards: d.forwards.map((x, j) => (j === i ? nf : x)) });
              if (typed.length > 0) setTouched((t) => new Set([...t, ...typed.map((k) => `session.forwards[${i}].${String(k)}`)]));
            }}
            onRemove={() => update({ forwards: d.forwards.filter((_, j) => j !== i) })}
          />
        ))}
        <button
          type="button"
          className="button"
          onClick={() => update({ forwards: [...d.forwards, { type: 'remote', bindAddress: '', bindPort: '', targetHost: 'localhost', targetPort: '' }] })}
        >
          Add a forward
        </button>
      </fieldset>

      <label className="check">
        <input type="checkbox" checked={d.autostart} onChange={(e) => update({ autostart: e.target.checked })} />
        Start automatically (when Burrow starts, and at login where Burrow launches at login)
      </label>

      <details className="advanced" open={advanced} onToggle={(e) => setAdvanced(e.currentTarget.open)}>
        <summary>Advanced</summary>
        <ConnectThrough id={id} d={d} update={update} error={error} />
        <Field
          label="Keepalive every (seconds)"
          error={error('session.keepalive.intervalSeconds')}
          hint="OpenSSH's ServerAliveInterval. A dead link is noticed after (count + 1) × this."
        >
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              value={d.keepaliveInterval}
              onChange={(e) => update({ keepaliveInterval: e.target.value }, 'session.keepalive.intervalSeconds')}
            />
          )}
        </Field>
        <Field label="Unanswered keepalives before reconnecting" error={error('session.keepalive.countMax')} hint="OpenSSH's ServerAliveCountMax.">
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              value={d.keepaliveCount}
              onChange={(e) => update({ keepaliveCount: e.target.value }, 'session.keepalive.countMax')}
            />
          )}
        </Field>
        <Field
          label="Connect timeout (seconds)"
          error={error('session.connectTimeoutSeconds')}
          hint="For the TCP connection, the key exchange, the login and opening the forwards together."
        >
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              value={d.connectTimeout}
              onChange={(e) => update({ connectTimeout: e.target.value }, 'session.connectTimeoutSeconds')}
            />
          )}
        </Field>
        <Field
          label="Renew the session keys after (MiB, empty: OpenSSH's default)"
          error={error('session.rekeyLimit.bytes')}
          hint="OpenSSH's RekeyLimit: 64 GiB for AES, 1 GiB for ChaCha20-Poly1305 unless you give less."
        >
          {(p) => <input {...p} inputMode="decimal" value={d.rekeyMiB} onChange={(e) => update({ rekeyMiB: e.target.value }, 'session.rekeyLimit.bytes')} />}
        </Field>
        <Field label="…or every (minutes, empty: never by time)" error={error('session.rekeyLimit.seconds')}>
          {(p) => (
            <input {...p} inputMode="decimal" value={d.rekeyMinutes} onChange={(e) => update({ rekeyMinutes: e.target.value }, 'session.rekeyLimit.seconds')} />
          )}
        </Field>
        <Field
          label="Check from the server's side every (minutes, empty: only when it connects)"
          error={error('session.reachCheckSeconds')}
          hint="Whether the address the vendor is told still reaches this tunnel, not another program on the server (Test connection checks it too)."
        >
          {(p) => (
            <input {...p} inputMode="decimal" value={d.reachMinutes} onChange={(e) => update({ reachMinutes: e.target.value }, 'session.reachCheckSeconds')} />
          )}
        </Field>
        <Field
          label="Passphrase file (optional)"
          error={error('session.auth.passphraseFile')}
          hint="A file whose first line is the key's passphrase, for unattended starts with an encrypted key file."
        >
          {(p) => (
            <input
              {...p}
              value={d.passphraseFile}
              onChange={(e) => update({ passphraseFile: e.target.value }, 'session.auth.passphraseFile')}
              spellCheck={false}
            />
          )}
        </Field>
        <label className="check">
          <input type="checkbox" checked={d.compression} onChange={(e) => update({ compression: e.target.checked })} />
          Compress the traffic (-C): helps on slow links, costs CPU on fast ones
        </label>
        <fieldset className="algorithms">
          <legend>Algorithms, as in OpenSSH (for old servers)</legend>
          <p className="field-hint">
            Empty: Burrow's defaults, which are OpenSSH's. <code>+name</code> adds to them, <code>-name</code> removes, <code>^name</code> puts first; a plain
            list replaces them. When an old server has nothing in common with Burrow, the tunnel's error names the line to write here.
          </p>
          {ALGORITHM_KINDS.map((kind) => {
            const preview = algorithmsPreview(kind, d.algorithms[kind]);
            const field = `session.algorithms.${kind}`;
            return (
              <Field
                key={kind}
                label={OPENSSH_OPTION[kind]}
                error={error(field) ?? preview.problem}
                hint={
                  preview.list ? (
                    <>
                      Offers {preview.list.join(', ')}
                      {preview.weak && preview.weak.length > 0 ? (
                        <strong className="weak">
                          {' '}
                          — weak: {preview.weak.map((w) => `${w} (${WEAK_ALGORITHMS[w]})`).join(', ')}; use only for a server that needs it
                        </strong>
                      ) : null}
                    </>
                  ) : undefined
                }
              >
                {(p) => (
                  <input
                    {...p}
                    value={d.algorithms[kind]}
                    placeholder={kind === 'kex' ? '+diffie-hellman-group14-sha1' : kind === 'hostKey' || kind === 'pubkey' ? '+ssh-rsa' : ''}
                    onChange={(e) => update({ algorithms: { ...d.algorithms, [kind]: e.target.value } }, field)}
                    spellCheck={false}
                    autoComplete="off"
                  />
                )}
              </Field>
            );
          })}
        </fieldset>
      </details>

      <ErrorNote error={generalError} />
      {generalError?.code === 'CONFLICT' && onReload && (
        <p>
          <button type="button" className="button" onClick={onReload}>
            Reload the saved settings
          </button>
        </p>
      )}
      <NotSaved problems={notSaved} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : submitLabel}
        </button>
        <button type="button" className="button" onClick={() => history.back()}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The editor screen: a new blank tunnel, or a saved one's settings. */
export function SessionEditor({ id }: { id?: string }) {
  const api = useApi();
  const [initial, setInitial] = useState<Draft | undefined>(id === undefined ? emptyDraft() : undefined);
  const [version, setVersion] = useState<string>();
  const [missing, setMissing] = useState(false);
  const [saved, setSaved] = useState<SavedSession>();
  const start = useAction('sessions:start');
  const { sessions } = useSessions();
  const running = id !== undefined && sessions.some((v) => v.config.id === id && v.snapshot.state !== 'stopped');
  const load = useCallback(() => {
    if (id === undefined) return;
    api.call('sessions:get', { id }).then(
      (s) => {
        setInitial(draftOf(s.config));
        setVersion(s.version);
      },
      () => setMissing(true),
    );
  }, [api, id]);
  useEffect(load, [load]);
  if (missing)
    return (
      <section className="screen">
        <h1>Tunnel not found</h1>
        <p>
          <a href="#/">Back to the tunnels</a>
        </p>
      </section>
    );
  if (saved && id === undefined) {
    return (
      <section className="screen">
        <SavedHeading>Saved: {saved.session.name}</SavedHeading>
        <NextSteps
          saved={saved}
          starting={start.pending}
          onStart={() =>
            void start.run({ id: saved.session.id }).then((v) => {
              if (v) navigate(`/sessions/${encodeURIComponent(saved.session.id)}`);
            })
          }
        />
        <ErrorNote error={start.error} />
      </section>
    );
  }
  return (
    <section className="screen">
      <p className="crumbs">
        <a href="#/">Tunnels</a> /{' '}
        {id === undefined ? <a href="#/new">New tunnel</a> : <a href={`#/sessions/${encodeURIComponent(id)}`}>{initial?.name ?? id}</a>} /{' '}
        {id === undefined ? 'Start blank' : 'Edit'}
      </p>
      <h1>{id === undefined ? 'New tunnel' : `Edit ${initial?.name ?? ''}`}</h1>
      {running && <p className="lead">This tunnel is running: saving restarts it with the new settings (its open connections are closed and reopened).</p>}
      {initial ? (
        <SessionForm
          key={version}
          initial={initial}
          {...(id !== undefined ? { id, onReload: load } : {})}
          {...(version !== undefined ? { version } : {})}
          submitLabel={id === undefined ? 'Save tunnel' : 'Save changes'}
          onSaved={(s) => (id === undefined ? setSaved(s) : navigate(`/sessions/${encodeURIComponent(s.session.id)}`))}
        />
      ) : (
        <p role="status">Loading…</p>
      )}
    </section>
  );
}

const VIA_LABEL: Record<Draft['via'], string> = {
  direct: 'Directly',
  jump: 'Jump hosts (ssh -J)',
  http: 'HTTP proxy (CONNECT)',
  socks5: 'SOCKS5 proxy',
  socks4: 'SOCKS4 proxy',
  command: 'A command (ProxyCommand)',
};

/**
 * "Connect through": how the connection to the server is made (OpenSSH's -J and ProxyCommand,
 * PuTTY's proxy settings), and whether the SSH agent's keys are offered.
 */
function ConnectThrough({
  id,
  d,
  update,
  error,
}: {
  id: string | undefined;
  d: Draft;
  update: (patch: Partial<Draft>, field?: string) => void;
  error: (field: string) => string | undefined;
}): React.JSX.Element {
  const viaProxy = d.via === 'http' || d.via === 'socks5' || d.via === 'socks4';
  const api = useApi();
  const [kept, setKept] = useState<Replies['sessions:proxy-password']>();
  useEffect(() => {
    if (id === undefined || !viaProxy) return;
    api.call('sessions:proxy-password', { id }).then(setKept, () => undefined);
  }, [api, id, viaProxy]);
  return (
    <fieldset className="connect-through">
      <legend>Connect through</legend>
      <Field label="Route" hint="For a company network that allows only a proxy out, or a server behind a bastion.">
        {(p) => (
          <select {...p} value={d.via} onChange={(e) => update({ via: e.target.value as Draft['via'] })}>
            {(Object.keys(VIA_LABEL) as Array<Draft['via']>).map((v) => (
              <option key={v} value={v}>
                {VIA_LABEL[v]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {d.via === 'jump' && (
        <Field
          label="Jump hosts"
          error={error('session.jumpHosts')}
          hint="As ssh -J takes them: [user@]host[:port], separated by commas, crossed in that order. A hop typed here uses this tunnel's key; each is checked with this tunnel's host-key setting."
        >
          {(p) => (
            <input {...p} value={d.jumps} placeholder="ops@bastion.example.com:22" onChange={(e) => update({ jumps: e.target.value }, 'session.jumpHosts')} />
          )}
        </Field>
      )}
      {d.via === 'jump' && <SavedHop id={id} d={d} update={update} />}
      {viaProxy && (
        <>
          <Field label="Proxy host" error={error('session.proxy.host')}>
            {(p) => <input {...p} value={d.proxyHost} onChange={(e) => update({ proxyHost: e.target.value }, 'session.proxy.host')} />}
          </Field>
          <Field label="Proxy port" error={error('session.proxy.port')}>
            {(p) => <input {...p} inputMode="numeric" value={d.proxyPort} onChange={(e) => update({ proxyPort: e.target.value }, 'session.proxy.port')} />}
          </Field>
          <Field
            label="Proxy user (empty: none)"
            error={error('session.proxy.user')}
            hint="The user name the proxy asks for, if it asks; its password is asked for below."
          >
            {(p) => <input {...p} value={d.proxyUser} autoComplete="off" onChange={(e) => update({ proxyUser: e.target.value }, 'session.proxy.user')} />}
          </Field>
          {d.proxyUser.trim() !== '' && (
            <Field
              label="Proxy password"
              hint={
                kept?.stored
                  ? `A password is kept for this proxy; type another to replace it. A service may be given it as ${kept.environment} instead.`
                  : "Kept in Burrow's secret store when you save, never in the config file or a log."
              }
            >
              {(p) => (
                <input {...p} type="password" autoComplete="new-password" value={d.proxyPassword} onChange={(e) => update({ proxyPassword: e.target.value })} />
              )}
            </Field>
          )}
          {d.proxyUser.trim() !== '' && kept?.stored && id !== undefined && (
            <button
              type="button"
              className="button"
              onClick={() => void api.call('sessions:proxy-password', { id, password: null }).then(setKept, () => undefined)}
            >
              Forget the kept password
            </button>
          )}
        </>
      )}
      {d.via === 'command' && (
        <Field
          label="Proxy command"
          error={error('session.proxy.command')}
          hint="Burrow runs this program on every connection and speaks SSH over its input and output. %h %p %r are the server, port and user."
        >
          {(p) => (
            <input
              {...p}
              value={d.proxyCommand}
              placeholder="nc -X connect -x proxy.corp:3128 %h %p"
              onChange={(e) => update({ proxyCommand: e.target.value }, 'session.proxy.command')}
            />
          )}
        </Field>
      )}
      {d.via === 'command' && d.proxyCommand.trim() !== '' && (
        <p className="banner banner-warn" role="note">
          This tunnel runs <code>{d.proxyCommand.trim()}</code> on this machine each time it connects.
        </p>
      )}
      <label className="check">
        <input type="checkbox" checked={d.agent} onChange={(e) => update({ agent: e.target.checked })} />
        Also offer the keys of the SSH agent (ssh-agent, or Pageant on Windows), before the key above
      </label>
    </fieldset>
  );
}

/**
 * "Add the server of a saved tunnel" as a hop: its user, host and port go into the list, and its
 * key files stay with that hop (a bastion often has a key of its own), so the jump is made as that
 * tunnel logs in. A copy: editing the other tunnel later does not change this one.
 */
function SavedHop({ id, d, update }: { id: string | undefined; d: Draft; update: (patch: Partial<Draft>, field?: string) => void }): React.JSX.Element | null {
  const { sessions } = useSessions();
  const others = sessions.filter((s) => s.config.id !== id);
  if (others.length === 0) return null;
  const add = (sid: string): void => {
    const c = others.find((s) => s.config.id === sid)?.config;
    if (!c) return;
    const hop = { host: c.host, port: c.port, user: c.user, ...(c.auth.identityFiles.length > 0 ? { identityFiles: c.auth.identityFiles } : {}) };
    const kept = (d.kept.jumpHosts ?? []).filter((k) => !(k.host === hop.host && k.port === hop.port));
    update({ jumps: [d.jumps.trim(), jumpSpec([hop])].filter(Boolean).join(', '), kept: { ...d.kept, jumpHosts: [...kept, hop] } }, 'session.jumpHosts');
  };
  return (
    <Field label="Add the server of a saved tunnel as a jump host" hint="Its user, host, port and key file are copied into the list above.">
      {(p) => (
        <select {...p} value="" onChange={(e) => add(e.target.value)}>
          <option value="">Choose a tunnel…</option>
          {others.map((s) => (
            <option key={s.config.id} value={s.config.id}>
              {s.config.name} ({s.config.user}@{s.config.host}:{s.config.port})
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
