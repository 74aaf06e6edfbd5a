/**
 * The contract over browser mode's WebSocket (main/web/bridge.ts): calls wait for their reply,
 * events go to their listeners, and a dropped connection is reopened. The Electron window does
 * not use this: its preload exposes the same BurrowApi over IPC.
 */
import { AppCallError, type BurrowApi, type ServerMessage } from '../../../common/api.js';
import type { EventName, Events, Replies, RequestArgs, RequestName } from '../../../common/contract.js';

export type LinkState = 'connecting' | 'open' | 'lost' | 'refused';

export interface BridgeClient extends BurrowApi {
  readonly state: LinkState;
  onState(listener: (s: LinkState) => void): () => void;
}

export function connectBridge(): BridgeClient {
  let ws: WebSocket | undefined;
  let state: LinkState = 'connecting';
  let seq = 0;
  let retry = 500;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const queue: string[] = [];
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const stateListeners = new Set<(s: LinkState) => void>();

  const setState = (s: LinkState): void => {
    state = s;
    for (const l of stateListeners) l(s);
  };

  const open = (): void => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${proto}//${location.host}/bridge`);
    ws = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      retry = 500;
      setState('open');
      for (const m of queue.splice(0)) socket.send(m);
    };
    socket.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as ServerMessage;
      if (m.type === 'reply') {
        const w = waiting.get(m.seq);
        if (!w) return;
        waiting.delete(m.seq);
        if (m.ok) w.resolve(m.value);
        else w.reject(new AppCallError(m.error));
      } else {
        for (const l of listeners.get(m.name) ?? []) l(m.payload);
      }
    };
    socket.onclose = () => {
      for (const w of waiting.values()) w.reject(new AppCallError({ code: 'INTERNAL_ERROR', message: 'The connection to Burrow was lost', hint: 'It reconnects by itself; try again in a moment.' }));
      waiting.clear();
      // Refused before it ever opened: the cookie is not this Burrow's (it was restarted with a new token).
      if (!opened && state !== 'open') {
        setState('refused');
      } else {
        setState('lost');
      }
      setTimeout(open, retry);
      retry = Math.min(retry * 2, 5000);
    };
  };
  open();

  return {
    get state() { return state; },
    onState(l) { stateListeners.add(l); return () => stateListeners.delete(l); },
    call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<Replies[K]> {
      const n = ++seq;
      const msg = JSON.stringify({ type: 'call', seq: n, name, args });
      return new Promise((resolve, reject) => {
        waiting.set(n, { resolve: resolve as (v: unknown) => void, reject });
        if (ws && ws.readyState === WebSocket.OPEN) ws.send(msg);
        else queue.push(msg);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
}
