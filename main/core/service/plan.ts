/**
 * What `burrow service install|uninstall` writes and runs on each system, as a plan: files (path,
 * content, mode) and commands. `--dry-run` prints the plan; otherwise the CLI carries it out. Kept
 * apart from carrying out so every system's plan is tested on any machine.
 */
import path from 'node:path';
import { LAUNCHD_LABEL, launchdPlist, MARKER, serviceCommand, SYSTEMD_UNIT, systemdUnit, utf16, WINDOWS_TASK, windowsTaskXml, type Command } from './units.js';

export type Scope = 'user' | 'system';

export interface PlannedFile {
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

export interface Plan {
  /** What the service is called where the system lists it. */
  readonly name: string;
  /** The account it runs as, and the store whose sessions it runs. */
  readonly runsAs: string;
  readonly configFile: string;
  readonly files: ReadonlyArray<PlannedFile>;
  /** Run in order after the files are written (install) or before they are removed (uninstall). */
  readonly commands: ReadonlyArray<ReadonlyArray<string>>;
  /** Uninstall: run after the files are removed. */
  readonly after: ReadonlyArray<ReadonlyArray<string>>;
  /** Said after it is done. */
  readonly notes: ReadonlyArray<string>;
}

export interface Where {
  readonly platform: NodeJS.Platform;
  readonly scope: Scope;
  readonly configFile: string;
  readonly home: string;
  /** The account the service runs as, and its uid (launchctl's gui/<uid> domain). */
  readonly user: string;
  readonly uid: number;
  /** Windows: DOMAIN\user. */
  readonly windowsUser?: string;
  readonly command: Command;
}

/** Where the service's file goes on each system and scope. */
export function serviceFile(w: Pick<Where, 'platform' | 'scope' | 'home' | 'configFile'>): string {
  if (w.platform === 'linux')
    return w.scope === 'system' ? `/etc/systemd/system/${SYSTEMD_UNIT}` : path.posix.join(w.home, '.config', 'systemd', 'user', SYSTEMD_UNIT);
  if (w.platform === 'darwin')
    return w.scope === 'system'
      ? `/Library/LaunchDaemons/${LAUNCHD_LABEL}.plist`
      : path.posix.join(w.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  // Windows keeps tasks in its own store; this is the file the task is imported from (and kept, so uninstall knows it is ours).
  return path.win32.join(path.win32.dirname(w.configFile), 'burrow-task.xml');
}

export function installPlan(w: Where): Plan {
  const file = serviceFile(w);
  const folder = w.platform === 'win32' ? path.win32.dirname(w.configFile) : path.posix.dirname(w.configFile);
  if (w.platform === 'linux') {
    const ctl = w.scope === 'user' ? ['systemctl', '--user'] : ['systemctl'];
    return {
      name: SYSTEMD_UNIT,
      runsAs: w.user,
      configFile: w.configFile,
      files: [
        {
          path: file,
          mode: 0o644,
          content: Buffer.from(systemdUnit({ scope: w.scope, command: w.command, configFile: w.configFile, configFolder: folder, user: w.user, home: w.home })),
        },
      ],
      commands: [
        [...ctl, 'daemon-reload'],
        [...ctl, 'enable', '--now', SYSTEMD_UNIT],
        // A user's units run only while they are logged in, unless the user lingers: then from boot.
        ...(w.scope === 'user' ? [['loginctl', 'enable-linger', w.user]] : []),
      ],
      after: [],
      notes: [
        `Logs: journalctl ${w.scope === 'user' ? '--user ' : ''}-u ${SYSTEMD_UNIT} -f`,
        `Reload after editing sessions: burrow reload (or systemctl ${w.scope === 'user' ? '--user ' : ''}reload ${SYSTEMD_UNIT})`,
      ],
    };
  }
  if (w.platform === 'darwin') {
    const domain = w.scope === 'system' ? 'system' : `gui/${w.uid}`;
    const logFile = w.scope === 'system' ? '/Library/Logs/Burrow/service.log' : path.posix.join(w.home, 'Library', 'Logs', 'Burrow', 'service.log');
    return {
      name: LAUNCHD_LABEL,
      runsAs: w.user,
      configFile: w.configFile,
      files: [{ path: file, mode: 0o644, content: Buffer.from(launchdPlist({ scope: w.scope, command: w.command, logFile, user: w.user })) }],
      commands: [
        ['mkdir', '-p', path.posix.dirname(logFile)],
        ['launchctl', 'bootstrap', domain, file],
      ],
      after: [],
      notes: [`Logs: ${logFile}`, 'Reload after editing sessions: burrow reload'],
    };
  }
  return {
    name: WINDOWS_TASK,
    runsAs: w.windowsUser ?? w.user,
    configFile: w.configFile,
    files: [{ path: file, mode: 0o600, content: utf16(windowsTaskXml({ command: w.command, userId: w.windowsUser ?? w.user, workingDirectory: folder })) }],
    // No /F: schtasks refuses to replace a task of the same name that is not ours.
    commands: [
      ['schtasks', '/Create', '/TN', WINDOWS_TASK, '/XML', file],
      ['schtasks', '/Run', '/TN', WINDOWS_TASK],
    ],
    after: [],
    notes: ['The task runs at every boot, logged on or not, as you (S4U: no password stored). Creating it needs an elevated prompt ("Run as administrator").'],
  };
}

export function uninstallPlan(w: Omit<Where, 'command'>): Plan {
  const file = serviceFile(w);
  if (w.platform === 'linux') {
    const ctl = w.scope === 'user' ? ['systemctl', '--user'] : ['systemctl'];
    return {
      name: SYSTEMD_UNIT,
      runsAs: w.user,
      configFile: w.configFile,
      files: [{ path: file, mode: 0, content: Buffer.alloc(0) }],
      commands: [[...ctl, 'disable', '--now', SYSTEMD_UNIT]],
      after: [[...ctl, 'daemon-reload']],
      notes: [],
    };
  }
  if (w.platform === 'darwin') {
    return {
      name: LAUNCHD_LABEL,
      runsAs: w.user,
      configFile: w.configFile,
      files: [{ path: file, mode: 0, content: Buffer.alloc(0) }],
      commands: [['launchctl', 'bootout', w.scope === 'system' ? `system/${LAUNCHD_LABEL}` : `gui/${w.uid}/${LAUNCHD_LABEL}`]],
      after: [],
      notes: [],
    };
  }
  return {
    name: WINDOWS_TASK,
    runsAs: w.windowsUser ?? w.user,
    configFile: w.configFile,
    files: [{ path: file, mode: 0, content: Buffer.alloc(0) }],
    commands: [
      ['schtasks', '/End', '/TN', WINDOWS_TASK],
      ['schtasks', '/Delete', '/TN', WINDOWS_TASK, '/F'],
    ],
    after: [],
    notes: [],
  };
}

/** Whether a file on disk was written by `burrow service install` (UTF-8 or UTF-16). */
export function isOurs(content: Buffer): boolean {
  const text = content[0] === 0xff && content[1] === 0xfe ? content.subarray(2).toString('utf16le') : content.toString('utf8');
  return text.includes(MARKER);
}

export { serviceCommand };
