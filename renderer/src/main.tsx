/**
 * The window's entry: the contract from the Electron preload (window.burrow) where there is one,
 * else over browser mode's WebSocket bridge.
 */
import { createRoot } from 'react-dom/client';
import type { BurrowApi } from '../../common/api.js';
import { ApiContext } from './api/hooks.js';
import { connectBridge, type BridgeClient } from './api/bridge-client.js';
import { App } from './app.js';
import './styles/base.css';

declare global {
  interface Window {
    /** Exposed by the Electron preload (preload/index.ts); absent in a browser. */
    readonly burrow?: BurrowApi;
  }
}

const api: BurrowApi = window.burrow ?? connectBridge();
createRoot(document.getElementById('root')!).render(
  <ApiContext.Provider value={api}>
    <App link={'onState' in api ? api as BridgeClient : undefined} />
  </ApiContext.Provider>,
);
