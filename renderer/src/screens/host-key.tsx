/**
 * A saved session's host key, from the window: what the server presents beside what Burrow knows
 * of it (hostkeys:check), trusted when it is new, replaced when it changed, forgotten on request:
 * what `burrow trust NAME` does on the command line. Replacing a changed key is never one click:
 * the person types the fingerprint the vendor confirmed, and the app records it only if the server
 * presents exactly that key.
 */
import { useEffect, useState } from 'react';
import type { HostKeyCheck, HostKeyTrusted, SessionView } from '../../../common/contract.js';
import { useAction, useApi } from '../api/hooks.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorNote } from '../components/ErrorNote.js';

/** What a trust or forget did, in a sentence. */
export function trustedText(r: HostKeyTrusted): string {
  if (r.already) return 'Nothing to do: this key is already the trusted one.';
  if (r.pinned) return `The pin is now ${r.pinned.fingerprint} (was ${r.pinned.previous}).`;
  if (r.removed)
    return `Recorded in ${r.file ?? 'known_hosts'}, replacing ${r.removed} old line${r.removed === 1 ? '' : 's'} (the old file is kept as ${r.file ?? 'known_hosts'}.old).`;
  return `Recorded in ${r.file ?? 'known_hosts'}.`;
}

function forgottenText(r: { removed: number; file?: string; unpinned?: string }): string {
  if (r.unpinned) return `The pin ${r.unpinned} is removed: the key is checked against known_hosts from now on.`;
  if (r.removed === 0) return 'Nothing was recorded for this server.';
  return `Removed ${r.removed} line${r.removed === 1 ? '' : 's'} from ${r.file ?? 'known_hosts'} (the old file is kept as ${r.file ?? 'known_hosts'}.old).`;
}

function Status({ check }: { check: HostKeyCheck }) {
  const s = check.status;
  switch (s.kind) {
    case 'known':
      return (
        <p>
          Trusted: recorded in <code>{s.file}</code>, line {s.line}.
        </p>
      );
    case 'unknown':
      return <p>Not trusted yet. Compare it with the fingerprint your vendor publishes (their setup page or support) before you trust it.</p>;
    case 'pinned':
      return s.matches ? (
        <p>This session pins this key: it matches.</p>
      ) : (
        <p className="state-error">
          This session pins another key (<code>{s.pinned}</code>). This can mean someone is intercepting the connection, or that the vendor replaced its server.
        </p>
      );
    case 'changed':
      return (
        <div className="state-error">
          <p>Burrow trusts another key for this server:</p>
          <ul>
            {s.recorded.map((r) => (
              <li key={`${r.file}:${r.line}`}>
                <code>
                  {r.keyType} {r.fingerprint}
                </code>{' '}
                ({r.file}, line {r.line})
              </li>
            ))}
          </ul>
          <p>This can mean someone is intercepting the connection, or that the vendor rebuilt or moved its server.</p>
        </div>
      );
    case 'revoked':
      return (
        <p className="state-error">
          This key is marked @revoked in <code>{s.file}</code>, line {s.line}: Burrow never trusts it. The server needs a new host key; ask its owner.
        </p>
      );
  }
}

/**
 * The host-key dialog of one saved session, owned by the screen (not by the button that opened
 * it): the stop that offers "Replace" disappears once the tunnel connects, the dialog must not.
 */
export function HostKeyDialog({ view, open, onClose }: { view: SessionView; open: boolean; onClose: () => void }) {
  const api = useApi();
  const id = view.config.id;
  const [typed, setTyped] = useState('');
  const [done, setDone] = useState<string>();
  const check = useAction('hostkeys:check');
  const trust = useAction('hostkeys:trust');
  const forget = useAction('hostkeys:forget');
  const [result, setResult] = useState<HostKeyCheck>();
  const [confirmForget, setConfirmForget] = useState(false);

  const look = async (): Promise<void> => {
    setResult(await check.run({ id }));
  };
  const close = (): void => {
    onClose();
    setResult(undefined);
    setDone(undefined);
    setTyped('');
    setConfirmForget(false);
    check.clear();
    trust.clear();
    forget.clear();
  };
  /** A key trusted or replaced while the tunnel waits on it: connect again now, not at the next slow retry. */
  const reconnect = async (): Promise<void> => {
    if (view.snapshot.state === 'stopped') return;
    await api.call('sessions:stop', { id }).catch(() => undefined);
    await api.call('sessions:start', { id }).catch(() => undefined);
  };
  const accept = async (fingerprint: string, replace: boolean): Promise<void> => {
    const r = await trust.run({ id, fingerprint, ...(replace ? { replace } : {}) });
    if (!r) return;
    setDone(trustedText(r));
    await reconnect();
    await look();
  };
  const drop = async (): Promise<void> => {
    const r = await forget.run({ id });
    setConfirmForget(false);
    if (!r) return;
    setDone(forgottenText(r));
    await look();
  };

  const s = result?.status;
  const needsReplace = s?.kind === 'changed' || (s?.kind === 'pinned' && !s.matches);
  const trusted = s?.kind === 'known' || (s?.kind === 'pinned' && s.matches);
  const busy = check.pending || trust.pending || forget.pending;
  // A look at the key may be abandoned; a write under way may not.
  const writing = trust.pending || forget.pending;
  const typedId = `typed-fp-${id}`;
  // Asks the server once per opening (look() is for after a change).
  const runCheck = check.run;
  useEffect(() => {
    if (!open) return;
    let live = true;
    void runCheck({ id }).then((r) => {
      if (live) setResult(r);
    });
    return () => {
      live = false;
    };
  }, [open, id, runCheck]);
  return (
    <Dialog open={open} title={`The server’s key: ${view.config.host}:${view.config.port}`} onClose={close} dismissable={!writing}>
      {check.pending && <p role="status">Asking the server for its key…</p>}
      <ErrorNote error={check.error} />
      {result && (
        <>
          <dl className="facts">
            <dt>It presents</dt>
            <dd>
              <code>
                {result.keyType} {result.fingerprint}
              </code>
            </dd>
          </dl>
          <Status check={result} />
        </>
      )}
      {done && (
        <p role="status" className="ok">
          {done}
        </p>
      )}
      {result && needsReplace && (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void accept(typed.trim(), true);
          }}
        >
          <div className="field">
            <label htmlFor={typedId}>Fingerprint your vendor confirmed</label>
            <input
              id={typedId}
              value={typed}
              onChange={(e) => {
                trust.clear();
                setTyped(e.target.value);
              }}
              placeholder="SHA256:…"
              spellCheck={false}
              autoComplete="off"
              aria-describedby={`${typedId}-hint`}
              aria-invalid={trust.error?.field === 'fingerprint' || undefined}
            />
            <p className="field-hint" id={`${typedId}-hint`}>
              Ask the vendor through a channel you trust (their support site, not this connection). Burrow replaces the key only if the server presents this
              one.
            </p>
          </div>
          <ErrorNote error={trust.error} />
          <div className="form-actions">
            <button type="submit" className="button button-danger" disabled={busy || typed.trim() === ''}>
              {s?.kind === 'pinned' ? 'Replace the pin' : 'Replace the recorded key'}
            </button>
          </div>
        </form>
      )}
      {!needsReplace && <ErrorNote error={trust.error ?? forget.error} />}
      {confirmForget && (
        <p className="banner banner-warn">
          Burrow then knows nothing of this server{view.config.hostKey.policy === 'yes' ? ' and refuses to connect until its key is trusted again' : ''}.
          Known_hosts files are kept as FILE.old.
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={close} disabled={writing} data-autofocus>
          Close
        </button>
        {result && s?.kind === 'unknown' && (
          <button type="button" className="button button-primary" disabled={busy} onClick={() => void accept(result.fingerprint, false)}>
            It matches: trust this key
          </button>
        )}
        {result &&
          trusted &&
          (confirmForget ? (
            <button type="button" className="button button-danger" disabled={busy} onClick={() => void drop()}>
              Forget it
            </button>
          ) : (
            <button type="button" className="button" disabled={busy} onClick={() => setConfirmForget(true)}>
              Forget this key…
            </button>
          ))}
      </div>
    </Dialog>
  );
}
