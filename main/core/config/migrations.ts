/**
 * Config file migrations: each step turns the document of one version into the next, so a file
 * from any earlier Burrow is read by this one. The versions:
 *
 * - 1: the first shipped format (sessions with auth by key files, host-key policy, keepalive,
 *   forwards, autostart).
 * - 2: sessions may reference a key held by the SecretStore (`auth.keyId`) and carry `preset` and
 *   `notes`. The version changed because a version-1 reader would ignore `auth.keyId` and log in
 *   with another key, or none: it must refuse a version-2 file instead.
 * - 3: sessions may carry SSH protocol settings (`rekeyLimit`, and `algorithms`: the key
 *   exchange, host key, signature, cipher and MAC lists in OpenSSH's syntax). Nothing to convert;
 *   the version changed so that an older Burrow says "written by a newer Burrow, upgrade" instead
 *   of calling the new settings unknown.
 * - 4: sessions may cross jump hosts (`jumpHosts`), go out through a proxy (`proxy`) and log in
 *   through an SSH agent (`auth.agent`, `auth.identitiesOnly`). Nothing to convert; a version-3
 *   reader must refuse such a file rather than connect directly, skipping the company's proxy.
 * - 5: sessions may check their remote forwards from the server's side periodically
 *   (`reachCheckSeconds`). Nothing to convert; the version changed so that an older Burrow says
 *   the file was written by a newer one instead of calling the setting unknown.
 */
import { ConfigError } from './config-error.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Version 1 → 2. */
function v1ToV2(doc: Json): Json {
  // Version 1 ignored these names; carried over they would suddenly change how a session logs in
  // (a stray `keyId`) or what the app shows, so they are dropped to keep the file's meaning.
  const sessions = Array.isArray(doc.sessions)
    ? doc.sessions.map((s) => {
        if (!isObject(s)) return s;
        const { preset: _preset, notes: _notes, ...rest } = s;
        if (!isObject(rest.auth)) return rest;
        const { keyId: _keyId, ...auth } = rest.auth;
        return { ...rest, auth };
      })
    : doc.sessions;
  return { ...doc, version: 2, sessions };
}

/** Version 2 → 3: only new, optional settings. */
function v2ToV3(doc: Json): Json {
  return { ...doc, version: 3 };
}

/** Version 3 → 4: only new, optional settings. */
function v3ToV4(doc: Json): Json {
  return { ...doc, version: 4 };
}

/** Version 4 → 5: only a new, optional setting. */
function v4ToV5(doc: Json): Json {
  return { ...doc, version: 5 };
}

/** `STEPS[n]` turns a version-n document into version n + 1. */
const STEPS: Readonly<Record<number, (doc: Json) => Json>> = { 1: v1ToV2, 2: v2ToV3, 3: v3ToV4, 4: v4ToV5 };

/** The newest version the steps reach: the one this Burrow writes. */
export const LATEST_VERSION = Math.max(...Object.keys(STEPS).map(Number)) + 1;

/**
 * Brings a parsed config document to the latest version. `from` is the version it had; a document
 * without `version` is hand-written and taken to be the latest. Throws ConfigError for a version
 * that is not a whole number or is newer than this Burrow.
 */
export function migrateDocument(doc: Json): { doc: Json; from: number } {
  const version = doc.version === undefined ? LATEST_VERSION : doc.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new ConfigError('version', `is ${JSON.stringify(version)}`, `Use ${LATEST_VERSION}, or leave it out for a hand-written file.`);
  }
  if (version > LATEST_VERSION) {
    throw new ConfigError(
      'version',
      `is ${version}, written by a newer Burrow (this one reads up to ${LATEST_VERSION})`,
      'Upgrade Burrow, or open the file with the Burrow that wrote it.',
    );
  }
  let current = doc;
  for (let v = version; v < LATEST_VERSION; v++) current = STEPS[v]!(current);
  return { doc: current, from: version };
}
