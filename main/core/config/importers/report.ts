/** What every importer hands back: the sessions it made, what it took, and what it could not, with why. */
import type { SessionConfig } from '../../../../common/config.js';
import type { KnownHostEntry } from '../../session/host-keys.js';

export type ImportKind = 'command-line' | 'ssh-config' | 'putty-reg' | 'known-hosts' | 'secoda-env' | 'burrow-export' | 'burrow-config';

/** Something in the input that was not turned into Burrow settings, and the reason. */
export interface NotTaken {
  /** The item as the input names it: `Host db: ProxyJump bastion`, `line 7`, `PortForwardings L3389=…`. */
  readonly what: string;
  readonly why: string;
}

export interface ImportReport {
  readonly kind: ImportKind;
  /** Validated sessions, ready to save (ids are made by the store from the names). */
  readonly sessions: ReadonlyArray<SessionConfig>;
  /** Host keys to trust (the known_hosts importer, PuTTY's cached host keys). */
  readonly hostKeys: ReadonlyArray<KnownHostEntry>;
  /** What was taken, one line per session or setting, for people. */
  readonly took: ReadonlyArray<string>;
  readonly couldNot: ReadonlyArray<NotTaken>;
}

/** Where an importer may put a private key it finds (Secoda's SSH_KEY_BASE64), getting back what the config references. */
export type KeySink = (suggestedName: string, privateKey: Buffer) => { readonly identityFile: string } | { readonly keyId: string };
