/** Whether ssh2 loaded its native crypto binding (OpenSSL AES-GCM / ChaCha20), not the slow JS fallback. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * ssh2 builds `sshcrypto.node` at install time and silently falls back to pure JavaScript when
 * the build failed (no compiler, blocked install scripts): tunnels still work, several times slower.
 */
export function ssh2NativeCrypto(): boolean {
  const crypto = require('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean };
  return crypto.bindingAvailable === true;
}
