// Builds the addon on Linux with glibc, the one place it does anything (heap_trim.c says why);
// elsewhere there is nothing to build and the app runs without it. A failed build fails this
// optional dependency's install, which npm reports and skips: Burrow then runs without trimming.
import { spawnSync } from 'node:child_process';

const glibc = process.platform === 'linux' && Boolean(process.report?.getReport().header.glibcVersionRuntime);
if (!glibc) {
  console.log(`@burrow/heap-trim: not built on ${process.platform} without glibc (nothing to trim there)`);
  process.exit(0);
}
// npm names the node-gyp it bundles; a user's own node-gyp on PATH is the fallback.
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const run = spawnSync(cmd, args, { stdio: 'inherit', shell: !gyp && process.platform === 'win32' });
process.exit(run.status ?? 1);
