/**
 * The window's entry: the contract through the Electron preload (window.burrowIpc) where there is
 * one, else over browser mode's WebSocket bridge.
 */
import { createRoot } from 'react-dom/client';
import type { BurrowApi } from '../../common/api.js';
import { ApiContext } from './api/hooks.js';
import { connectBridge, type BridgeClient } from './api/bridge-client.js';
import { ipcApi, type BurrowIpc } from './api/ipc-client.js';
import { App } from './app.js';
import './styles/base.css';

declare global {
  interface Window {
    /** Exposed by the Electron preload (preload/index.ts); absent in a browser. */
    readonly burrowIpc?: BurrowIpc;
  }
}

const api: BurrowApi = window.burrowIpc ? ipcApi(window.burrowIpc) : connectBridge();
createRoot(document.getElementById('root')!).render(
  <ApiContext.Provider value={api}>
    <App link={'onState' in api ? (api as BridgeClient) : undefined} />
  </ApiContext.Provider>,
);
