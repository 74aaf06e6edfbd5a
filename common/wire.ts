/**
 * The frames of the two doors that carry the contract as JSON text — the web bridge (WebSocket)
 * and the control channel (one JSON object per line) — as one runtime schema, checked where a
 * frame arrives. A frame that is not one of these (`null`, an array, a number, a call without a
 * seq) ends the connection: there is no request in it to answer.
 */
import { z } from 'zod';
import type { ClientMessage, ServerMessage } from './api.js';

const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** What a window, or a control-channel client, may send. */
export const CLIENT_MESSAGE = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), seq, name: z.string().max(100), args: z.unknown() }).strict(),
  z.object({ type: z.literal('attach'), answers: z.boolean() }).strict(),
  z.object({ type: z.literal('hello'), token: z.string().max(200).optional(), session: z.string().max(200).optional() }).strict(),
]);

/** What the app's side sends back; a client checks the frame, not the value inside it. */
export const SERVER_MESSAGE = z.union([
  z.object({ type: z.literal('reply'), seq, ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('reply'), seq, ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }).passthrough() }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
  z.object({ type: z.literal('welcome'), session: z.string() }),
]);

/** A frame's text as a client message, or undefined when it is not one. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = CLIENT_MESSAGE.safeParse(raw);
  return r.success ? (r.data as ClientMessage) : undefined;
}

/** A frame's text as a server message, or undefined when it is not one. */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = SERVER_MESSAGE.safeParse(raw);
  return r.success ? (r.data as ServerMessage) : undefined;
}
