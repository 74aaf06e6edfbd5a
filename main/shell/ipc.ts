/**
 * The Electron IPC as one more door: one handler per request of the contract, generated from its
 * list so none is missing, each refusing any sender but Burrow's own window and page, and handing
 * the message to the app unchanged (the app validates it with the same schemas as the web bridge).
 */
import { EVENT_CHANNEL, REQUEST_NAMES } from '../../common/api.js';
import type { CallResult } from '../app/app.js';
import { isOwnUrl } from './window-policy.js';

/** The part of Electron's ipcMain this uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSender, args: unknown) => Promise<CallResult>): void;
  removeHandler(channel: string): void;
}

/** The part of an IpcMainInvokeEvent this checks. */
export interface IpcSender {
  readonly sender: { readonly id: number };
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

/** The channel events travel on, main → window: `(name, payload)`. */
export { EVENT_CHANNEL };

/** A message from Burrow's window: its own webContents, its top frame, its own origin. */
export function isTrustedSender(e: IpcSender, windowContentsId: number | undefined): boolean {
  return (
    windowContentsId !== undefined && e.sender.id === windowContentsId && e.senderFrame !== null && e.senderFrame.parent === null && isOwnUrl(e.senderFrame.url)
  );
}

/** Registers every request's handler; returns the function that removes them. */
export function registerIpc(
  ipc: IpcMainLike,
  app: { dispatch(name: string, args: unknown): Promise<CallResult> },
  windowContentsId: () => number | undefined,
): () => void {
  for (const name of REQUEST_NAMES) {
    ipc.handle(name, async (event, args) => {
      if (!isTrustedSender(event, windowContentsId())) {
        return {
          ok: false,
          error: { code: 'FORBIDDEN', message: "Refused: the request did not come from Burrow's own window", hint: "Only Burrow's window may talk to it." },
        };
      }
      return app.dispatch(name, args);
    });
  }
  return () => {
    for (const name of REQUEST_NAMES) ipc.removeHandler(name);
  };
}
