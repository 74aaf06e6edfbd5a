import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { SessionConfig } from '../../../../common/config.js';
import { parseSessionConfig } from '../../../../common/config-schema.js';
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
    ['fivetran-outbound', 'office-tunnels', 'via-corporate-proxy'],
  );
  assert.match(why('"router console"'), /telnet/);
  assert.match(why('"via-corporate-proxy": ProxyPassword'), /^is never imported into the config/);
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

test('a session through a SOCKS 5 proxy (the fixture) is imported with it; its saved proxy password is reported, never taken', () => {
  const s = byName('via-corporate-proxy')!;
  assert.deepEqual(s, {
    id: 'via-corporate-proxy',
    name: 'via-corporate-proxy',
    host: 'tunnel.vendor.example',
    port: 22,
    user: 'svc',
    auth: { identityFiles: ['C:\\keys\\vendor.ppk'] },
    hostKey: { policy: 'ask' },
    keepalive: { intervalSeconds: 10, countMax: 3 },
    connectTimeoutSeconds: 20,
    compression: false,
    autostart: false,
    forwards: [{ type: 'remote', bindAddress: '*', bindPort: 13306, targetHost: 'mysql.internal', targetPort: 3306 }],
    // ProxyDNS 1 (Auto): a SOCKS 5 proxy is handed the name, Burrow's default.
    proxy: { type: 'socks5', host: 'proxy.corp.example', port: 80 },
    notes: 'Imported from PuTTY session "via-corporate-proxy".',
  });
  assert.deepEqual(parseSessionConfig(s), s);
  assert.ok(
    report.took.includes(
      'PuTTY session "via-corporate-proxy": svc@tunnel.vendor.example:22, 1 forward, keepalive 10 s, through the SOCKS 5 proxy proxy.corp.example:80',
    ),
  );
  assert.deepEqual(
    report.couldNot.find((n) => n.what === 'PuTTY session "via-corporate-proxy": ProxyPassword'),
    {
      what: 'PuTTY session "via-corporate-proxy": ProxyPassword',
      why: "is never imported into the config: if the proxy asks for one, give it in Burrow (the session's proxy settings), which keeps it in its secret store",
    },
  );
});

const SESSIONS = 'HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions';

/** One saved session as regedit writes it: strings escaped, numbers as dwords. */
function saved(name: string, values: Record<string, string | number>): string {
  return [
    `[${SESSIONS}\\${name}]`,
    ...Object.entries(values).map(([k, v]) =>
      typeof v === 'number' ? `"${k}"=dword:${v.toString(16).padStart(8, '0')}` : `"${k}"="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
    ),
    '',
  ].join('\r\n');
}

/** A tunnel session to tunnel@db.example (or `host`), with its proxy settings. */
const tunnelTo = (name: string, proxy: Record<string, string | number>, host = 'db.example'): string =>
  saved(name, { HostName: `tunnel@${host}`, PortForwardings: 'R15432=localhost:5432', PingIntervalSecs: 15, ...proxy });

const regOf = (...sessions: string[]): string => ['Windows Registry Editor Version 5.00', '', ...sessions].join('\r\n');

/** The session as imported from `tunnelTo`, reaching its server directly. */
const direct = (name: string, host = 'db.example'): SessionConfig => ({
  id: name,
  name,
  host,
  port: 22,
  user: 'tunnel',
  auth: { identityFiles: [] },
  hostKey: { policy: 'ask' },
  keepalive: { intervalSeconds: 15, countMax: 3 },
  connectTimeoutSeconds: 20,
  compression: false,
  autostart: false,
  forwards: [{ type: 'remote', bindPort: 15432, targetHost: 'localhost', targetPort: 5432 }],
  notes: `Imported from PuTTY session "${name}".`,
});

const SECRET = 'Pl4nted-S3cret';

test('ProxyMethod 1-3: SOCKS 4, SOCKS 5 and HTTP with ProxyHost, ProxyPort, ProxyUsername, and ProxyDNS (No: this machine looks names up); passwords reported, never taken', () => {
  const r = importPuttyReg(
    regOf(
      tunnelTo('socks4-auto', { ProxyMethod: 1, ProxyHost: 'proxy.corp.example', ProxyPort: 1080, ProxyDNS: 1 }),
      tunnelTo('socks4-yes', { ProxyMethod: 1, ProxyHost: 'proxy.corp.example', ProxyPort: 1080, ProxyDNS: 2, ProxyUsername: 'ops' }),
      tunnelTo('socks5-no', { ProxyMethod: 2, ProxyHost: 'proxy.corp.example', ProxyPort: 1080, ProxyDNS: 0 }),
      tunnelTo('http', { ProxyMethod: 3, ProxyHost: 'proxy.corp.example', ProxyPort: 3128, ProxyDNS: 1, ProxyUsername: 'ops', ProxyPassword: SECRET }),
      tunnelTo('http-userhost', { ProxyMethod: 3, ProxyHost: `ops:${SECRET}@proxy.corp.example`, ProxyPort: 8080 }),
      tunnelTo('socks5-v6', { ProxyMethod: 2, ProxyHost: 'fd00::1', ProxyPort: 1080 }),
      // Before ProxyMethod, PuTTY saved ProxyType (2: SOCKS) and ProxySOCKSVersion.
      tunnelTo('legacy', { ProxyType: 2, ProxySOCKSVersion: 4, ProxyHost: 'proxy.corp.example', ProxyPort: 1080 }),
    ),
  );
  const proxyOf = (name: string): SessionConfig['proxy'] => {
    const s = r.sessions.find((x) => x.name === name)!;
    assert.deepEqual(s, { ...direct(name), proxy: s.proxy }, name);
    assert.deepEqual(parseSessionConfig(s), s);
    return s.proxy;
  };
  assert.deepEqual(
    proxyOf('socks4-auto'),
    { type: 'socks4', host: 'proxy.corp.example', port: 1080, remoteDns: false },
    "Auto: SOCKS 4 gets an address, as PuTTY's Auto does",
  );
  assert.deepEqual(proxyOf('socks4-yes'), { type: 'socks4', host: 'proxy.corp.example', port: 1080, user: 'ops' });
  assert.deepEqual(proxyOf('socks5-no'), { type: 'socks5', host: 'proxy.corp.example', port: 1080, remoteDns: false });
  assert.deepEqual(proxyOf('http'), { type: 'http', host: 'proxy.corp.example', port: 3128, user: 'ops' });
  assert.deepEqual(proxyOf('http-userhost'), { type: 'http', host: 'proxy.corp.example', port: 8080, user: 'ops' });
  assert.deepEqual(proxyOf('socks5-v6'), { type: 'socks5', host: 'fd00::1', port: 1080 }, 'an unbracketed IPv6 address keeps its colons');
  assert.deepEqual(proxyOf('legacy'), { type: 'socks4', host: 'proxy.corp.example', port: 1080, remoteDns: false });
  const password =
    "is never imported into the config: if the proxy asks for one, give it in Burrow (the session's proxy settings), which keeps it in its secret store";
  assert.deepEqual(r.couldNot, [
    { what: 'PuTTY session "http": ProxyPassword', why: password },
    { what: 'PuTTY session "http-userhost": ProxyHost', why: 'holds a password (user:password@), which was not taken: give it in Burrow' },
    { what: 'PuTTY session "http-userhost": ProxyPassword', why: password },
  ]);
  assert.ok(r.took.includes('PuTTY session "http": tunnel@db.example:22, 1 forward, keepalive 15 s, through the HTTP proxy ops@proxy.corp.example:3128'));
  assert.ok(!JSON.stringify(r).includes(SECRET));
});

test('ProxyMethod 5, a local command: %host %port become %h %p, %proxyhost %proxyport %user their values, backslash escapes as PuTTY reads them; plink -nc is a jump host; %pass is refused', () => {
  const r = importPuttyReg(
    regOf(
      tunnelTo('ncat', {
        ProxyMethod: 5,
        ProxyHost: 'proxy.corp.example',
        ProxyPort: 3128,
        ProxyTelnetCommand: 'C:\\\\Tools\\\\ncat.exe --proxy %proxyhost:%proxyport --proxy-type http %host %port --rate 50%% \\%x',
      }),
      tunnelTo('connect', { ProxyMethod: 5, ProxyUsername: 'ops', ProxyTelnetCommand: 'connect -H %user@proxy.corp.example:8080 %host %port' }),
      tunnelTo('plink', {
        ProxyMethod: 5,
        ProxyTelnetCommand: '"C:\\Program Files\\PuTTY\\plink.exe" -ssh -P 2222 -l jumper -i "C:\\Users\\dana\\jump.ppk" jump.example.net -nc %host:%port',
      }),
      // The Telnet proxy's default command, left when the type was changed to Local: its \n is dropped.
      tunnelTo('default', { ProxyMethod: 5, ProxyTelnetCommand: 'connect %host %port\\n' }),
      tunnelTo('pass', { ProxyMethod: 5, ProxyPassword: SECRET, ProxyTelnetCommand: 'connect -H ops:%pass@proxy:8080 %host %port' }),
      tunnelTo('no-user', { ProxyMethod: 5, ProxyTelnetCommand: 'connect -H %user@proxy:8080 %host %port' }),
    ),
  );
  const routeOf = (name: string): unknown => {
    const s = r.sessions.find((x) => x.name === name)!;
    assert.deepEqual(parseSessionConfig(s), s);
    const { jumpHosts, proxy, ...rest } = s;
    assert.deepEqual(rest, direct(name), name);
    return { jumpHosts, proxy };
  };
  const ncat = 'C:\\Tools\\ncat.exe --proxy proxy.corp.example:3128 --proxy-type http %h %p --rate 50%% %%x';
  assert.deepEqual(routeOf('ncat'), { jumpHosts: undefined, proxy: { type: 'command', command: ncat } });
  assert.deepEqual(routeOf('connect'), { jumpHosts: undefined, proxy: { type: 'http', host: 'proxy.corp.example', port: 8080, user: 'ops' } });
  assert.deepEqual(routeOf('plink'), {
    jumpHosts: [{ host: 'jump.example.net', port: 2222, user: 'jumper', identityFiles: ['C:\\Users\\dana\\jump.ppk'] }],
    proxy: undefined,
  });
  assert.deepEqual(routeOf('default'), { jumpHosts: undefined, proxy: { type: 'command', command: 'connect %h %p' } });
  const runs = (name: string, command: string): string =>
    `PuTTY session "${name}": this session runs the command ${JSON.stringify(command)} to reach the server (PuTTY's local proxy command, in OpenSSH's %h %p tokens); Burrow starts it at every connection, so check that it is the program you expect before saving`;
  assert.deepEqual(r.warnings, [runs('ncat', ncat), runs('default', 'connect %h %p')]);
  assert.deepEqual(r.couldNot, [
    {
      what: 'PuTTY session "connect": ProxyTelnetCommand',
      why: "connect took the proxy's password from HTTP_PROXY_PASSWORD (or a prompt); if the proxy asks for one, give it in Burrow, which keeps it in its secret store",
    },
    {
      what: 'PuTTY session "pass": proxy',
      why: "connects through a proxy command, but the proxy command passes the proxy password (%pass), and Burrow never stores a password in the config, so it was not imported; Remove the password: Burrow logs in to jump hosts with keys, and keeps a proxy's password in its secret store (give it in the session's proxy settings), never in the config.",
    },
    {
      what: 'PuTTY session "no-user": proxy',
      why: 'connects through a proxy command, but the proxy command uses %user, which this session does not give (PuTTY would ask for it at every start), so it was not imported; Write the value into the command in place of %user.',
    },
  ]);
  assert.ok(!JSON.stringify(r).includes(SECRET));
});

test('ProxyMethod 6, SSH to the proxy: a saved session named in ProxyHost brings its host, user, key, pin and own proxy; a plain host uses ProxyPort and ProxyUsername; the password is never taken', () => {
  const pin = 'SHA256:o5GJRvAVNANnZYwcpAJSfjTFCnXQ4gl5KhdC0UxRFIE';
  const r = importPuttyReg(
    regOf(
      saved('jump box', {
        HostName: 'jump@bastion.example.com',
        PortNumber: 2222,
        PublicKeyFile: 'C:\\keys\\jump.ppk',
        SshManualHostKeys: pin,
        ProxyMethod: 3,
        ProxyHost: 'proxy.corp.example',
        ProxyPort: 3128,
      }),
      tunnelTo('via-saved', { ProxyMethod: 6, ProxyHost: 'Jump Box', ProxyPassword: SECRET }),
      tunnelTo('via-host', { ProxyMethod: 6, ProxyHost: 'bastion.example.com', ProxyPort: 22, ProxyUsername: 'ops' }),
      tunnelTo('via-itself', { ProxyMethod: 6, ProxyHost: 'via-itself' }),
    ),
  );
  const s = r.sessions.find((x) => x.name === 'via-saved')!;
  assert.deepEqual(s, {
    ...direct('via-saved'),
    jumpHosts: [{ host: 'bastion.example.com', port: 2222, user: 'jump', identityFiles: ['C:\\keys\\jump.ppk'], fingerprint: pin }],
    proxy: { type: 'http', host: 'proxy.corp.example', port: 3128 },
  });
  assert.deepEqual(parseSessionConfig(s), s);
  assert.deepEqual(
    r.sessions.find((x) => x.name === 'via-host'),
    { ...direct('via-host'), jumpHosts: [{ host: 'bastion.example.com', port: 22, user: 'ops' }] },
  );
  assert.deepEqual(r.couldNot, [
    { what: 'PuTTY session "jump box"', why: 'has no port forwardings, so there is no tunnel to keep open' },
    {
      what: 'PuTTY session "via-saved": ProxyPassword',
      why: "is the jump host's password, which is never imported: Burrow logs in to the jump host with keys (its own, or the session's)",
    },
    { what: 'PuTTY session "via-itself": proxy', why: 'reaches its jump host through itself (saved session "via-itself" again), so it was not imported' },
  ]);
  assert.ok(
    r.took.includes(
      'PuTTY session "via-saved": tunnel@db.example:22, 1 forward, keepalive 15 s, through the HTTP proxy proxy.corp.example:3128 and the jump host jump@bastion.example.com:2222',
    ),
  );
  assert.ok(!JSON.stringify(r).includes(SECRET));
});

test('ProxyExcludeList and local hosts keep a session off the proxy as PuTTY matches them (no netmasks); Telnet and SSH-command proxies are refused', () => {
  const socks = { ProxyMethod: 2, ProxyHost: 'proxy.corp.example', ProxyPort: 1080 };
  const r = importPuttyReg(
    regOf(
      tunnelTo('suffix', { ...socks, ProxyExcludeList: 'intranet, *.corp.example' }, 'db.corp.example'),
      tunnelTo('prefix', { ...socks, ProxyExcludeList: '10.0.*' }, '10.0.3.7'),
      // PuTTY compares an entry over its own length: "db" keeps db2.internal off the proxy too.
      tunnelTo('short', { ...socks, ProxyExcludeList: 'db' }, 'db2.internal'),
      // PuTTY reads "10.0.0.0" of "10.0.0.0/8", which 10.0.0.5 does not start with: proxied.
      tunnelTo('netmask', { ...socks, ProxyExcludeList: '10.0.0.0/8' }, '10.0.0.5'),
      tunnelTo('read-as', { ...socks, ProxyExcludeList: '10.0.0.5/32' }, '10.0.0.5'),
      tunnelTo('local', socks, 'localhost'),
      tunnelTo('local-too', { ...socks, ProxyLocalhost: 1 }, '127.0.0.1'),
      tunnelTo('dns-here', { ...socks, ProxyDNS: 0, ProxyExcludeList: '10.*, *.internal' }),
      tunnelTo('telnet', { ProxyMethod: 4, ProxyHost: 'gate.corp.example', ProxyPort: 23 }),
      tunnelTo('ssh-exec', { ProxyMethod: 7, ProxyHost: 'bastion.example.com', ProxyPort: 22 }),
    ),
  );
  const proxyOf = (name: string): unknown => r.sessions.find((x) => x.name === name)?.proxy;
  for (const name of ['suffix', 'prefix', 'short', 'read-as', 'local']) assert.equal(proxyOf(name), undefined, name);
  assert.deepEqual(proxyOf('netmask'), { type: 'socks5', host: 'proxy.corp.example', port: 1080 });
  assert.deepEqual(proxyOf('local-too'), { type: 'socks5', host: 'proxy.corp.example', port: 1080 });
  assert.deepEqual(proxyOf('dns-here'), { type: 'socks5', host: 'proxy.corp.example', port: 1080, remoteDns: false });
  const off = 'so PuTTY connected directly, and so does Burrow: the proxy was not imported';
  assert.deepEqual(r.couldNot, [
    { what: 'PuTTY session "suffix": ProxyExcludeList', why: `db.corp.example matches "*.corp.example", ${off}` },
    { what: 'PuTTY session "prefix": ProxyExcludeList', why: `10.0.3.7 matches "10.0.*", ${off}` },
    { what: 'PuTTY session "short": ProxyExcludeList', why: `db2.internal matches "db", ${off}` },
    {
      what: 'PuTTY session "read-as": ProxyExcludeList',
      why: `10.0.0.5 matches "10.0.0.5/32" as PuTTY reads it ("10.0.0.5": PuTTY takes only letters, digits, ".", "-" and "*" of an entry, and knows no netmask), ${off}`,
    },
    {
      what: 'PuTTY session "local": proxy',
      why: 'is not used for localhost: PuTTY never sends a connection to this machine through a proxy unless "Consider proxying local host connections" is on, and neither does Burrow',
    },
    {
      what: 'PuTTY session "telnet": proxy',
      why: 'connects through a Telnet proxy (a command typed to the proxy), which Burrow does not speak, so it was not imported; use an HTTP or SOCKS proxy, or a local proxy command',
    },
    {
      what: 'PuTTY session "ssh-exec": proxy',
      why: 'connects through an SSH proxy that runs a command there, which Burrow does not do, so it was not imported; use "SSH to proxy and use port forwarding" (a jump host)',
    },
  ]);
  assert.deepEqual(r.warnings, [
    'PuTTY session "dns-here": PuTTY also compared the address db.example resolves to with 10.* of its ProxyExcludeList; Burrow does not look names up while importing, so the proxy was kept: if db.example is in one of those ranges, remove the session\'s proxy',
  ]);
  for (const s of r.sessions) assert.deepEqual(parseSessionConfig(s), s);
});
