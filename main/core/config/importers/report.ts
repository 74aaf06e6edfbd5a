/** What every importer hands back: the sessions it made, what it took, and what it could not, with why. */
import { inspect } from 'node:util';
import type { SessionConfig } from '../../../../common/config.js';
import type { KnownHostEntry } from '../../session/host-keys.js';

export type ImportKind = 'command-line' | 'shell-script' | 'ssh-config' | 'putty-reg' | 'known-hosts' | 'secoda-env' | 'burrow-export';

/**
 * A session name made from what the input calls it, without spaces, so that every later command
 * (`burrow run NAME`, `burrow trust NAME`) takes it unquoted: `office tunnels` → `office-tunnels`.
 */
export function importedName(name: string): string {
  return name.trim().replace(/\s+/g, '-');
}

/**
 * How a session reaches its server, for a line of `took`: `, through the SOCKS 5 proxy
 * proxy.corp:1080 and the jump host ops@bastion:22`; empty for a direct connection. A proxy
 * command is shown as it will run, so that a person sees the program before saving.
 */
export function routeText(s: SessionConfig): string {
  const steps: string[] = [];
  const proxy = s.proxy;
  if (proxy?.type === 'command') steps.push(`the proxy command ${JSON.stringify(proxy.command)}`);
  else if (proxy)
    steps.push(
      `the ${{ http: 'HTTP', socks5: 'SOCKS 5', socks4: 'SOCKS 4' }[proxy.type]} proxy ${proxy.user ? `${proxy.user}@` : ''}${proxy.host}:${proxy.port}`,
    );
  const hops = s.jumpHosts ?? [];
  if (hops.length > 0)
    steps.push(`the jump host${hops.length === 1 ? '' : 's'} ${hops.map((h) => `${h.user ? `${h.user}@` : ''}${h.host}:${h.port}`).join(', ')}`);
  return steps.length > 0 ? `, through ${steps.join(' and ')}` : '';
}

/** Something in the input that was not turned into Burrow settings, and the reason. */
export interface NotTaken {
  /** The item as the input names it: `Host db: ProxyJump bastion`, `line 7`, `PortForwardings L3389=…`. */
  readonly what: string;
  readonly why: string;
}

/**
 * A private key found in the input (Secoda's SSH_KEY_BASE64, an export with secrets), held until
 * the session that uses it is saved, then handed to the SecretStore as `key-<keyId>` (and its
 * passphrase as `passphrase-<keyId>`). It prints and serialises as
 * "[redacted]", so a report can be logged or sent over IPC without leaking it.
 */
export class PendingKey {
  readonly #material: string;
  readonly #passphrase: string | undefined;

  constructor(
    readonly keyId: string,
    material: string,
    passphrase?: string,
  ) {
    this.#material = material;
    this.#passphrase = passphrase;
  }

  /** The key text, for the SecretStore only. */
  reveal(): string {
    return this.#material;
  }

  /** The key's passphrase when it travelled with it (an export with secrets), for the SecretStore only. */
  revealPassphrase(): string | undefined {
    return this.#passphrase;
  }

  toJSON(): { keyId: string; material: string } {
    return { keyId: this.keyId, material: '[redacted]' };
  }

  [inspect.custom](): string {
    return `PendingKey(${this.keyId}, [redacted])`;
  }
}

/**
 * A key or passphrase file that arrived in an export with secrets, held until the session that
 * points at `path` is saved; then written there 0600, or under a free name beside it, as a file
 * already there is never replaced. Prints and serialises as "[redacted]", like PendingKey.
 */
export class PendingFile {
  readonly #content: Buffer;

  constructor(
    readonly path: string,
    content: Buffer,
  ) {
    this.#content = content;
  }

  /** The file's bytes, for writing the file only. */
  reveal(): Buffer {
    return this.#content;
  }

  toJSON(): { path: string; content: string } {
    return { path: this.path, content: '[redacted]' };
  }

  [inspect.custom](): string {
    return `PendingFile(${this.path}, [redacted])`;
  }
}

export interface ImportReport {
  readonly kind: ImportKind;
  /** Validated sessions, ready to save (ids are made by the store from the names). */
  readonly sessions: ReadonlyArray<SessionConfig>;
  /** Host keys to trust (the known_hosts importer, PuTTY's cached host keys). */
  readonly hostKeys: ReadonlyArray<KnownHostEntry>;
  /** Private keys the sessions reference by `auth.keyId`, to be put in the SecretStore. */
  readonly keys?: ReadonlyArray<PendingKey>;
  /** Files the sessions point at by `PendingFile.path`, written only for a session being saved. */
  readonly files?: ReadonlyArray<PendingFile>;
  /** What was taken, one line per session or setting, for people. */
  readonly took: ReadonlyArray<string>;
  readonly couldNot: ReadonlyArray<NotTaken>;
  /** What was taken but deserves a person's attention (the input disagrees with what Burrow knows). */
  readonly warnings?: ReadonlyArray<string>;
}
