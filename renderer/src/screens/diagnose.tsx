/** "Test connection": the vendors' troubleshooting checklist, live, each failure with its fix. */
import { useState } from 'react';
import type { DiagnoseReportView, DiagnoseStepView } from '../../../common/contract.js';
import { useAction, useEvent } from '../api/hooks.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Progress } from '../components/Progress.js';
import { Prose } from '../components/Prose.js';
import { useSession } from './session-detail.js';

const MARK: Record<DiagnoseStepView['status'], string> = { pass: 'Passed', fail: 'Failed', skip: 'Skipped' };

/** The outcome, above the steps: everything works, or which step failed. */
function Verdict({ report }: { report: DiagnoseReportView }) {
  const failed = report.steps.find((s) => s.status === 'fail');
  return (
    <p role="status" className={`verdict ${report.ok ? 'verdict-ok' : 'verdict-fail'}`}>
      {report.ok ? (
        'Everything works.'
      ) : (
        <>Failed at the step {failed ? <strong>“{failed.title}”</strong> : 'marked below'}. Fix it as it says there, then test again.</>
      )}
    </p>
  );
}

export function DiagnoseScreen({ id }: { id: string }) {
  const { view } = useSession(id);
  const run = useAction('diagnose:run');
  const [runId, setRunId] = useState('');
  const [steps, setSteps] = useState<DiagnoseStepView[]>([]);
  const [report, setReport] = useState<DiagnoseReportView>();
  useEvent('diagnose:step', (e) => {
    if (e.runId === runId) setSteps((s) => [...s, e.step]);
  });
  const start = async (): Promise<void> => {
    const r = crypto.randomUUID();
    setRunId(r);
    setSteps([]);
    setReport(undefined);
    const rep = await run.run({ runId: r, id });
    if (rep) {
      setReport(rep);
      setSteps([...rep.steps]);
    }
  };
  const name = view?.config.name ?? id;
  return (
    <section className="screen">
      <p className="crumbs">
        <a href="#/">Tunnels</a> / <a href={`#/sessions/${encodeURIComponent(id)}`}>{name}</a> / Test connection
      </p>
      <h1>Test the connection of {name}</h1>
      <p className="lead">
        Burrow checks, in order: the server's name resolves, the SSH port answers, the server's key is the expected one, the login works, every port can be
        opened on the server, and the database answers. A failed step says how to fix it.
      </p>
      <div className="toolbar">
        <button type="button" className="button button-primary" disabled={run.pending} onClick={() => void start()}>
          {steps.length ? 'Test again' : 'Test now'}
        </button>
      </div>
      {run.pending && <Progress label="Testing" />}
      <ErrorNote error={run.error} />
      {report && <Verdict report={report} />}
      {steps.length > 0 && (
        <ol className="checklist" aria-label="Steps">
          {steps.map((s, i) => (
            <li key={`${s.id}-${i}`} className={`check-${s.status}`}>
              <span className={`check-mark check-mark-${s.status}`}>{MARK[s.status]}</span>
              <div>
                <strong>{s.title}</strong> <span className="muted">({s.ms} ms)</span>
                <p>
                  <Prose text={s.detail} />
                </p>
                {s.hint && (
                  <p className="state-hint">
                    <strong>How to fix it:</strong> <Prose text={s.hint} />
                  </p>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
