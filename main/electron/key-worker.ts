/**
 * The key worker in the desktop app runs as an Electron utility process: with the RunAsNode fuse
 * off (electron-builder.yml), Node's fork() cannot start the Electron binary as Node.
 */
import { utilityProcess } from 'electron';
import { useKeyWorkerLauncher } from '../app/platform.js';

export function useUtilityProcessForKeys(): void {
  useKeyWorkerLauncher((script, execArgv) => {
    const child = utilityProcess.fork(script, [], { serviceName: 'Burrow key worker', stdio: 'ignore', execArgv: [...execArgv] });
    const exits: Array<(why: string) => void> = [];
    child.on('exit', (code) => {
      for (const l of exits) l(`exit code ${code}`);
    });
    return {
      send: (msg, done) => {
        child.postMessage(msg);
        done();
      },
      onMessage: (l) => {
        child.on('message', l);
      },
      onExit: (l) => {
        exits.push(l);
      },
      kill: () => {
        child.kill();
      },
      // A utility process does not hold the main process open; nothing to do.
      ref: () => undefined,
    };
  });
}
