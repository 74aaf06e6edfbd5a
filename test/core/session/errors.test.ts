/** How errors from ssh2 and the OS map to Burrow's stable codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../../main/core/session/errors.js';

const where = { host: 'tunnel.example', port: 22, user: 'fivetran' };
const ssh2Error = (message: string, level?: string, code?: string): Error =>
  Object.assign(new Error(message), { ...(level ? { level } : {}), ...(code ? { code } : {}) });

test('ssh2\'s two client-timeout errors get different codes: handshake vs keepalive', () => {
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
