/**
 * Vendor presets: what each vendor's own setup guide prescribes (user, SSH port, keepalive, bind
 * address, remote port, pinned host key, key type) and its next steps, plus the common database
 * ports used to suggest targets and remote ports. Sources: the vendors' public setup guides
 * (Fivetran, Secoda, Holistics, Espresso Logic, QueryCanary), quoted in seeds.test.ts.
 */
import type { ForwardConfig, HostKeyPolicy, KeepaliveConfig, SessionConfig } from '../../../common/config.js';
import { SESSION_DEFAULTS } from '../../../common/config.js';
import { fingerprintOf } from '../session/host-keys.js';
import { ConfigError } from './config-error.js';
import { parseSessionConfig } from './schema.js';

/** A database kind and the port it listens on unless configured otherwise. */
export interface DatabaseKind {
  readonly id: string;
  readonly name: string;
  readonly port: number;
  readonly aliases?: ReadonlyArray<string>;
}

/** Default ports of the databases people tunnel to most. */
export const DATABASES: ReadonlyArray<DatabaseKind> = [
  { id: 'postgresql', name: 'PostgreSQL', port: 5432, aliases: ['postgres', 'pg'] },
  { id: 'mysql', name: 'MySQL', port: 3306 },
  { id: 'mariadb', name: 'MariaDB', port: 3306 },
  { id: 'sqlserver', name: 'SQL Server', port: 1433, aliases: ['mssql', 'sql-server'] },
  { id: 'oracle', name: 'Oracle (SQL*Net listener)', port: 1521 },
  { id: 'redshift', name: 'Amazon Redshift', port: 5439 },
  { id: 'mongodb', name: 'MongoDB', port: 27017, aliases: ['mongo'] },
  { id: 'db2', name: 'IBM Db2', port: 50000 },
  { id: 'clickhouse', name: 'ClickHouse (native protocol)', port: 9000 },
  { id: 'cockroachdb', name: 'CockroachDB', port: 26257 },
  { id: 'sap-hana', name: 'SAP HANA', port: 30015, aliases: ['hana'] },
  // Fivetran's guide: for High-Volume Agent connectors the target is the agent's listener.
  { id: 'fivetran-hva', name: 'Fivetran High-Volume Agent listener', port: 4343 },
];

/** The database named by id or alias (any case), or undefined. */
export function findDatabase(name: string): DatabaseKind | undefined {
  const n = name.toLowerCase();
  return DATABASES.find((d) => d.id === n || d.aliases?.includes(n));
}

/**
 * A remote port for a database port, as Fivetran recommends: the database port with a `1` in front
 * (1433 → 11433), one more for each further connection (11434, …). Where that passes 65535 the
 * last four digits go after `1` instead (27017 → 17017).
 */
export function suggestRemotePort(databasePort: number, taken: Iterable<number> = []): number {
  const used = new Set(taken);
  const prefixed = Number(`1${databasePort}`);
  let port = prefixed <= 65535 ? prefixed : 10000 + (databasePort % 10000);
  while (used.has(port) && port < 65535) port++;
  return port;
}

export type PresetId = 'fivetran' | 'holistics' | 'secoda' | 'espresso-logic' | 'querycanary' | 'generic';

/** How the port the vendor connects to on its side is chosen. */
export type RemotePortRule =
  | { readonly kind: 'database-prefix' }
  | { readonly kind: 'fixed'; readonly port: number }
  | { readonly kind: 'vendor-assigned'; readonly example?: number }
  | { readonly kind: 'none' };

/** The key the vendor's guide has the customer use. */
export interface PresetKey {
  /** OpenSSH key type name as `ssh-keygen -t` takes it, or the vendor's own key's type. */
  readonly type: 'rsa' | 'ed25519' | 'ecdsa-sha2-nistp256';
  readonly bits?: number;
  /** Who makes the key pair: you (and send the public key) or the vendor (and sends you a key). */
  readonly madeBy: 'you' | 'vendor';
  /** Whether the guide wants a passphrase; the vendors that run unattended say no. */
  readonly passphrase: boolean;
  /** The form the vendor hands its key over in, when it makes it. */
  readonly format?: string;
}

/** One vendor's prescription. */
export interface VendorPreset {
  readonly id: PresetId;
  readonly vendor: string;
  /**
   * `reverse`: Burrow opens the tunnel to the vendor. `inbound`: the vendor connects in through
   * your SSH server and there is nothing for Burrow to keep open; the preset is then a checklist.
   */
  readonly direction: 'reverse' | 'inbound';
  /** The SSH user the guide prescribes, when it names one. */
  readonly user?: string;
  readonly port: number;
  readonly keepalive: KeepaliveConfig;
  /** The forward the guide sets up. */
  readonly forward: 'remote' | 'remote-dynamic' | 'none';
  /** Bind address on the vendor's server; absent = the server's loopback, as `ssh -R port:…` asks. */
  readonly bindAddress?: string;
  readonly remotePort: RemotePortRule;
  readonly hostKeyPolicy: HostKeyPolicy;
  /** The host key the vendor publishes, as a known_hosts line's `type base64` part. */
  readonly publishedHostKey?: string;
  readonly key: PresetKey;
  /** Databases the guide names, to offer first. */
  readonly databases?: ReadonlyArray<string>;
  /**
   * What to do on the vendor's side, in order, as short text for the UI. `{host}`, `{port}`,
   * `{user}` and `{remotePort}` are filled in from the session by nextStepsFor().
   */
  readonly nextSteps: ReadonlyArray<string>;
  /** The guide's own checks when the tunnel does not work. */
  readonly troubleshooting: ReadonlyArray<string>;
}

const SECODA_HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBo2+mYwlNTvJXrNCETYHrrHyUGMnWdQO5vEhFVU833o';

/** The presets, in the order a picker shows them (generic last). */
export const PRESETS: ReadonlyArray<VendorPreset> = [
  {
    id: 'fivetran',
    vendor: 'Fivetran',
    direction: 'reverse',
    user: 'fivetran',
    port: 22,
    // autossh … -o ServerAliveInterval=10 -o ServerAliveCountMax=1 (the PuTTY variant: 5 s).
    keepalive: { intervalSeconds: 10, countMax: 1 },
    forward: 'remote',
    remotePort: { kind: 'database-prefix' },
    hostKeyPolicy: 'ask',
    key: { type: 'rsa', bits: 2048, madeBy: 'you', passphrase: false },
    databases: ['sqlserver', 'postgresql', 'mysql', 'fivetran-hva'],
    nextSteps: [
      "Send Fivetran Support this machine's public key, its public IP address (CIDR notation), the SSH user name {user} and the name of the Fivetran destination.",
      "Fivetran replies with the IP address of its reverse SSH host: that is this session's host ({host}).",
      'In Fivetran\'s connection form enter Host localhost, Port {remotePort}, Connection Method "Connect via an SSH tunnel", SSH Host {host}, SSH Port {port}, SSH User {user}.',
      'Each connection needs its own remote port: Fivetran counts up from {remotePort} for further connections to the same kind of database.',
    ],
    troubleshooting: ['Only one tunnel at a time can hold a remote port: stop any other autossh or PuTTY tunnel using {remotePort} first.'],
  },
  {
    id: 'holistics',
    vendor: 'Holistics',
    direction: 'reverse',
    port: 50022,
    // autossh -M 0 -N -o "ServerAliveInterval 60" -o "ServerAliveCountMax 3" -R *:port:db:dbport … -p 50022
    keepalive: { intervalSeconds: 60, countMax: 3 },
    forward: 'remote',
    bindAddress: '*',
    remotePort: { kind: 'vendor-assigned', example: 20032 },
    hostKeyPolicy: 'ask',
    key: { type: 'rsa', bits: 4096, madeBy: 'you', passphrase: false },
    databases: ['postgresql', 'mysql', 'sqlserver', 'redshift'],
    nextSteps: [
      "Send your public key to Holistics Support and wait for the tunnel ports they authorise; the session's remote port ({remotePort}) must be one of them.",
      'Use the tunnel server of your region as the host, the user name Holistics gives you, and SSH port {port}.',
      'In Holistics add the data source with the tunnel server as host and port {remotePort}, and choose "Direct connection".',
    ],
    troubleshooting: [
      'This machine must reach the tunnel server on port {port} (nc -w 10 {host} {port}; `burrow diagnose` checks it).',
      'This machine must reach the database itself (telnet or a database client from here).',
      "The tunnel ports accept connections from Holistics's servers only: test the tunnel from the Holistics UI, not from your side.",
    ],
  },
  {
    id: 'secoda',
    vendor: 'Secoda',
    direction: 'reverse',
    user: 'tunnel',
    port: 22,
    // autossh -N -M0 -o "ServerAliveInterval 15" -o "ServerAliveCountMax 4" … -R 0.0.0.0:$SSH_LISTEN_PORT
    keepalive: { intervalSeconds: 15, countMax: 4 },
    // No destination after the port: the server's connections speak SOCKS and names resolve here.
    forward: 'remote-dynamic',
    bindAddress: '0.0.0.0',
    remotePort: { kind: 'vendor-assigned' },
    hostKeyPolicy: 'yes',
    publishedHostKey: SECODA_HOST_KEY,
    key: { type: 'rsa', madeBy: 'vendor', passphrase: false, format: 'SSH_KEY_BASE64 (base64 of the private key file)' },
    nextSteps: [
      'Create a reverse tunnel at https://app.secoda.co/tunnels and copy its docker-compose environment (SSH_HOST, SSH_PORT, SSH_LISTEN_PORT, SSH_KEY_BASE64) into `burrow import`.',
      "On the integration's credentials page in Secoda, select this reverse tunnel and give the database host as this machine sees it: names are resolved here.",
      'Click "Test connection" in Secoda.',
    ],
    troubleshooting: [
      'If the connection never gets past the SSH version exchange, the outbound connection to {host}:{port} is blocked: check the firewall; Secoda can move the port to one your firewall allows.',
    ],
  },
  {
    id: 'espresso-logic',
    vendor: 'Espresso Logic',
    direction: 'reverse',
    user: 'tunnel',
    port: 22,
    // The guide sets no keepalive; Burrow's defaults keep the tunnel alive.
    keepalive: { ...SESSION_DEFAULTS.keepalive },
    forward: 'remote',
    remotePort: { kind: 'fixed', port: 23432 },
    hostKeyPolicy: 'ask',
    key: { type: 'rsa', madeBy: 'vendor', passphrase: false, format: 'PEM private key file (.pem); Burrow reads it as is, no conversion to .ppk' },
    databases: ['sqlserver', 'mysql', 'oracle'],
    nextSteps: [
      'Use the private key file (.pem) Espresso Logic sent you and the Espresso server name it gave you as the host.',
      'In the Logic Designer, give the database URL with the address Espresso Logic names for tunnelled databases and port {remotePort}.',
    ],
    troubleshooting: ['Outbound SSH (port {port}) must be allowed by your firewall.'],
  },
  {
    id: 'querycanary',
    vendor: 'QueryCanary',
    direction: 'inbound',
    port: 22,
    keepalive: { ...SESSION_DEFAULTS.keepalive },
    forward: 'none',
    remotePort: { kind: 'none' },
    hostKeyPolicy: 'ask',
    key: { type: 'ecdsa-sha2-nistp256', madeBy: 'vendor', passphrase: false, format: 'an authorized_keys line: ecdsa-sha2-nistp256 AAAA… querycanary.com' },
    databases: ['postgresql', 'mysql'],
    nextSteps: [
      "In QueryCanary, enable the SSH tunnel for the server and enter your SSH server's hostname, port (22 unless changed) and user.",
      "QueryCanary shows a public key made for that server (ecdsa-sha2-nistp256 … querycanary.com): let it in with `burrow authorize`, which adds it to that user's ~/.ssh/authorized_keys (made 700 and 600, as the guide asks) allowed to open the database's host and port and nothing else.",
      'Give the database host and port as the SSH server sees them (5432 for PostgreSQL, 3306 for MySQL).',
    ],
    troubleshooting: [
      'QueryCanary cannot connect to the SSH server: check the hostname, port and user, and that the server is reachable from the internet.',
      "Invalid SSH key: the key QueryCanary made for this server must be in that user's authorized_keys.",
      'Database connection issues: the database host and port must be right from the SSH server, and the database must accept connections from it.',
    ],
  },
  {
    id: 'generic',
    vendor: 'Other (generic reverse tunnel)',
    direction: 'reverse',
    port: 22,
    keepalive: { ...SESSION_DEFAULTS.keepalive },
    forward: 'remote',
    remotePort: { kind: 'database-prefix' },
    hostKeyPolicy: 'ask',
    key: { type: 'ed25519', madeBy: 'you', passphrase: false },
    nextSteps: [
      "Send the vendor this machine's public key and ask for the SSH host, port and user name to connect to.",
      'Tell the vendor to connect to localhost:{remotePort} on its SSH server.',
    ],
    troubleshooting: [],
  },
];

/** The preset with this id; throws ConfigError listing the ids otherwise. */
export function getPreset(id: string): VendorPreset {
  const preset = PRESETS.find((p) => p.id === id.toLowerCase());
  if (!preset) throw new ConfigError('preset', `${JSON.stringify(id)} is not a preset`, `Use one of ${PRESETS.map((p) => p.id).join(', ')}.`);
  return preset;
}

/** The SHA256 fingerprint of a preset's published host key. */
export function publishedFingerprint(preset: VendorPreset): string | undefined {
  if (!preset.publishedHostKey) return undefined;
  return fingerprintOf(Buffer.from(preset.publishedHostKey.split(' ')[1]!, 'base64'));
}

/** What a person (or an importer) adds to a preset to make a session. */
export interface PresetInput {
  readonly name: string;
  readonly host?: string;
  readonly user?: string;
  readonly port?: number;
  /** The database as this machine reaches it. */
  readonly targetHost?: string;
  /** Its port; or give `database` for the default port of a kind. */
  readonly targetPort?: number;
  readonly database?: string;
  readonly remotePort?: number;
  readonly identityFiles?: ReadonlyArray<string>;
  readonly keyId?: string;
  /** The host key to pin instead of the one the vendor publishes (the one the vendor's own script carries). */
  readonly fingerprint?: string;
  readonly autostart?: boolean;
  /** Remote ports other saved sessions use, so a suggestion does not collide. */
  readonly takenRemotePorts?: Iterable<number>;
}

function need(field: string, fix: string): never {
  throw new ConfigError(field, 'is missing', fix);
}

/** A validated session from a preset and what only the person knows. Throws ConfigError naming what is missing. */
export function sessionFromPreset(presetId: string, input: PresetInput): SessionConfig {
  const preset = getPreset(presetId);
  if (preset.direction === 'inbound') {
    throw new ConfigError(
      'preset',
      `${preset.vendor} connects in through your own SSH server, so there is no tunnel for Burrow to keep open`,
      `Follow the preset's steps instead: ${preset.nextSteps[1]}`,
    );
  }
  const host = input.host ?? need('host', `Give the SSH server ${preset.vendor} names for you.`);
  const user = input.user ?? preset.user ?? need('user', `Give the SSH user name ${preset.vendor} gives you.`);

  let forward: ForwardConfig;
  const bind = preset.bindAddress !== undefined ? { bindAddress: preset.bindAddress } : {};
  if (preset.forward === 'remote-dynamic') {
    const bindPort = input.remotePort ?? need('remotePort', `Give the listen port ${preset.vendor} assigned to this tunnel.`);
    forward = { type: 'remote-dynamic', ...bind, bindPort };
  } else {
    const targetHost = input.targetHost ?? need('targetHost', 'Give the database host as this machine reaches it, e.g. localhost or db.internal.');
    const db = input.database !== undefined ? findDatabase(input.database) : undefined;
    if (input.database !== undefined && !db) {
      throw new ConfigError(
        'database',
        `${JSON.stringify(input.database)} is not a database Burrow knows`,
        `Give targetPort instead, or one of ${DATABASES.map((d) => d.id).join(', ')}.`,
      );
    }
    const targetPort = input.targetPort ?? db?.port ?? need('targetPort', 'Give the database port, or the database kind for its default port.');
    const rule = preset.remotePort;
    const bindPort =
      input.remotePort ??
      (rule.kind === 'fixed' ? rule.port : undefined) ??
      (rule.kind === 'database-prefix' ? suggestRemotePort(targetPort, input.takenRemotePorts) : undefined) ??
      need('remotePort', `Give the remote port ${preset.vendor} assigned${rule.kind === 'vendor-assigned' && rule.example ? ` (e.g. ${rule.example})` : ''}.`);
    forward = { type: 'remote', ...bind, bindPort, targetHost, targetPort };
  }
  const fingerprint = input.fingerprint ?? publishedFingerprint(preset);
  return parseSessionConfig({
    name: input.name,
    host,
    port: input.port ?? preset.port,
    user,
    auth: { identityFiles: [...(input.identityFiles ?? [])], ...(input.keyId !== undefined ? { keyId: input.keyId } : {}) },
    hostKey: { policy: preset.hostKeyPolicy, ...(fingerprint ? { fingerprint } : {}) },
    keepalive: preset.keepalive,
    forwards: [forward],
    autostart: input.autostart ?? false,
    preset: preset.id,
  });
}

/**
 * A session's preset steps and checks, with its host, port, user and remote port filled in. With
 * the public key of the session's key (when the vendor's guide has you make the key), the steps
 * start with it: it is what the vendor needs first.
 */
export function nextStepsFor(
  session: SessionConfig,
  publicKey?: string,
): { readonly nextSteps: ReadonlyArray<string>; readonly troubleshooting: ReadonlyArray<string> } {
  const preset = PRESETS.find((p) => p.id === session.preset);
  if (!preset) return { nextSteps: [], troubleshooting: [] };
  const remote = session.forwards.find((f) => f.type === 'remote' || f.type === 'remote-dynamic');
  const values: Record<string, string> = {
    host: session.host,
    port: String(session.port),
    user: session.user,
    remotePort: remote ? String(remote.bindPort) : '(remote port)',
  };
  const fill = (s: string): string => s.replace(/\{(host|port|user|remotePort)\}/g, (_, k: string) => values[k]!);
  const key =
    publicKey !== undefined && preset.key.madeBy === 'you'
      ? [`The public key to give ${preset.vendor} (it authorises user "${session.user}"): ${publicKey}`]
      : [];
  return { nextSteps: [...key, ...preset.nextSteps.map(fill)], troubleshooting: preset.troubleshooting.map(fill) };
}
