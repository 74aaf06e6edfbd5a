/** The window's formatters (renderer/src/format.ts) and the editor's problems (session-editor.tsx): what people read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, duration, errorTitle, inWindowWords, since, STATE_WORD, until } from '../../renderer/src/format.js';
import { configOf, draftOf, emptyDraft, problemsOf, type Draft } from '../../renderer/src/screens/session-editor.js';
import { statusText } from '../../renderer/src/screens/start-at-boot.js';
import { trustedText } from '../../renderer/src/screens/host-key.js';

test('sizes and durations as people read them at a glance', () => {
  assert.deepEqual([0, 1023, 1024, 1536, 10 * 1024 * 1024, 150 * 1024 * 1024, 3 * 1024 ** 4, 5000 * 1024 ** 4].map(bytes), [
    '0 B',
    '1023 B',
    '1.0 KiB',
    '1.5 KiB',
    '10.0 MiB',
    '150 MiB',
    '3.0 TiB',
    '5000 TiB',
  ]);
  assert.deepEqual([-5000, 0, 59_499, 60_000, 3_599_000, 3_600_000, 47 * 3_600_000 + 60_000, 49 * 3_600_000].map(duration), [
    '0 s',
    '0 s',
    '59 s',
    '1 min',
    '59 min',
    '1 h 0 min',
    '47 h 1 min',
    '2 days',
  ]);
  const now = Date.parse('2026-12-06T12:00:00Z');
  assert.equal(since('2026-12-06T11:00:00Z', now), '1 h 0 min');
  assert.equal(until('2026-12-06T12:00:04Z', now), '4 s');
  assert.equal(since(undefined, now), undefined);
});

test('every state has a word (never a colour alone); an error code Burrow does not know yet shows as itself', () => {
  assert.deepEqual(Object.keys(STATE_WORD).sort(), ['connected', 'connecting', 'error', 'reconnecting', 'stopped']);
  assert.equal(errorTitle('HOST_KEY_MISMATCH'), 'Server key changed');
  assert.equal(errorTitle('SOMETHING_NEW' as never), 'SOMETHING_NEW');
});

test("the editor lists every problem of a draft at once, in the form's order, each with its field's label and fix", () => {
  const d: Draft = { ...emptyDraft(), name: '', host: 'tunnel.example.com', port: '70000', user: 'fivetran:secret' };
  const problems = problemsOf(d);
  const fields = problems.map((p) => p.field);
  assert.ok(fields.indexOf('session.name') < fields.indexOf('session.port'), fields.join(' '));
  assert.ok(fields.includes('session.user') && fields.includes('session.port') && fields.includes('session.name'), fields.join(' '));
  assert.ok(
    problems.every((p) => /\. \S/.test(p.text)),
    'each says what is wrong, then the fix',
  );
  assert.ok(!problems.some((p) => p.text.includes('secret')), 'a password is never repeated');
  // The empty forward of a new draft is one more problem, at its own field.
  assert.ok(
    fields.some((f) => f.startsWith('session.forwards[0]')),
    fields.join(' '),
  );
  const fixed: Draft = {
    ...d,
    name: 'ok',
    port: '22',
    user: 'fivetran',
    forwards: [{ type: 'remote', bindAddress: '', bindPort: '11433', targetHost: 'db', targetPort: '1433' }],
  };
  assert.deepEqual(problemsOf(fixed), []);
  assert.equal(configOf(fixed).user, 'fivetran');
});

test('start at boot and host keys, in sentences: every state a person can meet', () => {
  const base = { scope: 'user', file: '/h/.config/systemd/user/burrow.service', configFile: '/h/c.json' } as const;
  assert.equal(statusText({ ...base, state: 'not installed' }), 'Not set up (for your account).');
  assert.equal(statusText({ ...base, scope: 'system', state: 'not installed' }), 'Not set up (for this machine).');
  assert.equal(
    statusText({ ...base, state: 'foreign' }),
    '/h/.config/systemd/user/burrow.service exists but was not written by Burrow: Burrow leaves it alone.',
  );
  assert.equal(
    statusText({ ...base, state: 'installed', systemd: { enabled: 'enabled', active: 'failed' } }),
    'Set up: /h/.config/systemd/user/burrow.service — enabled, failed. It runs the tunnels marked "start automatically" of /h/c.json.',
  );
  assert.equal(trustedText({ already: true }), 'Nothing to do: this key is already the trusted one.');
  assert.equal(trustedText({ file: '/h/.ssh/known_hosts' }), 'Recorded in /h/.ssh/known_hosts.');
  assert.equal(trustedText({ file: '/k', removed: 2 }), 'Recorded in /k, replacing 2 old lines (the old file is kept as /k.old).');
  assert.equal(trustedText({ pinned: { fingerprint: 'SHA256:new', previous: 'SHA256:old' } }), 'The pin is now SHA256:new (was SHA256:old).');
});

test("the editor keeps a session's path through a save: jump hosts with their own keys, a proxy, the agent and known_hosts files", () => {
  const stored = {
    id: 'db',
    name: 'db',
    host: 'db.internal',
    port: 22,
    user: 'tunnel',
    auth: { identityFiles: ['~/.ssh/id_ed25519'], agent: '/run/agent.sock', identitiesOnly: true },
    hostKey: { policy: 'yes' as const, knownHostsFiles: ['/etc/burrow/known_hosts'] },
    keepalive: { intervalSeconds: 15, countMax: 3 },
    connectTimeoutSeconds: 20,
    compression: false,
    autostart: true,
    jumpHosts: [{ host: 'bastion.corp', port: 2222, user: 'ops', identityFiles: ['~/.ssh/bastion'] }],
    forwards: [{ type: 'remote' as const, bindPort: 15432, targetHost: 'localhost', targetPort: 5432 }],
  };
  const d = draftOf(stored);
  assert.equal(d.via, 'jump');
  assert.equal(d.jumps, 'ops@bastion.corp:2222');
  const again = configOf(d, 'db');
  assert.deepEqual(again.jumpHosts, stored.jumpHosts);
  assert.deepEqual(again.auth, stored.auth);
  assert.deepEqual(again.hostKey, stored.hostKey);
  // A second hop typed in: the first keeps its own key; the new one uses the session's.
  assert.deepEqual(configOf({ ...d, jumps: 'ops@bastion.corp:2222, [fd00::7]:22' }).jumpHosts, [stored.jumpHosts[0], { host: 'fd00::7', port: 22 }]);
  // Switched to an HTTP proxy: no jump hosts, the proxy as typed; an unreadable hop is named.
  const viaProxy = configOf({ ...d, via: 'http', proxyHost: 'proxy.corp', proxyPort: '3128', proxyUser: 'me' });
  assert.equal(viaProxy.jumpHosts, undefined);
  assert.deepEqual(viaProxy.proxy, { type: 'http', host: 'proxy.corp', port: 3128, user: 'me' });
  assert.deepEqual(
    problemsOf({ ...d, jumps: 'ops@[broken' }).map((p) => p.text),
    ['Jump hosts: a hop is not [user@]host[:port]. Write each hop as [user@]host[:port], hops separated by commas.'],
  );
  // A password typed into a hop is refused without being repeated.
  assert.deepEqual(
    problemsOf({ ...d, jumps: 'ops:hunter2@bastion' }).map((p) => p.text),
    [
      "Jump hosts: a hop carries a password (user:password@host). Remove the password: Burrow logs in to jump hosts with keys, and keeps a proxy's password in its secret store (give it in the session's proxy settings), never in the config.",
    ],
  );
  assert.deepEqual(
    problemsOf({ ...d, via: 'socks5', proxyHost: '', proxyPort: 'x' }).map((p) => p.field),
    ['session.proxy.host', 'session.proxy.port'],
  );
});

test("hints written for every door name the window's own buttons when shown in the window", () => {
  // The texts as the core writes them (session.ts, presets.ts, identity.ts, shell.ts).
  assert.equal(
    inWindowWords('The port is in use on the server or not permitted (sshd PermitListen / AllowTcpForwarding). `burrow diagnose` tells which.'),
    'The port is in use on the server or not permitted (sshd PermitListen / AllowTcpForwarding). "Test connection" tells which.',
  );
  assert.equal(
    inWindowWords(
      'Create a reverse tunnel at https://app.secoda.co/tunnels and copy its docker-compose environment (SSH_HOST, SSH_KEY_BASE64) into `burrow import`.',
    ),
    'Create a reverse tunnel at https://app.secoda.co/tunnels and copy its docker-compose environment (SSH_HOST, SSH_KEY_BASE64) into New tunnel → "Paste a command".',
  );
  assert.equal(
    inWindowWords('Export the session with regedit (HKCU\\Software\\SimonTatham\\PuTTY\\Sessions) and run `burrow import FILE.reg`.'),
    'Export the session with regedit (HKCU\\Software\\SimonTatham\\PuTTY\\Sessions) and paste it in New tunnel → "Paste a command".',
  );
  assert.equal(
    inWindowWords('Burrow retries by itself. If it keeps happening, please report it with the log (burrow run -v).'),
    "Burrow retries by itself. If it keeps happening, please report it with the log (the Log on the tunnel's page).",
  );
  assert.equal(inWindowWords('Generate a new Ed25519 key with `burrow key generate`.'), 'Generate a new Ed25519 key with Keys → "Create a key".');
  // A command the window has nothing for stays a command, and plain text is left alone.
  assert.equal(inWindowWords('Run `ssh-keygen -R host`.'), 'Run `ssh-keygen -R host`.');
  assert.equal(inWindowWords('No command here.'), 'No command here.');
});
