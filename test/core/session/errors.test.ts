/** How errors from ssh2 and the OS map to Burrow's stable codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../../main/core/session/errors.js';

const where = { host: 'tunnel.example', port: 22, user: 'fivetran' };
const ssh2Error = (message: string, level?: string, code?: string): Error =>
  Object.assign(new Error(message), { ...(level ? { level } : {}), ...(code ? { code } : {}) });

test("ssh2's two client-timeout errors get different codes: handshake vs keepalive", () => {
  assert.equal(classify(ssh2Error('Timed out while waiting for handshake', 'client-timeout'), where).code, 'CONNECT_TIMEOUT');
  assert.equal(classify(ssh2Error('Keepalive timeout', 'client-timeout'), where).code, 'KEEPALIVE_TIMEOUT');
});

test('every mapped error names the target and carries a hint, and keeps the cause', () => {
  const cases: Array<[Error, string]> = [
    [ssh2Error('All configured authentication methods failed', 'client-authentication'), 'AUTH_FAILED'],
    [ssh2Error('connect ECONNREFUSED', 'client-socket', 'ECONNREFUSED'), 'CONNECT_REFUSED'],
    [ssh2Error('getaddrinfo ENOTFOUND', 'client-dns', 'ENOTFOUND'), 'DNS_FAILED'],
    [ssh2Error('read ECONNRESET', 'client-socket', 'ECONNRESET'), 'CONNECTION_LOST'],
  ];
  for (const [err, code] of cases) {
    const info = classify(err, where);
    assert.equal(info.code, code, err.message);
    assert.ok((info.hint ?? '').length > 10, `${code} has a hint`);
    assert.ok(info.cause, `${code} keeps ssh2's level/code`);
  }
});

test("a key exchange with nothing in common is ALGORITHM_MISMATCH: the server's list and the fix when known, the question to ask when not", async () => {
  const { sessionOffer } = await import('../../../main/core/session/handshake.js');
  const failed = ssh2Error('Handshake failed: no matching key exchange algorithm', 'handshake');
  const offer = sessionOffer(undefined, false);
  const server = {
    kex: ['diffie-hellman-group1-sha1', 'ext-info-s'],
    hostKey: ['ssh-rsa'],
    ciphersCs: ['aes128-cbc'],
    ciphersSc: ['aes128-cbc'],
    macsCs: ['hmac-md5'],
    macsSc: ['hmac-md5'],
    compressCs: ['none'],
    compressSc: ['none'],
  };
  const unknown = classify(failed, where, { offer });
  assert.equal(unknown.code, 'ALGORITHM_MISMATCH');
  assert.match(unknown.message, /the server's list could not be read/);
  assert.match(unknown.hint!, /sshd's KexAlgorithms/);
  const known = classify(failed, where, { offer, server });
  assert.match(known.message, /the server offers diffie-hellman-group1-sha1; Burrow offers/, 'extension signals are not methods');
  assert.match(known.hint!, /-o KexAlgorithms=\+diffie-hellman-group1-sha1 .*Logjam/);
  // A session that already appends keeps its own value in the fix.
  const own = classify(failed, where, { offer, server, configured: { kex: '+diffie-hellman-group14-sha1' } });
  assert.match(own.hint!, /-o KexAlgorithms=\+diffie-hellman-group14-sha1,diffie-hellman-group1-sha1 /);
  const none = classify(failed, where, { offer, server: { ...server, kex: ['sntrup761x25519-sha512@openssh.com'] } });
  assert.match(none.hint!, /None of the server's key exchange methods is one Burrow can use/);
  // The list at fault is found the way RFC 4253 negotiates: here the ciphers, once kex and host key agree.
  const ciphers = classify(ssh2Error('Handshake failed: no matching C->S cipher', 'handshake'), where, {
    offer: sessionOffer({ kex: '+diffie-hellman-group1-sha1', hostKey: '+ssh-rsa' }, false),
    server,
  });
  assert.match(ciphers.message, /no cipher in common: the server offers aes128-cbc/);
  assert.match(ciphers.hint!, /-o Ciphers=\+aes128-cbc .*CBC mode/);
});
