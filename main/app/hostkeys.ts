/**
 * A server's host key, trusted on purpose: shown as the server presents it beside what Burrow
 * knows of it, recorded once a person agrees, replaced only when asked to, forgotten on request.
 * One implementation for every door: `burrow trust` on the command line and the window's host-key
 * screens.
 */
import type { SessionConfig } from '../../common/config.js';
import type { HostKeyCheck, HostKeyStatus, HostKeyTrusted, KnownHostsView } from '../../common/contract.js';
import type { ConfigStore } from '../core/config/store.js';
import { readFile } from 'node:fs/promises';
import {
  entryMatches,
  fingerprintOf,
  hostIsKnown,
  hostKeyName,
  knownHostsFiles,
  parseKnownHosts,
  removeKnownHost,
  removeKnownHostLine,
} from '../core/session/host-keys.js';
import { fetchHostKey, recordHostKey, trustStatus } from '../core/trust.js';
import { fail } from './errors.js';

/** The session a request is about: a saved one (by id or name) or settings not saved (a command line). */
export interface Target {
  readonly config: SessionConfig;
  readonly saved: boolean;
}

export class HostKeys {
  constructor(
    private readonly store: ConfigStore,
    private readonly home: string | undefined,
  ) {}

  /** Connects to the server (as far as its key) and says what Burrow knows of the key it presents. */
  async check(t: Target): Promise<HostKeyCheck> {
    const cfg = t.config;
    const key = await fetchHostKey(cfg, this.home);
    const status = await trustStatus(cfg, key, this.home);
    const base = { host: cfg.host, port: cfg.port, name: hostKeyName(cfg.host, cfg.port), keyType: key.keyType, fingerprint: key.fingerprint };
    switch (status.kind) {
      case 'revoked':
        return { ...base, status: { kind: 'revoked', file: status.entry.file, line: status.entry.line } };
      case 'known':
        return { ...base, status: { kind: 'known', file: status.entry.file, line: status.entry.line } };
      case 'pinned':
        return { ...base, status: { kind: 'pinned', matches: status.matches, pinned: status.pinned } };
      case 'changed':
        return {
          ...base,
          status: {
            kind: 'changed',
            recorded: status.entries.map((e) => ({ keyType: e.keyType, fingerprint: fingerprintOf(e.keyBlob), file: e.file, line: e.line })),
          },
        };
      case 'unknown':
        return { ...base, status: { kind: 'unknown' } };
    }
  }

  /**
   * Trusts the key the server presents now, which must be the one the person was shown
   * (`fingerprint`): a key that changed between the look and the yes is not recorded.
   */
  async trust(t: Target, fingerprint: string, replace: boolean): Promise<HostKeyTrusted> {
    const cfg = t.config;
    const key = await fetchHostKey(cfg, this.home);
    if (key.fingerprint !== fingerprint) {
      fail(
        'CONFLICT',
        `${hostKeyName(cfg.host, cfg.port)} now presents ${key.fingerprint}, not the key you agreed to (${fingerprint})`,
        'Nothing was recorded. Check the key again; if it keeps changing, someone may be intercepting the connection.',
        'fingerprint',
      );
    }
    const status = await trustStatus(cfg, key, this.home);
    switch (status.kind) {
      case 'revoked':
        return fail(
          'FORBIDDEN',
          `this key is marked @revoked in ${status.entry.file}:${status.entry.line}, so it is never trusted`,
          'The server needs a new host key; ask its owner.',
        );
      case 'known':
        return { already: true };
      case 'pinned': {
        if (status.matches) return { already: true };
        if (!replace) {
          fail(
            'CONFLICT',
            `the server presents a key other than the one this session pins (${status.pinned})`,
            'Someone may be intercepting the connection; ask the vendor for its current fingerprint. If it is the new one, replace the pin.',
            'replace',
          );
        }
        if (!t.saved) {
          fail(
            'UNSUPPORTED',
            `a command line's pin is part of the command: replace ${status.pinned} with ${key.fingerprint} in it`,
            'Change the command (plink: -hostkey), or save the session and replace its pin.',
          );
        }
        await this.store.update({ ...cfg, hostKey: { ...cfg.hostKey, fingerprint: key.fingerprint } });
        return { pinned: { fingerprint: key.fingerprint, previous: status.pinned } };
      }
      case 'changed': {
        if (!replace) {
          fail(
            'CONFLICT',
            `the key recorded for ${hostKeyName(cfg.host, cfg.port)} is another one: someone may be intercepting the connection`,
            'If the server was really reinstalled and its owner confirms the new fingerprint, replace the recorded key.',
            'replace',
          );
        }
        const r = await recordHostKey(cfg, key, { replace: true, ...(this.home !== undefined ? { home: this.home } : {}) });
        return { file: r.file, removed: r.removed };
      }
      case 'unknown': {
        const r = await recordHostKey(cfg, key, this.home !== undefined ? { home: this.home } : {});
        return { file: r.file };
      }
    }
  }

  /** Forgets what is recorded for a saved session's server: its pin, else its known_hosts lines (each file kept as FILE.old). */
  async forget(cfg: SessionConfig): Promise<{ removed: number; file?: string; unpinned?: string }> {
    if (cfg.hostKey.fingerprint !== undefined) {
      const { fingerprint: unpinned, ...hostKey } = cfg.hostKey;
      await this.store.update({ ...cfg, hostKey });
      return { removed: 0, unpinned };
    }
    let removed = 0;
    let file: string | undefined;
    for (const f of knownHostsFiles(cfg.hostKey, this.home)) {
      const n = await removeKnownHost(f, cfg.host, cfg.port);
      if (n > 0) file ??= f;
      removed += n;
    }
    return { removed, ...(file !== undefined ? { file } : {}) };
  }

  /** The known_hosts files Burrow reads: the default ones and every session's own, once each. */
  private files(configs: ReadonlyArray<SessionConfig>): string[] {
    const all = new Set<string>(knownHostsFiles({ policy: 'ask' }, this.home));
    for (const c of configs) for (const f of knownHostsFiles(c.hostKey, this.home)) all.add(f);
    return [...all];
  }

  /** What each known_hosts file trusts, with the saved sessions each line is for. */
  async list(configs: ReadonlyArray<SessionConfig>, shown: number): Promise<KnownHostsView> {
    const files: Array<KnownHostsView['files'][number]> = [];
    for (const file of this.files(configs)) {
      let text: string | undefined;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        text = undefined; // Missing: OpenSSH reads it as empty; shown as "not there yet".
      }
      const parsed = parseKnownHosts(text ?? '', file);
      files.push({
        file,
        exists: text !== undefined,
        entryCount: parsed.entries.length,
        problems: parsed.problems.slice(0, shown),
        entries: parsed.entries.slice(0, shown).map((e) => ({
          line: e.line,
          hosts: e.hosts.startsWith('|1|') ? '(hashed)' : e.hosts,
          keyType: e.keyType,
          fingerprint: fingerprintOf(e.keyBlob),
          ...(e.marker ? { marker: e.marker } : {}),
          sessions: configs.filter((c) => knownHostsFiles(c.hostKey, this.home).includes(file) && entryMatches(e, c.host, c.port)).map((c) => c.name),
        })),
      });
    }
    return { files };
  }

  /** Removes one line of a file Burrow reads, if it still holds the key the person was shown. */
  async remove(configs: ReadonlyArray<SessionConfig>, file: string, line: number, fingerprint: string): Promise<{ file: string; line: number }> {
    // Only the files Burrow itself reads: a request cannot edit any file of this account.
    if (!this.files(configs).includes(file)) {
      fail('INVALID_INPUT', `${file} is not a known_hosts file Burrow reads`, 'Pick a line from the list of known hosts.', 'file');
    }
    if (!(await removeKnownHostLine(file, line, fingerprint))) {
      fail(
        'CONFLICT',
        `line ${line} of ${file} no longer holds the key ${fingerprint}`,
        'The file changed since it was shown: look at the list again.',
        'line',
      );
    }
    return { file, line };
  }

  /** Whether the server's key is already trusted (known or pinned), without connecting. */
  async status(cfg: SessionConfig): Promise<HostKeyStatus> {
    return {
      name: hostKeyName(cfg.host, cfg.port),
      policy: cfg.hostKey.policy,
      known: await hostIsKnown(cfg.hostKey, cfg.host, cfg.port, this.home),
    };
  }
}
