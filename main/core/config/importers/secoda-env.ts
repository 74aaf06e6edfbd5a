/**
 * Imports a Secoda reverse tunnel from the environment Secoda's tunnels page gives out: the
 * docker-compose `environment:` block (list or map form), a `.env` file, or the variables at the
 * top of Secoda's autossh script (SSH_USER, SSH_HOST_PORT). The result is the Secoda preset:
 * reverse SOCKS on 0.0.0.0:SSH_LISTEN_PORT, user `tunnel`, Secoda's pinned host key.
 */
import { fingerprintOf, keyTypeOf, wellFormedKey } from '../../session/host-keys.js';
import { ConfigError } from '../config-error.js';
import { getPreset, publishedFingerprint, sessionFromPreset } from '../presets.js';
import type { ImportReport } from './report.js';
import { importedName, PendingKey } from './report.js';

const VARIABLE = /^\s*(?:-\s*)?(?:export\s+)?(SSH_[A-Z0-9_]+)\s*[=:]\s*(.*?)\s*$/;

/** Whether text carries Secoda's tunnel variables. */
export function isSecodaEnv(text: string): boolean {
  return /(^|\n)\s*(-\s*)?(export\s+)?SSH_LISTEN_PORT\s*[=:]/.test(text) && /(^|\n)\s*(-\s*)?(export\s+)?SSH_KEY_BASE64\s*[=:]/.test(text);
}

function variables(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = VARIABLE.exec(line);
    if (!m) continue;
    const value = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
    // Secoda's own template leaves values empty or as "...": not values.
    if (value !== '' && value !== '...') vars.set(m[1]!, value);
  }
  return vars;
}

/**
 * The host key Secoda's autossh script writes to its known_hosts file
 * (`echo "[$SSH_HOST]:$SSH_HOST_PORT ssh-ed25519 AAAA…" > $TEMPFILE`), or undefined (the
 * docker-compose environment carries none).
 */
function scriptHostKey(text: string): { keyType: string; fingerprint: string } | undefined {
  for (const m of text.matchAll(/\b(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521))\s+([A-Za-z0-9+/]{40,}={0,2})/g)) {
    const blob = Buffer.from(m[2]!, 'base64');
    if (wellFormedKey(m[1]!, blob)) return { keyType: keyTypeOf(blob), fingerprint: fingerprintOf(blob) };
  }
  return undefined;
}

const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|^PuTTY-User-Key-File-\d/m;

/**
 * Imports the variables. The private key in SSH_KEY_BASE64 is never put in the session: the
 * session references it as `auth.keyId`, and the report holds it as a PendingKey for the
 * SecretStore. Throws ConfigError naming the variable that is missing or wrong.
 */
export function importSecodaEnv(text: string, name?: string): ImportReport {
  const vars = variables(text);
  const need = (v: string): string => {
    const value = vars.get(v);
    if (value === undefined) throw new ConfigError(v, 'is missing or empty', `Copy the environment again from https://app.secoda.co/tunnels; it gives ${v}.`);
    return value;
  };
  const port = (v: string, value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
      throw new ConfigError(v, `is ${JSON.stringify(value)}, not a port number`, 'Copy the number Secoda shows for this tunnel.');
    }
    return Number(value);
  };
  const host = need('SSH_HOST');
  const sshPortText = vars.get('SSH_PORT') ?? vars.get('SSH_HOST_PORT');
  const sshPort = sshPortText === undefined ? 22 : port(vars.has('SSH_PORT') ? 'SSH_PORT' : 'SSH_HOST_PORT', sshPortText);
  const listenPort = port('SSH_LISTEN_PORT', need('SSH_LISTEN_PORT'));
  const keyBase64 = need('SSH_KEY_BASE64');
  const key = Buffer.from(keyBase64, 'base64').toString('utf8');
  if (!/^[A-Za-z0-9+/=\s]+$/.test(keyBase64) || !PRIVATE_KEY.test(key)) {
    throw new ConfigError('SSH_KEY_BASE64', 'is not the base64 of a private key', 'Copy the whole value again from Secoda: it is one long line of base64.');
  }
  const keyId = `secoda-${host
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}-${listenPort}`;
  // The script Secoda hands out carries the host key its server has now: when Secoda rotates it,
  // the customer's script is right and Burrow's copy of the published key is old, so the script wins.
  const own = scriptHostKey(text);
  const published = publishedFingerprint(getPreset('secoda'))!;
  const session = sessionFromPreset('secoda', {
    name: name ?? importedName(`Secoda ${host}:${listenPort}`),
    host,
    port: sshPort,
    remotePort: listenPort,
    ...(vars.has('SSH_USER') ? { user: vars.get('SSH_USER')! } : {}),
    keyId,
    ...(own ? { fingerprint: own.fingerprint } : {}),
  });
  const hostKeyLine = !own
    ? `host key: Secoda's published key ${published}, built into Burrow (this input carries none)`
    : own.fingerprint === published
      ? `host key: the script's ${own.keyType} key ${own.fingerprint}, the one Secoda publishes`
      : `host key: the script's ${own.keyType} key ${own.fingerprint}`;
  const warnings =
    own && own.fingerprint !== published
      ? [
          `The script's host key ${own.fingerprint} differs from the one Burrow has on file for Secoda (${published}); the script's is pinned, as Secoda gave it to you. If you did not expect a change, ask Secoda which key is current.`,
        ]
      : [];
  const unused = [...vars.keys()].filter((k) => !['SSH_HOST', 'SSH_PORT', 'SSH_HOST_PORT', 'SSH_LISTEN_PORT', 'SSH_KEY_BASE64', 'SSH_USER'].includes(k));
  return {
    kind: 'secoda-env',
    sessions: [session],
    hostKeys: [],
    keys: [new PendingKey(keyId, key)],
    took: [
      `Secoda tunnel: ${session.user}@${host}:${sshPort}, reverse SOCKS on 0.0.0.0:${listenPort}`,
      hostKeyLine,
      `SSH_KEY_BASE64: the private key goes to Burrow's secret store as key-${keyId}, not into the config`,
    ],
    couldNot: unused.map((k) => ({ what: k, why: "is not one of Secoda's tunnel settings, so it was left out" })),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
