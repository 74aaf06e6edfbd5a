/**
 * How a door writes the app's messages (main/control/channel.ts, main/web/bridge.ts): a message
 * that carries a long list — sessions:list of 10,000 sessions, the views an import changed — is
 * turned into JSON a slice at a time, the event loop free in between, so that tunnels keep
 * carrying data while it is written. Messages leave in the order they were sent.
 */
import type { ServerMessage } from '../../common/api.js';
import { giveWay } from '../core/give-way.js';

/** Items turned into JSON between two turns of the event loop. */
const SLICE = 500;
const HOLE = '\u0000list\u0000';

/** A message's JSON text; a long list in it is made in slices. */
export async function messageText(m: ServerMessage): Promise<string> {
  const key = m.type === 'reply' && m.ok ? 'value' : m.type === 'event' ? 'payload' : undefined;
  const list = key ? (m as unknown as Record<string, unknown>)[key] : undefined;
  if (!key || !Array.isArray(list) || list.length <= SLICE) return JSON.stringify(m);
  const parts: string[] = [];
  for (let i = 0; i < list.length; i += SLICE) {
    if (i > 0) await giveWay();
    parts.push(
      list
        .slice(i, i + SLICE)
        .map((x: unknown) => JSON.stringify(x) ?? 'null')
        .join(','),
    );
  }
  return JSON.stringify({ ...m, [key]: HOLE }).replace(JSON.stringify(HOLE), `[${parts.join(',')}]`);
}

/** A send function for one connection: each message written whole, in the order sent. */
export function orderedSender(write: (text: string) => void): (m: ServerMessage) => void {
  let last: Promise<void> = Promise.resolve();
  return (m) => {
    last = last.then(() => messageText(m)).then(write, () => undefined);
  };
}
