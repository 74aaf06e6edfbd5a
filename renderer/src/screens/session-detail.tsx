/** One tunnel in full: its state and history, counters, forwards, the vendor's steps, and its log. */
import { useEffect, useMemo, useState } from 'react';
import { describeRoute } from '../../../common/route.js';
import { describeReachProblem, reachable } from '../../../common/session.js';
import type { SessionView } from '../../../common/contract.js';
import { useAction, useApi, useEvent, useLogs } from '../api/hooks.js';
import { StatusBadge } from '../components/Status.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { CopyButton } from '../components/CopyButton.js';
import { Dialog } from '../components/Dialog.js';
import { bytes, time } from '../format.js';
import { navigate } from '../router.js';
import { RetryButton, StateLine, useNow } from './sessions.js';
import { Step } from './next-steps.js';
import { vendorName } from './vendors.js';
import { HostKeyDialog } from './host-key.js';

const FORWARD_TYPE: Record<string, string> = { remote: 'remote', 'remote-dynamic': 'remote SOCKS', local: 'local', 'local-dynamic': 'local SOCKS' };

/** A session's live view: asked once, then followed. */
export function useSession(id: string): { view: SessionView | undefined; missing: boolean } {
  const api = useApi();
  const [view, setView] = useState<SessionView>();
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    api.call('sessions:list', {}).then(
      (list) => {
        const v = list.find((x) => x.config.id === id);
        setView(v);
        setMissing(!v);
      },
      () => setMissing(true),
    );
  }, [api, id]);
  useEvent('sessions:changed', (views) => {
    const v = views.find((x) => x.config.id === id);
    if (v) setView(v);
  });
  useEvent('sessions:removed', (r) => {
    if (r.id === id) setMissing(true);
  });
  return { view, missing };
}

/** Whether the session stands refused because the server's key is not the trusted one. */
function hostKeyStop(view: SessionView): boolean {
  const code = view.snapshot.lastError?.code;
  return code === 'HOST_KEY_MISMATCH' || code === 'HOST_KEY_REVOKED';
}

/** A changed host key: a stop, explained, with a deliberate way forward (never one click). */
function HostKeyChanged({ view, onReplace }: { view: SessionView; onReplace: () => void }) {
  const e = view.snapshot.lastError;
  if (!e || !hostKeyStop(view)) return null;
  // The engine says "it presented <type> SHA256:new…, but <file>:<line> records <type> SHA256:old…".
  const [presented, trusted] = e.message.match(/SHA256:[A-Za-z0-9+/=]+/g) ?? [];
  const removal = /(ssh-keygen -R .*?)\.?$/.exec(e.hint ?? '')?.[1];
  return (
    <section className="stop" aria-labelledby="stop-title">
      <h2 id="stop-title">Refused: the server's identity is not the one Burrow trusts</h2>
      {presented && trusted ? (
        <dl className="facts">
          <dt>The server presented</dt>
          <dd>
            <code>{presented}</code>
          </dd>
          <dt>Burrow trusts</dt>
          <dd>
            <code>{trusted}</code>
          </dd>
        </dl>
      ) : (
        <p>{e.message}</p>
      )}
      <p>
        This can mean someone is intercepting the connection to <code>{view.config.host}</code>. It can also mean the vendor rebuilt or moved its server. Burrow
        does not connect to it, and never replaces the trusted key by itself: it only checks again now and then, in case you fix it.
      </p>
      <ol>
        <li>Ask the vendor (through a channel you trust: their support site, not this connection) for the server's current fingerprint.</li>
        <li>
          If it matches {presented ? <code>{presented}</code> : 'the new fingerprint above'}, replace the trusted key with it:{' '}
          <button type="button" className="button" onClick={onReplace}>
            Replace the recorded key…
          </button>{' '}
          (you type the fingerprint there; Burrow checks the server presents it).
          {!view.config.hostKey.fingerprint && removal && (
            <>
              {' '}
              Or by hand: <code className="command">{removal}</code> <CopyButton text={removal} label="Copy the command" />, then start the tunnel again.
            </>
          )}
        </li>
        <li>If it does not match, stop the tunnel and tell the vendor.</li>
      </ol>
    </section>
  );
}

function Log({ id }: { id: string }) {
  const lines = useLogs(id);
  const [level, setLevel] = useState<'all' | 'warn' | 'error'>('all');
  const [text, setText] = useState('');
  const shown = useMemo(
    () =>
      lines.filter(
        (l) =>
          (level === 'all' || (level === 'warn' ? l.level === 'warn' || l.level === 'error' : l.level === 'error')) &&
          (text === '' || l.message.toLowerCase().includes(text.toLowerCase())),
      ),
    [lines, level, text],
  );
  const asText = shown.map((l) => `${l.ts} ${l.level} ${l.message}`).join('\n');
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Log</h2>
      <div className="toolbar toolbar-fields">
        <label>
          Show{' '}
          <select value={level} onChange={(e) => setLevel(e.target.value as typeof level)}>
            <option value="all">everything</option>
            <option value="warn">warnings and errors</option>
            <option value="error">errors only</option>
          </select>
        </label>
        <label>
          Filter <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="text in the line" />
        </label>
        <CopyButton text={asText} label="Copy log" />
      </div>
      {shown.length === 0 ? (
        <p className="muted">Nothing logged yet{level !== 'all' || text ? ' that matches' : ''}.</p>
      ) : (
        <ol className="log" aria-label="Log lines">
          {shown.map((l, i) => (
            <li key={i} className={`log-${l.level}`}>
              <time>{time(l.ts)}</time> <span className="log-level">{l.level}</span> {l.message}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function SessionDetail({ id }: { id: string }) {
  const { view, missing } = useSession(id);
  const api = useApi();
  const now = useNow();
  const start = useAction('sessions:start');
  const stop = useAction('sessions:stop');
  const remove = useAction('sessions:remove');
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [hostKeyOpen, setHostKeyOpen] = useState(false);
  const [steps, setSteps] = useState<ReadonlyArray<string>>([]);
  useEffect(() => {
    api.call('sessions:next-steps', { id }).then(
      (s) => setSteps(s.nextSteps),
      () => setSteps([]),
    );
  }, [api, id]);
  if (missing)
    return (
      <section className="screen">
        <h1>Tunnel not found</h1>
        <p>
          It was removed, or the address is wrong. <a href="#/">Back to the tunnels</a>
        </p>
      </section>
    );
  if (!view)
    return (
      <section className="screen">
        <p role="status">Loading…</p>
      </section>
    );
  const { config: c, snapshot: s } = view;
  const running = s.state !== 'stopped';
  return (
    <section className="screen">
      <p className="crumbs">
        <a href="#/">Tunnels</a> / {c.name}
      </p>
      <div className="screen-head">
        <h1>{c.name}</h1>
        <StatusBadge state={s.state} />
        <div className="toolbar">
          {running ? (
            <button type="button" className="button" disabled={stop.pending} onClick={() => void stop.run({ id })}>
              {stop.pending ? 'Stopping…' : 'Stop'}
            </button>
          ) : (
            <button type="button" className="button button-primary" disabled={start.pending} onClick={() => void start.run({ id })}>
              {start.pending ? 'Starting…' : 'Start'}
            </button>
          )}
          <RetryButton view={view} />
          <a className="button" href={`#/sessions/${encodeURIComponent(id)}/test`}>
            Test connection
          </a>
          <a className="button" href={`#/sessions/${encodeURIComponent(id)}/edit`}>
            Edit
          </a>
          <button type="button" className="button button-danger" onClick={() => setConfirmRemove(true)}>
            Remove
          </button>
        </div>
      </div>
      <ErrorNote error={start.error ?? stop.error ?? remove.error} />
      {hostKeyStop(view) ? <HostKeyChanged view={view} onReplace={() => setHostKeyOpen(true)} /> : <StateLine view={view} now={now} />}

      <div className="columns">
        <section aria-labelledby="conn-title">
          <h2 id="conn-title">Connection</h2>
          <dl className="facts">
            <dt>Server</dt>
            <dd>
              <code>
                {c.user}@{c.host}:{c.port}
              </code>
            </dd>
            {view.viaDefaultProxy && (
              <>
                <dt>Proxy</dt>
                <dd>
                  the default proxy (<a href="#/settings">Settings</a>)
                </dd>
              </>
            )}
            {(c.proxy || (c.jumpHosts?.length ?? 0) > 0) && (
              <>
                <dt>Path</dt>
                <dd>
                  <code>{describeRoute(c)}</code>
                  {c.proxy?.type === 'command' && <p className="banner banner-warn">This tunnel runs that command on this machine each time it connects.</p>}
                </dd>
              </>
            )}
            {c.auth.agent !== undefined && (
              <>
                <dt>SSH agent</dt>
                <dd>its keys are offered first{c.auth.identitiesOnly ? ", only those matching this tunnel's key (IdentitiesOnly)" : ''}</dd>
              </>
            )}
            {c.preset && (
              <>
                <dt>Vendor</dt>
                <dd>{vendorName(c.preset)}</dd>
              </>
            )}
            <dt>Host key</dt>
            <dd>
              {s.hostKeyFingerprint ? (
                <code>{s.hostKeyFingerprint}</code>
              ) : c.hostKey.fingerprint ? (
                <>
                  pinned to <code>{c.hostKey.fingerprint}</code>
                </>
              ) : (
                `checked as "${c.hostKey.policy}"`
              )}{' '}
              <button type="button" className="button" onClick={() => setHostKeyOpen(true)}>
                Check the server’s key…
              </button>
            </dd>
            <dt>Keepalive</dt>
            <dd>
              every {c.keepalive.intervalSeconds} s, given up after {c.keepalive.countMax} unanswered
            </dd>
            <dt>Starts automatically</dt>
            <dd>{c.autostart ? 'yes' : 'no'}</dd>
            <dt>Reconnections</dt>
            <dd>{s.reconnects}</dd>
          </dl>
        </section>
        <section aria-labelledby="count-title">
          <h2 id="count-title">Traffic</h2>
          <dl className="facts">
            <dt>To the database</dt>
            <dd>{bytes(s.bytesIn)}</dd>
            <dt>From the database</dt>
            <dd>{bytes(s.bytesOut)}</dd>
            <dt>Connections open</dt>
            <dd>{s.openConnections}</dd>
            <dt>Connections in all</dt>
            <dd>{s.totalConnections}</dd>
            <dt>Connections refused</dt>
            <dd>{s.failedConnections}</dd>
          </dl>
        </section>
      </div>

      <section aria-labelledby="fwd-title">
        <h2 id="fwd-title">Forwards</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Forward</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Port</th>
              <th scope="col">In</th>
              <th scope="col">Out</th>
              <th scope="col">Open / total / refused</th>
            </tr>
          </thead>
          <tbody>
            {s.forwards.map((f) => (
              <tr key={f.index}>
                <td>
                  <code>{f.spec}</code>
                  {f.lastError && <p className="state-error">{f.lastError.message}</p>}
                </td>
                <td>{FORWARD_TYPE[f.type]}</td>
                <td>
                  {f.state === 'active' ? 'listening' : f.state === 'failed' ? 'refused' : 'waiting'}
                  {f.state === 'active' && reachable(f.reach) === 1 && <p className="state-hint">checked from the server</p>}
                  {f.state === 'active' && reachable(f.reach) === 0 && (
                    <p className="state-error">{describeReachProblem(f) ?? 'not reached from the server'}</p>
                  )}
                </td>
                <td>{f.boundPort ?? '—'}</td>
                <td>{bytes(f.bytesIn)}</td>
                <td>{bytes(f.bytesOut)}</td>
                <td>
                  {f.openConnections} / {f.totalConnections} / {f.failedConnections}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {steps.length > 0 && (
        <section aria-labelledby="steps-title">
          <h2 id="steps-title">Next steps with {c.preset ? vendorName(c.preset) : 'your vendor'}</h2>
          <ol className="steps">
            {steps.map((t, i) => (
              <li key={i}>
                <Step text={t} />
              </li>
            ))}
          </ol>
        </section>
      )}

      <Log id={id} />

      <HostKeyDialog view={view} open={hostKeyOpen} onClose={() => setHostKeyOpen(false)} />
      <Dialog open={confirmRemove} title={`Remove ${c.name}?`} onClose={() => setConfirmRemove(false)}>
        <p>The tunnel stops{running ? ' now' : ''} and its settings are deleted. Its key stays in Burrow's keys.</p>
        <div className="dialog-actions">
          {/* eslint-disable-next-line jsx-a11y/no-autofocus -- a dialog moves focus into itself (WAI-ARIA's dialog pattern) */}
          <button type="button" className="button" onClick={() => setConfirmRemove(false)} autoFocus>
            Keep it
          </button>
          <button
            type="button"
            className="button button-danger"
            onClick={() => {
              void remove.run({ id }).then((r) => {
                if (r !== undefined) navigate('/');
              });
              setConfirmRemove(false);
            }}
          >
            Remove
          </button>
        </div>
      </Dialog>
    </section>
  );
}
