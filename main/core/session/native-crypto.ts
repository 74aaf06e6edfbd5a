/** What Burrow needs to know about the ssh2 it runs on: native crypto loaded, Burrow's patch applied. */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);

/**
 * ssh2 builds `sshcrypto.node` at install time and silently falls back to pure JavaScript when
 * the build failed (no compiler, blocked install scripts): tunnels still work, several times slower.
 */
export function ssh2NativeCrypto(): boolean {
  const crypto = require('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean };
  return crypto.bindingAvailable === true;
}

/**
 * Whether `patches/ssh2+1.17.0.patch` was applied at install (`npm ci` runs patch-package).
 * Without it, a server's key re-exchange while Burrow sends data can corrupt the connection, RSA
 * keys sign as ssh2 chooses instead of as PubkeyAcceptedAlgorithms says, and every packet costs
 * more CPU; an install that skipped scripts (`--ignore-scripts`) is the usual reason it is missing.
 */
export function ssh2Patched(): boolean {
  // Read once: the installed ssh2 does not change under a running Burrow, and app:info asks often.
  patched ??= readPatched();
  return patched;
}

let patched: boolean | undefined;

function readPatched(): boolean {
  const kex = readFileSync(require.resolve('ssh2/lib/protocol/kex.js'), 'utf8');
  const client = readFileSync(require.resolve('ssh2/lib/client.js'), 'utf8');
  const crypto = readFileSync(require.resolve('ssh2/lib/protocol/crypto.js'), 'utf8');
  return (
    kex.includes('The outbound direction stays in key exchange until our NEWKEYS is sent') &&
    client.includes('this.config.publicKeyAlgorithms') &&
    crypto.includes('function appendEncrypted(')
  );
}
