/**
 * Which version of a saved session a change was made to. Every update names the version it
 * started from (its settings' hash); when the stored session has changed since — another window,
 * the command line, a reload — the update is refused with what changed, instead of silently
 * putting back the older settings.
 */
import { createHash } from 'node:crypto';
import type { SessionConfig } from '../../../common/config.js';
import { forwardSpec } from '../../../common/forward-spec.js';

/** A short, stable name of a session's stored settings: it changes whenever any of them does. */
export function sessionVersion(session: SessionConfig): string {
  return createHash('sha256').update(JSON.stringify(session)).digest('base64url').slice(0, 16);
}

/** Every leaf setting of a session as `path: value`, to say what a change changed. */
function leaves(o: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof o === 'object' && o !== null && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) for (const [p, x] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(p, x);
  } else {
    out.set(prefix, Array.isArray(o) && prefix === 'forwards' ? (o as SessionConfig['forwards']).map(forwardSpec).join(', ') : JSON.stringify(o));
  }
  return out;
}

/** What changed between two versions of a session, one `field: old → new` each. */
export function changedFields(before: SessionConfig, after: SessionConfig): string[] {
  const a = leaves(before);
  const b = leaves(after);
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) !== b.get(k)) out.push(`${k}: ${a.get(k) ?? '(none)'} → ${b.get(k) ?? '(none)'}`);
  }
  return out;
}

/** An update made to a version of a session that is no longer the stored one. */
export class SessionChangedError extends Error {
  /**
   * `changes`: what changed between the version the update started from and the stored one, when
   * that version is known; otherwise empty.
   */
  constructor(
    readonly current: SessionConfig,
    readonly changes: ReadonlyArray<string>,
  ) {
    super(`"${current.name}" was changed elsewhere since this change was started${changes.length > 0 ? ` (${changes.join('; ')})` : ''}`);
    this.name = 'SessionChangedError';
  }
}
