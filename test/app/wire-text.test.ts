/** How doors write the app's messages (main/app/wire-text.ts): long lists in slices, every message whole and in order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerMessage } from '../../common/api.js';
import { messageText, orderedSender } from '../../main/app/wire-text.js';

test('a reply with a long list is the same JSON as JSON.stringify makes, with the event loop free between its slices', async () => {
  const list = Array.from({ length: 5_000 }, (_, i) => ({ i, name: `s${i}`, nested: { a: [i, 'x'] }, missing: undefined }));
  const m = { type: 'reply', seq: 7, ok: true, value: list } as unknown as ServerMessage;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const text = await messageText(m);
  clearInterval(timer);
  assert.equal(text, JSON.stringify(m));
  assert.ok(ticks > 0, 'timers ran while it was made');
  const event = { type: 'event', name: 'sessions:changed', payload: [undefined, 1, 'two'] } as unknown as ServerMessage;
  assert.equal(await messageText(event), JSON.stringify(event));
});

test('messages leave whole and in the order they were sent, a long one holding back those after it', async () => {
  const out: string[] = [];
  const send = orderedSender((t) => out.push(t));
  send({ type: 'event', name: 'sessions:changed', payload: Array.from({ length: 3_000 }, (_, i) => ({ i })) } as unknown as ServerMessage);
  send({ type: 'event', name: 'sessions:removed', payload: { id: 'x' } } as unknown as ServerMessage);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(out.length, 2);
  assert.equal((JSON.parse(out[0]!) as { name: string }).name, 'sessions:changed');
  assert.equal((JSON.parse(out[1]!) as { name: string }).name, 'sessions:removed');
});
