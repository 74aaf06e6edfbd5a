/**
 * What Burrow stores: serialisable session and forward settings. The live objects (sockets,
 * timers, counters) live in main/core/session and are never stored.
 */
import type { AlgorithmsConfig } from './algorithms.js';

export type { AlgorithmsConfig } from './algorithms.js';

/** Where a forward listens and where its connections go, in OpenSSH's four flavours. */
export type ForwardConfig =
  /** `-R [bind_address:]port:host:hostport`: the server listens, we connect to host:hostport. */
  | { readonly type: 'remote'; readonly bindAddress?: string; readonly bindPort: number; readonly targetHost: string; readonly targetPort: number }
  /** `-R [bind_address:]port` (OpenSSH ≥ 7.6): the server listens, each connection speaks SOCKS to us. */
  | { readonly type: 'remote-dynamic'; readonly bindAddress?: string; readonly bindPort: number }
  /** `-L [bind_address:]port:host:hostport`: we listen, the server connects to host:hostport. */
  | { readonly type: 'local'; readonly bindAddress?: string; readonly bindPort: number; readonly targetHost: string; readonly targetPort: number }
  /** `-D [bind_address:]port`: we listen and speak SOCKS, the server connects. */
  | { readonly type: 'local-dynamic'; readonly bindAddress?: string; readonly bindPort: number };

export type ForwardType = ForwardConfig['type'];

/**
 * OpenSSH's StrictHostKeyChecking: `yes` = must already be known, `accept-new` = trust on first
 * use and record it, `no` = accept anything (explicit opt-out, warned), `ask` = ask a person when
 * one is attached, otherwise behave as `yes`.
 */
export type HostKeyPolicy = 'yes' | 'accept-new' | 'no' | 'ask';

export interface HostKeyConfig {
  readonly policy: HostKeyPolicy;
  /** known_hosts files, first one written to; default `~/.ssh/known_hosts` like OpenSSH. */
  readonly knownHostsFiles?: ReadonlyArray<string>;
  /** A pinned `SHA256:…` fingerprint: when set, only that key is accepted. */
  readonly fingerprint?: string;
}

export interface AuthConfig {
  /** Private key files tried in order (OpenSSH's IdentityFile); empty = OpenSSH's defaults. */
  readonly identityFiles: ReadonlyArray<string>;
  /** A file holding the key's passphrase (first line), for unattended use. */
  readonly passphraseFile?: string;
  /**
   * A private key held by the key layer's SecretStore, referenced by its id and tried before
   * `identityFiles`. The key itself is never in the config file. (Config version 2.)
   */
  readonly keyId?: string;
  /**
   * Log in with the keys of an SSH agent: `"env"` is the one `SSH_AUTH_SOCK` names (Pageant on
   * Windows), anything else the agent's socket path (OpenSSH's IdentityAgent). Its keys are
   * offered before the key files. (Config version 4.)
   */
  readonly agent?: string;
  /**
   * OpenSSH's IdentitiesOnly: of the agent's keys, offer only those whose public half matches
   * one of `identityFiles` (or `keyId`). (Config version 4.)
   */
  readonly identitiesOnly?: boolean;
}

/**
 * One SSH server crossed before the session's own (`-J [user@]host[:port]`, ProxyJump). Each hop
 * is a full SSH connection: what is left out here is the session's (its user, keys, agent and
 * host-key policy and files). (Config version 4.)
 */
export interface JumpHostConfig {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly identityFiles?: ReadonlyArray<string>;
  /** A pinned `SHA256:…` fingerprint for this hop's host key. */
  readonly fingerprint?: string;
}

/** A proxy Burrow speaks itself; its password (if any) is kept in the secret store, never here. */
export interface NetworkProxyConfig {
  /** `http`: HTTP CONNECT; `socks5`; `socks4` (SOCKS4a when the proxy resolves names). */
  readonly type: 'http' | 'socks5' | 'socks4';
  readonly host: string;
  readonly port: number;
  /** User for the proxy's authentication (HTTP Basic, SOCKS5 user/password, SOCKS4 user id). */
  readonly user?: string;
  /**
   * The proxy resolves the SSH server's name (PuTTY's ProxyDNS; SOCKS4a, SOCKS5 with a name);
   * false: this machine resolves it and hands the proxy an address. Default true.
   */
  readonly remoteDns?: boolean;
  /**
   * Where its password is kept, when it is not the session's own (`proxy-<session id>`): the
   * default proxy of Settings keeps its password as `proxy-default`. Set by the app, never stored
   * in a session.
   */
  readonly passwordSecret?: string;
}

/** Settings' default proxy: used by every session that has no proxy of its own, except those `exclude` names. */
export interface DefaultProxyConfig extends NetworkProxyConfig {
  /** Hosts reached directly: `*.corp.example`, `10.*`, `db1`; localhost and 127.* always are. */
  readonly exclude: ReadonlyArray<string>;
}

/** OpenSSH's ProxyCommand: a program whose standard input and output are the connection. */
export interface CommandProxyConfig {
  readonly type: 'command';
  /** Run by the shell (`/bin/sh -c`, cmd.exe on Windows), with `%h %p %r %n %%` expanded. */
  readonly command: string;
}

/** How the first TCP connection of a session (to its first jump host, or its server) is made. (Config version 4.) */
export type ProxyConfig = NetworkProxyConfig | CommandProxyConfig;

export interface KeepaliveConfig {
  /** ServerAliveInterval in seconds; 0 turns keepalive off (not recommended). */
  readonly intervalSeconds: number;
  /** ServerAliveCountMax: unanswered keepalives before the link is declared dead. */
  readonly countMax: number;
}

/**
 * OpenSSH's RekeyLimit: re-exchange keys after `bytes` in either direction and/or after `seconds`.
 * Left out, the data limit is OpenSSH's default for the cipher (64 GiB for AES, 1 GiB for
 * ChaCha20-Poly1305) and there is no time limit. (Config version 3.)
 */
export interface RekeyLimitConfig {
  readonly bytes?: number;
  readonly seconds?: number;
}

/** One SSH connection and its forwards: what `burrow run` and the app start and keep alive. */
export interface SessionConfig {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly auth: AuthConfig;
  readonly hostKey: HostKeyConfig;
  readonly keepalive: KeepaliveConfig;
  /** Covers TCP connect, key exchange and login of one attempt (OpenSSH's ConnectTimeout). */
  readonly connectTimeoutSeconds: number;
  /** `-C`: zlib compression. */
  readonly compression: boolean;
  /** `-o RekeyLimit`: when to renew the session keys; absent = OpenSSH's default. */
  readonly rekeyLimit?: RekeyLimitConfig;
  /**
   * Check each remote forward from the server's side (what the vendor reaches) again every so many
   * seconds while connected, not only when the tunnel connects; absent = only then. (Config version 5.)
   */
  readonly reachCheckSeconds?: number;
  /**
   * `-o KexAlgorithms`, `HostKeyAlgorithms`, `PubkeyAcceptedAlgorithms`, `Ciphers`, `MACs`, each
   * kept as written in OpenSSH's syntax (`"+ssh-rsa"`); absent = OpenSSH's client defaults.
   * (Config version 3.)
   */
  readonly algorithms?: AlgorithmsConfig;
  /** `-J`: the SSH servers crossed, in order, before `host`. (Config version 4.) */
  readonly jumpHosts?: ReadonlyArray<JumpHostConfig>;
  /** An HTTP or SOCKS proxy, or a ProxyCommand, for the first connection. (Config version 4.) */
  readonly proxy?: ProxyConfig;
  readonly forwards: ReadonlyArray<ForwardConfig>;
  /** Start when the app starts / at login. */
  readonly autostart: boolean;
  /** The vendor preset the session was made from (`fivetran`, `secoda`, …), so doors can show its next steps. (Config version 2.) */
  readonly preset?: string;
  /** Free text for people: where the session came from, what the vendor assigned. (Config version 2.) */
  readonly notes?: string;
}

/** The file `burrow run --config` reads and the app stores. */
export interface ConfigFile {
  readonly version: number;
  readonly sessions: ReadonlyArray<SessionConfig>;
}

/** Defaults that mirror OpenSSH where it has one, and keep tunnels alive where it does not. */
export const SESSION_DEFAULTS = {
  port: 22,
  keepalive: { intervalSeconds: 15, countMax: 3 },
  connectTimeoutSeconds: 20,
  compression: false,
  autostart: false,
} as const;
