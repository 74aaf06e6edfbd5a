/**
 * Changing a saved session a piece at a time (what `burrow sessions edit` does, and any door that
 * changes one setting): a JSON merge patch of the stored settings, forwards in ssh's own words,
 * OpenSSH's RekeyLimit, and a key's passphrase to keep in the secret store. Validated exactly as
 * the store validates; nothing is saved unless all of it is valid, and an edit made to an older
 * version of the session is refused rather than put over a newer one.
 */
import type { ForwardConfig, SessionConfig } from '../../common/config.js';
import { forwardSpec } from '../../common/forward-spec.js';
import { ConfigError } from '../core/config/config-error.js';
import { patchSession } from '../core/config/edit.js';
import { CommandLineError, parseForwardSpec } from '../core/config/importers/command-line.js';
import { keepStoredKeyPassphrase, saveWithKeptKey } from '../core/config/key-passphrase.js';
import { parseRekeyLimit, RekeyLimitError } from '../core/config/ssh-options.js';
import type { ConfigStore } from '../core/config/store.js';
import { changedFields, sessionVersion } from '../core/config/versions.js';
import type { SecretStore } from '../core/keys/index.js';

export interface EditRequest {
  readonly patch?: Readonly<Record<string, unknown>>;
  readonly forwards?: { readonly set?: ReadonlyArray<string>; readonly add?: ReadonlyArray<string>; readonly remove?: ReadonlyArray<string> };
  readonly rekeyLimit?: string;
  readonly keyPassphrase?: string;
  readonly version?: string;
}

/** A forward in ssh's words: `-R 11433:db:1433`, `R 11433:db:1433`, `-L …`, `-D 1080`. */
function forwardOf(field: string, spec: string): ForwardConfig {
  const m = /^-?([RLD])\s*(.+)$/s.exec(spec.trim());
  if (!m) {
    throw new ConfigError(field, `${JSON.stringify(spec)} is not a forward`, 'Write it as ssh does: -R 11433:db.internal:1433, -L 15432:db:5432 or -D 1080.');
  }
  try {
    return parseForwardSpec(m[1] as 'R' | 'L' | 'D', m[2]!);
  } catch (err) {
    if (err instanceof CommandLineError) throw new ConfigError(field, `${err.option}: ${err.problem}`, err.fix);
    throw err;
  }
}

/** The merge patch the request asks for: its own, with forwards and RekeyLimit read into stored form. */
function patchOf(r: EditRequest, current: SessionConfig): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...(r.patch ?? {}) };
  const f = r.forwards;
  if (f && (f.set !== undefined || f.add !== undefined || f.remove !== undefined)) {
    let forwards = f.set !== undefined ? f.set.map((s) => forwardOf('forwards.set', s)) : [...current.forwards];
    for (const s of f.add ?? []) forwards.push(forwardOf('forwards.add', s));
    for (const s of f.remove ?? []) {
      const spec = forwardSpec(forwardOf('forwards.remove', s));
      const i = forwards.findIndex((x) => forwardSpec(x) === spec);
      if (i < 0) {
        throw new ConfigError(
          'forwards.remove',
          `${spec} is not one of the session's forwards (${forwards.map(forwardSpec).join(', ') || 'none'})`,
          'Give one of them as it is listed.',
        );
      }
      forwards = forwards.filter((_, j) => j !== i);
    }
    patch.forwards = forwards;
  }
  if (r.rekeyLimit !== undefined) {
    try {
      const limit = r.rekeyLimit.trim() === '' ? {} : parseRekeyLimit(r.rekeyLimit);
      patch.rekeyLimit = Object.keys(limit).length > 0 ? limit : null;
    } catch (err) {
      if (err instanceof RekeyLimitError) throw new ConfigError('session.rekeyLimit', err.message, err.fix);
      throw err;
    }
  }
  return patch;
}

export interface Edited {
  readonly before: SessionConfig;
  readonly after: SessionConfig;
  readonly keptKey?: { readonly file: string; readonly keyId: string };
}

/**
 * Applies an edit to `before`: validated as the store validates, then saved made to `before`'s
 * version (or the version the request names), a key passphrase into the secret store (removed
 * again if the save fails).
 */
export async function applyEdit(
  r: EditRequest,
  before: SessionConfig,
  deps: { store: ConfigStore; secrets: SecretStore; home?: string; known?: SessionConfig },
): Promise<Edited> {
  const patch = patchOf(r, before);
  if (Object.keys(patch).length === 0 && r.keyPassphrase === undefined) {
    throw new ConfigError('(edit)', 'changes nothing', 'Give at least one setting to change.');
  }
  const after = patchSession(before, patch, deps.store.sessions());
  const version = r.version ?? sessionVersion(before);
  const known = deps.known ?? before;
  const update = async (s: SessionConfig): Promise<void> => deps.store.update(s, { version, known });
  if (r.keyPassphrase !== undefined) {
    if (after.auth.keyId === undefined || after.auth.identityFiles.length > 0) {
      const kept = await saveWithKeptKey(deps.secrets, after, r.keyPassphrase, 'keyPassphrase', update, deps.home);
      return { before, after: kept.session, keptKey: { file: kept.file, keyId: kept.keyId } };
    }
    await keepStoredKeyPassphrase(deps.secrets, after.auth.keyId, r.keyPassphrase, 'keyPassphrase');
  }
  await update(after);
  return { before, after };
}

export { changedFields };
