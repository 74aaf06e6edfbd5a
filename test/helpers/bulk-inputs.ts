/**
 * Large inputs as people have them, for the import-at-scale tests and the benchmark: a regedit
 * export of N PuTTY sessions (UTF-16LE with a BOM, as regedit writes it; each session a full
 * block of PuTTY's values, taken from the fixture, with one remote forward), and a ~/.ssh/config
 * of N hosts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/config/putty-sessions-utf8.reg');

/** One session's block from the fixture, with its name, host, user and forward as placeholders. */
function template(): string {
  const text = readFileSync(FIXTURE, 'utf8');
  const start = text.indexOf('[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions\\fivetran-outbound]');
  const end = text.indexOf('\n[', start + 10);
  return text
    .slice(start, end)
    .trimEnd()
    .replace('\\fivetran-outbound]', '\\@NAME@]')
    .replace('"HostName"="fivetran@35.230.100.17"', '"HostName"="@HOST@"')
    .replace('"UserName"=""', '"UserName"="@USER@"')
    .replace('"PortForwardings"="R55432=localhost:5432"', '"PortForwardings"="@FORWARD@"');
}

/** A regedit export (UTF-16LE, BOM) of `n` PuTTY sessions, `tunnel-00001`… each with one remote forward. */
export function puttyExport(n: number, encoding: 'utf16le' | 'utf8' = 'utf16le'): Buffer {
  const block = template();
  const parts = ['Windows Registry Editor Version 5.00', '', '[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions]', ''];
  for (let i = 1; i <= n; i++) {
    const id = String(i).padStart(5, '0');
    parts.push(
      block
        .replace('@NAME@', `tunnel-${id}`)
        .replace('@HOST@', `bastion-${i % 50}.example.com`)
        .replace('@USER@', `svc${i % 7}`)
        .replace('@FORWARD@', `R${10000 + (i % 50000)}=db-${i}.internal:5432`),
      '',
    );
  }
  const text = parts.join('\r\n');
  return encoding === 'utf8' ? Buffer.from(text, 'utf8') : Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** A ~/.ssh/config of `n` hosts, each with one RemoteForward. */
export function sshConfig(n: number): string {
  const lines: string[] = ['# generated', 'Host *', '    ServerAliveInterval 30', ''];
  for (let i = 1; i <= n; i++) {
    lines.push(
      `Host tunnel-${String(i).padStart(5, '0')}`,
      `    HostName bastion-${i % 50}.example.com`,
      `    User svc${i % 7}`,
      '    Port 22',
      `    RemoteForward ${10000 + (i % 50000)} db-${i}.internal:5432`,
      '',
    );
  }
  return lines.join('\n');
}
