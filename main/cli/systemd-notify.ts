/**
 * Talking to systemd as a `Type=notify` service: READY=1 when Burrow runs (or stands by for
 * another Burrow: a service waiting for the app to quit is up, not starting), WATCHDOG=1 every
 * half of WatchdogSec from the event loop itself (a loop that hangs stops the pings, and systemd
 * restarts Burrow), STOPPING=1 on the way out.
 *
 * systemd listens on a datagram socket (NOTIFY_SOCKET), and Node has no Unix datagram sockets, so
 * each message is sent by `systemd-notify`, which systemd ships wherever it runs; the unit says
 * NotifyAccess=all for it. systemd-notify waits until systemd has read the message (its barrier,
 * since systemd 246), so a message is never lost to the child having exited first. Outside
 * systemd (no NOTIFY_SOCKET) nothing is done.
 */
import { spawn } from 'node:child_process';

export interface Notifier {
  ready(status: string): void;
  stopping(): void;
  close(): void;
}

export function systemdNotifier(env: NodeJS.ProcessEnv, problem: (message: string) => void): Notifier | undefined {
  if (!env.NOTIFY_SOCKET) return undefined;
  let failed = false;
  const send = (...assignments: string[]): void => {
    const child = spawn('systemd-notify', assignments, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 2000) err += d.toString();
    });
    const fail = (why: string): void => {
      // Said once: a watchdog ping that cannot be sent fails every 15 s in the same way.
      if (failed) return;
      failed = true;
      problem(`systemd-notify ${assignments.join(' ')} failed (${why}): systemd may restart Burrow when its watchdog runs out`);
    };
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code) => {
      if (code !== 0) fail(err.trim() || `exit ${code}`);
    });
  };
  // WATCHDOG_PID, when set, names the process the watchdog is for.
  const usec = Number(env.WATCHDOG_USEC);
  const forMe = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  const timer = forMe && usec > 0 ? setInterval(() => send('WATCHDOG=1'), Math.max(500, usec / 2000)) : undefined;
  // The pings keep nothing alive: Burrow runs as long as its tunnels do.
  timer?.unref();
  return {
    ready: (status) => send('READY=1', `STATUS=${status}`),
    stopping: () => send('STOPPING=1'),
    close: () => clearInterval(timer),
  };
}
