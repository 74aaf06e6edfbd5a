import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseSessionConfig } from '../../../../common/config-schema.js';
import { ConfigError } from '../../../../main/core/config/config-error.js';
import { detectKind, importInput } from '../../../../main/core/config/importers/detect.js';
import { fillPlaceholders, importCommandLine, importShellScript, logicalLines } from '../../../../main/core/config/importers/shell.js';
import { fixture } from '../fixtures.js';
import { keyPlaceholderNames } from '../../../../common/placeholders.js';

test("a tunnel script: every tunnel it starts, with the script's own variables, wrappers and redirections removed", () => {
  const text = readFileSync(fixture('tunnels.sh'), 'utf8');
  assert.equal(detectKind(text), 'shell-script');
  const r = importInput(text);
  assert.deepEqual(
    r.sessions.map((s) => s.name),
    ['fivetran@35.230.100.17', 'fivetran@35.230.100.17-11434', 'autossh@tunnel-eu.holistics.example:50022', 'deploy@10.20.0.5'],
  );
  const [sql01, sql02, holistics, staging] = r.sessions;
  assert.deepEqual(sql01!.forwards, [{ type: 'remote', bindPort: 11433, targetHost: 'sql01.corp.local', targetPort: 1433 }]);
  assert.deepEqual(sql01!.auth.identityFiles, ['/home/ops/.ssh/fivetran_rsa']);
  assert.deepEqual(sql02!.keepalive, { intervalSeconds: 10, countMax: 1 });
  assert.deepEqual(holistics!.forwards, [{ type: 'remote', bindAddress: '*', bindPort: 20032, targetHost: '10.0.3.17', targetPort: 5432 }]);
  assert.equal(holistics!.port, 50022);
  // ssh logs in to the bastion as the local user: said only when that is not the session's user.
  const me = userInfo().username;
  assert.deepEqual(staging!.jumpHosts, [{ host: 'bastion.example.com', port: 22, ...(me === 'deploy' ? {} : { user: me }) }]);
  assert.equal(
    r.took[3],
    `line 29: ssh: deploy@10.20.0.5:22, 1 forward, keepalive 15 s × 3, host keys: ask, through the jump host ${me === 'deploy' ? '' : `${me}@`}bastion.example.com:22`,
  );
  const why = (s: string) => r.couldNot.find((n) => n.what.includes(s))?.why ?? '';
  assert.match(why('screen'), /no terminal multiplexer/);
  assert.ok(!r.couldNot.some((n) => /apt-get|which|command -v|echo/.test(n.what)), 'lines that start no tunnel are passed over');
  assert.match(r.took[0]!, /^line 16: autossh: fivetran@35\.230\.100\.17:22/);
});

test("a systemd unit's ExecStart", () => {
  const r = importInput(readFileSync(fixture('autossh-tunnel.service'), 'utf8'));
  assert.equal(r.kind, 'shell-script');
  const [s] = r.sessions;
  assert.equal(s!.user, 'tunnel');
  assert.deepEqual(s!.forwards, [{ type: 'remote', bindPort: 23432, targetHost: 'db.internal', targetPort: 3306 }]);
  assert.deepEqual(s!.keepalive, { intervalSeconds: 30, countMax: 3 });
  assert.ok(r.couldNot.some((n) => n.what.endsWith('ExecStart')));
});

test("a script without a tunnel says so; one whose only tunnel is unusable gives that tunnel's error", () => {
  assert.throws(
    () => importShellScript('#!/bin/sh\napt-get install autossh\necho done\n'),
    (e: ConfigError) => /starts no ssh, autossh or plink tunnel/.test(e.problem),
  );
  assert.throws(() => importShellScript('#!/bin/sh\nautossh -M 0 -N -R $PORT:db:5432 tunnel@$HOST\n'), /\$PORT/);
});

test('placeholders and logical lines', () => {
  const v = new Map([
    ['SSH_HOST', 'h.example'],
    ['tunnel_port', '20032'],
  ]);
  assert.equal(
    fillPlaceholders('$SSH_HOST ${SSH_HOST} <SSH_HOST> [tunnel_port] ${SSH_HOST_PORT:-22} $OTHER [::1]', v),
    'h.example h.example h.example 20032 22 $OTHER [::1]',
  );
  assert.deepEqual(logicalLines('a \\\n  b\n# c\n\nd "x\ny"\r\ne ^\nf'), [
    { line: 1, text: 'a   b' },
    { line: 5, text: 'd "x\ny"' },
    { line: 7, text: 'e f' },
  ]);
});

test("a placeholder followed by the file's extension (Espresso Logic's <private-key-file>.pem) takes the real file's name without doubling it", () => {
  const v = new Map([
    ['private-key-file', '/home/me/espresso_tunnel.pem'],
    ['key', 'keys/acme'],
    ['KEY', '/k/fivetran.PPK'],
  ]);
  assert.equal(fillPlaceholders('-i <private-key-file>.pem', v), '-i /home/me/espresso_tunnel.pem');
  assert.equal(fillPlaceholders('-i <key>.pem', v), '-i keys/acme.pem');
  assert.equal(fillPlaceholders('-i ${KEY}.ppk -i $KEY.ppk', v), '-i /k/fivetran.PPK -i /k/fivetran.PPK');
  assert.equal(fillPlaceholders('<private-key-file>.pem.bak', v), '/home/me/espresso_tunnel.pem.pem.bak', 'only a last extension is one to merge');
});

test('the placeholders that stand for a key file: the window offers a key chooser for these, a box for the rest', () => {
  assert.deepEqual(
    keyPlaceholderNames('ssh -nNT -i <private-key-file>.pem -R 23432:<database-server-address>:<database-server-port> tunnel@<your-server-name>'),
    ['private-key-file'],
  );
  assert.deepEqual(keyPlaceholderNames('plink.exe -N -i <private-key-file>.ppk -R 23432:<db>:<port> tunnel@<server>'), ['private-key-file']);
  assert.deepEqual(keyPlaceholderNames('autossh -M 0 -N -R <SSH_HIGH_PORT>:h:1 u@h -i <PATH_TO_PRIVATE_KEY>'), ['PATH_TO_PRIVATE_KEY']);
  assert.deepEqual(keyPlaceholderNames('ssh -i$KEY -N -R 1:h:2 u@h'), ['KEY']);
  assert.deepEqual(keyPlaceholderNames('"PublicKeyFile"="<ppk>"'), ['ppk']);
  assert.deepEqual(keyPlaceholderNames('-o IdentityFile=<path_to_your_private_key_file>'), ['path_to_your_private_key_file']);
  assert.deepEqual(keyPlaceholderNames('ssh -N -R <port>:<host>:5432 <user>@<server>'), []);
});

test('a tunnel run through sshpass is reported by its line, never passed over and never quoted', () => {
  const r = importShellScript(
    [
      '#!/bin/sh',
      'sshpass -p S3cret! ssh -N -R 15432:localhost:5432 tunnel@db.example',
      'sshpass -f /etc/tunnel.pass autossh -M 0 -N -R 15433:localhost:5432 tunnel@db.example',
      'sshpass -p S3cret! scp backup.sql tunnel@db.example:',
      'autossh -M 0 -N -R 15434:localhost:5432 tunnel@db.example',
    ].join('\n'),
  );
  assert.deepEqual(
    r.couldNot.map((n) => n.what),
    ['line 2: sshpass', 'line 3: sshpass'],
    'sshpass running something other than a tunnel is passed over',
  );
  assert.match(r.couldNot[0]!.why, /^runs through sshpass: password login is not supported.*Use a key/);
  assert.ok(!JSON.stringify(r).includes('S3cret'));
  assert.throws(
    () => importShellScript('#!/bin/sh\nsshpass -e ssh -N -R 1:h:2 u@h\n'),
    (e: ConfigError) => e.field === 'line 2: sshpass',
  );
});

test('a way to the server through a proxy command: the session keeps it as written, the report shows it and warns that it runs', () => {
  const command = 'cloudflared access ssh --hostname %h';
  const r = importCommandLine(['ssh', '-N', '-R', '15432:localhost:5432', '-o', `ProxyCommand=${command}`, 'tunnel@db.example']);
  const s = r.sessions[0]!;
  assert.deepEqual(parseSessionConfig(s), s);
  assert.deepEqual(s.proxy, { type: 'command', command });
  assert.deepEqual(r.took, [`ssh: tunnel@db.example:22, 1 forward, keepalive 15 s × 3, host keys: ask, through the proxy command "${command}"`]);
  assert.deepEqual(r.warnings, [
    `-o ProxyCommand: this session runs the command "${command}" to reach the server, as ssh would; Burrow starts it at every connection, so check that it is the program you expect before saving`,
  ]);
  assert.equal(importCommandLine('ssh -N -R 1:h:2 u@h').warnings, undefined, 'no warning where there is nothing to warn of');

  const script = importShellScript(
    [
      '#!/bin/sh',
      `ssh -N -R 15432:localhost:5432 -o "ProxyCommand ${command}" tunnel@db.example &`,
      'ssh -N -R 15433:localhost:5432 -o "ProxyCommand=nc -X connect -x proxy.corp.example:3128 %h %p" tunnel@db.example &',
      'ssh -N -R 15434:localhost:5432 -o "ProxyCommand sshpass -p S3cret! ssh -W %h:%p bastion" tunnel@db.example &',
    ].join('\n'),
  );
  assert.deepEqual(
    script.sessions.map((x) => x.proxy),
    [
      { type: 'command', command },
      { type: 'http', host: 'proxy.corp.example', port: 3128 },
    ],
  );
  assert.deepEqual(script.took.slice(1), [
    'line 3: ssh: tunnel@db.example:22, 1 forward, keepalive 15 s × 3, host keys: ask, through the HTTP proxy proxy.corp.example:3128',
  ]);
  assert.deepEqual(script.warnings, [
    `line 2: -o ProxyCommand: this session runs the command "${command}" to reach the server, as ssh would; Burrow starts it at every connection, so check that it is the program you expect before saving`,
  ]);
  assert.deepEqual(script.couldNot, [
    {
      what: 'line 4: -o ProxyCommand',
      why: "the proxy command carries a password: it runs sshpass, which types a password. Remove the password: Burrow logs in to jump hosts with keys, and keeps a proxy's password in its secret store (give it in the session's proxy settings), never in the config.",
    },
  ]);
  assert.ok(!JSON.stringify(script).includes('S3cret'));
});
