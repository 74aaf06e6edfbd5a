/** `burrow sessions`: the saved sessions, through the app (the Burrow that runs this config, or the app in this process). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { OPENSSH_OPTION } from '../../common/algorithms.js';
import type { SessionConfig } from '../../common/config.js';
import type { PresetView } from '../../common/contract.js';
import { forwardSpec } from '../../common/forward-spec.js';
import { readSecretFile, writePrivateFile } from '../app/platform.js';
import { AppCallError, openDoor, type Ask, type CliDoor } from './connect.js';
import type { CliIo } from './io.js';
import { parseOptions, portOption, UsageError } from './options.js';
import { editCommand, EDIT_USAGE, fieldAsFlag } from './session-edit.js';
import { notSaved, printWarnings, reportFailure, tookTheChange } from './say.js';
import { importVia } from './transfer.js';
import { askPassphrase } from './terminal.js';

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
add      makes a session from a vendor preset (\`burrow sessions presets\` lists them: fivetran,
         holistics, secoda, …), filling in what the vendor prescribes; --database (sqlserver,
         postgres, mysql, …) gives the target port and a remote port as the vendor suggests.
         Prints the vendor's next steps. --key-passphrase-file keeps the key and its passphrase in
         Burrow's secret store.
presets  the vendors' prescriptions and their steps (--json for programs).
export   writes all sessions to one file for another machine. Keys and passphrases are left out
         unless --with-secrets, which encrypts them with the passphrase in --passphrase-file
         (or BURROW_EXPORT_PASSPHRASE).
import   reads such a file; sessions whose name is already saved are reported and left alone.
proxy-password NAME [--password-file F | --forget]
         keeps the password of the session's HTTP or SOCKS5 proxy in Burrow's secret store (asked
         for on the terminal without echo, or read from the first line of F), or forgets it;
         without either, says whether one is kept.
To import an ssh/autossh/plink command, ~/.ssh/config, a PuTTY .reg export, known_hosts or
Secoda's environment, use \`burrow import\`.

${EDIT_USAGE}`;

/** Runs `burrow sessions …`; 0 on success, 1 on a config problem, 2 on a usage error. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  let door: CliDoor | undefined;
  /** Opens the door the subcommand works through, once its options are read. */
  const open = async (config: string | undefined): Promise<CliDoor> => (door = await openDoor(io, { config }));
  try {
    switch (sub) {
      case 'list':
        return await list(rest, io, open);
      case 'show':
        return await show(rest, io, open);
      case 'add':
        return await add(rest, io, open);
      case 'edit':
        return await editCommand(rest, io, open);
      case 'remove':
        return await remove(rest, io, open);
      case 'proxy-password':
        return await proxyPassword(rest, io, open);
      case 'export':
        return await exportAll(rest, io, open);
      case 'import':
        return await importAll(rest, io, open);
      case 'presets':
        return await presets(rest, io, open);
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
    return reportFailure(err, io, 'burrow sessions', USAGE, sub === 'edit' ? fieldAsFlag : addFlag);
  } finally {
    await door?.close();
  }
}

type Open = (config: string | undefined) => Promise<CliDoor>;

/** The flag of `sessions add` that gives a field, to name it in an error. */
function addFlag(field: string): string | undefined {
  return field === 'keyPassphrase' ? '--key-passphrase-file' : undefined;
}

/** One line about a saved session, as `list` and `add` print it. */
export function summary(s: SessionConfig): string {
  return `${s.name}  ${s.user}@${s.host}:${s.port}  ${s.forwards.map(forwardSpec).join(', ')}${s.autostart ? '  [autostart]' : ''}${s.preset ? `  (${s.preset})` : ''}`;
}

async function list(argv: string[], io: CliIo, open: Open): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, { config: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`list takes no arguments (got ${positionals.join(' ')})`);
  const door = await open(v.config);
  const sessions = (await door.ask('sessions:list', {})).map((view) => view.config);
  if (v.json) {
    io.out(JSON.stringify(sessions));
    return 0;
  }
  if (sessions.length === 0) io.out(`no saved sessions in ${door.file}`);
  for (const s of sessions) io.out(summary(s));
  return 0;
}

/** The vendor of a preset, by id. */
async function vendorOf(ask: Ask, preset: string | undefined): Promise<PresetView | undefined> {
  if (preset === undefined) return undefined;
  return (await ask('presets:list', {})).find((p) => p.id === preset);
}

/** The vendor's next steps (with this session's values and public key) and what to check when it does not work. */
async function printSteps(ask: Ask, s: SessionConfig, io: CliIo, steps?: ReadonlyArray<string>): Promise<void> {
  const { nextSteps, troubleshooting } = steps ? { nextSteps: steps, troubleshooting: [] } : await ask('sessions:next-steps', { id: s.id });
  if (nextSteps.length > 0) {
    io.out(`next steps (${(await vendorOf(ask, s.preset))?.vendor ?? s.preset}):`);
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
export function describeSession(s: SessionConfig, vendor?: string): string[] {
  const keys = [...(s.auth.keyId !== undefined ? [`key "${s.auth.keyId}" in Burrow's secret store`] : []), ...s.auth.identityFiles];
  const hk = s.hostKey;
  return [
    `${s.name}${s.id !== s.name ? ` (id ${s.id})` : ''}`,
    `  server:      ${s.user}@${s.host}, SSH port ${s.port}`,
    `  key:         ${keys.length > 0 ? keys.join(', ') : "OpenSSH's defaults (~/.ssh/id_ed25519, id_ecdsa, id_rsa)"}`,
    ...(s.auth.passphraseFile !== undefined ? [`  passphrase:  read from ${s.auth.passphraseFile}`] : []),
    `  host key:    ${hk.fingerprint !== undefined ? `pinned to ${hk.fingerprint}` : `${hk.policy}: ${POLICY_IN_WORDS[hk.policy]}`}`,
    ...(hk.fingerprint === undefined ? [`  known_hosts: ${hk.knownHostsFiles?.join(', ') ?? '~/.ssh/known_hosts'}`] : []),
    `  keepalive:   every ${s.keepalive.intervalSeconds} s; the link counts as lost after ${s.keepalive.countMax} unanswered`,
    `  timeout:     ${s.connectTimeoutSeconds} s to connect, log in and open the forwards`,
    ...(s.compression ? ['  compression: on'] : []),
    ...(s.reachCheckSeconds !== undefined ? [`  checked:     from the server's side every ${s.reachCheckSeconds} s while connected`] : []),
    ...(s.rekeyLimit
      ? [
          `  rekey:       ${[s.rekeyLimit.bytes !== undefined ? `after ${s.rekeyLimit.bytes} bytes` : '', s.rekeyLimit.seconds !== undefined ? `every ${s.rekeyLimit.seconds} s` : ''].filter(Boolean).join(', ')}`,
        ]
      : []),
    ...Object.entries(s.algorithms ?? {}).map(([k, v]) => `  algorithms:  ${OPENSSH_OPTION[k as keyof typeof OPENSSH_OPTION]}=${v}`),
    ...s.forwards.map((f, i) => `  ${i === 0 ? 'forwards:   ' : '           '} ${forwardSpec(f)}  (${forwardInWords(f)})`),
    `  starts:      ${s.autostart ? 'automatically (with the app, at login, with `burrow run --autostart`)' : 'by hand'}`,
    ...(s.preset !== undefined ? [`  preset:      ${vendor ?? s.preset}`] : []),
    ...(s.notes !== undefined ? [`  notes:       ${s.notes}`] : []),
  ];
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

async function show(argv: string[], io: CliIo, open: Open): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, { config: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('show takes one session name');
  const { ask } = await open(v.config);
  const name = positionals[0]!;
  const s = await ask('sessions:get', { id: name }).then(
    (r) => r.config,
    (err: unknown) => {
      throw notSaved(err, name);
    },
  );
  const steps = await ask('sessions:next-steps', { id: s.id });
  if (v.json) {
    io.out(JSON.stringify({ session: s, ...steps }));
    return 0;
  }
  for (const line of describeSession(s, (await vendorOf(ask, s.preset))?.vendor)) io.out(line);
  await printSteps(ask, s, io);
  return 0;
}

async function add(argv: string[], io: CliIo, open: Open): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, {
    config: { type: 'string' },
    preset: { type: 'string' },
    name: { type: 'string' },
    host: { type: 'string' },
    user: { type: 'string' },
    port: { type: 'string' },
    target: { type: 'string' },
    'target-host': { type: 'string' },
    database: { type: 'string' },
    'remote-port': { type: 'string' },
    identity: { type: 'string' },
    'key-id': { type: 'string' },
    'key-passphrase-file': { type: 'string' },
    autostart: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`add takes options only (got ${positionals.join(' ')})`);
  if (v.preset === undefined) throw new UsageError('add needs --preset (see `burrow sessions presets`)');
  if (v.name === undefined) throw new UsageError('add needs --name');
  let targetHost = v['target-host'];
  let targetPort: number | undefined;
  if (v.target !== undefined) {
    const m = /^(.+):(\d+)$/.exec(v.target);
    if (!m) throw new UsageError(`--target must be HOST:PORT (got ${v.target})`);
    targetHost = m[1]!.replace(/^\[(.*)\]$/, '$1');
    targetPort = portOption(m[2], '--target');
  }
  const port = portOption(v.port, '--port');
  const remotePort = portOption(v['remote-port'], '--remote-port');
  const keyPassphrase = v['key-passphrase-file'] !== undefined ? await readSecretFile(v['key-passphrase-file']) : undefined;
  const door = await open(v.config);
  const saved = await door.ask('presets:create-session', {
    presetId: v.preset,
    name: v.name,
    ...(v.host !== undefined ? { host: v.host } : {}),
    ...(v.user !== undefined ? { user: v.user } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(targetHost !== undefined ? { targetHost } : {}),
    ...(targetPort !== undefined ? { targetPort } : {}),
    ...(v.database !== undefined ? { database: v.database } : {}),
    ...(remotePort !== undefined ? { remotePort } : {}),
    // Relative to the folder this runs in, which a running Burrow does not share; ~ stays for the store.
    ...(v.identity !== undefined ? { identityFiles: [v.identity.startsWith('~') ? v.identity : path.resolve(v.identity)] } : {}),
    ...(v['key-id'] !== undefined ? { keyId: v['key-id'] } : {}),
    ...(keyPassphrase !== undefined ? { keyPassphrase } : {}),
    autostart: v.autostart === true,
  });
  if (saved.keptKey) io.out(`key: ${saved.keptKey.file} and its passphrase are kept in Burrow's secret store as "${saved.keptKey.keyId}"`);
  io.out(`saved ${summary(saved.session)} in ${door.file}`);
  printWarnings(saved, io);
  await printSteps(door.ask, saved.session, io);
  tookTheChange(io, door.runBy, [['added', [saved.session.name]]]);
  return 0;
}

async function remove(argv: string[], io: CliIo, open: Open): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, { config: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('remove takes one session name');
  const door = await open(v.config);
  const name = positionals[0]!;
  try {
    const { config } = await door.ask('sessions:get', { id: name });
    await door.ask('sessions:remove', { id: config.id });
    io.out(`removed ${config.name} from ${door.file}`);
    tookTheChange(io, door.runBy, [['removed', [config.name]]]);
  } catch (err) {
    throw notSaved(err, name, 'is not a saved session');
  }
  return 0;
}

async function proxyPassword(argv: string[], io: CliIo, open: Open): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, { config: { type: 'string' }, 'password-file': { type: 'string' }, forget: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('proxy-password takes one session name');
  if (v.forget && v['password-file'] !== undefined) throw new UsageError('give --password-file or --forget, not both');
  const door = await open(v.config);
  const name = positionals[0]!;
  let password: string | null | undefined;
  if (v.forget) password = null;
  else if (v['password-file'] !== undefined) password = await readSecretFile(v['password-file']);
  else if (io.interactive) {
    const view = await door.ask('sessions:get', { id: name });
    const proxy = view.config.proxy;
    if (proxy && proxy.type !== 'command' && proxy.user !== undefined) {
      password = await askPassphrase(`Password of ${proxy.user} at the proxy ${proxy.host}:${proxy.port} (not shown; empty keeps it as it is): `);
      if (password === '') password = undefined;
    }
  }
  const r = await door.ask('sessions:proxy-password', { id: name, ...(password !== undefined ? { password } : {}) });
  io.out(
    password === null
      ? `forgot the proxy password of ${name}`
      : password !== undefined
        ? `kept the proxy password of ${name} in the secret store (${r.secretName}); a service may be given it as ${r.environment} instead`
        : r.stored
          ? `a proxy password is kept for ${name} (${r.secretName}; ${r.environment} in the environment wins over it)`
          : `no proxy password is kept for ${name}; give one with --password-file F, or run this on a terminal`,
  );
  return 0;
}

/** The export passphrase: --passphrase-file, else BURROW_EXPORT_PASSPHRASE. */
export async function exportPassphrase(file: string | undefined, io: CliIo): Promise<string | undefined> {
  if (file !== undefined) return readSecretFile(file);
  const env = io.env.BURROW_EXPORT_PASSPHRASE;
  return env === undefined || env === '' ? undefined : env;
}

async function exportAll(argv: string[], io: CliIo, open: Open): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, {
    config: { type: 'string' },
    'passphrase-file': { type: 'string' },
    'with-secrets': { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError('export takes one FILE (or - for standard output)');
  const withSecrets = v['with-secrets'] === true;
  const passphrase = withSecrets ? await exportPassphrase(v['passphrase-file'], io) : undefined;
  if (withSecrets && passphrase === undefined) throw new UsageError('--with-secrets needs --passphrase-file FILE or BURROW_EXPORT_PASSPHRASE');
  if (!withSecrets && v['passphrase-file'] !== undefined) throw new UsageError('--passphrase-file is for --with-secrets');
  const { ask } = await open(v.config);
  const result = await ask('sessions:export', withSecrets ? { withSecrets, passphrase: passphrase! } : {});
  const target = positionals[0]!;
  if (target === '-') io.out(result.text.trimEnd());
  // The export names hosts and users (and, with secrets, carries keys encrypted): private like the store.
  else await writePrivateFile(path.resolve(target), result.text);
  const say = (line: string): void => (target === '-' ? io.err(line) : io.out(line));
  say(
    `exported ${result.sessions} session${result.sessions === 1 ? '' : 's'}${target === '-' ? '' : ` to ${target}`}${withSecrets ? `, with ${result.included.length} secret${result.included.length === 1 ? '' : 's'} encrypted` : ''}`,
  );
  for (const l of result.left) say(`  not included: ${l.what}: ${l.why}`);
  return 0;
}

async function importAll(argv: string[], io: CliIo, open: Open): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, { config: { type: 'string' }, 'passphrase-file': { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('import takes one FILE made by `burrow sessions export`');
  const file = positionals[0]!;
  const data = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new AppCallError({
      code: 'INVALID_INPUT',
      message: `${file} cannot be read`,
      field: file,
      problem: `cannot be read (${err.code ?? 'error'})`,
      hint: 'Check the path.',
    });
  });
  const passphrase = await exportPassphrase(v['passphrase-file'], io);
  const door = await open(v.config);
  const { preview, result } = await importVia(door.ask, { data, name: file }, { ...(passphrase !== undefined ? { passphrase } : {}) }, {}, (p) => {
    if (p.kind !== 'burrow-export')
      throw new UsageError(`${file} is not a file made by \`burrow sessions export\` (it reads as ${p.kind}): import it with \`burrow import\``, false);
  });
  for (const s of result.saved) io.out(`imported ${summary(s)}`);
  for (const n of [...preview.couldNot, ...result.skipped]) io.out(`  not imported: ${n.what}: ${n.why}`);
  tookTheChange(io, door.runBy, [['added', result.saved.map((s) => s.name)]]);
  return 0;
}

/** A preset's text with its `{host}`-style blanks shown as `<host>`, the way a guide writes them. */
const blanks = (t: string): string => t.replace(/\{(\w+)\}/g, '<$1>');

async function presets(argv: string[], io: CliIo, open: Open): Promise<number> {
  const { values: v } = parseOptions(argv, { json: { type: 'boolean' }, config: { type: 'string' } });
  const { ask } = await open(v.config);
  const all = await ask('presets:list', {});
  if (v.json) {
    io.out(JSON.stringify({ presets: all, databases: all[0]?.databases ?? [] }));
    return 0;
  }
  for (const p of all) {
    const r = p.remotePort;
    const remote =
      r.kind === 'fixed'
        ? `remote port ${r.port}`
        : r.kind === 'database-prefix'
          ? 'remote port 1 + database port'
          : r.kind === 'vendor-assigned'
            ? 'remote port assigned by the vendor'
            : 'no tunnel (the vendor connects in)';
    io.out(
      `${p.id.padEnd(15)} ${p.vendor}: user ${p.user ?? '(from the vendor)'}, SSH port ${p.port}, keepalive ${p.keepalive.intervalSeconds} s × ${p.keepalive.countMax}, ${remote}, key ${p.key.type}${p.key.bits ? ` ${p.key.bits}` : ''} made by ${p.key.madeBy}`,
    );
    p.nextSteps.forEach((step, i) => io.out(`    ${i + 1}. ${blanks(step)}`));
    for (const t of p.troubleshooting) io.out(`    if it does not work: ${blanks(t)}`);
  }
  const databases = [...(all[0]?.databases ?? [])];
  io.out(`\ndatabases: ${databases.map((d) => `${d.id} ${d.port}`).join(', ')}`);
  return 0;
}
