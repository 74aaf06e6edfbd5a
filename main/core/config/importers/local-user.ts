/**
 * The name of the user Burrow runs as, where an imported session names no user (OpenSSH, plink
 * and PuTTY log in as the local user then), and for ssh_config's `%u`.
 *
 * Read once per process: `os.userInfo()` asks the password database on every call, and the
 * importers asked once per session. Here, with /etc/passwd, that is ~15 µs a call, ~0.15 s of a
 * 10,000-session import's ~5.5 s of CPU (within the import benchmark's spread); where users come
 * from a directory (sssd, LDAP, as on many company laptops) each call can be a lookup of its own.
 * The user a process runs as does not change.
 */
import { userInfo } from 'node:os';

let name: string | undefined;

export function localUserName(): string {
  name ??= userInfo().username;
  return name;
}
