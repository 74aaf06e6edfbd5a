/**
 * The preload of Burrow's window (sandboxed, context-isolated): exposes the contract and nothing
 * else — one method per request and one subscription per event, generated from the contract's
 * lists so none can be forgotten — never raw ipcRenderer. Bundled into one file
 * (preload/vite.config.ts), as a sandboxed preload cannot load modules of its own.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { EVENT_CHANNEL, EVENT_NAMES, REQUEST_NAMES } from '../common/api.js';

const listeners = new Map<string, Set<(payload: unknown) => void>>(EVENT_NAMES.map((e) => [e, new Set()]));
ipcRenderer.on(EVENT_CHANNEL, (_event, name: string, payload: unknown) => {
  for (const l of listeners.get(name) ?? []) l(payload);
});

/** Each request: resolves with the app's `{ ok, value | error }` (errors cross the bridge as plain objects). */
const requests = Object.fromEntries(REQUEST_NAMES.map((name) => [name, (args: unknown) => ipcRenderer.invoke(name, args)]));

/** Each event: subscribe, and get the function that unsubscribes. */
const events = Object.fromEntries(
  EVENT_NAMES.map((name) => [
    name,
    (listener: (payload: unknown) => void) => {
      listeners.get(name)!.add(listener);
      return () => {
        listeners.get(name)!.delete(listener);
      };
    },
  ]),
);

contextBridge.exposeInMainWorld('burrowIpc', { requests, events });
