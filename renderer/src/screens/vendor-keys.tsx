/**
 * Vendor keys let in: the other direction of QueryCanary's guide, where the vendor connects in
 * through your own SSH server with a key it made. The key is added to an account's
 * ~/.ssh/authorized_keys allowed to open one database port and nothing else (authorized:add);
 * the keys Burrow added are listed and removed here (authorized:list / remove). The form is also
 * the QueryCanary preset's page.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { AppError, AuthorizedKeysView, Replies, VendorKeyView } from '../../../common/contract.js';
import { asAppError, useAction, useApi } from '../api/hooks.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Field } from '../components/Field.js';
import { focusFirstProblem, NotSaved } from '../components/NotSaved.js';
import { CopyButton } from '../components/CopyButton.js';
import { possessive } from '../../../common/words.js';

interface Values {
  readonly publicKey: string;
  readonly name: string;
  readonly host: string;
  readonly port: string;
  readonly from: string;
  readonly account: string;
}

const LABELS: Readonly<Record<string, string>> = {
  publicKey: "Vendor's public key",
  name: 'Name',
  host: 'Database host',
  port: 'Database port',
  from: 'Only from these addresses',
  account: 'Account the vendor logs in as',
};

/** What the form can tell before sending: every problem once, in the form's words. */
export function vendorKeyProblems(v: Values): Array<{ field: string; text: string }> {
  const out: Array<{ field: string; text: string }> = [];
  const key = v.publicKey.trim();
  if (!key)
    out.push({
      field: 'publicKey',
      text: "Vendor's public key is empty. Paste the key the vendor shows, one line starting with ecdsa-sha2-nistp256, ssh-ed25519 or ssh-rsa.",
    });
  else if (/PRIVATE KEY/.test(key))
    out.push({ field: 'publicKey', text: "Vendor's public key is a private key. Paste the vendor's public key (one line starting with its type)." });
  if (!v.host.trim())
    out.push({ field: 'host', text: 'Database host is empty. Give it as the SSH server reaches it: localhost when the database runs there.' });
  else if (/[\s"',]/.test(v.host.trim()) || /:\d+$/.test(v.host.trim()))
    out.push({ field: 'host', text: 'Database host must be a name or an address alone, without spaces, quotes or a port (the port has its own box).' });
  if (!/^\d+$/.test(v.port.trim()) || Number(v.port) < 1 || Number(v.port) > 65535)
    out.push({
      field: 'port',
      text: `Database port ${v.port.trim() ? 'must be a whole number from 1 to 65535' : 'is empty'}. 5432 for PostgreSQL, 3306 for MySQL.`,
    });
  if (v.account.trim() === 'root')
    out.push({ field: 'account', text: 'Account must not be root: make an account for the vendor (useradd -m querycanary) and give it here.' });
  return out;
}

/** The app's refusal on its box, in the form's words. */
function serverProblem(err: AppError): { field: string; text: string } | undefined {
  if (!err.field || !(err.field in LABELS)) return undefined;
  const problem = err.problem ?? (err.message.startsWith(`${err.field} `) ? err.message.slice(err.field.length + 1) : err.message);
  return { field: err.field, text: `${LABELS[err.field]} ${problem.replace(/\.$/, '')}.${err.hint ? ` ${err.hint}` : ''}` };
}

/** Let a vendor's key in: the key, the one database port it may open, optionally its addresses and the account. */
export function VendorKeyForm({ vendor, defaultPort = '5432', onAdded }: { vendor?: string; defaultPort?: string; onAdded?: (account: string) => void }) {
  const [values, setValues] = useState<Values>({ publicKey: '', name: vendor ?? '', host: 'localhost', port: defaultPort, from: '', account: '' });
  const [tried, setTried] = useState(false);
  const [added, setAdded] = useState<Replies['authorized:add']>();
  const add = useAction('authorized:add');
  const set = (k: keyof Values) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [k]: e.target.value }));
  const local = tried ? vendorKeyProblems(values) : [];
  const server = add.error ? serverProblem(add.error) : undefined;
  const problems = local.length > 0 ? local : server ? [server] : [];
  const errorFor = (field: string): string | undefined => problems.find((p) => p.field === field)?.text;
  const who = vendor ?? 'the vendor';

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTried(true);
    setAdded(undefined);
    add.clear();
    if (vendorKeyProblems(values).length > 0) {
      focusFirstProblem();
      return;
    }
    const from = values.from
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const r = await add.run({
      publicKey: values.publicKey,
      host: values.host.trim(),
      port: Number(values.port),
      ...(values.name.trim() ? { name: values.name.trim() } : {}),
      ...(from.length ? { from } : {}),
      ...(values.account.trim() ? { account: values.account.trim() } : {}),
    });
    if (r) {
      setAdded(r);
      setTried(false);
      setValues((v) => ({ ...v, publicKey: '' }));
      onAdded?.(r.account);
      setTimeout(() => document.getElementById('vendor-key-added')?.focus(), 0);
    } else focusFirstProblem();
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label={`Let ${who}'s key in`}>
      <Field label={LABELS.publicKey!} error={errorFor('publicKey')} hint={`The line ${who} shows, e.g. ecdsa-sha2-nistp256 AAAA… querycanary.com.`}>
        {(p) => <textarea {...p} rows={3} value={values.publicKey} onChange={set('publicKey')} spellCheck={false} autoComplete="off" />}
      </Field>
      <Field label={LABELS.host!} error={errorFor('host')} hint="As the SSH server reaches it: localhost when the database runs on it.">
        {(p) => <input {...p} value={values.host} onChange={set('host')} spellCheck={false} autoComplete="off" />}
      </Field>
      <Field label={LABELS.port!} error={errorFor('port')} hint="5432 for PostgreSQL, 3306 for MySQL. The key may open this port and no other.">
        {(p) => <input {...p} inputMode="numeric" value={values.port} onChange={set('port')} />}
      </Field>
      <Field
        label={`${LABELS.from!} (optional)`}
        error={errorFor('from')}
        hint={`${possessive(who === 'the vendor' ? 'The vendor' : who)} published addresses or networks, e.g. 203.0.113.7, 198.51.100.0/24. Empty: from anywhere.`}
      >
        {(p) => <input {...p} value={values.from} onChange={set('from')} spellCheck={false} autoComplete="off" />}
      </Field>
      <Field label={`${LABELS.name!} (optional)`} error={errorFor('name')} hint="What the key is called in the list below. Empty: the key's own comment.">
        {(p) => <input {...p} value={values.name} onChange={set('name')} autoComplete="off" />}
      </Field>
      <Field
        label={`${LABELS.account!} (optional)`}
        error={errorFor('account')}
        hint="Empty: the account Burrow runs as. Another account's needs Burrow to run as root; never root itself."
      >
        {(p) => <input {...p} value={values.account} onChange={set('account')} spellCheck={false} autoComplete="off" />}
      </Field>
      <NotSaved problems={problems.map((x) => x.text)} />
      <ErrorNote error={add.error && !server && local.length === 0 ? add.error : undefined} />
      {added && (
        <div className="banner banner-ok" role="status" id="vendor-key-added" tabIndex={-1}>
          <p>
            {added.replaced ? 'Updated' : 'Let in'}: <strong>{added.entry.name}</strong> ({added.entry.keyType} <code>{added.entry.fingerprint}</code>) may log
            in as <strong>{added.account}</strong> to open <code>{added.entry.opens.join(', ')}</code> and nothing else: no shell, no command, no other port.
          </p>
          <p>
            Now tell {who}: this machine's address, its SSH port and the user <strong>{added.account}</strong>; the database is{' '}
            <code>{added.entry.opens.join(', ')}</code>.
          </p>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={add.pending}>
          {add.pending ? 'Letting it in…' : 'Let the key in'}
        </button>
      </div>
    </form>
  );
}

/** The keys Burrow let in, for this account (or the one named), each removable. */
export function VendorKeyList({ reload, account }: { reload: number; account?: string | undefined }) {
  const api = useApi();
  const [view, setView] = useState<AuthorizedKeysView>();
  const [error, setError] = useState<AppError>();
  const [removing, setRemoving] = useState<VendorKeyView>();
  const [done, setDone] = useState<string>();
  const remove = useAction('authorized:remove');
  const load = useCallback(() => {
    api.call('authorized:list', account ? { account } : {}).then(setView, (err: unknown) => setError(asAppError(err)));
  }, [api, account]);
  useEffect(load, [load, reload]);
  const confirm = async (): Promise<void> => {
    if (!removing) return;
    const r = await remove.run({ key: removing.fingerprint, ...(account ? { account } : {}) });
    if (r) {
      setDone(`Removed ${r.entry.name}: that key can no longer log in as ${r.account}.`);
      setRemoving(undefined);
    }
    load();
  };
  return (
    <section aria-labelledby="vendor-keys-list">
      <h2 id="vendor-keys-list">Keys Burrow let in</h2>
      <ErrorNote error={error} />
      {done && (
        <p role="status" className="ok">
          {done}
        </p>
      )}
      {!view && !error && <p role="status">Loading…</p>}
      {view && (
        <p className="muted">
          <code>{view.file}</code> ({view.account}):{' '}
          {view.exists ? `${view.otherKeys} other key${view.otherKeys === 1 ? '' : 's'}, never touched by Burrow.` : 'not there yet.'}
        </p>
      )}
      {view && view.entries.length === 0 && <p>None yet.</p>}
      {view && view.entries.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">May open</th>
              <th scope="col">From</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {view.entries.map((e) => (
              <tr key={e.fingerprint}>
                <td>{e.name}</td>
                <td>
                  {e.keyType} <code className="fingerprint">{e.fingerprint}</code>
                </td>
                <td>
                  <code>{e.opens.join(', ')}</code> only
                </td>
                <td>{e.from.length ? e.from.join(', ') : 'anywhere'}</td>
                <td>{e.added}</td>
                <td>
                  <CopyButton text={e.text} label="Copy line" name={`Copy line of ${e.name}`} />{' '}
                  <button
                    type="button"
                    className="button"
                    aria-label={`Remove ${e.name}`}
                    onClick={() => {
                      remove.clear();
                      setDone(undefined);
                      setRemoving(e);
                    }}
                  >
                    Remove…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Dialog open={removing !== undefined} title="Remove this key?" onClose={() => setRemoving(undefined)} dismissable={!remove.pending}>
        {removing && (
          <p>
            <strong>{removing.name}</strong> ({removing.keyType} <code>{removing.fingerprint}</code>) can no longer log in; {removing.name} stops reaching{' '}
            <code>{removing.opens.join(', ')}</code>. Only its two lines of <code>{view?.file}</code> go.
          </p>
        )}
        <ErrorNote error={remove.error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => setRemoving(undefined)} disabled={remove.pending} data-autofocus>
            Keep it
          </button>
          <button type="button" className="button button-danger" onClick={() => void confirm()} disabled={remove.pending}>
            Remove it
          </button>
        </div>
      </Dialog>
    </section>
  );
}

/** The form and the list together: the list follows the account the last key was let in for. */
export function VendorKeys({ vendor }: { vendor?: string }) {
  const [reload, setReload] = useState(0);
  const [account, setAccount] = useState<string>();
  return (
    <>
      <VendorKeyForm
        {...(vendor ? { vendor } : {})}
        onAdded={(a) => {
          setAccount(a);
          setReload((n) => n + 1);
        }}
      />
      <VendorKeyList reload={reload} account={account} />
    </>
  );
}

export function VendorKeysScreen() {
  return (
    <section className="screen">
      <p className="crumbs">
        <a href="#/keys">Keys</a> / Vendor keys let in
      </p>
      <h1>Vendor keys let in</h1>
      <p className="lead">
        Some vendors (QueryCanary) connect in through your own SSH server with a key they made. Burrow adds that key to an account's{' '}
        <code>~/.ssh/authorized_keys</code> allowed to open one database port and nothing else: no shell, no command, no other port.
      </p>
      <VendorKeys />
    </section>
  );
}
