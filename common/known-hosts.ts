/** How known_hosts names a server: `host` on port 22, `[host]:port` on any other (OpenSSH's rule, shown by every door). */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}
