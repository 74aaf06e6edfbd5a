/**
 * The file paths a session stores, made absolute against the folder a command ran in: a saved
 * session runs later from anywhere (a service starts in `/`), where `keys/id_rsa` means nothing.
 */
import path from 'node:path';
import type { SessionConfig } from '../../../common/config.js';

/**
 * `p` resolved against `cwd`, unless it is absolute already, home-relative (`~/…`, expanded when
 * used, as OpenSSH does) or a Windows path (a PuTTY export read on another system).
 */
export function absolutePath(p: string, cwd: string): string {
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\') || path.isAbsolute(p) || path.win32.isAbsolute(p)) return p;
  return path.resolve(cwd, p);
}

/** The session with its key, passphrase and known_hosts files absolute (see absolutePath). */
export function withAbsolutePaths<T extends Pick<SessionConfig, 'auth' | 'hostKey'>>(session: T, cwd: string): T {
  const abs = (p: string): string => absolutePath(p, cwd);
  const { passphraseFile } = session.auth;
  const { knownHostsFiles } = session.hostKey;
  return {
    ...session,
    auth: {
      ...session.auth,
      identityFiles: session.auth.identityFiles.map(abs),
      ...(passphraseFile !== undefined ? { passphraseFile: abs(passphraseFile) } : {}),
    },
    hostKey: { ...session.hostKey, ...(knownHostsFiles !== undefined ? { knownHostsFiles: knownHostsFiles.map(abs) } : {}) },
  };
}
