/** OpenSSH's host patterns (`*` any run, `?` one character), as used by ssh_config and known_hosts. */

/** A pattern as a whole-string, case-insensitive RegExp (host names compare without case). */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}
