/**
 * The last-resort handler every long-running door installs (`burrow run`, `burrow web`, the app,
 * the service): an error nobody caught is logged with the session it came from, that session's
 * attempt fails and retries, and every other session keeps running. Without it, Node ends the
 * process, and every tunnel with it, for one session's bug.
 */
import { ListenerError, sessionScope } from './session/session.js';

/** One uncaught error, as a door logs it. */
export interface Fault {
  /** The session whose work threw, when it was one (see sessionScope). */
  readonly session?: string;
  readonly message: string;
}

/** Installs the handler on `proc`; returns a function that removes it again. */
export function installLastResort(log: (fault: Fault) => void, proc: NodeJS.EventEmitter = process): () => void {
  const onError = (err: unknown): void => {
    const session = sessionScope.getStore();
    const name = err instanceof ListenerError ? err.session : session?.config.name;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    try {
      log({ ...(name !== undefined ? { session: name } : {}), message });
    } catch {
      // The log itself failed (a closed stdout): nothing left to tell, but the tunnels go on.
    }
    // A door's listener that threw broke nothing in the session; anything else may have left the
    // attempt half-done, so it is ended and retried.
    if (session && !(err instanceof ListenerError)) session.fault(err, 'handling an event');
  };
  proc.on('uncaughtException', onError);
  proc.on('unhandledRejection', onError);
  return () => {
    proc.off('uncaughtException', onError);
    proc.off('unhandledRejection', onError);
  };
}
