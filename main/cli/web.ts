/**
 * `burrow web`: Burrow's window in a browser, for machines where the desktop app cannot start (no
 * Electron binary, no display) or is not wanted. Serves the window and its bridge on 127.0.0.1,
 * runs the sessions marked "start automatically", and keeps every session it starts running until
 * Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { asAppCallError, catchStrayErrors, configFolderOf, openApp, resolveConfigPath } from '../app/platform.js';
import { controlPath } from '../control/channel.js';
import { DoorApp } from '../control/door.js';
import { WebBridge } from '../web/bridge.js';
import { AppCallError, ControlFolderError } from './connect.js';
import type { CliIo } from './io.js';
import { metricsOption, parseOptions, portOption, UsageError } from './options.js';
import type { ListenAddress } from '../../common/metrics.js';
import { MetricsHost } from '../metrics/host.js';
import { errorLines } from './say.js';

const USAGE = `usage: burrow web [--port N] [--open] [--metrics ADDR:PORT] [--config FILE]

Serves Burrow's window on http://127.0.0.1 (never another address) and prints its address, which
carries a one-time token: only the browser that opens it first can use the window (run
\`burrow web\` again for another browser). Starts the sessions marked "start automatically" and
keeps every session running until Ctrl-C.

--port N       listen on port N (default: a free port)
--open         open the window in this machine's browser, where there is one (through a private
               file, so the token never appears on a command line another user can see)
--metrics ADDR:PORT
               serve /metrics, /healthz and /readyz there (PORT alone: on 127.0.0.1); without
               it, Settings decide (off by default), and a service that runs the tunnels serves them
--config FILE  the session store (default: $BURROW_CONFIG, else the platform's config folder)`;

/** The built renderer: dist/renderer beside dist/main. */
export const RENDERER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../renderer');

/** How long `--open`'s redirect file stays: long enough for a browser to start and read it. */
const REDIRECT_MS = 120_000;

/**
 * Writes a page that sends the browser on to `url`, in a folder only this user can read, and
 * returns its file: URL. A browser opened with it never has the token on its command line (which
 * every user sees in `ps`), as Jupyter does with its redirect file. Removed after REDIRECT_MS.
 */
export function redirectFile(folder: string, url: string): { readonly url: string; readonly remove: () => void } {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const file = path.join(folder, `open-${randomBytes(8).toString('hex')}.html`);
  const attr = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  writeFileSync(
    file,
    `<!doctype html>\n<meta charset="utf-8">\n<meta http-equiv="refresh" content="0;url=${attr}">\n<title>Opening Burrow</title>\n<p><a href="${attr}">Open Burrow</a></p>\n`,
    { mode: 0o600, flag: 'wx' },
  );
  const remove = (): void => rmSync(file, { force: true });
  setTimeout(remove, REDIRECT_MS).unref();
  return { url: pathToFileURL(file).href, remove };
}

/** Opens `url` in the desktop's browser; false when there is no desktop to open it on. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  const [cmd, args] = platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let port: number | undefined;
  let metrics: ListenAddress | undefined;
  let open: boolean;
  let file: string;
  try {
    const args = parseOptions(argv, {
      port: { type: 'string' },
      config: { type: 'string' },
      open: { type: 'boolean' },
      metrics: { type: 'string' },
      help: { type: 'boolean' },
    });
    if (args.values.help) {
      io.out(USAGE);
      return 0;
    }
    if (args.positionals.length > 0 || args.rest !== undefined) throw new UsageError(`unexpected argument ${args.positionals[0] ?? '--'}`);
    port = portOption(args.values.port, '--port');
    metrics = metricsOption(args.values.metrics, io.env);
    open = args.values.open === true;
    file = resolveConfigPath(args.values.config, io.env);
    if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) {
      throw new UsageError(`the window is not built (${RENDERER_DIR} has no index.html): run \`npm run build\` first`, false);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`burrow web: ${err.message}`);
      if (err.showUsage) io.err(USAGE);
      return 2;
    }
    throw err;
  }

  const bridge = new WebBridge({ staticDir: RENDERER_DIR, ...(port !== undefined ? { port } : {}) });
  const app = openApp({
    configFile: file,
    env: io.env,
    mode: 'web',
    exporter: bridge,
    noLoginItemReason: 'Burrow runs in browser mode: "Start at boot" below starts the tunnels at boot on this machine; the desktop app has its own switch.',
    logError: (m) => io.err(`burrow web: internal error: ${m}`),
  });
  // Runs the tunnels marked "start automatically", or, when a service (or another Burrow) already
  // runs this config, shows and steers that one's.
  const door = new DoorApp(app, controlPath(configFolderOf(file)));
  const uninstall = catchStrayErrors((f) => io.err(`burrow web: ${f.session ? `${f.session}: ` : ''}internal error: ${f.message}`));
  try {
    await door.start();
    await bridge.listen(door);
  } catch (err) {
    uninstall();
    await door.close();
    if (err instanceof ControlFolderError) {
      io.err(`burrow web: ${err.message}`);
      return 1;
    }
    const said = asAppCallError(err);
    if (said instanceof AppCallError) {
      const [first, ...more] = errorLines(said.error);
      io.err(`burrow web: ${first}`);
      for (const l of more) io.err(l);
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      io.err(`burrow web: cannot listen on 127.0.0.1:${port} (${code}): pick another port with --port, or leave it out for a free one`);
      return 1;
    }
    throw err;
  }
  io.out(`Burrow is running in browser mode. Open this address in a browser on this machine:\n\n  ${bridge.url}\n`);
  const endpoint = await MetricsHost.start(
    door,
    {
      serving: (url) => io.out(`Metrics: ${url}/metrics (health: /healthz, readiness: /readyz).`),
      problem: (message, hint) => io.err(`burrow web: ${message}: no metrics are served, the tunnels run on. ${hint}`),
    },
    metrics,
  );
  if (door.runBy)
    io.out(`Your tunnels run in ${door.runBy.door} (pid ${door.runBy.pid}); this window shows and steers them, and they keep running when you stop it.`);
  io.out('The address carries a one-time token: the first browser to open it is let in, and it works only once. Ctrl-C stops Burrow and every tunnel it runs.');
  let redirect: { url: string; remove: () => void } | undefined;
  if (open) {
    // Its own token: the printed address stays good for the person, whichever browser opens first.
    redirect = redirectFile(path.join(configFolderOf(file), 'control'), bridge.newUrl());
    if (!openBrowser(redirect.url, io.env)) {
      redirect.remove();
      io.out('(No desktop browser to open here: open the address above yourself.)');
    }
  }
  await io.stopSignal;
  redirect?.remove();
  await endpoint.close();
  await door.close();
  await bridge.close();
  uninstall();
  return 0;
}
