/** The tunnels, each with its live state and the one action it needs now. */
import { useEffect, useState } from 'react';
import type { SessionView } from '../../../common/contract.js';
import { forwardSpec } from '../../../common/forward-spec.js';
import { describeReachProblem, reachProblem } from '../../../common/session.js';
import { useAction, useSessions } from '../api/hooks.js';
import { StatusBadge } from '../components/Status.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { errorTitle, since, until } from '../format.js';
import { Prose } from '../components/Prose.js';
import { navigate } from '../router.js';
import { vendorName } from './vendors.js';

/** The clock the list counts uptimes and retries with (display only: the data is pushed). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** What the row says under the name: uptime, the retry, or the error and its fix. */
export function StateLine({ view, now }: { view: SessionView; now: number }) {
  const s = view.snapshot;
  if (s.state === 'connected') {
    const halves = s.forwards.flatMap((f) => {
      const half = describeReachProblem(f);
      if (!half) return [];
      const ours = reachProblem(f.reach)!.ours.map((a) => `${a.includes(':') ? `[${a}]` : a}:${f.boundPort ?? ''}`);
      const fix = `${ours.length > 0 ? `Give the vendor ${ours.join(' or ')} as the address, or free` : 'Free'} the port on the server, or choose another remote port (Edit).`;
      return [`${f.spec}: ${half}. ${fix}`];
    });
    const up = (
      <p className="state-line">
        Up for {since(s.connectedSince, now)}
        {s.reconnects > 0 ? ` · came back ${s.reconnects} time${s.reconnects === 1 ? '' : 's'}` : ''}
      </p>
    );
    if (halves.length === 0) return up;
    return (
      <div className="state-line">
        {up}
        {halves.map((h) => (
          <p key={h} className="banner banner-warn">
            <strong>Only half working:</strong> {h}
          </p>
        ))}
      </div>
    );
  }
  if (s.state === 'stopped') return <p className="state-line">Not running</p>;
  if (s.state === 'connecting' && !s.lastError) return <p className="state-line">Opening the connection…</p>;
  return (
    <div className="state-line">
      {s.lastError && (
        <p className={s.state === 'error' ? 'state-error' : undefined}>
          <strong>{errorTitle(s.lastError.code)}:</strong> {s.lastError.message} <span className="error-code">({s.lastError.code})</span>
        </p>
      )}
      {s.lastError?.hint && (
        <p className="state-hint">
          What to do: <Prose text={s.lastError.hint} />
        </p>
      )}
      {s.nextAttemptAt && (
        <p className="state-retry">
          {s.state === 'error' ? 'Burrow tries again slowly' : 'Retrying'} in {until(s.nextAttemptAt, now)}
        </p>
      )}
    </div>
  );
}

/**
 * "Retry now" for a tunnel that waits to try again (skips the wait, or asks at once for a port the
 * server still holds), "Restart" for one that runs; nothing for a stopped one.
 */
export function RetryButton({ view, restart = true }: { view: SessionView; restart?: boolean }) {
  const retry = useAction('sessions:retry');
  const state = view.snapshot.state;
  const waiting = state === 'reconnecting' || state === 'error';
  if (state === 'stopped' || (!waiting && !restart)) return null;
  const label = waiting ? 'Retry now' : 'Restart';
  return (
    <>
      <button
        type="button"
        className="button"
        disabled={retry.pending}
        onClick={() => void retry.run({ id: view.config.id })}
        aria-label={`${label}: ${view.config.name}`}
        title={waiting ? 'Try again now instead of waiting' : 'Drop the connection and make it again'}
      >
        {retry.pending ? (waiting ? 'Retrying…' : 'Restarting…') : label}
      </button>
      {retry.error && <ErrorNote error={retry.error} />}
    </>
  );
}

function SessionRow({ view, now }: { view: SessionView; now: number }) {
  const { config: c, snapshot: s } = view;
  const start = useAction('sessions:start');
  const stop = useAction('sessions:stop');
  const running = s.state !== 'stopped';
  const error = start.error ?? stop.error;
  return (
    <li className={`session session-${s.state}`}>
      <div className="session-main">
        <h2 className="session-name">
          <a href={`#/sessions/${encodeURIComponent(c.id)}`}>{c.name}</a>
        </h2>
        <StatusBadge state={s.state} />
      </div>
      <p className="session-what">
        {c.preset ? `${vendorName(c.preset)} · ` : ''}
        <code>
          {c.user}@{c.host}
          {c.port === 22 ? '' : `:${c.port}`}
        </code>
        {' · '}
        {c.forwards.map((f) => forwardSpec(f)).join(', ')}
        {c.autostart ? ' · starts automatically' : ''}
      </p>
      <StateLine view={view} now={now} />
      <div className="session-actions">
        {running ? (
          <button type="button" className="button" disabled={stop.pending} onClick={() => void stop.run({ id: c.id })} aria-label={`Stop ${c.name}`}>
            Stop
          </button>
        ) : (
          <button
            type="button"
            className="button button-primary"
            disabled={start.pending}
            onClick={() => void start.run({ id: c.id })}
            aria-label={`Start ${c.name}`}
          >
            Start
          </button>
        )}
        <RetryButton view={view} restart={false} />
        <a className="button" href={`#/sessions/${encodeURIComponent(c.id)}/test`} aria-label={`Test the connection of ${c.name}`}>
          Test connection
        </a>
        <a className="button" href={`#/sessions/${encodeURIComponent(c.id)}`} aria-label={`Details of ${c.name}`}>
          Details
        </a>
      </div>
      <ErrorNote error={error} />
    </li>
  );
}

export function SessionsScreen() {
  const { sessions, loaded, error } = useSessions();
  const now = useNow();
  const startAll = useAction('sessions:start-all');
  const stopAll = useAction('sessions:stop-all');
  if (!loaded)
    return (
      <section className="screen">
        <h1>Tunnels</h1>
        <p role="status">Loading…</p>
      </section>
    );
  if (sessions.length === 0 && !error) {
    return (
      <section className="screen empty">
        <h1>Tunnels</h1>
        <p className="lead">
          Burrow keeps an SSH tunnel open so your data tool — Fivetran, Holistics, Secoda and others — can reach a database behind your firewall.
        </p>
        <p className="lead">
          Paste the command your vendor gave you, or pick your vendor, and Burrow keeps the tunnel running and brings it back after sleep, network changes and
          restarts.
        </p>
        <p>
          <button type="button" className="button button-primary button-large" onClick={() => navigate('/new')}>
            New tunnel
          </button>
        </p>
      </section>
    );
  }
  const up = sessions.filter((s) => s.snapshot.state === 'connected').length;
  return (
    <section className="screen">
      <div className="screen-head">
        <h1>Tunnels</h1>
        <p className="summary" role="status">
          {up} of {sessions.length} up
        </p>
        <div className="toolbar">
          <button type="button" className="button" disabled={startAll.pending} onClick={() => void startAll.run({})}>
            Start all
          </button>
          <button type="button" className="button" disabled={stopAll.pending} onClick={() => void stopAll.run({})}>
            Stop all
          </button>
        </div>
      </div>
      <ErrorNote error={error ?? startAll.error ?? stopAll.error} />
      <ul className="sessions" aria-label="Tunnels">
        {sessions.map((v) => (
          <SessionRow key={v.config.id} view={v} now={now} />
        ))}
      </ul>
    </section>
  );
}
