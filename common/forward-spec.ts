/** How a forward is written everywhere people see it: OpenSSH's own notation. */
import type { ForwardConfig } from './config.js';

/** OpenSSH notation of a forward, e.g. `-R 0.0.0.0:11433:db:1433` (IPv6 addresses in brackets). */
export function forwardSpec(f: ForwardConfig): string {
  const flag = f.type === 'remote' || f.type === 'remote-dynamic' ? '-R' : f.type === 'local' ? '-L' : '-D';
  const bind = f.bindAddress !== undefined ? `${f.bindAddress.includes(':') ? `[${f.bindAddress}]` : f.bindAddress}:` : '';
  const target = 'targetHost' in f ? `:${f.targetHost.includes(':') ? `[${f.targetHost}]` : f.targetHost}:${f.targetPort}` : '';
  return `${flag} ${bind}${f.bindPort}${target}`;
}
