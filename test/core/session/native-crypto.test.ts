import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ssh2NativeCrypto } from '../../../main/core/session/native-crypto.js';

test("ssh2's native crypto binding is loaded, so the fast AES-GCM/ChaCha20 ciphers are really used", () => {
  assert.equal(
    ssh2NativeCrypto(),
    true,
    'ssh2 fell back to pure-JS crypto: its install script did not build sshcrypto.node (needs python3, make, g++; npm allowScripts must include ssh2)',
  );
});
