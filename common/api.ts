/**
 * What a window needs at run time to talk to Burrow, without the schemas (and so without zod): the
 * event names, the error a call throws, the API a door exposes and the wire messages. The types of
 * every request, reply and event are in contract.ts, imported as types only.
 */
import type { AppError, EventName, Events, Replies, RequestArgs, RequestName } from './contract.js';

/** Every request name, in one list: doors generate one method (and one IPC channel) per request from it. */
export const REQUEST_NAMES = [
  'app:info',
  'sessions:list',
  'sessions:get',
  'sessions:create',
  'sessions:update',
  'sessions:remove',
  'sessions:start',
  'sessions:stop',
  'sessions:start-all',
  'sessions:stop-all',
  'sessions:nudge-all',
  'sessions:retry',
  'sessions:next-steps',
  'sessions:reload',
  'sessions:proxy-password',
  'presets:list',
  'presets:create-session',
  'sessions:edit',
  'sessions:export',
  'commandline:parse',
  'hostkeys:check',
  'hostkeys:trust',
  'hostkeys:forget',
  'hostkeys:status',
  'hostkeys:list',
  'hostkeys:remove',
  'authorized:list',
  'authorized:add',
  'authorized:remove',
  'service:plan',
  'service:install',
  'service:uninstall',
  'service:status',
  'keyfiles:generate',
  'keyfiles:inspect',
  'keyfiles:convert',
  'import:upload',
  'import:preview',
  'import:apply',
  'keys:list',
  'keys:get',
  'keys:generate',
  'keys:import',
  'keys:export',
  'keys:delete',
  'diagnose:run',
  'questions:list',
  'questions:answer',
  'settings:get',
  'settings:set',
  'logs:get',
] as const satisfies ReadonlyArray<RequestName>;

// Compile-time check that no request is missing (a door generated from the list would lack it).
const everyRequest: Record<Exclude<RequestName, (typeof REQUEST_NAMES)[number]>, never> = {};
void everyRequest;

/** Every event name, in one list. */
export const EVENT_NAMES = [
  'sessions:changed',
  'sessions:removed',
  'logs:line',
  'keys:progress',
  'keys:changed',
  'diagnose:step',
  'questions:asked',
  'questions:closed',
  'settings:changed',
  'app:changed',
] as const satisfies ReadonlyArray<EventName>;

// Compile-time check that no event is missing from the list (a door built from it would drop it).
const everyEvent: Record<Exclude<EventName, (typeof EVENT_NAMES)[number]>, never> = {};
void everyEvent;

/** The result of one call as a door carries it back: the reply, or the app's error. */
export type CallResult<K extends RequestName = RequestName> =
  { readonly ok: true; readonly value: Replies[K] } | { readonly ok: false; readonly error: AppError };

/** The Electron IPC channel the app's events travel on to the window (main/shell/ipc.ts sends, preload/ listens). */
export const EVENT_CHANNEL = 'burrow:event';

/** What a window calls: one method per request, one subscription per event. */
export interface BurrowApi {
  call<K extends RequestName>(name: K, args: RequestArgs<K>): Promise<Replies[K]>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// Wire messages (web bridge and control channel: one JSON object per message)
// ---------------------------------------------------------------------------------------------

export type ClientMessage =
  | { readonly type: 'call'; readonly seq: number; readonly name: string; readonly args: unknown }
  /** Control channel only: send me the app's events too (the web bridge attaches every window). */
  | { readonly type: 'attach'; readonly answers: boolean }
  /**
   * Web bridge only, the first frame: the one-time token from the address the person opened, or
   * the session credential a `welcome` gave this browser earlier.
   */
  | { readonly type: 'hello'; readonly token?: string; readonly session?: string };

export type ServerMessage =
  | { readonly type: 'reply'; readonly seq: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly seq: number; readonly ok: false; readonly error: AppError }
  | { readonly type: 'event'; readonly name: EventName; readonly payload: unknown }
  /** Web bridge only: the hello was accepted; `session` opens this window again (kept per origin). */
  | { readonly type: 'welcome'; readonly session: string };

/** Thrown by a window's call() when the app answered with an error. */
export class AppCallError extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'AppCallError';
  }
}
