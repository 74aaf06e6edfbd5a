/**
 * The contract over browser mode's WebSocket (main/web/bridge.ts): calls wait for their reply,
 * events go to their listeners, and a dropped connection is reopened. The Electron window does
 * not use this: its preload exposes the same BurrowApi over IPC.
 *
 * The first frame on every connection is a hello: the one-time token from the address the person
 * opened (`#token=…`, taken out of the address bar at once), or the session credential the bridge
 * gave this browser before, kept in localStorage — per origin, so no page on another port of this
 * host can read it, and never sent anywhere but in this hello.
 */
import { AppCallError, type BurrowApi, type ServerMessage } from '../../../common/api.js';
import type { EventName, Events, Replies, RequestArgs, RequestName } from '../../../common/contract.js';

/**
 * `refused`: this browser has no credential Burrow takes (the address was used already, or Burrow
 * was restarted); `lost`: Burrow stopped answering after it had been reached (it is retried).
 */
export type LinkState = 'connecting' | 'open' | 'lost' | 'refused';

/** How long the link may be down before the window says so (one reconnect, 0.5 s, fits in it). */
const LOST_AFTER_MS = 2_000;

export interface BridgeClient extends BurrowApi {
  readonly state: LinkState;
  /** Why the last hello was refused: the address had been used already, or it is not this Burrow's. */
  readonly refusedWhy: 'used' | 'unknown' | undefined;
  onState(listener: (s: LinkState) => void): () => void;
}

/** The bridge's close code for a refused hello (main/web/bridge.ts CLOSE_REFUSED). */
const CLOSE_REFUSED = 4401;
const SESSION_KEY = 'burrow-session';

/** Takes the one-time token out of the address (and so out of the history), leaving the route. */
function takeToken(): string | undefined {
  const m = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!m) return undefined;
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
  return m[1];
}

function storedSession(): string | undefined {
  try {
    return localStorage.getItem(SESSION_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

function storeSession(session: string | undefined): void {
  try {
    if (session === undefined) localStorage.removeItem(SESSION_KEY);
    else localStorage.setItem(SESSION_KEY, session);
  } catch {
    // Storage switched off: this tab keeps its session in memory only.
  }
}

export function connectBridge(): BridgeClient {
  let ws: WebSocket | undefined;
  let state: LinkState = 'connecting';
  let refusedWhy: 'used' | 'unknown' | undefined;
  let seq = 0;
  let retry = 500;
  let lostTimer: ReturnType<typeof setTimeout> | undefined;
  let token = takeToken();
  let session = token === undefined ? storedSession() : undefined;
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
    socket.onopen = () => {
      socket.send(JSON.stringify(token !== undefined ? { type: 'hello', token } : { type: 'hello', ...(session !== undefined ? { session } : {}) }));
    };
    socket.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as ServerMessage;
      if (m.type === 'welcome') {
        clearTimeout(lostTimer);
        token = undefined;
        session = m.session;
        storeSession(m.session);
        retry = 500;
        refusedWhy = undefined;
        setState('open');
        for (const q of queue.splice(0)) socket.send(q);
      } else if (m.type === 'reply') {
        const w = waiting.get(m.seq);
        if (!w) return;
        waiting.delete(m.seq);
        if (m.ok) w.resolve(m.value);
        else w.reject(new AppCallError(m.error));
      } else {
        for (const l of listeners.get(m.name) ?? []) l(m.payload);
      }
    };
    socket.onclose = (e) => {
      if (e.code === CLOSE_REFUSED) {
        for (const w of waiting.values())
          w.reject(new AppCallError({ code: 'FORBIDDEN', message: 'Burrow did not let this window in', hint: 'Open a new address from `burrow web`.' }));
        waiting.clear();
        queue.length = 0;
        // Nothing this browser holds is good any more: only a new address can let it in.
        refusedWhy = e.reason === 'used' ? 'used' : 'unknown';
        token = undefined;
        session = undefined;
        storeSession(undefined);
        clearTimeout(lostTimer);
        setState('refused');
        return;
      }
      for (const w of waiting.values())
        w.reject(
          new AppCallError({ code: 'INTERNAL_ERROR', message: 'The connection to Burrow was lost', hint: 'It reconnects by itself; try again in a moment.' }),
        );
      waiting.clear();
      // Said in the console, so a window that lost Burrow for no visible reason leaves a trace.
      console.warn(`Burrow's connection closed (code ${e.code}${e.reason ? `, ${e.reason}` : ''}); reconnecting`);
      // A moment's break (Burrow restarting its door, a dropped socket) is bridged by the next
      // attempt, 0.5 s later: the window says Burrow is gone only when it stays gone, instead of
      // switching every control off and on again (and moving the keyboard focus) for a blip.
      if (state === 'open') setState('connecting');
      clearTimeout(lostTimer);
      lostTimer = setTimeout(() => {
        if (state !== 'open' && state !== 'refused') setState('lost');
      }, LOST_AFTER_MS);
      setTimeout(open, retry);
      retry = Math.min(retry * 2, 5000);
    };
  };
  open();

  return {
    get state() {
      return state;
    },
    get refusedWhy() {
      return refusedWhy;
    },
    onState(l) {
      stateListeners.add(l);
      return () => stateListeners.delete(l);
    },
    call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<Replies[K]> {
      const n = ++seq;
      const msg = JSON.stringify({ type: 'call', seq: n, name, args });
      return new Promise((resolve, reject) => {
        if (state === 'refused') {
          reject(new AppCallError({ code: 'FORBIDDEN', message: 'Burrow did not let this window in', hint: 'Open a new address from `burrow web`.' }));
          return;
        }
        waiting.set(n, { resolve: resolve as (v: unknown) => void, reject });
        if (ws && ws.readyState === WebSocket.OPEN && state === 'open') ws.send(msg);
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
