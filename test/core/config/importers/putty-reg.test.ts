import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importPuttyReg } from '../../../../main/core/config/importers/putty-reg.js';
import { parseKnownHosts } from '../../../../main/core/session/host-keys.js';
import { ConfigError } from '../../../../main/core/config/config-error.js';
import { fixture } from '../fixtures.js';

const utf16 = readFileSync(fixture('putty-sessions.reg'));
const report = importPuttyReg(utf16, 'putty-sessions.reg');
const byName = (n: string) => report.sessions.find((s) => s.name === n);

test("regedit's UTF-16LE export and a UTF-8 copy import the same", () => {
  assert.deepEqual(utf16.subarray(0, 2), Buffer.from([0xff, 0xfe]), 'the fixture is as regedit writes it');
  const utf8 = importPuttyReg(readFileSync(fixture('putty-sessions-utf8.reg')), 'putty-sessions.reg');
  assert.deepEqual(utf8, report);
});

test("Fivetran's PuTTY session: user@host in Host Name, keepalive 5 s, remote ports do the same", () => {
  const s = byName('fivetran-outbound')!;
  assert.equal(s.host, '35.230.100.17');
  assert.equal(s.user, 'fivetran');
  assert.equal(s.port, 22);
  assert.equal(s.keepalive.intervalSeconds, 5);
  assert.deepEqual(s.auth.identityFiles, ['C:\\Users\\dana\\keys\\fivetran.ppk']);
  assert.deepEqual(s.forwards, [{ type: 'remote', bindAddress: '*', bindPort: 55432, targetHost: 'localhost', targetPort: 5432 }]);
  assert.equal(s.hostKey.policy, 'ask');
});

test('a session name with an escaped space, PortNumber, UserName, every forwarding kind and a pinned fingerprint', () => {
  const s = byName('office-tunnels')!;
  assert.equal(s.host, 'bastion.example.com');
  assert.equal(s.port, 2222);
  assert.equal(s.user, 'dana');
  assert.equal(s.keepalive.intervalSeconds, 30);
  assert.equal(s.compression, true);
  assert.deepEqual(s.forwards, [
    { type: 'remote', bindPort: 15432, targetHost: 'localhost', targetPort: 5432 },
    { type: 'local', bindPort: 8080, targetHost: 'db', targetPort: 80 },
    { type: 'local-dynamic', bindPort: 1080 },
    { type: 'local', bindAddress: '127.0.0.1', bindPort: 3390, targetHost: 'win-db', targetPort: 3389 },
  ]);
  assert.deepEqual(s.hostKey, { policy: 'yes', fingerprint: 'SHA256:o5GJRvAVNANnZYwcpAJSfjTFCnXQ4gl5KhdC0UxRFIE' });
});

test('what could not be taken is reported with the reason, and the proxy password goes nowhere', () => {
  const why = (s: string) => report.couldNot.find((n) => n.what.includes(s))?.why ?? '';
  assert.deepEqual(
    report.sessions.map((s) => s.name),
    ['fivetran-outbound', 'office-tunnels'],
  );
  assert.match(why('"router console"'), /telnet/);
  assert.match(why('"via-corporate-proxy"'), /proxy/);
  assert.match(why('"plain-shell"'), /no port forwardings/);
  assert.match(why('"Default Settings"'), /defaults/);
  assert.match(why('R6000=/run/app.sock'), /Unix socket/);
  assert.match(why('ssh-ed448@22:odd.example'), /cannot convert/);
  assert.ok(!JSON.stringify(report).includes('Pr0xy-S3cret!'));
});

test("PuTTY's cached host keys become the same keys OpenSSH knows (plink-cached samples)", () => {
  const expected = parseKnownHosts(readFileSync(fixture('putty-host-keys.pub'), 'utf8')).entries;
  assert.equal(report.hostKeys.length, 3);
  for (const e of expected) {
    const got = report.hostKeys.find((k) => k.hosts === e.hosts);
    assert.ok(got, e.hosts);
    assert.equal(got.keyType, e.keyType);
    assert.equal(got.keyBlob.toString('base64'), e.keyBlob.toString('base64'), e.hosts);
  }
});

test('a file that is not a regedit export is refused with the way to make one', () => {
  assert.throws(
    () => importPuttyReg(Buffer.from('Host x\n')),
    (e: ConfigError) => /File > Export/.test(e.fix),
  );
});

test("PuTTY's algorithm lists: a family below \"warn below here\" is taken out of Burrow's defaults, one the user moved above it is added; PuTTY's own defaults change nothing", () => {
  const reg = (name: string, values: Record<string, string>): string =>
    [
      `[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions\\${name}]`,
      '"HostName"="tunnel@bastion.example.com"',
      '"PortForwardings"="R15432=localhost:5432"',
      ...Object.entries(values).map(([k, v]) => `"${k}"="${v}"`),
      '',
    ].join('\r\n');
  const text = [
    'Windows Registry Editor Version 5.00',
    '',
    // Against Terrapin (CVE-2023-48795), people moved ChaCha20 below the line.
    reg('terrapin', {
      Cipher: 'aes,aesgcm,3des,WARN,chacha20,des,blowfish,arcfour',
      KEX: 'ecdh,dh-gex-sha1,dh-group18-sha512,dh-group17-sha512,dh-group16-sha512,dh-group15-sha512,dh-group14-sha1,dh-group1-sha1,rsa,WARN',
      HostKey: 'ed25519,ecdsa,rsa,dsa,WARN',
    }),
    reg('old-router', {
      KEX: 'dh-group1-sha1,dh-group14-sha1,WARN,ecdh,dh-gex-sha1,dh-group18-sha512,dh-group16-sha512',
      HostKey: 'ed25519,rsa,WARN,ecdsa,dsa',
    }),
    reg('defaults', {
      Cipher: 'aes,chacha20,aesgcm,3des,WARN,des,blowfish,arcfour',
      KEX: 'ecdh,dh-gex-sha1,dh-group18-sha512,dh-group17-sha512,dh-group16-sha512,dh-group15-sha512,dh-group14-sha1,rsa,WARN,dh-group1-sha1',
      HostKey: 'ed448,ed25519,ecdsa,rsa,dsa,WARN',
    }),
  ].join('\r\n');
  const r = importPuttyReg(text);
  const algorithms = (n: string): unknown => r.sessions.find((s) => s.name === n)?.algorithms;
  assert.equal(r.sessions.length, 3, JSON.stringify(r.couldNot));
  assert.deepEqual(algorithms('terrapin'), { kex: '+diffie-hellman-group1-sha1', ciphers: '-chacha20-poly1305@openssh.com' });
  assert.deepEqual(algorithms('old-router'), {
    kex: 'diffie-hellman-group14-sha256,diffie-hellman-group1-sha1',
    hostKey: '-ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521',
  });
  assert.equal(algorithms('defaults'), undefined);
  assert.equal(byName('fivetran-outbound')!.algorithms, undefined, "the fixture holds PuTTY's defaults");
});
