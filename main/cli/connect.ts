/**
 * How a command reaches the app: the Burrow that runs this config (a service, `burrow run`, the
 * app, `burrow web`), through its control channel, when one does; else the app in this process,
 * over the same store. Either way the command talks to one AppPort and only parses and formats:
 * nothing is written behind a running Burrow's back.
 */
import { AppCallError } from '../../common/api.js';
import type { AppError, RequestArgs, RequestName, Replies } from '../../common/contract.js';
import type { AppDeps, AppPort } from '../app/app.js';
import { asAppCallError, configFolderOf, openApp, resolveConfigPath } from '../app/platform.js';
import { controlPath, ControlFolderError } from '../control/channel.js';
import { DoorApp } from '../control/door.js';
import type { CliIo } from './io.js';

/** A request whose error is thrown as an AppCallError, in the contract's words. */
export type Ask = <K extends RequestName>(name: K, args: RequestArgs<K>) => Promise<Replies[K]>;

export interface CliDoor {
  readonly app: AppPort;
  /** The config file the command works on. */
  readonly file: string;
  /** The Burrow that runs the config, when one does (undefined: this process works on the store). */
  readonly runBy: { readonly door: string; readonly pid: number } | undefined;
  /** A request; its error is thrown as an AppCallError, in the contract's words. */
  readonly ask: Ask;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** `--config FILE`, else $BURROW_CONFIG, else the platform's default. */
  readonly config?: string | undefined;
  /** Whether the command needs the saved sessions loaded in this process (false: keys, service). */
  readonly sessions?: boolean;
  /** See AppDeps: a passphrase for keys without their own, the engine's words for a door. */
  readonly passphrase?: string | undefined;
  readonly engine?: AppDeps['engine'];
}

/**
 * Opens the door a command uses. A control folder that is not this user's own (another user made
 * it) is a ControlFolderError: the command says so, naming the folder's owner.
 */
export async function openDoor(io: CliIo, o: OpenOptions = {}): Promise<CliDoor> {
  const file = resolveConfigPath(o.config, io.env);
  const local = openApp({
    configFile: file,
    env: io.env,
    mode: 'run',
    door: 'burrow (command line)',
    exporter: {
      offer: async () => {
        throw new Error('key export is not offered on the command line: use `burrow key convert`');
      },
    },
    noLoginItemReason: 'This is the command line; `burrow service install` starts Burrow at boot.',
    ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
    ...(o.engine ? { engine: o.engine } : {}),
    logError: (m) => io.err(`burrow: internal error: ${m}`),
  });
  const door = new DoorApp(local, controlPath(configFolderOf(file)), { follows: true, loadSessions: o.sessions ?? true });
  try {
    await door.start();
  } catch (err) {
    // A store that cannot be read (broken JSON, a session with a mistake): said as a request's error.
    await door.close();
    throw asAppCallError(err);
  }
  return {
    app: door,
    file,
    runBy: door.runBy,
    ask: askOf(door),
    close: () => door.close(),
  };
}

/** `ask` over any AppPort. */
export function askOf(app: AppPort): Ask {
  return async (name, args) => {
    const r = await app.call(name, args);
    if (!r.ok) throw new AppCallError(r.error);
    return r.value;
  };
}

export { AppCallError, ControlFolderError };
export type { AppError };
