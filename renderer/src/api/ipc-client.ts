/** The contract over the Electron preload's bridge (preload/index.ts), as the same BurrowApi the browser mode uses. */
import { AppCallError, type BurrowApi, type CallResult } from '../../../common/api.js';
import type { EventName, Events, Replies, RequestArgs, RequestName } from '../../../common/contract.js';

/**
 * What the preload exposes: one function per request, one subscription per event, typed by the
 * contract (the main process's handler answers each with that request's CallResult).
 */
export interface BurrowIpc {
  readonly requests: { readonly [K in RequestName]: (args: RequestArgs<K>) => Promise<CallResult<K>> };
  readonly events: { readonly [E in EventName]: (listener: (payload: Events[E]) => void) => () => void };
}

export function ipcApi(ipc: BurrowIpc): BurrowApi {
  return {
    async call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<Replies[K]> {
      const r = await (ipc.requests[name] as (a: RequestArgs<K>) => Promise<CallResult<K>>)(args);
      if (!r.ok) throw new AppCallError(r.error);
      return r.value;
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      return (ipc.events[event] as (l: (payload: Events[E]) => void) => () => void)(listener);
    },
  };
}
