/**
 * The window's non-trivial hooks (renderer/src/api/hooks.ts), rendered by React in jsdom against a
 * stand-in for the contract's client: the session list takes a flood of events a frame at a time,
 * and a session's log never shows another session's lines.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { BurrowApi } from '../../common/api.js';
import type { EventName, Events, LogLine, SessionView } from '../../common/contract.js';
import { ApiContext, useLogs, useSessions } from '../../renderer/src/api/hooks.js';

let dom: JSDOM;
before(() => {
  dom = new JSDOM('<!doctype html><div id="root"></div>', { pretendToBeVisual: true });
  Object.assign(globalThis, { window: dom.window, document: dom.window.document, requestAnimationFrame: dom.window.requestAnimationFrame.bind(dom.window) });
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
});
after(() => dom.window.close());

/** A contract client whose replies and events the test decides. */
function fakeApi(replies: Record<string, (args: unknown) => Promise<unknown>>) {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const api = {
    call: (name: string, args: unknown) => (replies[name] ? replies[name]!(args) : Promise.reject(new Error(`no reply for ${name}`))),
    on: (event: string, l: (p: unknown) => void) => {
      const set = listeners.get(event) ?? new Set();
      set.add(l);
      listeners.set(event, set);
      return () => set.delete(l);
    },
  } as unknown as BurrowApi;
  const emit = <E extends EventName>(event: E, payload: Events[E]): void => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  return { api, emit, listenerCount: (e: string) => listeners.get(e)?.size ?? 0 };
}

function mount(api: BurrowApi, node: ReactNode): { root: Root; unmount: () => void } {
  const root = createRoot(document.getElementById('root')!);
  act(() => root.render(<ApiContext.Provider value={api}>{node}</ApiContext.Provider>));
  return { root, unmount: () => act(() => root.unmount()) };
}

const frame = (): Promise<void> => act(() => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0))));
const view = (id: string, state = 'stopped'): SessionView => ({
  config: { id, name: id } as SessionView['config'],
  version: 'v',
  snapshot: { state } as SessionView['snapshot'],
});

test('useSessions: 10,000 changed events render a frame later as one list, in order; a removal wins over an earlier change', async () => {
  const { api, emit } = fakeApi({ 'sessions:list': async () => [view('a'), view('b')] });
  let renders = 0;
  let seen: SessionView[] = [];
  function List() {
    const { sessions } = useSessions();
    renders++;
    seen = sessions;
    return null;
  }
  const m = mount(api, <List />);
  await act(async () => undefined);
  assert.deepEqual(
    seen.map((v) => v.config.id),
    ['a', 'b'],
  );
  const before = renders;
  act(() => {
    for (let i = 0; i < 10_000; i++) emit('sessions:changed', [view(`s${i}`)]);
    emit('sessions:changed', [view('a', 'connected')]);
    emit('sessions:removed', { id: 'b' });
    emit('sessions:changed', [view('s5', 'connecting')]);
    emit('sessions:removed', { id: 's7' });
  });
  assert.equal(seen.length, 2, 'nothing applied before the frame');
  await frame();
  assert.ok(renders - before <= 3, `${renders - before} renders for 10,004 events`);
  assert.equal(seen.length, 1 + 10_000 - 1);
  assert.deepEqual(
    seen.slice(0, 3).map((v) => v.config.id),
    ['a', 's0', 's1'],
  );
  assert.equal(seen[0]!.snapshot.state, 'connected');
  assert.ok(!seen.some((v) => v.config.id === 'b' || v.config.id === 's7'));
  assert.equal(seen.find((v) => v.config.id === 's5')!.snapshot.state, 'connecting');
  m.unmount();
});

test("useLogs: a session's history, then its live lines; switching sessions never shows the other's lines, not even for one render", async () => {
  const line = (message: string): LogLine => ({ ts: new Date().toISOString(), level: 'info', message });
  const { api, emit, listenerCount } = fakeApi({
    'logs:get': async (args) => [line(`history of ${(args as { id: string }).id}`)],
  });
  const renders: Array<{ id: string; lines: string[] }> = [];
  function Log({ id }: { id: string }) {
    const lines = useLogs(id);
    renders.push({ id, lines: lines.map((l) => l.message) });
    return null;
  }
  const root = createRoot(document.getElementById('root')!);
  const render = (id: string): void => act(() => root.render(<ApiContext.Provider value={api}>{<Log id={id} />}</ApiContext.Provider>));
  render('alpha');
  await act(async () => undefined);
  act(() => {
    emit('logs:line', { id: 'alpha', line: line('alpha live') });
    emit('logs:line', { id: 'bravo', line: line('bravo live, not shown') });
  });
  assert.deepEqual(renders.at(-1), { id: 'alpha', lines: ['history of alpha', 'alpha live'] });
  render('bravo');
  await act(async () => undefined);
  for (const r of renders.filter((x) => x.id === 'bravo')) assert.ok(!r.lines.some((l) => l.includes('alpha')), JSON.stringify(r));
  assert.deepEqual(renders.at(-1), { id: 'bravo', lines: ['history of bravo'] });
  assert.equal(listenerCount('logs:line'), 1, 'one subscription, kept across renders');
  act(() => root.unmount());
  assert.equal(listenerCount('logs:line'), 0);
});
