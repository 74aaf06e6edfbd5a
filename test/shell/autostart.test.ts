/**
 * Launch at login: the Linux autostart file (checked by desktop-file-validate, with a path with a
 * space and an AppImage's path), the state each OS's login item reports, and --hidden.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { autostartFile, desktopEntry, execArg, launchCommand, LinuxAutostart, type LaunchCommand } from '../../main/shell/autostart-linux.js';
import { HIDDEN_ARG, loginStateOf, startsHidden } from '../../main/shell/login-item.js';
import { BurrowApp } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { tempDir } from '../core/config/fixtures.js';
import { toolsMissing } from '../helpers/tools.js';

/**
 * Reads an Exec value back into argv as the Desktop Entry specification says a launcher does:
 * the string-value escapes first (`\\` → `\`), then the quoting rules of the Exec key. An
 * independent reading of the spec, so the writer cannot agree with itself by mistake.
 */
function execArgv(exec: string): string[] {
  const value = exec.replace(/\\(.)/g, (_m, c: string) => (c === 's' ? ' ' : c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));
  const out: string[] = [];
  let cur = '';
  let inArg = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"') {
      inArg = true;
      for (i++; value[i] !== '"'; i++) {
        if (i >= value.length) throw new Error(`unterminated quote in ${exec}`);
        if (value[i] === '\\' && /["`$\\]/.test(value[i + 1] ?? '')) i++;
        cur += value[i];
      }
    } else if (c === ' ') {
      if (inArg) out.push(cur);
      cur = '';
      inArg = false;
    } else {
      assert.doesNotMatch(c, /["'\\><~|&;$*?#()`]/, `an unquoted reserved character in ${exec}`);
      cur += c;
      inArg = true;
    }
  }
  if (inArg) out.push(cur);
  // Field codes are expanded last, in quoted arguments too; Burrow's Exec has none but `%%`.
  return out.map((a) =>
    a.replace(/%(.)/g, (_m, c: string) => {
      assert.equal(c, '%', `a field code %${c} in ${exec}`);
      return '%';
    }),
  );
}

const CASES: Array<{ what: string; cmd: LaunchCommand }> = [
  { what: 'a packaged deb', cmd: launchCommand({ execPath: '/opt/Burrow/burrow', packaged: true, appPath: '/opt/Burrow/resources/app.asar' }) },
  { what: 'a path with a space', cmd: launchCommand({ execPath: '/home/ana maria/Apps/Burrow App/burrow', packaged: true, appPath: '/x' }) },
  {
    what: 'an AppImage (its real path, not the /tmp/.mount_ copy)',
    cmd: launchCommand({
      execPath: '/tmp/.mount_BurrowXyZ12/burrow',
      appImage: '/home/ana maria/Downloads/Burrow 1.0.0 (x86_64).AppImage',
      packaged: true,
      appPath: '/tmp/.mount_BurrowXyZ12/resources/app.asar',
    }),
  },
  {
    what: 'unpackaged (Electron with the app folder)',
    cmd: launchCommand({ execPath: '/work/my app/node_modules/electron/dist/electron', packaged: false, appPath: '/work/my app' }),
  },
  { what: 'characters the spec reserves', cmd: { program: '/home/o\'brien/$HOME/100%/a"b\\c`d/burrow', args: [] } },
];

test(
  'the autostart file is valid (desktop-file-validate) and its Exec gives back the exact program, for every kind of path',
  { skip: toolsMissing('desktop-file-validate') },
  () => {
    const dir = tempDir();
    assert.equal(CASES.length, 5);
    for (const { what, cmd } of CASES) {
      const file = path.join(dir, 'burrow.desktop');
      writeFileSync(file, desktopEntry(cmd));
      // desktop-file-validate exits non-zero on errors and prints warnings; there must be neither.
      const report = execFileSync('desktop-file-validate', [file], { encoding: 'utf8' });
      assert.equal(report.trim(), '', `${what}: ${report}`);
      const exec = /^Exec=(.*)$/m.exec(readFileSync(file, 'utf8'))![1]!;
      assert.deepEqual(execArgv(exec), [cmd.program, ...cmd.args, HIDDEN_ARG], what);
    }
    assert.equal(CASES[2]!.cmd.program, '/home/ana maria/Downloads/Burrow 1.0.0 (x86_64).AppImage');
    assert.deepEqual(CASES[3]!.cmd.args, ['/work/my app']);
  },
);

test('why not auto-launch on Linux: for a path with a space, the file it writes starts the wrong program', async () => {
  const home = tempDir();
  const program = '/home/ana maria/Burrow App/burrow';
  // auto-launch reads the home folder when it is loaded, so it runs in a child with its own HOME;
  // it names the file after the program's file name, not the app.
  const script = `const A = require('auto-launch'); new A({ name: 'Burrow', path: ${JSON.stringify(program)}, isHidden: true }).enable().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script], { env: { ...process.env, HOME: home }, cwd: process.cwd() });
  const written = readFileSync(path.join(home, '.config', 'autostart', 'burrow.desktop'), 'utf8');
  const exec = /^Exec=(.*)$/m.exec(written)![1]!;
  assert.notDeepEqual(execArgv(exec), [program, HIDDEN_ARG]);
  assert.equal(execArgv(exec)[0], '/home/ana');
  const ours = /^Exec=(.*)$/m.exec(desktopEntry({ program, args: [] }))![1]!;
  assert.deepEqual(execArgv(ours), [program, HIDDEN_ARG]);
});

test(
  "both checks are real: auto-launch's unquoted Exec runs the wrong program, and the validator refuses an unquoted reserved character",
  { skip: toolsMissing('desktop-file-validate') },
  () => {
    // What auto-launch writes for a path with a space: valid syntax, but a launcher runs "/home/ana".
    assert.deepEqual(execArgv('/home/ana maria/Burrow App/burrow --hidden'), ['/home/ana', 'maria/Burrow', 'App/burrow', '--hidden']);
    const file = path.join(tempDir(), 'burrow.desktop');
    writeFileSync(file, desktopEntry({ program: '/opt/x/burrow', args: [] }).replace(/^Exec=.*$/m, "Exec=/home/o'brien/burrow --hidden"));
    assert.throws(
      () => execFileSync('desktop-file-validate', [file], { encoding: 'utf8', stdio: 'pipe' }),
      (e: { stdout: string }) => /reserved character/.test(e.stdout),
    );
    assert.equal(execArg('a b'), '"a b"');
    assert.equal(execArg('plain'), 'plain');
    assert.equal(execArg(''), '""');
  },
);

test('the autostart file lives in $XDG_CONFIG_HOME/autostart (else ~/.config/autostart); on, off, and switched off by the desktop', () => {
  assert.equal(autostartFile({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/a'), '/x/cfg/autostart/burrow.desktop');
  assert.equal(autostartFile({}, '/home/a'), '/home/a/.config/autostart/burrow.desktop');
  const file = autostartFile({ XDG_CONFIG_HOME: tempDir() }, '/nowhere');
  const item = new LinuxAutostart(file, { program: '/opt/Burrow/burrow', args: [] });
  assert.deepEqual(item.state(), { enabled: false });
  return (async () => {
    await item.set(true);
    assert.ok(existsSync(file));
    assert.equal(statSync(file).mode & 0o777, 0o644);
    assert.equal(await item.get(), true);
    assert.deepEqual(item.state(), { enabled: true });
    // GNOME's "Startup Applications" switches an entry off this way; KDE and the spec use Hidden=true.
    writeFileSync(file, readFileSync(file, 'utf8').replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
    assert.deepEqual(item.state(), { enabled: true, disabledByUser: true });
    assert.equal(await item.get(), false);
    writeFileSync(file, `${desktopEntry({ program: '/opt/Burrow/burrow', args: [] })}Hidden=true\n`);
    assert.deepEqual(item.state(), { enabled: true, disabledByUser: true });
    await item.set(true);
    assert.deepEqual(item.state(), { enabled: true }, 'turning it on again rewrites the file whole');
    await item.set(false);
    assert.ok(!existsSync(file));
    await item.set(false);
  })();
});

test('Settings → Launch at login writes and removes the autostart file through the app contract', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'xdg', 'autostart', 'burrow.desktop');
  const store = ConfigStore.open(path.join(dir, 'cfg', 'config.json'));
  const app = new BurrowApp({
    store,
    secrets: new FileSecretStore(path.join(dir, 'cfg', 'secrets')),
    mode: 'desktop',
    exporter: { offer: async () => ({}) },
    loginItem: new LinuxAutostart(file, { program: '/opt/Burrow/burrow', args: [] }),
  });
  await app.start();
  try {
    const on = await app.call('settings:set', { launchAtLogin: true });
    assert.ok(on.ok);
    assert.match(readFileSync(file, 'utf8'), /^Exec=\/opt\/Burrow\/burrow --hidden$/m);
    const got = await app.call('settings:get', {});
    assert.equal(got.ok && (got.value as { launchAtLogin: boolean }).launchAtLogin, true);
    const off = await app.call('settings:set', { launchAtLogin: false });
    assert.ok(off.ok);
    assert.ok(!existsSync(file));
  } finally {
    await app.close();
  }
});

test('macOS and Windows login items show their true state: approval pending, switched off in Task Manager', () => {
  assert.deepEqual(loginStateOf({ openAtLogin: true, status: 'enabled' }, 'darwin'), { enabled: true, needsApproval: false });
  assert.deepEqual(loginStateOf({ openAtLogin: false, status: 'requires-approval' }, 'darwin'), { enabled: true, needsApproval: true });
  assert.deepEqual(loginStateOf({ openAtLogin: false, status: 'not-registered' }, 'darwin'), { enabled: false, needsApproval: false });
  assert.deepEqual(loginStateOf({ openAtLogin: true, executableWillLaunchAtLogin: false }, 'win32'), { enabled: true, disabledByUser: true });
  assert.deepEqual(loginStateOf({ openAtLogin: true, executableWillLaunchAtLogin: true }, 'win32'), { enabled: true, disabledByUser: false });
  assert.deepEqual(loginStateOf({ openAtLogin: false }, 'win32'), { enabled: false, disabledByUser: false });
});

test('a launch at login starts hidden in the tray; a first run always shows the window', () => {
  const o = { wasOpenedAtLogin: false, hasSessions: true };
  assert.equal(startsHidden({ ...o, argv: ['/opt/Burrow/burrow', '--hidden'], platform: 'linux' }), true);
  assert.equal(startsHidden({ ...o, argv: ['C:\\Program Files\\Burrow\\Burrow.exe', '--hidden'], platform: 'win32' }), true);
  assert.equal(startsHidden({ ...o, argv: ['electron', '/work/app', '--hidden'], platform: 'linux' }), true);
  assert.equal(startsHidden({ ...o, argv: ['/opt/Burrow/burrow'], platform: 'linux' }), false, 'opened by hand: the window');
  assert.equal(startsHidden({ ...o, argv: ['Burrow.exe'], platform: 'win32' }), false);
  const mac = ['/Applications/Burrow.app/Contents/MacOS/Burrow'];
  assert.equal(startsHidden({ ...o, argv: mac, platform: 'darwin', wasOpenedAtLogin: true }), true, 'older macOS says it was a login launch');
  assert.equal(startsHidden({ ...o, argv: mac, platform: 'darwin' }), true, 'macOS 13+: a menu-bar app starts in the menu bar');
  assert.equal(startsHidden({ ...o, argv: mac, platform: 'darwin', hasSessions: false }), false, 'a first run shows the wizard');
  assert.equal(
    startsHidden({ ...o, argv: ['/opt/Burrow/burrow', '--hidden'], platform: 'linux', hasSessions: false }),
    true,
    '--hidden is obeyed even on a first run',
  );
});
