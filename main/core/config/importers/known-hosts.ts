/**
 * Imports an OpenSSH known_hosts file (another machine's, or the one an old autossh setup used),
 * so hosts people already trust stay trusted. Parsing is the engine's own (session/host-keys.ts).
 */
import { parseKnownHosts } from '../../session/host-keys.js';
import type { ImportReport } from './report.js';

/** Whether text looks like known_hosts: every meaningful line is `[marker] hosts keytype base64…`. */
export function isKnownHosts(text: string): boolean {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return lines.length > 0 && lines.every((l) => /^(@\S+\s+)?\S+\s+(ssh-|ecdsa-|sk-)\S+\s+[A-Za-z0-9+/]+=*(\s|$)/.test(l));
}

/** Imports the host keys of a known_hosts file; unreadable lines are reported, as OpenSSH would skip them. */
export function importKnownHosts(text: string, file = '(known_hosts)'): ImportReport {
  const { entries, problems } = parseKnownHosts(text, file);
  const hashed = entries.filter((e) => e.hosts.startsWith('|1|')).length;
  const marked = entries.filter((e) => e.marker).length;
  return {
    kind: 'known-hosts',
    sessions: [],
    hostKeys: entries,
    took:
      entries.length === 0
        ? []
        : [
            `${entries.length} host key${entries.length === 1 ? '' : 's'} from ${file}` +
              `${hashed ? `, ${hashed} with hashed names` : ''}${marked ? `, ${marked} marked @revoked or @cert-authority` : ''}`,
          ],
    couldNot: problems.map((p) => ({ what: `${file} line ${p.line}`, why: p.message })),
  };
}
