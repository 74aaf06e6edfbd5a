/**
 * Changing a saved session a piece at a time (`burrow sessions edit`): a JSON merge patch on the
 * stored session, validated exactly as the store validates, so nothing half-valid is ever saved.
 */
import type { SessionConfig } from '../../../common/config.js';
import { isObject } from '../../../common/config-schema.js';
import { ConfigError } from './config-error.js';
import { findSession, parseSessionConfig } from './schema.js';

/**
 * RFC 7386 JSON merge patch: an object merges into an object, `null` removes a member, anything
 * else (arrays included) replaces.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * `current` with `patch` applied and validated; `others` are the other saved sessions, whose names
 * a new name must not take. The id never changes (the secret store and other doors know the
 * session by it). Throws ConfigError naming the field (`session.keepalive.intervalSeconds`) and the fix.
 */
export function patchSession(current: SessionConfig, patch: unknown, others: ReadonlyArray<SessionConfig>): SessionConfig {
  if (!isObject(patch)) throw new ConfigError('(patch)', 'must be a JSON object', 'Give the settings to change, e.g. {"keepalive":{"intervalSeconds":10}}.');
  if ('id' in patch && patch.id !== current.id) {
    throw new ConfigError(
      'session.id',
      'cannot be changed',
      'Rename the session with its name instead; the id stays, as stored keys and other doors know the session by it.',
    );
  }
  const next = parseSessionConfig(mergePatch(current, patch), 'session');
  const clash = findSession(
    others.filter((s) => s.id !== current.id),
    next.name,
  );
  if (clash && clash.name.toLowerCase() === next.name.toLowerCase()) {
    throw new ConfigError('session.name', `${JSON.stringify(next.name)} is already the name of another saved session`, 'Pick another name.');
  }
  return next;
}
