/**
 * "Launch at login" on Linux: a `.desktop` file in `~/.config/autostart` (the XDG autostart
 * specification every desktop follows). Written here rather than by auto-launch, which writes the
 * `Exec=` line unquoted (a path with a space breaks it) and takes the name from the file's path;
 * under an AppImage the right program is `$APPIMAGE`, never the `/tmp/.mount_*` copy that is gone
 * after the next reboot.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoginItem } from '../app/settings.js';
import type { LoginItemState } from './tray-menu.js';

/** What the login item starts: the program, and its arguments before `--hidden`. */
export interface LaunchCommand {
  readonly program: string;
  readonly args: ReadonlyArray<string>;
}

/**
 * The command that starts this Burrow at login: the AppImage itself when it runs from one; the
 * packaged executable; or, unpackaged, Electron with the app's folder.
 */
export function launchCommand(o: {
  readonly execPath: string;
  readonly appImage?: string | undefined;
  readonly packaged: boolean;
  readonly appPath: string;
}): LaunchCommand {
  if (o.appImage) return { program: o.appImage, args: [] };
  return o.packaged ? { program: o.execPath, args: [] } : { program: o.execPath, args: [o.appPath] };
}

/** One Exec argument, quoted as the Desktop Entry specification says (then escaped as a string value). */
export function execArg(arg: string): string {
  const reserved = /[\s"'\\><~|&;$*?#()`]/;
  const quoted = reserved.test(arg) || arg === '' ? `"${arg.replace(/(["`$\\])/g, '\\$1')}"` : arg;
  // A string value escapes backslashes once more; `%` introduces field codes, so a literal one is doubled.
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

export function desktopEntry(cmd: LaunchCommand): string {
  const exec = [cmd.program, ...cmd.args, '--hidden'].map(execArg).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Burrow',
    'Comment=Keeps your SSH tunnels up',
    `Exec=${exec}`,
    'Icon=burrow',
    'Terminal=false',
    'Categories=Network;',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The autostart folder: $XDG_CONFIG_HOME/autostart, else ~/.config/autostart. */
export function autostartFile(env: NodeJS.ProcessEnv, home: string): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'autostart', 'burrow.desktop');
}

export class LinuxAutostart implements LoginItem {
  constructor(
    private readonly file: string,
    private readonly cmd: LaunchCommand,
  ) {}

  /** On when the file is there and not switched off (desktops' settings set X-GNOME-Autostart-enabled=false or Hidden=true). */
  state(): LoginItemState {
    if (!existsSync(this.file)) return { enabled: false };
    const text = readFileSync(this.file, 'utf8');
    const off = /^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text) || /^Hidden\s*=\s*true\s*$/m.test(text);
    return off ? { enabled: true, disabledByUser: true } : { enabled: true };
  }

  async get(): Promise<boolean> {
    const s = this.state();
    return s.enabled && !s.disabledByUser;
  }

  async set(enabled: boolean): Promise<void> {
    if (!enabled) {
      if (existsSync(this.file)) unlinkSync(this.file);
      return;
    }
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, desktopEntry(this.cmd), { mode: 0o644 });
    renameSync(tmp, this.file);
  }
}
