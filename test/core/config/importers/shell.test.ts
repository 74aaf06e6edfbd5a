import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../../main/core/config/config-error.js';
import { detectKind, importInput } from '../../../../main/core/config/importers/detect.js';
import { fillPlaceholders, importShellScript, logicalLines } from '../../../../main/core/config/importers/shell.js';
import { fixture } from '../fixtures.js';

test("a tunnel script: every tunnel it starts, with the script's own variables, wrappers and redirections removed", () => {
  const text = readFileSync(fixture('tunnels.sh'), 'utf8');
  assert.equal(detectKind(text), 'shell-script');
  const r = importInput(text);
  assert.deepEqual(
    r.sessions.map((s) => s.name),
    ['fivetran@35.230.100.17', 'fivetran@35.230.100.17-11434', 'autossh@tunnel-eu.holistics.example:50022'],
  );
  const [sql01, sql02, holistics] = r.sessions;
  assert.deepEqual(sql01!.forwards, [{ type: 'remote', bindPort: 11433, targetHost: 'sql01.corp.local', targetPort: 1433 }]);
  assert.deepEqual(sql01!.auth.identityFiles, ['/home/ops/.ssh/fivetran_rsa']);
  assert.deepEqual(sql02!.keepalive, { intervalSeconds: 10, countMax: 1 });
  assert.deepEqual(holistics!.forwards, [{ type: 'remote', bindAddress: '*', bindPort: 20032, targetHost: '10.0.3.17', targetPort: 5432 }]);
  assert.equal(holistics!.port, 50022);
  const why = (s: string) => r.couldNot.find((n) => n.what.includes(s))?.why ?? '';
  assert.match(why('line 29: -J'), /jump host/);
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
