/**
 * What a launch of the desktop app's executable asks for: the app (tray and window), or the
 * command line. The AppImage and the packaged app carry the whole CLI, so `Burrow.AppImage run
 * --service …` (what `burrow service install` writes when Burrow came as an AppImage) runs the
 * service in Electron's Node, without a window, a tray or a display.
 */

/** Chromium switches that may come before the command (a service has no display: --ozone-platform=headless). */
const CHROMIUM_SWITCH = /^--(ozone-platform(=.*)?|no-sandbox|disable-gpu)$/;

/**
 * The CLI's arguments when this launch is a command (`run`, `status`, …), else undefined. Packaged,
 * the arguments follow the executable; unpackaged, Electron's own path and the app's folder.
 */
export function cliArgsOf(argv: ReadonlyArray<string>, packaged: boolean, commands: ReadonlyArray<string>): string[] | undefined {
  const args = argv.slice(packaged ? 1 : 2).filter((a) => !CHROMIUM_SWITCH.test(a));
  return args.length > 0 && commands.includes(args[0]!) ? args : undefined;
}
