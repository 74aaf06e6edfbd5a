/**
 * The Electron IPC and the preload, with Electron's ipcMain / contextBridge / ipcRenderer passed
 * in as recorders and the real app behind: every request of the contract has its handler and its
 * preload method, every event its subscription, and only Burrow's own page gets an answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { EVENT_NAMES, REQUEST_NAMES } from '../../common/api.js';
import { REQUESTS, type Events } from '../../common/contract.js';
import { BurrowApp, type CallResult } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { EVENT_CHANNEL, isTrustedSender, registerIpc, type IpcSender } from '../../main/shell/ipc.js';
import { tempDir } from '../core/config/fixtures.js';

type Listener = (event: IpcSender, args: unknown) => Promise<CallResult>;

function fakeIpcMain(): { handlers: Map<string, Listener>; ipc: Parameters<typeof registerIpc>[0] } {
  const handlers = new Map<string, Listener>();
  return {
    handlers,
    ipc: {
      handle: (channel, listener) => {
        assert.ok(!handlers.has(channel), `${channel} registered twice`);
        handlers.set(channel, listener);
      },
      removeHandler: (channel) => {
        handlers.delete(channel);
      },
    },
  };
}

const WINDOW_ID = 7;
const own: IpcSender = { sender: { id: WINDOW_ID }, senderFrame: { url: 'app://burrow/index.html#/keys', parent: null } };

function newApp(): BurrowApp {
  const dir = tempDir();
  return new BurrowApp({
    store: ConfigStore.open(path.join(dir, 'config.json')),
    secrets: new FileSecretStore(path.join(dir, 'secrets')),
    mode: 'desktop',
    exporter: { offer: async () => ({}) },
  });
}

test('one IPC handler per request of the contract, none missing and none extra; unregistering removes them all', () => {
  assert.deepEqual([...REQUEST_NAMES].sort(), Object.keys(REQUESTS).sort());
  const { handlers, ipc } = fakeIpcMain();
  const unregister = registerIpc(ipc, { dispatch: async () => ({ ok: true, value: null }) }, () => WINDOW_ID);
  assert.deepEqual([...handlers.keys()].sort(), Object.keys(REQUESTS).sort());
  unregister();
  assert.equal(handlers.size, 0);
});

test("a message from anything but Burrow's own window and top-level page is refused before the app sees it", async () => {
  const { handlers, ipc } = fakeIpcMain();
  const seen: string[] = [];
  let windowId: number | undefined = WINDOW_ID;
  registerIpc(
    ipc,
    {
      dispatch: async (name) => {
        seen.push(name);
        return { ok: true, value: null };
      },
    },
    () => windowId,
  );
  const strangers: Array<[string, IpcSender]> = [
    ['another webContents', { sender: { id: 99 }, senderFrame: own.senderFrame }],
    ['a subframe of the window', { sender: own.sender, senderFrame: { url: 'app://burrow/index.html', parent: {} } }],
    ['the window navigated elsewhere', { sender: own.sender, senderFrame: { url: 'https://evil.example/', parent: null } }],
    ['a file: page', { sender: own.sender, senderFrame: { url: 'file:///tmp/x.html', parent: null } }],
    ['a frame that is gone', { sender: own.sender, senderFrame: null }],
  ];
  assert.equal(strangers.length, 5);
  for (const [what, sender] of strangers) {
    const r = await handlers.get('sessions:list')!(sender, {});
    assert.equal(r.ok, false, what);
    assert.equal(!r.ok && r.error.code, 'FORBIDDEN', what);
    assert.equal(isTrustedSender(sender, WINDOW_ID), false, what);
  }
  assert.deepEqual(seen, []);
  windowId = undefined;
  assert.equal((await handlers.get('sessions:list')!(own, {})).ok, false, 'no window open: nobody is trusted');
  windowId = WINDOW_ID;
  assert.equal((await handlers.get('sessions:list')!(own, {})).ok, true);
  assert.deepEqual(seen, ['sessions:list']);
});

test("the window's own calls reach the real app, which checks their arguments with the web bridge's schemas", async () => {
  const app = newApp();
  await app.start();
  try {
    const { handlers, ipc } = fakeIpcMain();
    registerIpc(ipc, app, () => WINDOW_ID);
    const list = await handlers.get('sessions:list')!(own, {});
    assert.deepEqual(list, { ok: true, value: [] });
    const bad: Array<[string, unknown, RegExp]> = [
      ['sessions:start', {}, /id/],
      ['sessions:start', { id: 42 }, /id/],
      ['sessions:start', { id: 'x', extra: true }, /extra/],
      ['settings:set', { theme: 'neon' }, /theme/],
      ['presets:create-session', { presetId: 'fivetran', name: '' }, /name/],
      ['keys:generate', { opId: 'op1', type: 'dsa', name: 'k' }, /type/],
    ];
    assert.equal(bad.length, 6);
    for (const [name, args, field] of bad) {
      const r = await handlers.get(name)!(own, args);
      assert.equal(r.ok, false, name);
      assert.equal(!r.ok && r.error.code, 'INVALID_INPUT', `${name} ${JSON.stringify(args)}`);
      assert.match(!r.ok ? `${r.error.field ?? ''} ${r.error.message}` : '', field, name);
    }
    const missing = await handlers.get('sessions:start')!(own, { id: 'nope' });
    assert.equal(!missing.ok && missing.error.code, 'NOT_FOUND');
  } finally {
    await app.close();
  }
});

test('the preload exposes one method per request and one subscription per event, and nothing of Electron', async () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bundle = readFileSync(path.resolve(here, '../../preload/index.cjs'), 'utf8');
  const invoked: Array<[string, unknown]> = [];
  const rendererListeners = new Map<string, (e: unknown, ...a: unknown[]) => void>();
  let exposed:
    | { key: string; api: { requests: Record<string, (a: unknown) => Promise<unknown>>; events: Record<string, (l: (p: unknown) => void) => () => void> } }
    | undefined;
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: NonNullable<typeof exposed>['api']) => {
        exposed = { key, api };
      },
    },
    ipcRenderer: {
      invoke: async (channel: string, args: unknown) => {
        invoked.push([channel, args]);
        return { ok: true, value: channel };
      },
      on: (channel: string, l: (e: unknown, ...a: unknown[]) => void) => {
        rendererListeners.set(channel, l);
      },
    },
  };
  // A sandboxed preload may require only 'electron'; anything else would fail in the real window.
  const required: string[] = [];
  const sandboxRequire = (id: string): unknown => {
    required.push(id);
    if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
    return electron;
  };
  const module = { exports: {} };
  vm.runInNewContext(bundle, { require: sandboxRequire, module, exports: module.exports });
  assert.deepEqual([...new Set(required)], ['electron']);
  assert.equal(exposed?.key, 'burrowIpc');
  const { requests, events } = exposed!.api;
  assert.deepEqual(Object.keys(requests).sort(), Object.keys(REQUESTS).sort());
  for (const name of REQUEST_NAMES) assert.deepEqual(await requests[name]!({ probe: name }), { ok: true, value: name });
  assert.deepEqual(
    invoked.map(([c]) => c),
    [...REQUEST_NAMES],
  );
  assert.deepEqual(
    invoked.map(([, a]) => a),
    REQUEST_NAMES.map((name) => ({ probe: name })),
  );

  const eventKeys: Record<keyof Events, true> = {
    'sessions:changed': true,
    'sessions:removed': true,
    'logs:line': true,
    'keys:progress': true,
    'keys:changed': true,
    'diagnose:step': true,
    'questions:asked': true,
    'questions:closed': true,
    'settings:changed': true,
    'app:changed': true,
  };
  assert.deepEqual(Object.keys(events).sort(), Object.keys(eventKeys).sort());
  assert.deepEqual([...EVENT_NAMES].sort(), Object.keys(eventKeys).sort());
  const fromMain = rendererListeners.get(EVENT_CHANNEL)!;
  for (const name of EVENT_NAMES) {
    const got: unknown[] = [];
    const off = events[name]!((p) => got.push(p));
    fromMain({}, name, { n: 1 });
    fromMain({}, 'something:else', { n: 2 });
    off();
    fromMain({}, name, { n: 3 });
    assert.deepEqual(got, [{ n: 1 }], name);
  }
});
