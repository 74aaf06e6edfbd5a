/** The tray from the sessions' states: icon, tooltip and menu for every combination, and coalesced rebuilds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionState } from '../../common/session.js';
import { overallOf, tooltipOf } from '../../main/shell/overall.js';
import { trayMenu, type MenuEntry } from '../../main/shell/tray-menu.js';
import { trayIconFile } from '../../main/shell/tray-icon.js';
import { Coalescer } from '../../main/shell/coalesce.js';
import { fakeTimers, view } from './fakes.js';

const STATES: SessionState[] = ['connected', 'connecting', 'reconnecting', 'error', 'stopped'];

/** Every multiset of up to three session states (and none). */
function combinations(): SessionState[][] {
  const out: SessionState[][] = [[]];
  for (const a of STATES) for (const b of STATES) for (const c of STATES) out.push([a], [a, b], [a, b, c]);
  return out;
}

test('the overall state: attention beats connecting beats up beats stopped, for every combination', () => {
  const all = combinations();
  assert.equal(all.length, 1 + 3 * 125);
  for (const states of all) {
    const o = overallOf(states.map((state) => ({ state })));
    const expected = states.includes('error')
      ? 'attention'
      : states.some((s) => s === 'connecting' || s === 'reconnecting')
        ? 'connecting'
        : states.includes('connected')
          ? 'up'
          : 'stopped';
    assert.equal(o, expected, states.join(','));
  }
});

test('the tooltip sums the states up in words', () => {
  const t = (...s: SessionState[]): string => tooltipOf(s.map((state) => ({ state })));
  assert.equal(t(), 'Burrow: no tunnels yet');
  assert.equal(t('connected', 'connected', 'connected', 'reconnecting'), 'Burrow: 3 tunnels up, 1 reconnecting');
  assert.equal(t('connected'), 'Burrow: 1 tunnel up');
  assert.equal(t('reconnecting', 'error', 'error', 'stopped'), 'Burrow: 1 tunnel reconnecting, 2 need attention, 1 stopped');
  assert.equal(t('stopped', 'stopped'), 'Burrow: 2 tunnels stopped');
});

const labels = (entries: ReadonlyArray<MenuEntry>): string[] => entries.map((e) => (e.type === 'separator' ? '---' : e.label));

test("the menu lists every session with its state in words, Start or Stop as it needs, Retry now while it waits, and the app's own items", () => {
  for (const states of combinations()) {
    const views = states.map((s, i) => view(`s${i}`, s, i === 0 ? 'k' : undefined));
    const menu = trayMenu(views, { enabled: false });
    const subs = menu.filter((e): e is Extract<MenuEntry, { type: 'submenu' }> => e.type === 'submenu');
    assert.equal(subs.length, views.length);
    subs.forEach((sub, i) => {
      const state = states[i]!;
      assert.match(sub.label, new RegExp(`^s${i} — . (Connected|Connecting|Reconnecting|Needs attention|Stopped)$`));
      const items = labels(sub.items);
      assert.ok(items.includes(state === 'stopped' ? 'Start' : 'Stop'), `${state}: ${items.join('|')}`);
      assert.equal(items.includes('Retry now'), state === 'reconnecting' || state === 'error', `${state}: ${items.join('|')}`);
      assert.ok(items.includes('Test connection…') && items.includes('Copy public key'));
      const copy = sub.items.find((e) => e.type === 'item' && e.label === 'Copy public key') as { enabled: boolean };
      assert.equal(copy.enabled, i === 0, 'copying needs a stored key');
      if (state === 'error') assert.match(labels(sub.items)[0]!, /^AUTH_FAILED: The server refused the key/);
    });
    const flat = labels(menu);
    for (const l of ['Start all', 'Stop all', 'Open Burrow', 'Launch at login']) assert.ok(flat.includes(l), l);
    assert.match(flat.at(-1)!, /^Quit Burrow/);
    const startAll = menu.find((e) => e.type === 'item' && e.label === 'Start all') as { enabled: boolean };
    const stopAll = menu.find((e) => e.type === 'item' && e.label === 'Stop all') as { enabled: boolean };
    assert.equal(startAll.enabled, states.includes('stopped'));
    assert.equal(
      stopAll.enabled,
      states.some((s) => s !== 'stopped'),
    );
    if (states.length === 0) assert.equal(flat[0], 'No tunnels yet');
  }
});

test("the launch-at-login checkbox shows the OS's real state, approval pending and switched off by the person included", () => {
  const box = (login: Parameters<typeof trayMenu>[1]) =>
    trayMenu([], login).find((e) => e.type === 'checkbox') as Extract<MenuEntry, { type: 'checkbox' }> | undefined;
  assert.deepEqual([box({ enabled: true })!.checked, box({ enabled: true })!.sublabel], [true, undefined]);
  assert.equal(box({ enabled: false })!.checked, false);
  assert.match(box({ enabled: true, needsApproval: true })!.sublabel!, /approval in System Settings/);
  const off = box({ enabled: true, disabledByUser: true })!;
  assert.deepEqual([off.checked, off.sublabel], [false, "Turned off in your system's startup settings"]);
  assert.equal(box(undefined), undefined, 'no checkbox where the door cannot set it');
});

test('each system gets its own tray image: a macOS template, a Windows .ico, a Linux PNG', () => {
  assert.equal(trayIconFile('/b', 'attention', 'darwin'), '/b/tray-attentionTemplate.png');
  assert.equal(trayIconFile('/b', 'up', 'win32'), '/b/tray-up.ico');
  assert.equal(trayIconFile('/b', 'connecting', 'linux'), '/b/tray-connecting.png');
});

test('rebuilds are coalesced: at most one per interval however often asked, and always one after the last request', () => {
  const t = fakeTimers();
  let runs = 0;
  const c = new Coalescer(() => runs++, 300, t);
  c.request();
  assert.equal(runs, 1, 'the first request runs at once');
  for (let i = 0; i < 100; i++) {
    c.request();
    t.advance(10);
  }
  // 1 s of requests every 10 ms: a run at most every 300 ms.
  assert.ok(runs >= 3 && runs <= 5, `${runs} runs`);
  const before = runs;
  t.advance(1000);
  assert.equal(runs, before + 1, 'the last request is not lost');
  t.advance(5000);
  assert.equal(runs, before + 1, 'and nothing runs without a request');
});
