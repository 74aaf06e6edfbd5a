/**
 * One hook per piece of live state the window shows: each asks once and then follows the app's
 * pushed events (never polling), as the doors push them.
 */
import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { AppCallError, type BurrowApi } from '../../../common/api.js';
import type {
  AppError,
  AppInfo,
  EventName,
  Events,
  KeyView,
  PresetView,
  LogLine,
  Question,
  Replies,
  RequestArgs,
  RequestName,
  SessionView,
  Settings,
} from '../../../common/contract.js';

export const ApiContext = createContext<BurrowApi | undefined>(undefined);

export function useApi(): BurrowApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}

/** Follows one event for the life of the component. */
export function useEvent<E extends EventName>(event: E, listener: (payload: Events[E]) => void): void {
  const api = useApi();
  const ref = useRef(listener);
  // The latest listener, kept after each render (before any effect that might fire the event).
  useLayoutEffect(() => {
    ref.current = listener;
  });
  useEffect(() => api.on(event, (p) => ref.current(p)), [api, event]);
}

/** An error as a window shows it, whatever was thrown. */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppCallError) return err.error;
  return { code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
}

/** A request a person starts (a button): its pending state and its error, for the control that started it. */
export function useAction<K extends RequestName>(
  name: K,
): {
  run: (args: RequestArgs<K>) => Promise<Replies[K] | undefined>;
  pending: boolean;
  error: AppError | undefined;
  clear: () => void;
} {
  const api = useApi();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<AppError | undefined>();
  const run = useCallback(
    async (args: RequestArgs<K>) => {
      setPending(true);
      setError(undefined);
      try {
        return await api.call(name, args);
      } catch (err) {
        setError(asAppError(err));
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [api, name],
  );
  return { run, pending, error, clear: () => setError(undefined) };
}

/** The vendors' presets, as the New-tunnel screens and the key wizard offer them. */
export function usePresets(): PresetView[] {
  const api = useApi();
  const [presets, setPresets] = useState<PresetView[]>([]);
  useEffect(() => {
    api.call('presets:list', {}).then(
      (p) => setPresets([...p]),
      () => undefined,
    );
  }, [api]);
  return presets;
}

/** Every session and its live state, in the store's order. */
export function useSessions(): { sessions: SessionView[]; loaded: boolean; error: AppError | undefined; reload: () => void } {
  const api = useApi();
  const [views, setViews] = useState<Map<string, SessionView>>(new Map());
  const [order, setOrder] = useState<string[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<AppError | undefined>();
  const load = useCallback(() => {
    api.call('sessions:list', {}).then(
      (list) => {
        setViews(new Map(list.map((v) => [v.config.id, v])));
        setOrder(list.map((v) => v.config.id));
        setLoaded(true);
        setError(undefined);
      },
      (err: unknown) => {
        setError(asAppError(err));
        setLoaded(true);
      },
    );
  }, [api]);
  useEffect(load, [load]);
  // Changes are applied a frame at a time: an import of 10,000 sessions arrives as 10,000 events,
  // and one copy of the list per event would freeze the window.
  const pending = useRef<{ changed: Map<string, SessionView>; removed: Set<string> } | undefined>(undefined);
  const flush = useCallback(() => {
    const p = pending.current;
    pending.current = undefined;
    if (!p) return;
    setViews((m) => {
      const n = new Map(m);
      for (const id of p.removed) n.delete(id);
      for (const [id, v] of p.changed) n.set(id, v);
      return n;
    });
    setOrder((o) => {
      const kept = p.removed.size > 0 ? o.filter((x) => !p.removed.has(x)) : o;
      const known = new Set(kept);
      const added = [...p.changed.keys()].filter((id) => !known.has(id));
      return added.length > 0 || kept !== o ? [...kept, ...added] : o;
    });
  }, []);
  const queue = (): { changed: Map<string, SessionView>; removed: Set<string> } => {
    if (!pending.current) {
      pending.current = { changed: new Map(), removed: new Set() };
      requestAnimationFrame(flush);
    }
    return pending.current;
  };
  useEvent('sessions:changed', (views) => {
    const p = queue();
    for (const v of views) {
      p.removed.delete(v.config.id);
      p.changed.set(v.config.id, v);
    }
  });
  useEvent('sessions:removed', ({ id }) => {
    const p = queue();
    p.changed.delete(id);
    p.removed.add(id);
  });
  const sessions = useMemo(() => order.map((id) => views.get(id)).filter((v): v is SessionView => v !== undefined), [order, views]);
  return { sessions, loaded, error, reload: load };
}

/** The stored keys. */
export function useKeys(): { keys: KeyView[]; loaded: boolean; reload: () => void } {
  const api = useApi();
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [loaded, setLoaded] = useState(false);
  const load = useCallback(() => {
    api.call('keys:list', {}).then(
      (k) => {
        setKeys([...k]);
        setLoaded(true);
      },
      () => setLoaded(true),
    );
  }, [api]);
  useEffect(load, [load]);
  useEvent('keys:changed', load);
  useEvent('sessions:removed', load);
  return { keys, loaded, reload: load };
}

/** Questions waiting for a person, oldest first. */
export function useQuestions(): Question[] {
  const api = useApi();
  const [questions, setQuestions] = useState<Question[]>([]);
  useEffect(() => {
    api.call('questions:list', {}).then(
      (q) => setQuestions([...q]),
      () => undefined,
    );
  }, [api]);
  useEvent('questions:asked', (q) => setQuestions((qs) => (qs.some((x) => x.id === q.id) ? qs : [...qs, q])));
  useEvent('questions:closed', ({ id }) => setQuestions((qs) => qs.filter((q) => q.id !== id)));
  return questions;
}

export function useAppInfo(): AppInfo | undefined {
  const api = useApi();
  const [info, setInfo] = useState<AppInfo>();
  useEffect(() => {
    api.call('app:info', {}).then(setInfo, () => undefined);
  }, [api]);
  // This door took over the tunnels from a service that stopped, or began to show one's.
  useEvent('app:changed', setInfo);
  return info;
}

export function useSettings(): [Settings | undefined, (s: Settings) => void] {
  const api = useApi();
  const [settings, setSettings] = useState<Settings>();
  useEffect(() => {
    api.call('settings:get', {}).then(setSettings, () => undefined);
  }, [api]);
  useEvent('settings:changed', setSettings);
  return [settings, setSettings];
}

/** A session's recent log and the lines that follow. */
export function useLogs(id: string): LogLine[] {
  const api = useApi();
  // Kept with the session they belong to: another session's lines are never shown, not even for one render.
  const [log, setLog] = useState<{ readonly id: string; readonly lines: LogLine[] }>({ id, lines: [] });
  useEffect(() => {
    api.call('logs:get', { id }).then(
      (l) => setLog({ id, lines: [...l] }),
      () => undefined,
    );
  }, [api, id]);
  useEvent('logs:line', (e) => {
    if (e.id === id) setLog((l) => ({ id, lines: [...(l.id === id ? l.lines : []).slice(-499), e.line] }));
  });
  return log.id === id ? log.lines : [];
}

/** The progress of a key being made (`keys:progress` for `opId`), while it runs. */
export function useKeyProgress(opId: string): { state: string; elapsedMs: number } | undefined {
  const [p, setP] = useState<{ state: string; elapsedMs: number }>();
  useEvent('keys:progress', (e) => {
    if (e.opId === opId) setP({ state: e.state, elapsedMs: e.elapsedMs });
  });
  return opId ? p : undefined;
}
