/** The contract over the Electron preload's bridge (preload/index.ts), as the same BurrowApi the browser mode uses. */
import { AppCallError, type BurrowApi } from '../../../common/api.js';
import type { AppError, EventName, Events, Replies, RequestArgs, RequestName } from '../../../common/contract.js';

/** What the preload exposes: one function per request, one subscription per event. */
export interface BurrowIpc {
  readonly requests: Readonly<Record<string, (args: unknown) => Promise<{ ok: true; value: unknown } | { ok: false; error: AppError }>>>;
  readonly events: Readonly<Record<string, (listener: (payload: unknown) => void) => () => void>>;
}

export function ipcApi(ipc: BurrowIpc): BurrowApi {
  return {
    async call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<Replies[K]> {
      const r = await ipc.requests[name]!(args);
      if (!r.ok) throw new AppCallError(r.error);
      return r.value as Replies[K];
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      return ipc.events[event]!(listener as (p: unknown) => void);
    },
  };
}
