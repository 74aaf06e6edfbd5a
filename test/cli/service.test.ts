/**
 * `burrow service`: the systemd unit passes `systemd-analyze verify` and its ExecStart, run as
 * systemd would run it, keeps a real tunnel up and reloads on SIGHUP; the launchd file is valid
 * against Apple's plist DTD; the Windows task has what Task Scheduler requires; install and
 * uninstall touch only Burrow's own files. systemd is not PID 1 in this test's container, so the
 * `systemctl` and `loginctl` install runs are recorded by stand-ins on PATH.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installPlan, isOurs, serviceCommand, uninstallPlan, type Where } from '../../main/core/service/plan.js';
import { launchdPlist, MARKER, systemdUnit, windowsArg, windowsTaskXml } from '../../main/core/service/units.js';
import { BURROW, runBurrow, startBurrow } from '../helpers/cli.js';
import { echoServer, freePort, roundTrip, waitFor } from '../helpers/net.js';
import { loopbackRemote, storedSession, writeStore } from '../helpers/session.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { toolsMissing } from '../helpers/tools.js';
import { tempDir } from '../core/config/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** ExecStart's words as systemd reads them (quotes, backslash escapes, then %% and $$): an independent reading. */
function execStartWords(unit: string): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unit)![1]!;
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break;
    let w = '';
    if (line[i] === '"') {
      for (i++; line[i] !== '"'; i++) {
        if (i >= line.length) throw new Error('unterminated quote');
        if (line[i] === '\\') i++;
        w += line[i];
      }
      i++;
    } else {
      for (; i < line.length && line[i] !== ' '; i++) w += line[i];
    }
    words.push(w.replace(/%%/g, '%').replace(/\$\$/g, '$'));
  }
  return words;
}

function where(over: Partial<Where> & Pick<Where, 'platform' | 'scope'>): Where {
  const configFile =
    over.platform === 'win32' ? 'C:\\Users\\Ana Maria\\AppData\\Roaming\\burrow\\config.json' : '/home/ana maria/.config/burrow 100%/config.json';
  return {
    configFile,
    home: '/home/ana maria',
    user: 'ana',
    uid: 1000,
    command: serviceCommand({
      execPath: over.platform === 'win32' ? 'C:\\Program Files\\nodejs\\node.exe' : '/usr/bin/node',
      script: over.platform === 'win32' ? 'C:\\Users\\Ana Maria\\burrow\\dist\\main\\cli\\burrow.js' : path.join(ROOT, 'dist/main/cli/burrow.js'),
      configFile,
    }),
    ...over,
  };
}

test('the systemd units, system and user, pass systemd-analyze verify without a word', { skip: toolsMissing('systemd-analyze') }, () => {
  const dir = tempDir();
  const runtime = path.join(dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  for (const scope of ['system', 'user'] as const) {
    const plan = installPlan(where({ platform: 'linux', scope }));
    assert.equal(plan.files.length, 1);
    const unitDir = path.join(dir, scope);
    mkdirSync(unitDir);
    const file = path.join(unitDir, 'burrow.service');
    writeFileSync(file, plan.files[0]!.content);
    const r = spawnSync('systemd-analyze', ['verify', ...(scope === 'user' ? ['--user'] : []), file], {
      encoding: 'utf8',
      env: { ...process.env, XDG_RUNTIME_DIR: runtime },
    });
    assert.equal(r.status, 0, `${scope}: ${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', `${scope}: systemd-analyze said something`);
  }
  // The check is real: a unit with a mistake in it is reported.
  const bad = path.join(dir, 'system', 'burrow.service');
  writeFileSync(
    bad,
    systemdUnit({
      scope: 'system',
      command: { program: '/nonexistent/node', args: ['x'] },
      configFile: '/c/config.json',
      configFolder: '/c',
      user: 'ana',
      home: '/home/ana',
    }),
  );
  const r = spawnSync('systemd-analyze', ['verify', bad], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /is not executable/);
});

test('the system unit is hardened, restarts always, reloads with SIGHUP, and may write only the config folder and ~/.ssh', () => {
  const unit = installPlan(where({ platform: 'linux', scope: 'system' })).files[0]!.content.toString();
  for (const line of [
    'After=network-online.target',
    'Wants=network-online.target',
    'Type=notify',
    'NotifyAccess=all',
    'WatchdogSec=30',
    'Restart=always',
    'ExecReload=/bin/kill -HUP $MAINPID',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=read-only',
    'PrivateTmp=yes',
    'User=ana',
    'WantedBy=multi-user.target',
    'UMask=0077',
    'SystemCallFilter=@system-service',
    'ReadWritePaths="/home/ana maria/.config/burrow 100%%"',
    'ReadWritePaths=-"/home/ana maria/.ssh"',
  ]) {
    assert.ok(unit.split('\n').includes(line), `missing: ${line}`);
  }
  assert.deepEqual(execStartWords(unit), [
    '/usr/bin/node',
    '--v8-pool-size=1',
    path.join(ROOT, 'dist/main/cli/burrow.js'),
    'run',
    '--service',
    '--autostart',
    '--config',
    '/home/ana maria/.config/burrow 100%/config.json',
  ]);
  const user = installPlan(where({ platform: 'linux', scope: 'user' }));
  assert.doesNotMatch(user.files[0]!.content.toString(), /^(ProtectSystem|ProtectHome|PrivateTmp)=/m, 'no mount sandbox in a user unit');
  assert.match(user.files[0]!.content.toString(), /^Type=notify\nNotifyAccess=all\nWatchdogSec=30$/m, 'the watchdog in a user unit too');
  assert.deepEqual(user.commands, [
    ['systemctl', '--user', 'daemon-reload'],
    ['systemctl', '--user', 'enable', '--now', 'burrow.service'],
    ['loginctl', 'enable-linger', 'ana'],
  ]);
  // The AppImage: its real path, and Chromium told there is no display.
  const appImage = serviceCommand({ execPath: '/tmp/.mount_Burrow/burrow', appImage: '/home/ana/Apps/Burrow.AppImage', configFile: '/c.json' });
  assert.deepEqual(appImage, {
    program: '/home/ana/Apps/Burrow.AppImage',
    args: ['--ozone-platform=headless', 'run', '--service', '--autostart', '--config', '/c.json'],
  });
});

test("the launchd agent and daemon are valid property lists (Apple's DTD) with what launchd needs", { skip: toolsMissing('xmllint') }, () => {
  const dtd = path.join(ROOT, 'test', 'fixtures', 'PropertyList-1.0.dtd');
  const dir = tempDir();
  for (const scope of ['user', 'system'] as const) {
    const plan = installPlan(where({ platform: 'darwin', scope }));
    const file = path.join(dir, `${scope}.plist`);
    writeFileSync(file, plan.files[0]!.content);
    const r = spawnSync('xmllint', ['--noout', '--dtdvalid', dtd, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const x = (q: string): string => execFileSync('xmllint', ['--xpath', q, file], { encoding: 'utf8' }).trim();
    assert.equal(x('string(/plist/dict/key[.="Label"]/following-sibling::*[1])'), 'dev.burrow.tunnels');
    assert.equal(x('name(/plist/dict/key[.="RunAtLoad"]/following-sibling::*[1])'), 'true');
    assert.equal(x('name(/plist/dict/key[.="KeepAlive"]/following-sibling::*[1])'), 'true');
    assert.equal(x('count(/plist/dict/key[.="ProgramArguments"]/following-sibling::*[1]/string)'), '8');
    // node, its options for a long-lived tunnel process (v8-flags.ts), the script, run --service --autostart --config FILE
    assert.equal(x('string(/plist/dict/key[.="ProgramArguments"]/following-sibling::*[1]/string[2])'), '--v8-pool-size=1');
    assert.equal(x('string(/plist/dict/key[.="ProgramArguments"]/following-sibling::*[1]/string[8])'), '/home/ana maria/.config/burrow 100%/config.json');
    assert.equal(x('count(/plist/dict/key[.="UserName"])'), scope === 'system' ? '1' : '0');
    assert.equal(
      plan.files[0]!.path,
      scope === 'user' ? '/home/ana maria/Library/LaunchAgents/dev.burrow.tunnels.plist' : '/Library/LaunchDaemons/dev.burrow.tunnels.plist',
    );
    assert.deepEqual(plan.commands.at(-1), ['launchctl', 'bootstrap', scope === 'user' ? 'gui/1000' : 'system', plan.files[0]!.path]);
  }
  // The DTD check is real: a dict with two values for one key fails it.
  const bad = path.join(dir, 'bad.plist');
  writeFileSync(bad, launchdPlist({ scope: 'user', command: { program: '/n', args: [] }, logFile: '/l' }).replace('<true/>', '<true/><true/>'));
  assert.notEqual(spawnSync('xmllint', ['--noout', '--dtdvalid', dtd, bad]).status, 0);
});

test(
  'the Windows task: UTF-16, starts at boot logged on or not (S4U), never times out, restarts on failure, and runs node with the arguments intact',
  { skip: toolsMissing('xmllint') },
  () => {
    const plan = installPlan(where({ platform: 'win32', scope: 'user', windowsUser: 'LAPTOP\\ana' }));
    const f = plan.files[0]!;
    assert.equal(f.path, 'C:\\Users\\Ana Maria\\AppData\\Roaming\\burrow\\burrow-task.xml');
    assert.deepEqual([f.content[0], f.content[1]], [0xff, 0xfe], 'a UTF-16 byte-order mark');
    const file = path.join(tempDir(), 'task.xml');
    writeFileSync(file, f.content);
    assert.equal(spawnSync('xmllint', ['--noout', file]).status, 0, 'well-formed');
    const x = (q: string): string => execFileSync('xmllint', ['--xpath', q.replace(/\/(\w+)/g, "/*[local-name()='$1']"), file], { encoding: 'utf8' }).trim();
    // What the Task Scheduler schema requires (Task/Actions with an Exec/Command), and what a service needs.
    assert.equal(x('count(/Task/Actions/Exec/Command)'), '1');
    assert.equal(x('string(/Task/Triggers/BootTrigger/Enabled)'), 'true');
    assert.equal(x('string(/Task/Principals/Principal/LogonType)'), 'S4U');
    assert.equal(x('string(/Task/Principals/Principal/UserId)'), 'LAPTOP\\ana');
    assert.equal(x('string(/Task/Settings/ExecutionTimeLimit)'), 'PT0S');
    assert.equal(x('string(/Task/Settings/DisallowStartIfOnBatteries)'), 'false');
    assert.equal(x('string(/Task/Settings/StopIfGoingOnBatteries)'), 'false');
    assert.equal(x('string(/Task/Settings/RestartOnFailure/Interval)'), 'PT1M');
    assert.equal(x('string(/Task/Settings/MultipleInstancesPolicy)'), 'IgnoreNew');
    assert.equal(execFileSync('xmllint', ['--xpath', 'string(/*/@version)', file], { encoding: 'utf8' }).trim(), '1.2');
    assert.equal(x('string(/Task/Actions/Exec/Command)'), '"C:\\Program Files\\nodejs\\node.exe"');
    assert.equal(
      x('string(/Task/Actions/Exec/Arguments)'),
      '--v8-pool-size=1 "C:\\Users\\Ana Maria\\burrow\\dist\\main\\cli\\burrow.js" run --service --autostart --config "C:\\Users\\Ana Maria\\AppData\\Roaming\\burrow\\config.json"',
    );
    assert.ok(isOurs(f.content));
    assert.deepEqual(plan.commands[0], ['schtasks', '/Create', '/TN', 'Burrow', '/XML', f.path]);
    // Windows' own quoting rules (CommandLineToArgvW): backslashes before a quote are doubled.
    assert.equal(windowsArg('C:\\a b\\'), '"C:\\a b\\\\"');
    assert.equal(windowsArg('say "hi"'), '"say \\"hi\\""');
    assert.equal(windowsArg('plain'), 'plain');
    assert.match(windowsTaskXml({ command: { program: 'n', args: [] }, userId: 'u', workingDirectory: 'w' }), new RegExp(MARKER.replace(/[`$]/g, '.')));
  },
);

describe('installed for real, with systemd replaced by recorders', { skip: sshdUnavailable() ?? toolsMissing('systemd-analyze') }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
  });

  test("install writes the unit (--dry-run first writes nothing), its ExecStart runs the autostart tunnels and reloads on SIGHUP; uninstall removes only Burrow's file", async () => {
    const dir = tempDir();
    const home = path.join(dir, 'home');
    const bin = path.join(dir, 'bin');
    mkdirSync(home);
    mkdirSync(bin);
    const calls = path.join(dir, 'calls.log');
    for (const tool of ['systemctl', 'loginctl']) {
      writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${calls}'\n`);
      chmodSync(path.join(bin, tool), 0o755);
    }
    const configDir = path.join(dir, 'my config 100%');
    const config = path.join(configDir, 'config.json');
    const port = await freePort();
    mkdirSync(configDir, { mode: 0o700 });
    writeFileSync(
      config,
      JSON.stringify({
        version: 3,
        sessions: [
          {
            name: 'warehouse',
            host: '127.0.0.1',
            port: sshd.port,
            user: sshd.user,
            autostart: true,
            auth: { identityFiles: [sshd.clientKeyPath] },
            hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] },
            forwards: [loopbackRemote(port, echo.port)],
          },
        ],
      }),
    );
    // The journal, as journalctl prints it for the unit (recorded apart: it is read, not run for effect).
    writeFileSync(
      path.join(bin, 'journalctl'),
      `#!/bin/sh\necho "$*" > '${path.join(dir, 'journalctl.args')}'\necho '-- Journal begins at Sun 2026-12-06 --'\necho '2026-12-06T08:00:00+0000 box burrow[42]: warehouse: connected'\necho '2026-12-06T08:00:01+0000 box burrow[42]: note: reloaded'\n`,
    );
    chmodSync(path.join(bin, 'journalctl'), 0o755);
    const env = { HOME: home, PATH: `${bin}:${process.env.PATH}` };
    const unitFile = path.join(home, '.config', 'systemd', 'user', 'burrow.service');

    const dry = await runBurrow(['service', 'install', '--user', '--dry-run', '--config', config], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^would write ${unitFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(mode 644\\):`, 'm'));
    assert.match(dry.stdout, /^would run: systemctl --user enable --now burrow\.service$/m);
    assert.ok(!existsSync(unitFile) && !existsSync(calls), 'a dry run writes and runs nothing');

    const inst = await runBurrow(['service', 'install', '--user', '--config', config], env);
    assert.equal(inst.code, 0, inst.stderr);
    assert.equal(statSync(unitFile).mode & 0o777, 0o644);
    assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), [
      'systemctl --user daemon-reload',
      'systemctl --user enable --now burrow.service',
      `loginctl enable-linger ${sshd.user}`,
    ]);
    const unit = readFileSync(unitFile, 'utf8');

    // What systemd would start: ExecStart's words, exactly.
    const [program, ...args] = execStartWords(unit);
    assert.equal(program, process.execPath);
    // node's options for a long-lived tunnel process first (node refuses an unknown one: the start below proves it takes them).
    assert.deepEqual(args.slice(0, 2), ['--v8-pool-size=1', BURROW]);
    const svc = spawn(program!, args, { env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    svc.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await waitFor(async () => (await roundTrip(port, 'at boot').catch(() => Buffer.alloc(0))).toString() === 'at boot', 'the autostart tunnel', 15_000);
      const status = await runBurrow(['status', '--config', config], env);
      assert.match(status.stdout, new RegExp(`^the Burrow service \\(pid ${svc.pid}\\) runs the tunnels of `));
      // ExecReload: SIGHUP.
      svc.kill('SIGHUP');
      await waitFor(() => /reloaded .*: no change \(1 unchanged\)/.test(out), 'the reload', 10_000);
      const st = await runBurrow(['service', 'status', '--user', '--config', config], env);
      assert.match(st.stdout, /^service \(user\): installed: /m);
      // The service's last lines in the journal, without journalctl's own header.
      assert.match(
        st.stdout,
        /^last lines in the journal \(journalctl --user -u burrow\.service\):\n {2}2026-12-06T08:00:00\+0000 box burrow\[42\]: warehouse: connected\n {2}2026-12-06T08:00:01\+0000 box burrow\[42\]: note: reloaded$/m,
      );
      assert.equal(readFileSync(path.join(dir, 'journalctl.args'), 'utf8').trim(), '--user -u burrow.service -n 10 --no-pager -o short-iso');
      assert.match(st.stdout, new RegExp(`^tunnels: the Burrow service \\(pid ${svc.pid}\\) runs them`, 'm'));
    } finally {
      svc.kill('SIGTERM');
      await new Promise((r) => svc.once('exit', r));
    }
    assert.equal(svc.exitCode, 0, out);

    // A reinstall replaces Burrow's own unit; a file someone else wrote is never touched.
    assert.equal((await runBurrow(['service', 'install', '--user', '--config', config], env)).code, 0);
    writeFileSync(unitFile, '[Service]\nExecStart=/usr/bin/autossh -M 0 -N vendor\n');
    const refused = await runBurrow(['service', 'install', '--user', '--config', config], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /burrow\.service exists and was not written by Burrow: it is left as it is/);
    const keep = await runBurrow(['service', 'uninstall', '--user', '--config', config], env);
    assert.equal(keep.code, 1);
    assert.equal(readFileSync(unitFile, 'utf8'), '[Service]\nExecStart=/usr/bin/autossh -M 0 -N vendor\n', 'uninstall left the foreign file');
    writeFileSync(unitFile, unit);
    writeFileSync(calls, '');
    const un = await runBurrow(['service', 'uninstall', '--user', '--config', config], env);
    assert.equal(un.code, 0, un.stderr);
    assert.ok(!existsSync(unitFile));
    assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), ['systemctl --user disable --now burrow.service', 'systemctl --user daemon-reload']);
  });

  test(
    'under systemd (Type=notify): READY=1 once the tunnels run, WATCHDOG=1 every half WatchdogSec from the event loop, STOPPING=1 on SIGTERM',
    { skip: toolsMissing('perl') },
    async () => {
      const dir = tempDir();
      // A datagram socket as systemd's NOTIFY_SOCKET is, in Perl (Node has no Unix datagram
      // sockets): what arrives is printed. It reads with recv(), which takes no descriptors, so the
      // one systemd-notify's barrier passes is closed on arrival, as systemd closes it.
      const socket = path.join(dir, 'notify');
      const listener = spawn(
        'perl',
        [
          '-MSocket',
          '-e',
          'socket(my $s, PF_UNIX, SOCK_DGRAM, 0) or die $!; bind($s, pack_sockaddr_un($ARGV[0])) or die $!; $| = 1; while (defined(recv($s, my $m, 65536, 0))) { print "$m\n" }',
          socket,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let got = '';
      listener.stdout.on('data', (d: Buffer) => (got += d.toString()));
      await waitFor(() => existsSync(socket), 'the notify socket');
      const port = await freePort();
      const config = path.join(dir, 'config', 'config.json');
      writeStore(config, [storedSession(sshd, 'warehouse', [loopbackRemote(port, echo.port)])]);
      const run = startBurrow(['run', '--json', '--service', '--autostart', '--config', config], { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '1000000' });
      try {
        await waitFor(() => got.includes('READY=1'), 'READY=1', 15_000);
        assert.ok(got.includes(`STATUS=running the tunnels of ${config}`), got);
        // Every half second (WatchdogSec=1 s): a few of them while the tunnel runs.
        await waitFor(() => got.split('WATCHDOG=1').length - 1 >= 3, 'three watchdog pings', 10_000);
        assert.equal((await roundTrip(port, 'watched')).toString(), 'watched');
        run.child.kill('SIGTERM');
        assert.equal(await run.exited, 0, run.stderr());
        await waitFor(() => got.includes('STOPPING=1'), 'STOPPING=1', 10_000);
        // Each message reached the socket and systemd-notify ended well (no "failed" report).
        assert.deepEqual(
          run.lines.filter((l) => l.type === 'error'),
          [],
        );
      } finally {
        run.child.kill('SIGKILL');
        listener.kill();
      }
    },
  );

  test('bad input names the fix', async () => {
    for (const [args, re] of [
      [['service'], /say install, uninstall or status/],
      [['service', 'enable'], /unknown subcommand "enable" \(install, uninstall or status\)/],
      [['service', 'install', '--user', '--system'], /give --user or --system, not both/],
    ] as const) {
      const r = await runBurrow([...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, re);
    }
  });
});

test(
  "as root without sudo, install says whose unit it would write and asks: --system for root's own, --as USER for another account",
  { skip: process.getuid?.() !== 0 ? 'not root' : undefined },
  async () => {
    const home = tempDir();
    const env = { HOME: home, PATH: process.env.PATH ?? '' };
    const bare = await runBurrow(['service', 'install', '--dry-run'], env);
    assert.equal(bare.code, 2);
    assert.match(
      bare.stderr,
      /you are root, not under sudo: a system unit would run Burrow as root, with root's sessions \(.*config\.json\)\. Give --system to install it so, --as USER/,
    );
    const asRoot = await runBurrow(['service', 'install', '--system', '--dry-run'], env);
    assert.equal(asRoot.code, 0, asRoot.stderr);
    assert.match(asRoot.stdout, /^would install burrow\.service, running as root with the sessions of /m);
    assert.match(asRoot.stdout, /^ {4}User=root$/m);
    const asNobody = await runBurrow(['service', 'install', '--as', 'nobody', '--dry-run'], env);
    assert.equal(asNobody.code, 0, asNobody.stderr);
    assert.match(asNobody.stdout, /^would install burrow\.service, running as nobody with the sessions of \/nonexistent\/\.config\/burrow\/config\.json$/m);
    assert.match(asNobody.stdout, /^ {4}User=nobody$/m);
    const unknown = await runBurrow(['service', 'install', '--as', 'no-such-user-here', '--dry-run'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--as no-such-user-here: there is no such user on this machine/);
    // Under sudo the person's own account is meant, as before.
    const sudo = await runBurrow(['service', 'install', '--dry-run'], { ...env, SUDO_USER: 'nobody' });
    assert.equal(sudo.code, 0, sudo.stderr);
    assert.match(sudo.stdout, /^ {4}User=nobody$/m);
  },
);

test('a path with a control character is refused, never written into a unit (a newline would add a line such as ExecStartPre=)', async () => {
  const home = tempDir();
  const evil = path.join(home, 'x\nExecStartPre=/bin/touch /tmp/pwned\n', 'config.json');
  const r = await runBurrow(['service', 'install', '--user', '--dry-run', '--config', evil], { HOME: home, PATH: process.env.PATH ?? '' });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^burrow service: the config file ".*" holds a control character \(a line break, a tab…\), which no service file can carry safely\. Move the config/m,
  );
  assert.doesNotMatch(r.stdout, /ExecStartPre/);
  assert.throws(
    () =>
      systemdUnit({
        scope: 'system',
        command: { program: '/usr/bin/node', args: ['a\nb'] },
        configFile: '/c/config.json',
        configFolder: '/c',
        user: 'ana',
        home: '/home/ana',
      }),
    /holds a control character/,
  );
});

test(
  'systemd-analyze security scores the system unit 2.0 or lower ("OK"), with the config in a home or outside one',
  { skip: toolsMissing('systemd-analyze') },
  () => {
    const dir = tempDir();
    const scores: string[] = [];
    for (const [name, configFile, home] of [
      ['home', '/home/ana maria/.config/burrow/config.json', '/home/ana maria'],
      ['etc', '/etc/burrow/config.json', '/var/lib/burrow'],
    ] as const) {
      for (const scope of ['system', 'user'] as const) {
        const file = path.join(dir, `${name}-${scope}`, 'burrow.service');
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(
          file,
          systemdUnit({
            scope,
            command: { program: '/usr/bin/node', args: ['/opt/burrow/dist/main/cli/burrow.js', 'run', '--service', '--autostart', '--config', configFile] },
            configFile,
            configFolder: path.dirname(configFile),
            user: 'ana',
            home,
          }),
        );
        const r = spawnSync('systemd-analyze', ['security', '--offline=true', file], { encoding: 'utf8' });
        const m = /Overall exposure level for burrow\.service: ([\d.]+)/.exec(r.stdout);
        assert.ok(m, r.stdout + r.stderr);
        scores.push(`${name} ${scope} ${m[1]}`);
        if (scope === 'system') assert.ok(Number(m[1]) <= 2.0, `${name}: ${m[1]}`);
        else assert.ok(Number(m[1]) < 8.5, `${name} user: ${m[1]} (was 8.5 before any sandbox)`);
      }
    }
    console.log(`# systemd-analyze security: ${scores.join(', ')}`);
  },
);

test('uninstall plans stop the service before its file goes', () => {
  const u = uninstallPlan(where({ platform: 'linux', scope: 'system' }));
  assert.deepEqual([u.commands, u.after], [[['systemctl', 'disable', '--now', 'burrow.service']], [['systemctl', 'daemon-reload']]]);
  assert.deepEqual(uninstallPlan(where({ platform: 'darwin', scope: 'user' })).commands, [['launchctl', 'bootout', 'gui/1000/dev.burrow.tunnels']]);
  assert.deepEqual(uninstallPlan(where({ platform: 'win32', scope: 'user' })).commands.at(-1), ['schtasks', '/Delete', '/TN', 'Burrow', '/F']);
});
