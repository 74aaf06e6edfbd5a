/**
 * The files that make Burrow start at boot, one per system: a systemd unit (Linux), a launchd
 * property list (macOS), a Task Scheduler task (Windows). Each runs `burrow run --service
 * --autostart --config FILE`: the sessions marked "start automatically" in the same store the app
 * uses, restarted when it stops, reloaded by SIGHUP where the system has one.
 *
 * Each file carries MARKER, so `burrow service install` never overwrites a file it did not write
 * and `uninstall` removes only its own.
 */

import { TUNNEL_NODE_FLAGS } from '../session/v8-flags.js';

/** What a unit starts: the program and its arguments (made by `serviceCommand`). */
export interface Command {
  readonly program: string;
  readonly args: ReadonlyArray<string>;
}

export const MARKER = 'Written by `burrow service install`';

/** Service names: the unit, the launchd label, the task. */
export const SYSTEMD_UNIT = 'burrow.service';
export const LAUNCHD_LABEL = 'dev.burrow.tunnels';
export const WINDOWS_TASK = 'Burrow';

/**
 * How the service starts this Burrow: the CLI script under the node that runs it now (a global npm
 * install or a checkout), or the AppImage / packaged app itself, whose Electron runs the CLI without
 * a display (main/electron/index.ts).
 */
export function serviceCommand(o: {
  readonly execPath: string;
  /** The CLI script (process.argv[1], resolved), when running under node. */
  readonly script?: string;
  /** $APPIMAGE, when running from an AppImage. */
  readonly appImage?: string;
  /** Running inside the packaged Electron app. */
  readonly electron?: boolean;
  readonly configFile: string;
}): Command {
  const run = ['run', '--service', '--autostart', '--config', o.configFile];
  // Chromium needs a display unless told to draw nowhere; a service has none.
  if (o.appImage) return { program: o.appImage, args: ['--ozone-platform=headless', ...run] };
  if (o.electron || !o.script) return { program: o.execPath, args: ['--ozone-platform=headless', ...run] };
  // Under node, the options of a long-lived tunnel process, which only its command line can give.
  return { program: o.execPath, args: [...TUNNEL_NODE_FLAGS, o.script, ...run] };
}

// ---------------------------------------------------------------------------------------------
// systemd
// ---------------------------------------------------------------------------------------------

/** A word a unit file cannot hold: a control character would end its line, or start another. */
export class UnitWordError extends Error {
  constructor(
    readonly what: string,
    readonly word: string,
  ) {
    super(`${what} ${JSON.stringify(word)} holds a control character (a line break, a tab…), which no service file can carry safely`);
    this.name = 'UnitWordError';
  }
}

/** Refuses a word with control characters (a newline in a path would add a line, e.g. ExecStartPre=, to the unit). */
export function checkUnitWord(what: string, word: string): string {
  if (/[\u0000-\u001f\u007f]/.test(word)) throw new UnitWordError(what, word);
  return word;
}

/** One word of ExecStart= as systemd reads it: quoted when needed; `%` and `$` are specifiers there. */
export function systemdWord(word: string): string {
  checkUnitWord('a word of the command', word);
  const escaped = word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /[\s"'\\;]/.test(word) || word === '' ? `"${escaped}"` : escaped;
}

export interface SystemdOptions {
  readonly scope: 'user' | 'system';
  readonly command: Command;
  readonly configFile: string;
  /** The folder the service must write (the config folder: store, secrets, holds, socket). */
  readonly configFolder: string;
  /** System units: the account the service runs as (whose store it reads). */
  readonly user?: string;
  /** That account's home: its ~/.ssh is made writable (known_hosts for trust-on-first-use). */
  readonly home: string;
}

/** Whether `folder` is in `home` (then the home stays visible, read-only, with the folder writable). */
function within(folder: string, home: string): boolean {
  const h = home.endsWith('/') ? home : `${home}/`;
  return folder === home || folder.startsWith(h);
}

/**
 * The sandbox a system unit gets (README, "Running as a service"): everything systemd offers that
 * a tunnel does not need, scored 1.2 ("OK") by `systemd-analyze security`. Left out on purpose:
 * MemoryDenyWriteExecute= (V8 compiles JavaScript into executable memory), PrivateNetwork= and
 * IPAddressDeny= (a tunnel connects to its vendor's server, wherever that is). Only the config
 * folder (store, keys, control socket) and ~/.ssh (known_hosts, learnt on first use) are
 * writable; when neither the config nor Burrow is in a home, the homes are hidden but that ~/.ssh.
 */
function systemSandbox(o: SystemdOptions): string[] {
  const ssh = `${o.home}/.ssh`;
  const homes = [o.home, '/home', '/root'];
  // The config, or Burrow itself (node from nvm, a checkout), in a home: homes stay visible, read-only.
  const inHome = [o.configFolder, o.command.program, ...o.command.args.filter((a) => a.startsWith('/'))].some((p) => homes.some((h) => within(p, h)));
  return [
    'UMask=0077',
    'ProtectSystem=strict',
    ...(inHome
      ? ['ProtectHome=read-only', `ReadWritePaths=${systemdWord(o.configFolder)}`, `ReadWritePaths=-${systemdWord(ssh)}`]
      : ['ProtectHome=tmpfs', `ReadWritePaths=${systemdWord(o.configFolder)}`, `BindPaths=-${systemdWord(ssh)}`]),
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'DevicePolicy=closed',
    'PrivateMounts=yes',
    'PrivateIPC=yes',
    'PrivateUsers=yes',
    'ProtectProc=invisible',
    'ProcSubset=pid',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictNamespaces=yes',
    'KeyringMode=private',
    'RemoveIPC=yes',
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    // The calls a service makes; what else is asked for fails with EPERM rather than killing Burrow.
    'SystemCallFilter=@system-service',
    'SystemCallFilter=~@privileged @resources',
    'SystemCallErrorNumber=EPERM',
  ];
}

/**
 * What a user manager can enforce without mount namespaces (which a user manager has only on some
 * systems: a user unit that asks for them may not start at all). Scored 6.4 by `systemd-analyze
 * security` (--user); the system unit is the hardened one.
 */
const USER_SANDBOX: ReadonlyArray<string> = [
  'UMask=0077',
  'RestrictNamespaces=yes',
  'SystemCallFilter=@system-service',
  'SystemCallFilter=~@privileged @resources',
  'SystemCallErrorNumber=EPERM',
];

export function systemdUnit(o: SystemdOptions): string {
  const system = o.scope === 'system';
  checkUnitWord('the config file', o.configFile);
  checkUnitWord('the home folder', o.home);
  if (o.user !== undefined) checkUnitWord('the user', o.user);
  const lines = [
    `# ${MARKER}; \`burrow service uninstall\` removes it.`,
    '[Unit]',
    `Description=Burrow: keeps SSH tunnels up (sessions marked "start automatically" in ${o.configFile.replace(/%/g, '%%')})`,
    'Wants=network-online.target',
    'After=network-online.target',
    // Never give up: a tunnel the vendor depends on must come back however often it fails.
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    // Burrow says READY=1 once it runs (or stands by for another Burrow) and WATCHDOG=1 from its
    // event loop, so systemd restarts a Burrow whose loop hangs. The messages come from
    // `systemd-notify`, a child process (Node cannot send on a datagram socket): NotifyAccess=all.
    'Type=notify',
    'NotifyAccess=all',
    'WatchdogSec=30',
    ...(system && o.user ? [`User=${o.user}`] : []),
    `ExecStart=${[o.command.program, ...o.command.args].map(systemdWord).join(' ')}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=always',
    'RestartSec=5',
    // SIGTERM to Burrow alone: it cancels every remote forward before it exits.
    'KillMode=mixed',
    'TimeoutStopSec=20',
    'NoNewPrivileges=yes',
    'LockPersonality=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'SystemCallArchitectures=native',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
  ];
  if (system) {
    lines.push(...systemSandbox(o));
  } else {
    lines.push(
      ...USER_SANDBOX,
      '# The file-system sandbox (ProtectSystem=, ProtectHome=, PrivateTmp=) needs mount namespaces, which a user',
      '# manager has only on some systems: a user unit that asks for them may not start at all, so it does not.',
    );
  }
  lines.push('', '[Install]', `WantedBy=${system ? 'multi-user.target' : 'default.target'}`, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// launchd
// ---------------------------------------------------------------------------------------------

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface LaunchdOptions {
  readonly scope: 'user' | 'system';
  readonly command: Command;
  /** Where its output goes (~/Library/Logs/Burrow/service.log). */
  readonly logFile: string;
  /** System daemons: the account to run as. */
  readonly user?: string;
}

export function launchdPlist(o: LaunchdOptions): string {
  const args = [o.command.program, ...o.command.args].map((a) => `      <string>${xml(a)}</string>`).join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- ${MARKER}; \`burrow service uninstall\` removes it. -->`,
    '<plist version="1.0">',
    '  <dict>',
    '    <key>Label</key>',
    `    <string>${LAUNCHD_LABEL}</string>`,
    '    <key>ProgramArguments</key>',
    '    <array>',
    args,
    '    </array>',
    ...(o.scope === 'system' && o.user ? ['    <key>UserName</key>', `    <string>${xml(o.user)}</string>`] : []),
    '    <key>RunAtLoad</key>',
    '    <true/>',
    '    <key>KeepAlive</key>',
    '    <true/>',
    // launchd's own floor between restarts; Burrow's backoff paces the reconnects themselves.
    '    <key>ThrottleInterval</key>',
    '    <integer>10</integer>',
    '    <key>StandardOutPath</key>',
    `    <string>${xml(o.logFile)}</string>`,
    '    <key>StandardErrorPath</key>',
    `    <string>${xml(o.logFile)}</string>`,
    '  </dict>',
    '</plist>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Windows Task Scheduler
// ---------------------------------------------------------------------------------------------

/** One argument as Windows' command-line parser (CommandLineToArgvW) reads it back. */
export function windowsArg(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      slashes++;
      continue;
    }
    if (ch === '"') {
      out += '\\'.repeat(slashes * 2 + 1) + '"';
      slashes = 0;
      continue;
    }
    out += '\\'.repeat(slashes) + ch;
    slashes = 0;
  }
  return `${out}${'\\'.repeat(slashes * 2)}"`;
}

export interface WindowsTaskOptions {
  readonly command: Command;
  /** DOMAIN\user or user: the account the task runs as, logged on or not (S4U: no password stored). */
  readonly userId: string;
  readonly workingDirectory: string;
}

/**
 * A task that starts at boot, runs whether or not anyone is logged on (S4U logon: no password is
 * stored, and local network access is all a tunnel needs), never stops on battery or after a
 * time limit, and is restarted every minute when it fails.
 */
export function windowsTaskXml(o: WindowsTaskOptions): string {
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    '    <Author>Burrow</Author>',
    `    <Description>${xml(`Burrow: keeps SSH tunnels up. ${MARKER}; \`burrow service uninstall\` removes it.`)}</Description>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <BootTrigger>',
    '      <Enabled>true</Enabled>',
    '    </BootTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${xml(o.userId)}</UserId>`,
    '      <LogonType>S4U</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <AllowHardTerminate>true</AllowHardTerminate>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <IdleSettings>',
    '      <StopOnIdleEnd>false</StopOnIdleEnd>',
    '      <RestartOnIdle>false</RestartOnIdle>',
    '    </IdleSettings>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    '    <Hidden>false</Hidden>',
    '    <RunOnlyIfIdle>false</RunOnlyIfIdle>',
    '    <WakeToRun>false</WakeToRun>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <Priority>7</Priority>',
    '    <RestartOnFailure>',
    '      <Interval>PT1M</Interval>',
    '      <Count>999</Count>',
    '    </RestartOnFailure>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xml(windowsArg(o.command.program))}</Command>`,
    `      <Arguments>${xml(o.command.args.map(windowsArg).join(' '))}</Arguments>`,
    `      <WorkingDirectory>${xml(o.workingDirectory)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}

/** Task Scheduler reads task files as UTF-16 (with a byte-order mark). */
export function utf16(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}
