/**
 * Known hosts: the servers' keys Burrow trusts, file by file (~/.ssh/known_hosts and each tunnel's
 * own), each line with the tunnels it is for; a line forgotten on request (the file kept as
 * FILE.old); and, first, every tunnel stopped by a changed key, the key it was shown beside the
 * one recorded.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AppError, KnownHostsView } from '../../../common/contract.js';
import { asAppError, useAction, useApi, useSessions } from '../api/hooks.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorNote } from '../components/ErrorNote.js';

type Entry = KnownHostsView['files'][number]['entries'][number];

function Changed() {
  const { sessions } = useSessions();
  const changed = sessions.filter((v) => v.snapshot.lastError?.code === 'HOST_KEY_MISMATCH');
  if (changed.length === 0) return null;
  return (
    <section className="stop" aria-labelledby="changed-title">
      <h2 id="changed-title">Changed keys</h2>
      <ul>
        {changed.map((v) => {
          // The engine says "it presented <type> SHA256:new…, but <file>:<line> records <type> SHA256:old…".
          const [presented, recorded] = v.snapshot.lastError!.message.match(/SHA256:[A-Za-z0-9+/=]+/g) ?? [];
          return (
            <li key={v.config.id}>
              <a href={`#/sessions/${encodeURIComponent(v.config.id)}`}>{v.config.name}</a>: {v.config.host}:{v.config.port} now presents{' '}
              <code>{presented ?? 'another key'}</code>; Burrow trusts <code>{recorded ?? 'the one recorded'}</code>. Its page has "Replace the recorded key…".
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function KnownHostsScreen() {
  const api = useApi();
  const [view, setView] = useState<KnownHostsView>();
  const [error, setError] = useState<AppError>();
  const [forgetting, setForgetting] = useState<{ file: string; entry: Entry }>();
  const [done, setDone] = useState<string>();
  const remove = useAction('hostkeys:remove');
  const load = useCallback(() => {
    api.call('hostkeys:list', {}).then(setView, (err: unknown) => setError(asAppError(err)));
  }, [api]);
  useEffect(load, [load]);

  const forget = async (): Promise<void> => {
    if (!forgetting) return;
    const r = await remove.run({ file: forgetting.file, line: forgetting.entry.line, fingerprint: forgetting.entry.fingerprint });
    if (r) {
      setDone(`Removed line ${r.line} of ${r.file} (the old file is kept as ${r.file}.old).`);
      setForgetting(undefined);
    }
    load();
  };

  return (
    <section className="screen">
      <h1>Known hosts</h1>
      <p className="lead">
        The servers' keys Burrow trusts. A tunnel checks its server's key at every connection; a key that changed stops it until you decide.
      </p>
      <Changed />
      <ErrorNote error={error} />
      {done && (
        <p role="status" className="ok">
          {done}
        </p>
      )}
      {!view && !error && <p role="status">Loading…</p>}
      {view?.files.map((f) => (
        <section key={f.file} aria-label={f.file}>
          <h2>
            <code>{f.file}</code>
          </h2>
          {!f.exists ? (
            <p className="muted">Not there: nothing is trusted from it (Burrow records keys in the first file of a tunnel's list).</p>
          ) : f.entries.length === 0 ? (
            <p className="muted">No keys in it.</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Server</th>
                  <th scope="col">Key</th>
                  <th scope="col">Tunnels</th>
                  <th scope="col">Line</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {f.entries.map((e) => (
                  <tr key={e.line}>
                    <td>
                      <code>{e.hosts}</code>
                      {e.marker && ` ${e.marker}`}
                    </td>
                    <td>
                      {e.keyType} <code>{e.fingerprint}</code>
                    </td>
                    <td>{e.sessions.length > 0 ? e.sessions.join(', ') : <span className="muted">none</span>}</td>
                    <td>{e.line}</td>
                    <td>
                      <button
                        type="button"
                        className="button"
                        aria-label={`Forget the key of ${e.hosts} (line ${e.line})`}
                        onClick={() => {
                          remove.clear();
                          setDone(undefined);
                          setForgetting({ file: f.file, entry: e });
                        }}
                      >
                        Forget…
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {f.entryCount > f.entries.length && (
            <p className="muted">
              The first {f.entries.length} of {f.entryCount} keys are shown.
            </p>
          )}
          {f.problems.map((p) => (
            <p key={p.line} className="banner banner-warn">
              Line {p.line} cannot be read ({p.message}): OpenSSH and Burrow skip it.
            </p>
          ))}
        </section>
      ))}
      <Dialog open={forgetting !== undefined} title="Forget this key?" onClose={() => setForgetting(undefined)} dismissable={!remove.pending}>
        {forgetting && (
          <p>
            <code>{forgetting.entry.hosts}</code> {forgetting.entry.keyType} <code>{forgetting.entry.fingerprint}</code>, line {forgetting.entry.line} of{' '}
            <code>{forgetting.file}</code>. The next connection to this server asks again
            {forgetting.entry.sessions.length > 0 ? ` (${forgetting.entry.sessions.join(', ')})` : ''}, or is refused where a tunnel only accepts known keys.
            The file is kept as FILE.old.
          </p>
        )}
        <ErrorNote error={remove.error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => setForgetting(undefined)} disabled={remove.pending} data-autofocus>
            Keep it
          </button>
          <button type="button" className="button button-danger" onClick={() => void forget()} disabled={remove.pending}>
            Forget it
          </button>
        </div>
      </Dialog>
    </section>
  );
}
