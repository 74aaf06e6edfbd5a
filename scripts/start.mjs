// `npm start`: runs Burrow. The tray app (Electron shell) is not built yet, and on machines where
// Electron's binary cannot be downloaded it could not start anyway; so this runs the same engine
// headless: every saved session of the store, in the foreground, until Ctrl-C.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.stderr.write(
  'Burrow: the tray app is not built yet (its issue is still open), so Burrow runs headless here:\n' +
  'every saved session of your store, kept alive until Ctrl-C. Add sessions with\n' +
  "  npx burrow import '<the ssh/autossh/plink command from your vendor>'\n\n",
);
const child = spawn(process.execPath, [path.join(root, 'dist/main/cli/burrow.js'), 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
