/** A launch of the app's executable is the CLI when its first argument is a command (the AppImage as a service). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_NAMES } from '../../main/cli/commands.js';
import { cliArgsOf } from '../../main/shell/launch.js';
import { serviceCommand } from '../../main/core/service/plan.js';

test('the AppImage started by the service runs the CLI; a plain or --hidden launch is the app', () => {
  const svc = serviceCommand({ execPath: '/tmp/.mount_B/burrow', appImage: '/home/a/Burrow.AppImage', configFile: '/c.json' });
  assert.deepEqual(cliArgsOf([svc.program, ...svc.args], true, COMMAND_NAMES), ['run', '--service', '--autostart', '--config', '/c.json']);
  assert.deepEqual(cliArgsOf(['/opt/Burrow/burrow', 'status', '--json'], true, COMMAND_NAMES), ['status', '--json']);
  assert.deepEqual(cliArgsOf(['electron', '/work/app', 'status'], false, COMMAND_NAMES), ['status']);
  assert.equal(cliArgsOf(['/opt/Burrow/burrow'], true, COMMAND_NAMES), undefined);
  assert.equal(cliArgsOf(['/opt/Burrow/burrow', '--hidden'], true, COMMAND_NAMES), undefined);
  assert.equal(cliArgsOf(['electron', '/work/app'], false, COMMAND_NAMES), undefined, 'the app folder is not a command');
  assert.ok(['run', 'status', 'service', 'web', 'key'].every((c) => COMMAND_NAMES.includes(c)));
});
