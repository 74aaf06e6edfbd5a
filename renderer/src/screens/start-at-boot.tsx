/**
 * Start at boot, from the window: the last step of every vendor's guide (Task Scheduler, NSSM,
 * `h_autossh`, a systemd unit) without a terminal. It carries the contract's service requests:
 * the plan is shown before anything is written or run, the person confirms it, and what was done
 * (or what is left to run by hand) is shown step by step. Which account and scope are allowed is
 * the app's rule (a root window is asked to choose); this screen only offers the choice.
 */
import { useCallback, useEffect, useState } from 'react';
import { shellWords } from '../../../common/shell.js';
import type { AppError, ServicePlanView, ServiceResult, ServiceStatusView } from '../../../common/contract.js';
import { asAppError, useAction, useApi } from '../api/hooks.js';
import { CopyButton } from '../components/CopyButton.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorNote } from '../components/ErrorNote.js';

type Scope = 'user' | 'system';

/** How the service stands, in a sentence. */
export function statusText(s: ServiceStatusView): string {
  if (s.state === 'not installed') return `Not set up (${s.scope === 'user' ? 'for your account' : 'for this machine'}).`;
  if (s.state === 'foreign') return `${s.file} exists but was not written by Burrow: Burrow leaves it alone.`;
  const sd = s.systemd ? ` — ${s.systemd.enabled}, ${s.systemd.active}` : '';
  return `Set up: ${s.file}${sd}. It runs the tunnels marked "start automatically" of ${s.configFile}.`;
}

function PlanView({ plan }: { plan: ServicePlanView }) {
  const writes = plan.action === 'install';
  return (
    <>
      <dl className="facts">
        <dt>Runs as</dt>
        <dd>
          {plan.runsAs} ({plan.scope === 'user' ? 'a user service' : 'a system service'}, {plan.name})
        </dd>
        <dt>Tunnels of</dt>
        <dd>
          <code>{plan.configFile}</code>
        </dd>
      </dl>
      {plan.files.length > 0 && <h3>{writes ? 'Writes' : 'Removes'}</h3>}
      <ul>
        {plan.files.map((f) => (
          <li key={f.path}>
            <code>{f.path}</code>
            {writes && ` (mode ${f.mode.toString(8)})`}
            {f.exists === 'ours' && (writes ? ', replacing the one Burrow wrote before' : '')}
            {f.exists === 'foreign' && ', which exists and is not Burrow’s: it is left alone'}
            {f.exists === 'no' && !writes && ', which is not there'}
            {writes && (
              <details>
                <summary>Show the file</summary>
                <pre className="preview">{f.text}</pre>
              </details>
            )}
          </li>
        ))}
      </ul>
      {plan.commands.length + plan.after.length > 0 && <h3>Runs</h3>}
      <ul>
        {[...plan.commands, ...plan.after].map((c, i) => (
          <li key={i}>
            <code className="command">{shellWords(c)}</code>
          </li>
        ))}
      </ul>
      {plan.notes.map((n, i) => (
        <p key={i} className="field-hint">
          {n}
        </p>
      ))}
    </>
  );
}

function ResultView({ result }: { result: ServiceResult }) {
  return (
    <>
      <p role="status" className={result.ok ? 'ok' : 'state-error'}>
        {result.ok
          ? result.plan.action === 'install'
            ? 'Done: Burrow starts at boot and runs the tunnels marked "start automatically".'
            : 'Done: Burrow no longer starts at boot.'
          : 'Not finished: a step failed.'}
      </p>
      <ul>
        {result.steps.map((s, i) => (
          <li key={i}>
            {s.kind === 'failed' ? <strong>failed: </strong> : `${s.kind}: `}
            {s.text}
          </li>
        ))}
      </ul>
      {result.left.length > 0 && (
        <>
          <p>To finish, run these in a terminal:</p>
          {result.left.map((c, i) => (
            <p key={i}>
              <code className="command">{shellWords(c)}</code> <CopyButton text={shellWords(c)} label="Copy the command" />
            </p>
          ))}
        </>
      )}
    </>
  );
}

export function StartAtBoot() {
  const api = useApi();
  const [scope, setScope] = useState<Scope | undefined>();
  const [status, setStatus] = useState<ServiceStatusView>();
  const [statusError, setStatusError] = useState<AppError>();
  const plan = useAction('service:plan');
  const install = useAction('service:install');
  const uninstall = useAction('service:uninstall');
  const [shown, setShown] = useState<ServicePlanView>();
  const [result, setResult] = useState<ServiceResult>();

  const refresh = useCallback(() => {
    api.call('service:status', scope ? { scope } : {}).then(
      (s) => {
        setStatus(s);
        setStatusError(undefined);
      },
      (err: unknown) => setStatusError(asAppError(err)),
    );
  }, [api, scope]);
  useEffect(refresh, [refresh]);

  const ask = async (action: 'install' | 'uninstall'): Promise<void> => {
    setResult(undefined);
    const p = await plan.run({ action, ...(scope ? { scope } : {}) });
    if (p) setShown(p);
  };
  const carryOut = async (): Promise<void> => {
    if (!shown) return;
    const args = { scope: shown.scope };
    const r = shown.action === 'install' ? await install.run(args) : await uninstall.run(args);
    if (r) setResult(r);
    refresh();
  };
  const close = (): void => {
    setShown(undefined);
    setResult(undefined);
    install.clear();
    uninstall.clear();
  };
  const installed = status?.state === 'installed';
  const busy = install.pending || uninstall.pending;

  return (
    <fieldset aria-describedby="boot-what">
      <legend>Start at boot</legend>
      <p className="field-hint" id="boot-what">
        Runs Burrow as a service of this machine, without the window and before anyone logs in: the tunnels marked "start automatically" start at boot and come
        back after a crash. The window then shows and steers them.
      </p>
      <div role="radiogroup" aria-label="Whose service">
        {(
          [
            ['user', 'For my account (a user service)'],
            ['system', 'For this whole machine (a system service; Burrow must run as an administrator)'],
          ] as const
        ).map(([v, label]) => (
          <label key={v} className="radio">
            <input
              type="radio"
              name="service-scope"
              value={v}
              checked={scope === v}
              onChange={() => {
                plan.clear();
                setScope(v);
              }}
            />
            <span>{label}</span>
          </label>
        ))}
      </div>
      {status && <p role="status">{statusText(status)}</p>}
      {status?.journal && 'lines' in status.journal && status.journal.lines.length > 0 && (
        <details>
          <summary>The service's last lines in the journal</summary>
          <pre className="preview">{status.journal.lines.join('\n')}</pre>
        </details>
      )}
      <ErrorNote error={statusError ?? plan.error} />
      <div className="form-actions">
        {installed ? (
          <button type="button" className="button" disabled={plan.pending} onClick={() => void ask('uninstall')}>
            Stop starting at boot…
          </button>
        ) : (
          <button type="button" className="button" disabled={plan.pending || status?.state === 'foreign'} onClick={() => void ask('install')}>
            Start at boot…
          </button>
        )}
      </div>
      <Dialog
        open={shown !== undefined}
        title={shown?.action === 'uninstall' ? 'Stop starting Burrow at boot' : 'Start Burrow at boot'}
        onClose={close}
        dismissable={!busy}
      >
        {shown && !result && <PlanView plan={shown} />}
        {result && <ResultView result={result} />}
        <ErrorNote error={install.error ?? uninstall.error} />
        <div className="dialog-actions">
          {result ? (
            // eslint-disable-next-line jsx-a11y/no-autofocus -- the dialog's content changed under the focused button: focus its one way out
            <button type="button" className="button button-primary" onClick={close} autoFocus>
              Close
            </button>
          ) : (
            <>
              <button type="button" className="button" onClick={close} disabled={busy} data-autofocus>
                Cancel
              </button>
              <button type="button" className="button button-primary" disabled={busy} onClick={() => void carryOut()}>
                {busy ? 'Working…' : shown?.action === 'uninstall' ? 'Remove the service' : 'Set it up'}
              </button>
            </>
          )}
        </div>
      </Dialog>
    </fieldset>
  );
}
