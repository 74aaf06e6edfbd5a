/**
 * The keys Burrow holds for its sessions (`auth.keyId`): private keys and their passphrases in
 * the SecretStore as `key-<id>` and `passphrase-<id>`, and their public data in `keys.json` beside
 * the config, so the window lists them without decrypting anything. Keys are kept as OpenSSH
 * private keys whatever they were imported from (encrypted when a passphrase was given), the form
 * the engine loads fastest.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyView } from '../../common/contract.js';
import {
  exportKey,
  generateKey,
  importKey,
  inspectKey,
  KeyError,
  writeKeyFile,
  type ExportFormat,
  type KeyInfo,
  type KeyPair,
  type SecretStore,
} from '../core/keys/index.js';
import type { ConfigStore } from '../core/config/store.js';
import { keySecretName, passphraseSecretName } from '../core/session/identity.js';
import { fail } from './errors.js';

/** What `keys.json` holds for one key: public data only. */
interface IndexEntry {
  readonly id: string;
  readonly info: KeyInfo;
  readonly encrypted: boolean;
}

/** How an export reaches the person: a file written (desktop) or a one-time download (browser). */
export interface Exporter {
  offer(fileName: string, data: Buffer): Promise<{ readonly savedTo?: string; readonly downloadUrl?: string }>;
}

const PROGRESS_EVERY_MS = 250;

export class KeyLibrary {
  private readonly indexFile: string;

  constructor(
    private readonly store: ConfigStore,
    private readonly secrets: SecretStore,
    private readonly exporter: Exporter,
    private readonly progress: (opId: string, state: 'working' | 'done' | 'failed', elapsedMs: number) => void,
  ) {
    this.indexFile = path.join(store.folder, 'keys.json');
  }

  /** Every stored key: those in the index, and any the secret store holds that it does not list yet (an import by the CLI). */
  async list(): Promise<KeyView[]> {
    const index = await this.readIndex();
    const names = (await this.secrets.list()).filter((n) => n.startsWith('key-'));
    let changed = false;
    for (const name of names) {
      const id = name.slice('key-'.length);
      if (index.has(id)) continue;
      const entry = await this.describe(id).catch(() => undefined);
      if (entry) {
        index.set(id, entry);
        changed = true;
      }
    }
    // An entry whose secret is gone (deleted by hand) is not a key any more.
    for (const id of index.keys()) {
      if (!names.includes(keySecretName(id))) {
        index.delete(id);
        changed = true;
      }
    }
    if (changed) await this.writeIndex(index);
    return Promise.all([...index.values()].map((e) => this.view(e)));
  }

  async get(id: string): Promise<KeyView> {
    const entry = (await this.readIndex()).get(id) ?? (await this.list(), (await this.readIndex()).get(id));
    if (!entry) fail('NOT_FOUND', `There is no stored key "${id}"`, 'Pick one of the keys Burrow lists, or import the key again.', 'id');
    return this.view(entry);
  }

  /** Generates a key in the worker, with progress events while it works (RSA-4096 takes seconds). */
  async generate(a: {
    opId: string;
    type: 'ed25519' | 'rsa' | 'ecdsa';
    bits?: number;
    comment?: string;
    passphrase?: string;
    storePassphrase?: boolean;
  }): Promise<KeyView> {
    const started = Date.now();
    const tick = setInterval(() => this.progress(a.opId, 'working', Date.now() - started), PROGRESS_EVERY_MS);
    this.progress(a.opId, 'working', 0);
    try {
      // Two vendors' tunnels must not both show "burrow-tunnel" in every key list: names are unique.
      const comment = a.comment ? this.uniqueComment(a.comment, await this.readIndex()) : undefined;
      const key = await generateKey({ type: a.type, ...(a.bits !== undefined ? { bits: a.bits } : {}), ...(comment ? { comment } : {}) });
      const view = await this.keep(key, a.passphrase, a.storePassphrase ?? false);
      this.progress(a.opId, 'done', Date.now() - started);
      return view;
    } catch (err) {
      this.progress(a.opId, 'failed', Date.now() - started);
      throw err;
    } finally {
      clearInterval(tick);
    }
  }

  /** Imports a key in any format the key layer reads; an encrypted one needs its passphrase (KEY_ERROR / KEY_PASSPHRASE_NEEDED). */
  async import(input: Buffer | string, passphrase: string | undefined, storePassphrase: boolean, fileName?: string): Promise<KeyView> {
    const key = await importKey(input, passphrase !== undefined && passphrase !== '' ? { passphrase } : {});
    // A key without a comment (a .pem, a .ppk made without one) is named after its file, as the
    // person knows it ("espresso_tunnel"), not after its type and a random suffix.
    const base = fileName ? path.basename(fileName).replace(/\.(pem|ppk|key|pub|txt)$/i, '') : '';
    const name = key.info.comment || base;
    return this.keep(key, passphrase || undefined, storePassphrase, name ? this.uniqueComment(name, await this.readIndex()) : undefined);
  }

  /** `name`, or `name (2)`, `name (3)`…: the first no stored key is called. */
  private uniqueComment(name: string, index: ReadonlyMap<string, IndexEntry>): string {
    const taken = new Set([...index.values()].map((e) => e.info.comment));
    if (!taken.has(name)) return name;
    for (let n = 2; ; n++) if (!taken.has(`${name} (${n})`)) return `${name} (${n})`;
  }

  /** Writes the key in a file format and hands it to the person (never through a reply). */
  async export(
    id: string,
    format: ExportFormat,
    passphrase: string | undefined,
    keyPassphrase: string | undefined,
  ): Promise<{ fileName: string; savedTo?: string; downloadUrl?: string }> {
    const key = await this.open(id, keyPassphrase);
    const data = await exportKey(key, format, passphrase ? { passphrase } : {});
    const fileName = `${id}${format === 'openssh' ? '' : '.ppk'}`;
    return { fileName, ...(await this.exporter.offer(fileName, data)) };
  }

  /** Deletes a key no session uses; one in use is refused, naming the sessions. */
  async delete(id: string): Promise<void> {
    const users = this.usedBy(id);
    if (users.length > 0) {
      fail('CONFLICT', `The key "${id}" is used by ${users.map((u) => `"${u}"`).join(', ')}`, 'Give those sessions another key first, or remove them.', 'id');
    }
    const index = await this.readIndex();
    if (!index.has(id) && (await this.secrets.get(keySecretName(id))) === undefined) {
      fail('NOT_FOUND', `There is no stored key "${id}"`, 'Nothing to delete.', 'id');
    }
    await this.secrets.delete(keySecretName(id));
    await this.secrets.delete(passphraseSecretName(id));
    index.delete(id);
    await this.writeIndex(index);
  }

  /** The key, decrypted, for an export (its stored passphrase, or the one given now). */
  private async open(id: string, keyPassphrase: string | undefined): Promise<KeyPair> {
    const text = await this.secrets.get(keySecretName(id));
    if (text === undefined) fail('NOT_FOUND', `There is no stored key "${id}"`, 'Pick one of the keys Burrow lists.', 'id');
    const passphrase = keyPassphrase || (await this.secrets.get(passphraseSecretName(id)));
    return importKey(text, passphrase !== undefined ? { passphrase } : {});
  }

  private async keep(key: KeyPair, passphrase: string | undefined, storePassphrase: boolean, comment?: string): Promise<KeyView> {
    const index = await this.readIndex();
    const same = [...index.values()].find((e) => e.info.fingerprint === key.info.fingerprint);
    if (same) fail('CONFLICT', `Burrow already holds this key as "${same.id}"`, 'Use the stored key; there is no need to import it twice.');
    // The name it is listed by (and the comment at the end of its public line), when not its own.
    const info: KeyInfo =
      comment === undefined || comment === key.info.comment
        ? key.info
        : { ...key.info, comment, publicKey: `${key.info.publicKey.split(' ').slice(0, 2).join(' ')} ${comment}` };
    const id = this.newId(info, index);
    const text = await exportKey(key, 'openssh', passphrase ? { passphrase } : {});
    await this.secrets.set(keySecretName(id), text.toString('utf8'));
    if (passphrase && storePassphrase) await this.secrets.set(passphraseSecretName(id), passphrase);
    const entry: IndexEntry = { id, info: { ...info, format: 'openssh', encrypted: passphrase !== undefined }, encrypted: passphrase !== undefined };
    index.set(id, entry);
    await this.writeIndex(index);
    return this.view(entry);
  }

  /** A readable id: the comment (or type) and a few random characters, unique among the stored keys. */
  private newId(info: KeyInfo, index: ReadonlyMap<string, IndexEntry>): string {
    const base =
      (info.comment || info.type)
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || info.type;
    for (;;) {
      const id = `${base}-${randomBytes(2).toString('hex')}`;
      if (!index.has(id)) return id;
    }
  }

  /** Public data of a key found in the secret store without an index entry. */
  private async describe(id: string): Promise<IndexEntry> {
    const text = await this.secrets.get(keySecretName(id));
    if (text === undefined) throw new Error('gone');
    let info: KeyInfo;
    try {
      info = await inspectKey(text);
    } catch (err) {
      // PEM and PKCS#8 keep the public half encrypted too: the stored passphrase opens it.
      const pass = await this.secrets.get(passphraseSecretName(id));
      if (!(err instanceof KeyError) || pass === undefined) throw err;
      info = (await importKey(text, { passphrase: pass })).info;
    }
    return { id, info, encrypted: info.encrypted };
  }

  private async view(e: IndexEntry): Promise<KeyView> {
    return {
      id: e.id,
      type: e.info.type,
      algorithm: e.info.algorithm,
      bits: e.info.bits,
      comment: e.info.comment,
      publicKey: e.info.publicKey,
      fingerprint: e.info.fingerprint,
      encrypted: e.encrypted,
      passphraseStored: e.encrypted && (await this.secrets.get(passphraseSecretName(e.id))) !== undefined,
      usedBy: this.usedBy(e.id),
    };
  }

  private usedBy(id: string): string[] {
    return this.store
      .sessions()
      .filter((s) => s.auth.keyId === id)
      .map((s) => s.name);
  }

  private async readIndex(): Promise<Map<string, IndexEntry>> {
    try {
      const doc = JSON.parse(await readFile(this.indexFile, 'utf8')) as { keys?: IndexEntry[] };
      return new Map((doc.keys ?? []).map((e) => [e.id, e]));
    } catch {
      // No index yet, or a damaged one: list() rebuilds it from the secret store.
      return new Map();
    }
  }

  private async writeIndex(index: ReadonlyMap<string, IndexEntry>): Promise<void> {
    await writeKeyFile(this.indexFile, JSON.stringify({ keys: [...index.values()] }, null, 2) + '\n', 0o600, true);
  }
}
