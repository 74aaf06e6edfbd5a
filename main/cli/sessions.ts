/** `burrow sessions`: the saved sessions, over the same store the app uses. */
import { readFile } from 'node:fs/promises';
import type { SessionConfig } from '../../common/config.js';
import { applyImport } from '../core/config/apply-import.js';
import { ConfigError } from '../core/config/config-error.js';
import { forwardSpec } from '../core/session/forward.js';
import { CommandLineError } from '../core/config/importers/command-line.js';
import { DATABASES, getPreset, nextStepsFor, PRESETS, sessionFromPreset } from '../core/config/presets.js';
import { ConfigStore, resolveConfigPath, secretsFolderFor } from '../core/config/store.js';
import { exportSessions, importBundle } from '../core/config/transfer.js';
import { FileSecretStore, KeyError, readPassphraseFile, writeKeyFile, type SecretStore } from '../core/keys/index.js';
import { OPENSSH_OPTION } from '../../common/algorithms.js';
import { saveWithKeptKey } from '../core/config/key-passphrase.js';
import { absolutePath } from '../core/config/paths.js';
import { nextStepsWithKey } from '../core/config/public-key.js';
import { encryptedKeyFiles, sessionWarnings } from '../core/config/warnings.js';
import { SessionChangedError } from '../core/config/versions.js';
import { parseArgs, shellQuote, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { changes, EDIT_OPTIONS, EDIT_USAGE, editSession } from './session-edit.js';

const USAGE = `usage: burrow sessions list [--json]
       burrow sessions show NAME [--json]
       burrow sessions add --preset ID --name NAME --host HOST [--user U] [--port N]
                           [--target HOST:PORT | --target-host HOST --database KIND] [--remote-port N]
                           [--identity FILE [--key-passphrase-file F]] [--key-id ID] [--autostart]
       burrow sessions edit NAME [--host-key-policy P] [--port N] [--identity FILE] [--autostart] … (--help lists all)
       burrow sessions remove NAME
       burrow sessions export FILE|- [--with-secrets --passphrase-file F]
       burrow sessions import FILE [--passphrase-file F]
       burrow sessions presets [--json]
Every subcommand takes --config FILE (default: $BURROW_CONFIG, else the platform's config folder).

show     prints a session's settings in words (--json: as stored, with the vendor's next steps).
edit     changes any stored setting, checked as the store checks it; nothing is saved unless all is valid.
add      makes a session from a vendor preset (${PRESETS.map((p) => p.id).join(', ')}), filling in
         what the vendor prescribes; --database (${DATABASES.slice(0, 5)
           .map((d) => d.id)
           .join(', ')}, …) gives the
         target port and a remote port as the vendor suggests. Prints the vendor's next steps.
         --key-passphrase-file keeps the key and its passphrase in Burrow's secret store.
presets  the vendors' prescriptions and their steps (--json for programs).
export   writes all sessions to one file for another machine. Keys and passphrases are left out
         unless --with-secrets, which encrypts them with the passphrase in --passphrase-file
         (or BURROW_EXPORT_PASSPHRASE).
import   reads such a file; sessions whose name is already saved are reported and left alone.
To import an ssh/autossh/plink command, ~/.ssh/config, a PuTTY .reg export, known_hosts or
Secoda's environment, use \`burrow import\`.

${EDIT_USAGE}`;

/** Runs `burrow sessions …`; 0 on success, 1 on a config problem, 2 on a usage error. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'list':
        return list(rest, io);
      case 'show':
        return await show(rest, io);
      case 'add':
        return await add(rest, io);
      case 'edit':
        return await edit(rest, io);
      case 'remove':
        return await remove(rest, io);
      case 'export':
        return await exportAll(rest, io);
      case 'import':
        return await importAll(rest, io);
      case 'presets':
        return presets(rest, io);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown subcommand "${sub}"`);
    }
  } catch (err) {
    return reportError(err, io, 'burrow sessions', USAGE);
  }
}

/** Prints an error the way every config command does; rethrows what is not a user's problem. */
export function reportError(err: unknown, io: CliIo, prefix: string, usage: string): number {
  if (err instanceof UsageError) {
    io.err(`${prefix}: ${err.message}`);
    if (err.showUsage) io.err(usage);
    return 2;
  }
  if (err instanceof ConfigError) {
    io.err(`${prefix}: ${err.field}: ${err.problem}`);
    io.err(`  fix: ${err.fix}`);
    return 1;
  }
  if (err instanceof CommandLineError) {
    io.err(`${prefix}: ${err.message}`);
    return 1;
  }
  if (err instanceof KeyError) {
    io.err(`${prefix}: ${err.message} [${err.code}]`);
    io.err(`  fix: ${err.hint}`);
    return 1;
  }
  if (err instanceof SessionChangedError) {
    io.err(`${prefix}: ${err.message}; nothing was saved`);
    io.err('  fix: run the command again: it applies your change to the settings as they are now.');
    return 1;
  }
  throw err;
}

/** The store `--config` / BURROW_CONFIG / the default points at. */
export function openStore(flag: string | undefined, io: CliIo): ConfigStore {
  return ConfigStore.open(resolveConfigPath(flag, io.env));
}

/** The secret store beside a config store, where imported keys go (see docs/keys.md). */
export function secretsBeside(store: ConfigStore, io: CliIo): FileSecretStore {
  return new FileSecretStore(secretsFolderFor(store.path), { env: io.env });
}

export { forwardSpec } from '../core/session/forward.js';

function summary(s: SessionConfig): string {
  return `${s.name}  ${s.user}@${s.host}:${s.port}  ${s.forwards.map(forwardSpec).join(', ')}${s.autostart ? '  [autostart]' : ''}${s.preset ? `  (${s.preset})` : ''}`;
}

function list(argv: string[], io: CliIo): number {
  const args = parseArgs(argv, { values: ['--config'], flags: ['--json'] });
  if (args.positional.length > 0) throw new UsageError(`list takes no arguments (got ${args.positional.join(' ')})`);
  const store = openStore(args.values['--config'], io);
  const sessions = store.sessions();
  if (args.flags.has('--json')) {
    io.out(JSON.stringify(sessions));
    return 0;
  }
  if (sessions.length === 0) io.out(`no saved sessions in ${store.path}`);
  for (const s of sessions) io.out(summary(s));
  return 0;
}

function find(store: ConfigStore, name: string): SessionConfig {
  const s = store.find(name);
  if (!s) throw new ConfigError(`session ${JSON.stringify(name)}`, 'is not saved', 'See `burrow sessions list` for the names.');
  return s;
}

async function printSteps(s: SessionConfig, io: CliIo, secrets: SecretStore): Promise<void> {
  const { nextSteps, troubleshooting } = await nextStepsWithKey(s, secrets);
  if (nextSteps.length > 0) {
    io.out(`next steps (${getPreset(s.preset!).vendor}):`);
    nextSteps.forEach((step, i) => io.out(`  ${i + 1}. ${step}`));
  }
  if (troubleshooting.length > 0) {
    io.out('if it does not work:');
    for (const t of troubleshooting) io.out(`  - ${t}`);
  }
}

const POLICY_IN_WORDS: Record<SessionConfig['hostKey']['policy'], string> = {
  yes: 'only a key already in known_hosts is accepted',
  'accept-new': 'a new host is trusted on first use and recorded; a changed key is refused',
  ask: 'a new host is asked about on a terminal (without one, refused until `burrow trust`)',
  no: 'NOT CHECKED: any new key is recorded unchecked; only a changed key is refused',
};

/** A session's settings in words, one per line: what `sessions show` prints for people. */
export function describeSession(s: SessionConfig): string[] {
  const keys = [...(s.auth.keyId !== undefined ? [`key "${s.auth.keyId}" in Burrow's secret store`] : []), ...s.auth.identityFiles];
  const hk = s.hostKey;
  const lines = [
    `${s.name}${s.id !== s.name ? ` (id ${s.id})` : ''}`,
    `  server:      ${s.user}@${s.host}, SSH port ${s.port}`,
    `  key:         ${keys.length > 0 ? keys.join(', ') : "OpenSSH's defaults (~/.ssh/id_ed25519, id_ecdsa, id_rsa)"}`,
    ...(s.auth.passphraseFile !== undefined ? [`  passphrase:  read from ${s.auth.passphraseFile}`] : []),
    `  host key:    ${hk.fingerprint !== undefined ? `pinned to ${hk.fingerprint}` : `${hk.policy}: ${POLICY_IN_WORDS[hk.policy]}`}`,
    ...(hk.fingerprint === undefined ? [`  known_hosts: ${hk.knownHostsFiles?.join(', ') ?? '~/.ssh/known_hosts'}`] : []),
    `  keepalive:   every ${s.keepalive.intervalSeconds} s; the link counts as lost after ${s.keepalive.countMax} unanswered`,
    `  timeout:     ${s.connectTimeoutSeconds} s to connect, log in and open the forwards`,
    ...(s.compression ? ['  compression: on'] : []),
    ...(s.rekeyLimit
      ? [
          `  rekey:       ${[s.rekeyLimit.bytes !== undefined ? `after ${s.rekeyLimit.bytes} bytes` : '', s.rekeyLimit.seconds !== undefined ? `every ${s.rekeyLimit.seconds} s` : ''].filter(Boolean).join(', ')}`,
        ]
      : []),
    ...Object.entries(s.algorithms ?? {}).map(([k, v]) => `  algorithms:  ${OPENSSH_OPTION[k as keyof typeof OPENSSH_OPTION]}=${v}`),
    ...s.forwards.map((f, i) => `  ${i === 0 ? 'forwards:   ' : '           '} ${forwardSpec(f)}  (${forwardInWords(f)})`),
    `  starts:      ${s.autostart ? 'automatically (with the app, at login, with `burrow run --autostart`)' : 'by hand'}`,
    ...(s.preset !== undefined ? [`  preset:      ${PRESETS.find((p) => p.id === s.preset)?.vendor ?? s.preset}`] : []),
    ...(s.notes !== undefined ? [`  notes:       ${s.notes}`] : []),
  ];
  return lines;
}

function forwardInWords(f: SessionConfig['forwards'][number]): string {
  const bind = f.bindAddress !== undefined ? `${f.bindAddress}:` : '';
  const port = f.bindPort === 0 ? 'a free port' : `port ${bind}${f.bindPort}`;
  switch (f.type) {
    case 'remote':
      return `the server listens on ${port}; its connections reach ${f.targetHost}:${f.targetPort} from this machine`;
    case 'remote-dynamic':
      return `the server listens on ${port}; its connections speak SOCKS and reach any host from this machine`;
    case 'local':
      return `this machine listens on ${port}; its connections reach ${f.targetHost}:${f.targetPort} from the server`;
    case 'local-dynamic':
      return `this machine listens on ${port} as a SOCKS proxy through the server`;
  }
}

async function show(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ['--config'], flags: ['--json'] });
  if (args.positional.length !== 1) throw new UsageError('show takes one session name');
  const store = openStore(args.values['--config'], io);
  const s = find(store, args.positional[0]!);
  if (args.flags.has('--json')) {
    io.out(JSON.stringify({ session: s, ...nextStepsFor(s) }));
    return 0;
  }
  for (const line of describeSession(s)) io.out(line);
  await printSteps(s, io, secretsBeside(store, io));
  return 0;
}

/** Prints what is worth knowing about a session just saved (sessionWarnings and key passphrases). */
async function printWarnings(s: SessionConfig, store: ConfigStore, io: CliIo): Promise<void> {
  for (const w of sessionWarnings(s, store.sessions())) io.out(`warning: ${w}`);
  for (const f of await encryptedKeyFiles(s)) {
    io.out(
      `warning: the key file ${f} is protected by a passphrase, which nobody will be there to type when the tunnel runs unattended: keep it in Burrow's secret store with \`burrow sessions edit ${shellQuote(s.name)} --key-passphrase-file FILE\`.`,
    );
  }
}

async function edit(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, EDIT_OPTIONS);
  if (args.positional.length !== 1)
    throw new UsageError(
      args.positional.length === 0 ? 'edit needs the NAME of a saved session' : `edit takes one session NAME (got ${args.positional.join(' ')})`,
    );
  const store = openStore(args.values['--config'], io);
  const secrets = secretsBeside(store, io);
  const { before, after, keptKey } = await editSession(args.positional[0]!, args, { store, secrets, cwd: process.cwd() });
  const changed = changes(before, after);
  io.out(`edited "${after.name}" in ${store.path}${changed.length === 0 ? ': nothing changed' : ':'}`);
  for (const c of changed) io.out(`  ${c}`);
  if (keptKey)
    io.out(`  key: ${keptKey.file} and its passphrase are kept in Burrow's secret store as "${keptKey.keyId}" (the session no longer reads the file)`);
  await printWarnings(after, store, io);
  if (changed.length > 0) io.out('A running Burrow (a service, `burrow run`) takes the change on `burrow reload`.');
  return 0;
}

function portOption(v: string | undefined, option: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new UsageError(`${option} must be a port number from 1 to 65535 (got ${v})`);
  return Number(v);
}

async function add(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, {
    values: [
      '--config',
      '--preset',
      '--name',
      '--host',
      '--user',
      '--port',
      '--target',
      '--target-host',
      '--database',
      '--remote-port',
      '--identity',
      '--key-id',
      '--key-passphrase-file',
    ],
    flags: ['--autostart'],
  });
  if (args.positional.length > 0) throw new UsageError(`add takes options only (got ${args.positional.join(' ')})`);
  const v = args.values;
  if (v['--preset'] === undefined) throw new UsageError('add needs --preset (see `burrow sessions presets`)');
  if (v['--name'] === undefined) throw new UsageError('add needs --name');
  let targetHost = v['--target-host'];
  let targetPort: number | undefined;
  if (v['--target'] !== undefined) {
    const m = /^(.+):(\d+)$/.exec(v['--target']);
    if (!m) throw new UsageError(`--target must be HOST:PORT (got ${v['--target']})`);
    targetHost = m[1]!.replace(/^\[(.*)\]$/, '$1');
    targetPort = portOption(m[2], '--target');
  }
  const store = openStore(v['--config'], io);
  const taken = store.sessions().flatMap((s) => s.forwards.filter((f) => f.type === 'remote' || f.type === 'remote-dynamic').map((f) => f.bindPort));
  const input = {
    name: v['--name'],
    ...(v['--host'] !== undefined ? { host: v['--host'] } : {}),
    ...(v['--user'] !== undefined ? { user: v['--user'] } : {}),
    ...(v['--port'] !== undefined ? { port: portOption(v['--port'], '--port')! } : {}),
    ...(targetHost !== undefined ? { targetHost } : {}),
    ...(targetPort !== undefined ? { targetPort } : {}),
    ...(v['--database'] !== undefined ? { database: v['--database'] } : {}),
    ...(v['--remote-port'] !== undefined ? { remotePort: portOption(v['--remote-port'], '--remote-port')! } : {}),
    ...(v['--identity'] !== undefined ? { identityFiles: [absolutePath(v['--identity'], process.cwd())] } : {}),
    ...(v['--key-id'] !== undefined ? { keyId: v['--key-id'] } : {}),
    autostart: args.flags.has('--autostart'),
    takenRemotePorts: taken,
  };
  const { id: _id, ...session } = sessionFromPreset(v['--preset'], input);
  const secrets = secretsBeside(store, io);
  let saved: SessionConfig;
  if (v['--key-passphrase-file'] !== undefined) {
    const kept = await saveWithKeptKey(secrets, session, await readPassphraseFile(v['--key-passphrase-file']), '--key-passphrase-file', (s) => store.add(s));
    io.out(`key: ${kept.file} and its passphrase are kept in Burrow's secret store as "${kept.keyId}"`);
    saved = kept.saved;
  } else {
    saved = await store.add(session);
  }
  io.out(`saved ${summary(saved)} in ${store.path}`);
  await printWarnings(saved, store, io);
  await printSteps(saved, io, secrets);
  return 0;
}

async function remove(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ['--config'] });
  if (args.positional.length !== 1) throw new UsageError('remove takes one session name');
  const store = openStore(args.values['--config'], io);
  const removed = await store.remove(args.positional[0]!);
  io.out(`removed ${removed.name} from ${store.path}`);
  return 0;
}

/** The export passphrase: --passphrase-file, else BURROW_EXPORT_PASSPHRASE. */
async function exportPassphrase(file: string | undefined, io: CliIo): Promise<string | undefined> {
  if (file !== undefined) return readPassphraseFile(file);
  const env = io.env.BURROW_EXPORT_PASSPHRASE;
  return env === undefined || env === '' ? undefined : env;
}

async function exportAll(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ['--config', '--passphrase-file'], flags: ['--with-secrets'] });
  if (args.positional.length !== 1) throw new UsageError('export takes one FILE (or - for standard output)');
  const store = openStore(args.values['--config'], io);
  const withSecrets = args.flags.has('--with-secrets');
  const passphrase = withSecrets ? await exportPassphrase(args.values['--passphrase-file'], io) : undefined;
  if (withSecrets && passphrase === undefined) throw new UsageError('--with-secrets needs --passphrase-file FILE or BURROW_EXPORT_PASSPHRASE');
  if (!withSecrets && args.values['--passphrase-file'] !== undefined) throw new UsageError('--passphrase-file is for --with-secrets');
  const sessions = store.sessions();
  const result = await exportSessions(sessions, withSecrets ? { secretsPassphrase: passphrase!, secrets: secretsBeside(store, io) } : {});
  const target = args.positional[0]!;
  if (target === '-') io.out(result.text.trimEnd());
  // The export names hosts and users (and, with secrets, carries keys encrypted): private like the
  // store. Written to a temporary file, synced and renamed, so that a crash leaves the old file or
  // the new one, and the file is 0600 even where one was 0644 (writeFile keeps an existing mode).
  else await writeKeyFile(target, result.text, 0o600, true);
  const say = (line: string): void => (target === '-' ? io.err(line) : io.out(line));
  say(
    `exported ${sessions.length} session${sessions.length === 1 ? '' : 's'}${target === '-' ? '' : ` to ${target}`}${withSecrets ? `, with ${result.included.length} secret${result.included.length === 1 ? '' : 's'} encrypted` : ''}`,
  );
  for (const l of result.left) say(`  not included: ${l.what}: ${l.why}`);
  return 0;
}

async function importAll(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ['--config', '--passphrase-file'] });
  if (args.positional.length !== 1) throw new UsageError('import takes one FILE made by `burrow sessions export`');
  const store = openStore(args.values['--config'], io);
  const text = await readFile(args.positional[0]!, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError(args.positional[0]!, `cannot be read (${err.code ?? 'error'})`, 'Check the path.');
  });
  const passphrase = await exportPassphrase(args.values['--passphrase-file'], io);
  const report = await importBundle(text, { store, ...(passphrase !== undefined ? { passphrase } : {}) });
  const result = await applyImport(store, report, { secrets: secretsBeside(store, io) });
  for (const s of result.saved) io.out(`imported ${summary(s)}`);
  for (const n of [...report.couldNot, ...result.skipped]) io.out(`  not imported: ${n.what}: ${n.why}`);
  return 0;
}

/** A preset's text with its `{host}`-style blanks shown as `<host>`, the way a guide writes them. */
const blanks = (t: string): string => t.replace(/\{(\w+)\}/g, '<$1>');

function presets(argv: string[], io: CliIo): number {
  const args = parseArgs(argv, { flags: ['--json'] });
  if (args.flags.has('--json')) {
    io.out(JSON.stringify({ presets: PRESETS, databases: DATABASES }));
    return 0;
  }
  for (const p of PRESETS) {
    const remote =
      p.remotePort.kind === 'fixed'
        ? `remote port ${p.remotePort.port}`
        : p.remotePort.kind === 'database-prefix'
          ? 'remote port 1 + database port'
          : p.remotePort.kind === 'vendor-assigned'
            ? 'remote port assigned by the vendor'
            : 'no tunnel (the vendor connects in)';
    io.out(
      `${p.id.padEnd(15)} ${p.vendor}: user ${p.user ?? '(from the vendor)'}, SSH port ${p.port}, keepalive ${p.keepalive.intervalSeconds} s × ${p.keepalive.countMax}, ${remote}, key ${p.key.type}${p.key.bits ? ` ${p.key.bits}` : ''} made by ${p.key.madeBy}`,
    );
    p.nextSteps.forEach((step, i) => io.out(`    ${i + 1}. ${blanks(step)}`));
    for (const t of p.troubleshooting) io.out(`    if it does not work: ${blanks(t)}`);
  }
  io.out(`\ndatabases: ${DATABASES.map((d) => `${d.id} ${d.port}`).join(', ')}`);
  return 0;
}
