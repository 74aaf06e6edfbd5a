// `npm start` (after `npm run build`): runs the desktop app, the tray and its window, in Electron.
// Where Electron cannot start it says why in one line and runs the same app in the browser instead
// (`burrow web --open`, the same window served on 127.0.0.1):
//   - Linux without a display (no $DISPLAY or $WAYLAND_DISPLAY): a server, a container, SSH;
//   - Electron's binary is not there and cannot be downloaded (electron 42+ fetches it on first
//     use; machines without access to its download site, like this project's CI, cannot).
// BURROW_START=web chooses the browser mode anyway. Arguments go to the app (`npm start -- --hidden`)
// or, in browser mode, to `burrow web` (`npm start -- --port 8080`).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
// The node options of a long-lived tunnel process (built by `npm run build`, which `npm start` runs first).
import { TUNNEL_NODE_FLAGS } from '../dist/main/core/session/v8-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function noDisplay() {
  if (process.platform !== 'linux') return undefined;
  return process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? undefined : 'there is no display here ($DISPLAY and $WAYLAND_DISPLAY are unset)';
}

/** Electron's binary, downloading it the first time as electron's own package does; or why not. */
function electronBinary() {
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status === 0 && r.stdout) return { path: r.stdout };
  const why = /fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(r.stderr ?? '')
    ? 'it could not be downloaded (no access to its download site)'
    : 'it failed to install';
  return { why: `Electron's binary is missing and ${why}` };
}

function run(cmd, argv) {
  const child = spawn(cmd, argv, { stdio: 'inherit', cwd: root });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function browserMode(why) {
  const lead = why ? `the desktop app cannot start: ${why}. Running the browser mode instead` : 'browser mode (BURROW_START=web)';
  process.stderr.write(`Burrow: ${lead} (the same window, served on 127.0.0.1; Ctrl-C stops it and its tunnels).\n`);
  run(process.execPath, [...TUNNEL_NODE_FLAGS, path.join(root, 'dist/main/cli/burrow.js'), 'web', '--open', ...args]);
}

const blocked = noDisplay();
if (process.env.BURROW_START === 'web') {
  browserMode(undefined);
} else if (blocked) {
  browserMode(blocked);
} else {
  const electron = electronBinary();
  if (electron.path) run(electron.path, [root, ...args]);
  else browserMode(electron.why);
}
