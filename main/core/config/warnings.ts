/**
 * What is worth telling a person about a session when it is saved, though it is valid: one copy
 * for every door (the command line's import, add and edit, and the window's editor and imports).
 */
import { existsSync } from 'node:fs';
import type { ForwardConfig, SessionConfig } from '../../../common/config.js';
import type { SessionWarning } from '../../../common/contract.js';
import { forwardSpec } from '../../../common/forward-spec.js';
import { inspectKeyFile, KeyError } from '../keys/index.js';
import { expandHome } from '../session/identity.js';

function remotePort(f: ForwardConfig): number | undefined {
  return (f.type === 'remote' || f.type === 'remote-dynamic') && f.bindPort !== 0 ? f.bindPort : undefined;
}

/**
 * Key files that do not exist (yet), and remote ports another saved session asks the same server
 * for: only one of two such sessions can hold the port at a time, and each would take it from the
 * other on every reconnect. `others` may include `session` itself (by id), which is skipped.
 */
export function sessionWarnings(session: SessionConfig, others: ReadonlyArray<SessionConfig>, home?: string): SessionWarning[] {
  return warningsForMany([session], others, home).get(session.id) ?? [];
}

/**
 * sessionWarnings for many sessions at once (an import of thousands): the remote ports of
 * `others` are indexed once by server, so each session costs its own forwards, not the whole store.
 */
export function warningsForMany(sessions: ReadonlyArray<SessionConfig>, others: ReadonlyArray<SessionConfig>, home?: string): Map<string, SessionWarning[]> {
  const claims = new Map<string, SessionConfig[]>();
  const claim = (s: SessionConfig, port: number): string => `${s.host.toLowerCase()}|${s.port}|${port}`;
  for (const other of others) {
    for (const port of new Set(other.forwards.map(remotePort).filter((p) => p !== undefined))) {
      const list = claims.get(claim(other, port));
      if (list) list.push(other);
      else claims.set(claim(other, port), [other]);
    }
  }
  const exists = new Map<string, boolean>();
  const out = new Map<string, SessionWarning[]>();
  for (const session of sessions) {
    const lines: SessionWarning[] = [];
    for (const f of session.auth.identityFiles) {
      const file = expandHome(f, home);
      if (!exists.has(file)) exists.set(file, existsSync(file));
      if (!exists.get(file))
        lines.push({ kind: 'key-file-missing', file: f, text: `The key file ${f} does not exist (yet): the session cannot log in until it does.` });
    }
    for (const f of session.forwards) {
      const port = remotePort(f);
      if (port === undefined) continue;
      for (const other of claims.get(claim(session, port)) ?? []) {
        if (other.id === session.id) continue;
        lines.push({
          kind: 'remote-port-shared',
          text: `"${other.name}" also asks ${session.host} for remote port ${port} (${forwardSpec(f)}): only one of the two can have it at a time.`,
        });
      }
    }
    out.set(session.id, lines);
  }
  return out;
}

/**
 * The session's key files that need a passphrase no one will be there to type: files that exist,
 * are encrypted, and have no passphrase file of the session's own.
 */
export async function encryptedKeyFiles(session: Pick<SessionConfig, 'auth'>, home?: string): Promise<string[]> {
  if (session.auth.passphraseFile !== undefined) return [];
  const out: string[] = [];
  for (const f of session.auth.identityFiles) {
    const file = expandHome(f, home);
    if (!existsSync(file)) continue;
    try {
      if ((await inspectKeyFile(file)).encrypted) out.push(f);
    } catch (err) {
      // Encrypted PEM keeps even its public half encrypted: that says enough.
      if (err instanceof KeyError && err.code === 'KEY_PASSPHRASE_NEEDED') out.push(f);
      else if (!(err instanceof KeyError)) throw err;
    }
  }
  return out;
}

/** Every warning about a session: sessionWarnings, and its encrypted key files. */
export async function allWarnings(session: SessionConfig, general: ReadonlyArray<SessionWarning>, home?: string): Promise<SessionWarning[]> {
  return [
    ...general,
    ...(await encryptedKeyFiles(session, home)).map((f): SessionWarning => ({
      kind: 'key-file-encrypted',
      file: f,
      text: `The key file ${f} is protected by a passphrase, which nobody will be there to type when the tunnel runs unattended: keep it in Burrow's secret store with its passphrase.`,
    })),
  ];
}
