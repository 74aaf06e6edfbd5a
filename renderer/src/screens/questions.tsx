/**
 * Questions only a person can answer, asked by the running tunnels: the first key of a new server
 * (compare its fingerprint, then trust it or not), and a key's passphrase.
 */
import { useState } from 'react';
import type { Question } from '../../../common/contract.js';
import { useAction, useAppInfo } from '../api/hooks.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Field } from '../components/Field.js';
import { CopyButton } from '../components/CopyButton.js';

function HostKeyQuestion({ q }: { q: Extract<Question, { kind: 'host-key' }> }) {
  const answer = useAction('questions:answer');
  const where = q.port === 22 ? q.host : `${q.host}:${q.port}`;
  return (
    <Dialog open title={`First connection to ${where}`} onClose={() => void answer.run({ id: q.id, accept: false })}>
      <p>
        "{q.sessionName}" is connecting to a server Burrow has not seen before. It presents this {q.keyType} key:
      </p>
      <p className="fingerprint">
        <code>{q.fingerprint}</code> <CopyButton text={q.fingerprint} label="Copy fingerprint" />
      </p>
      <p>
        Compare it with the fingerprint your vendor publishes (or shows in its setup page). Trust it only if they match: Burrow then remembers it and refuses
        any other key for this server.
      </p>
      <ErrorNote error={answer.error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={() => void answer.run({ id: q.id, accept: false })}>
          Do not trust
        </button>
        <button type="button" className="button button-primary" onClick={() => void answer.run({ id: q.id, accept: true })}>
          They match: trust and connect
        </button>
      </div>
    </Dialog>
  );
}

function PassphraseQuestion({ q }: { q: Extract<Question, { kind: 'passphrase' }> }) {
  const answer = useAction('questions:answer');
  const info = useAppInfo();
  const [pass, setPass] = useState('');
  const [remember, setRemember] = useState(false);
  const stored = q.key.startsWith('stored key');
  return (
    <Dialog open title={`Passphrase for ${q.sessionName}`} onClose={() => void answer.run({ id: q.id, accept: false })}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void answer.run({ id: q.id, accept: true, passphrase: pass, remember });
        }}
      >
        <p>The key {stored ? q.key.replace(/^stored key /, '') : <code>{q.key}</code>} is protected by a passphrase.</p>
        <Field
          label="Passphrase"
          error={q.wrong ? 'The last passphrase did not open the key.' : answer.error?.field === 'passphrase' ? answer.error.message : undefined}
        >
          {/* eslint-disable-next-line jsx-a11y/no-autofocus -- a dialog moves focus into itself (WAI-ARIA's dialog pattern) */}
          {(p) => <input {...p} type="password" value={pass} onChange={(e) => setPass(e.target.value)} autoComplete="off" autoFocus />}
        </Field>
        {stored && (
          <>
            <label className="check">
              <input
                type="checkbox"
                checked={remember}
                onChange={(e) => setRemember(e.target.checked)}
                {...(info ? { 'aria-describedby': `${q.id}-where` } : {})}
              />{' '}
              Remember it, so this tunnel starts unattended
            </label>
            {info && (
              <p className="field-hint" id={`${q.id}-where`}>
                Burrow keeps it in {info.secretStore.backend}.
              </p>
            )}
          </>
        )}
        <ErrorNote error={answer.error?.field === 'passphrase' ? undefined : answer.error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => void answer.run({ id: q.id, accept: false })}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={!pass}>
            Open the key
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The oldest open question, one at a time. */
export function QuestionDialogs({ questions }: { questions: ReadonlyArray<Question> }) {
  const q = questions[0];
  if (!q) return null;
  return q.kind === 'host-key' ? <HostKeyQuestion key={q.id} q={q} /> : <PassphraseQuestion key={q.id} q={q} />;
}
