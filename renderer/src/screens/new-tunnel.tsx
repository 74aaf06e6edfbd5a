/**
 * Three ways to a new tunnel: pick the vendor (its preset fills in what its guide prescribes),
 * paste the command the vendor gave you (ssh, autossh, plink lines, whole scripts and units), or
 * start blank.
 */
import { possessive } from '../../../common/words.js';
import { useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { AppError, ImportPreview, ImportResult, PresetView, RequestArgs, SavedSession } from '../../../common/contract.js';
import { forwardSpec } from '../../../common/forward-spec.js';
import { keyPlaceholderNames, placeholderNames } from '../../../common/placeholders.js';
import { asAppError, useAction, useApi, usePresets } from '../api/hooks.js';
import { SavedHeading } from '../components/SavedHeading.js';
import { importSource } from '../api/upload.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Field } from '../components/Field.js';
import { Progress } from '../components/Progress.js';
import { navigate } from '../router.js';
import { VendorKeys } from './vendor-keys.js';
import { Prose } from '../components/Prose.js';
import { KeyPicker, recommendedKey, type KeyChoice } from './key-picker.js';
import { focusFirstProblem, FocusOn, NotSaved } from '../components/NotSaved.js';
import { plainProblem } from './session-editor.js';
import { NextSteps } from './next-steps.js';

/** The key a person chose in place of the key files a pasted command names. */
type ChosenKey = NonNullable<RequestArgs<'import:preview'>['key']>;

export function NewTunnel() {
  const presets = usePresets();
  return (
    <section className="screen">
      <p className="crumbs">
        <a href="#/">Tunnels</a> / New tunnel
      </p>
      <h1>New tunnel</h1>
      <div className="starts">
        <section className="card" aria-labelledby="start-vendor">
          <h2 id="start-vendor">Pick your vendor</h2>
          <p>Burrow fills in what the vendor's setup guide prescribes; you add your server and database.</p>
          <ul className="vendor-list">
            {presets.map((p) => (
              <li key={p.id}>
                <a className="button vendor" href={`#/new/preset/${p.id}`}>
                  {p.id === 'generic' ? 'Another vendor' : p.vendor}
                </a>
              </li>
            ))}
          </ul>
        </section>
        <section className="card" aria-labelledby="start-paste">
          <h2 id="start-paste">Paste your vendor's command</h2>
          <p>
            An <code>ssh</code>, <code>autossh</code> or <code>plink</code> line from the guide, a whole script or systemd unit, your <code>~/.ssh/config</code>
            , or a PuTTY <code>.reg</code> export.
          </p>
          <a className="button button-primary" href="#/new/paste">
            Paste a command
          </a>
        </section>
        <section className="card" aria-labelledby="start-blank">
          <h2 id="start-blank">Start blank</h2>
          <p>Fill in the server, key and forwards yourself.</p>
          <a className="button" href="#/new/blank">
            Start blank
          </a>
        </section>
      </div>
    </section>
  );
}

/** The heading of what replaced a form after saving: focus goes there. */

/** What the vendor's guide says about the key, in a sentence. */
function keyAdvice(p: PresetView): string {
  const generic = p.id === 'generic';
  const who = generic ? 'Most vendors' : p.vendor;
  if (p.key.madeBy === 'vendor') return `${who} ${generic ? 'send' : 'sends'} you the key: import it with "Import a key file…".`;
  const kind = p.key.type === 'rsa' ? `an RSA${p.key.bits ? `-${p.key.bits}` : ''} key` : p.key.type === 'ed25519' ? 'an Ed25519 key' : 'an ECDSA key';
  return `${who} ${generic ? 'ask' : 'asks'} for ${kind}${p.key.passphrase ? '' : ' without a passphrase, so the tunnel can start unattended'}.`;
}

/** How a session checks its server's key, in words (the editor's choices). */
const POLICY_WORDS: Readonly<Record<string, string>> = {
  'accept-new': 'trusted on first connection',
  yes: 'must already be known',
  ask: 'asked about the first time',
  no: 'not checked',
};

/** The preset form's boxes, by the field names the app's answers use. */
const PRESET_LABELS: Readonly<Record<string, string>> = {
  name: 'Name',
  host: 'SSH server',
  'session.host': 'SSH server',
  port: 'SSH port',
  'session.port': 'SSH port',
  user: 'SSH user',
  'session.user': 'SSH user',
  targetHost: 'Database host',
  database: 'Database',
  targetPort: 'Database port',
  remotePort: 'Remote port',
  keyId: 'Log in with',
};

export interface PresetValues {
  readonly name: string;
  readonly host: string;
  readonly port: string;
  readonly user: string;
  readonly targetHost: string;
  readonly database: string;
  readonly targetPort: string;
  readonly remotePort: string;
}

/**
 * What the preset form can tell before anything is sent, every problem once, each naming its box
 * as the form labels it (the app checks again, and its answer is shown the same way).
 */
export function presetProblems(v: PresetValues, p: Pick<PresetView, 'vendor' | 'asks' | 'id'>): Array<{ field: string; text: string }> {
  const asks = new Set(p.asks);
  const who = p.id === 'generic' ? 'your vendor' : p.vendor;
  const out: Array<{ field: string; text: string }> = [];
  const port = (s: string, min: number): boolean => /^\d+$/.test(s.trim()) && Number(s) >= min && Number(s) <= 65535;
  if (!v.name.trim()) out.push({ field: 'name', text: 'Name is empty. Give the tunnel a name, e.g. the vendor and the database.' });
  if (asks.has('host')) {
    if (!v.host.trim()) out.push({ field: 'host', text: `SSH server is empty. Give the SSH server ${who} names for you.` });
    else if (v.host.includes('@')) out.push({ field: 'host', text: 'SSH server holds an "@". Give the host name alone, and the user in SSH user.' });
  }
  if (!port(v.port, 1))
    out.push({
      field: 'port',
      text: `SSH port ${v.port.trim() ? 'must be a whole number from 1 to 65535' : 'is empty'}. Give the port ${who} gives (usually 22).`,
    });
  if (!v.user.trim()) out.push({ field: 'user', text: `SSH user is empty. Give the user name ${who} gives you.` });
  if (asks.has('target')) {
    if (!v.targetHost.trim())
      out.push({ field: 'targetHost', text: 'Database host is empty. Give it as this machine reaches it: localhost when the database runs here.' });
    if (!v.targetPort.trim() && !v.database) out.push({ field: 'targetPort', text: 'Database port is empty. Choose the Database, or give its port.' });
    else if (v.targetPort.trim() && !port(v.targetPort, 1)) out.push({ field: 'targetPort', text: 'Database port must be a whole number from 1 to 65535.' });
  }
  if (asks.has('remotePort') && !v.remotePort.trim()) out.push({ field: 'remotePort', text: `Remote port is empty. Give the port ${who} gave you.` });
  else if (v.remotePort.trim() && !port(v.remotePort, 0)) out.push({ field: 'remotePort', text: 'Remote port must be a whole number from 0 to 65535.' });
  return out;
}

/** The app's refusal, in the form's words: its field named by the box's label (as the editor does it). */
function presetServerProblem(err: AppError): { field: string; text: string } | undefined {
  const raw = err.field;
  if (!raw || !(raw in PRESET_LABELS)) return undefined;
  const bare = raw.replace(/^session\./, '');
  const problem = err.message.startsWith(`${raw} `)
    ? err.message.slice(raw.length + 1)
    : err.message.startsWith(`${bare} `)
      ? err.message.slice(bare.length + 1)
      : err.message;
  return { field: bare in PRESET_LABELS ? bare : raw, text: `${PRESET_LABELS[raw]} ${plainProblem(problem)}.${err.hint ? ` ${err.hint}` : ''}` };
}

/** A vendor's preset: only what the guide leaves to you. */
export function PresetSession({ presetId }: { presetId: string }) {
  const presets = usePresets();
  const preset = presets.find((p) => p.id === presetId);
  const create = useAction('presets:create-session');
  const start = useAction('sessions:start');
  const [saved, setSaved] = useState<SavedSession>();
  const [name, setName] = useState('');
  const [host, setHost] = useState('');
  const [user, setUser] = useState('');
  const [port, setPort] = useState('');
  const [targetHost, setTargetHost] = useState('localhost');
  const [database, setDatabase] = useState('');
  const [targetPort, setTargetPort] = useState('');
  const [remotePort, setRemotePort] = useState('');
  const [key, setKey] = useState<KeyChoice>({ kind: 'default' });
  const [autostart, setAutostart] = useState(true);
  const [tried, setTried] = useState(false);
  // The preset's defaults, filled in once it has loaded (during render, as React advises for
  // state that follows a prop: an effect would render the empty form first).
  const [filledFor, setFilledFor] = useState<string>();
  if (preset && filledFor !== preset.id) {
    setFilledFor(preset.id);
    setName((n) => n || (preset.id === 'generic' ? 'My tunnel' : preset.vendor));
    setUser((u) => u || (preset.user ?? ''));
    setPort((x) => x || String(preset.port));
  }
  if (presets.length > 0 && !preset)
    return (
      <section className="screen">
        <h1>No such vendor</h1>
        <p>
          <a href="#/new">Back</a>
        </p>
      </section>
    );
  if (!preset)
    return (
      <section className="screen">
        <p role="status">Loading…</p>
      </section>
    );
  if (saved) {
    return (
      <section className="screen">
        <SavedHeading>Saved: {saved.session.name}</SavedHeading>
        <p>
          Forward: <code>{saved.session.forwards.map(forwardSpec).join(', ')}</code>
        </p>
        <NextSteps
          saved={saved}
          starting={start.pending}
          onStart={() =>
            void start.run({ id: saved.session.id }).then((v) => {
              if (v) navigate(`/sessions/${encodeURIComponent(saved.session.id)}`);
            })
          }
        />
        <ErrorNote error={start.error} />
      </section>
    );
  }
  if (preset.direction === 'inbound') {
    return (
      <section className="screen">
        <p className="crumbs">
          <a href="#/">Tunnels</a> / <a href="#/new">New tunnel</a> / {preset.vendor}
        </p>
        <h1>{preset.vendor}</h1>
        <p className="lead">
          {preset.vendor} connects in through your own SSH server, so there is no tunnel for Burrow to keep open. Its guide asks for these steps:
        </p>
        <ol className="steps">
          {preset.nextSteps.map((s, i) => (
            <li key={i}>
              <Prose text={s} />
            </li>
          ))}
        </ol>
        <h2>Let {possessive(preset.vendor)} key in</h2>
        <p>
          Burrow adds it to <code>~/.ssh/authorized_keys</code> (made 700 and 600, as the guide asks) allowed to open your database's port and nothing else: no
          shell, no command, no other port. The guide's own step gives the key everything the account can do.
        </p>
        <VendorKeys vendor={preset.vendor} />
        <h2>When it does not work</h2>
        <ul>
          {preset.troubleshooting.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ul>
      </section>
    );
  }
  const asks = new Set(preset.asks);
  const num = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined);
  const err = create.error;
  const values: PresetValues = { name, host, port, user, targetHost, database, targetPort, remotePort };
  const local = tried ? presetProblems(values, preset) : [];
  const server = err ? presetServerProblem(err) : undefined;
  const problems = local.length > 0 ? local : server ? [server] : [];
  const errorFor = (field: string): string | undefined => problems.find((p) => p.field === field)?.text;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTried(true);
    if (presetProblems(values, preset).length > 0) {
      focusFirstProblem();
      return;
    }
    const s = await create.run({
      presetId: preset.id,
      name,
      ...(host ? { host } : {}),
      ...(user ? { user } : {}),
      ...(num(port) !== undefined ? { port: num(port)! } : {}),
      ...(asks.has('target') ? { targetHost, ...(num(targetPort) ? { targetPort: num(targetPort)! } : database ? { database } : {}) } : {}),
      ...(num(remotePort) !== undefined ? { remotePort: num(remotePort)! } : {}),
      ...(key.kind === 'stored' ? { keyId: key.keyId } : {}),
      autostart,
    });
    if (s) setSaved(s);
    else focusFirstProblem();
  };
  return (
    <section className="screen">
      <p className="crumbs">
        <a href="#/">Tunnels</a> / <a href="#/new">New tunnel</a> / {preset.vendor}
      </p>
      <h1>{preset.id === 'generic' ? 'A tunnel for another vendor' : `A tunnel for ${preset.vendor}`}</h1>
      <p className="lead">
        {preset.id === 'generic' ? 'The usual reverse tunnel:' : `From ${possessive(preset.vendor)} guide:`} SSH port {preset.port}
        {preset.user ? `, user "${preset.user}"` : ''}, a {preset.forward === 'remote-dynamic' ? 'reverse SOCKS forward' : 'remote forward'}; remote port:{' '}
        {preset.remotePortRule}.{preset.publishedFingerprint ? ` The server's key is pinned to the fingerprint ${preset.vendor} publishes.` : ''}
      </p>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <Field label="Name" error={errorFor('name')}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        {asks.has('host') && (
          <Field
            label="SSH server"
            error={errorFor('host') ?? errorFor('session.host')}
            hint={`The host name or IP address ${preset.vendor === 'Other' ? 'your vendor' : preset.vendor} shows you when you set up the connection.`}
          >
            {(p) => <input {...p} value={host} onChange={(e) => setHost(e.target.value)} spellCheck={false} autoComplete="off" />}
          </Field>
        )}
        <Field
          label="SSH port"
          error={errorFor('port') ?? errorFor('session.port')}
          hint={preset.id === 'generic' ? undefined : `${possessive(preset.vendor)} guide uses ${preset.port}.`}
        >
          {(p) => <input {...p} inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />}
        </Field>
        <Field
          label="SSH user"
          error={errorFor('user') ?? errorFor('session.user')}
          hint={
            preset.user
              ? `${possessive(preset.vendor)} guide uses "${preset.user}"; change it if yours is different.`
              : `The user name ${preset.id === 'generic' ? 'your vendor' : preset.vendor} gives you.`
          }
        >
          {(p) => <input {...p} value={user} onChange={(e) => setUser(e.target.value)} spellCheck={false} autoComplete="off" />}
        </Field>
        {asks.has('target') && (
          <>
            <Field label="Database host (as this machine reaches it)" error={errorFor('targetHost')} hint="localhost when the database runs on this machine.">
              {(p) => <input {...p} value={targetHost} onChange={(e) => setTargetHost(e.target.value)} spellCheck={false} />}
            </Field>
            <Field label="Database" error={errorFor('database')}>
              {(p) => (
                <select
                  {...p}
                  value={database}
                  onChange={(e) => {
                    setDatabase(e.target.value);
                    const d = preset.databases.find((x) => x.id === e.target.value);
                    if (d) setTargetPort(String(d.port));
                  }}
                >
                  <option value="">Choose…</option>
                  {preset.databases.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name} ({d.port})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Database port" error={errorFor('targetPort')}>
              {(p) => <input {...p} inputMode="numeric" value={targetPort} onChange={(e) => setTargetPort(e.target.value)} />}
            </Field>
          </>
        )}
        <Field
          label={asks.has('remotePort') ? `Remote port ${preset.vendor} gave you` : 'Remote port (optional)'}
          error={errorFor('remotePort')}
          hint={asks.has('remotePort') ? undefined : `Leave empty for ${preset.remotePortRule}.`}
        >
          {(p) => <input {...p} inputMode="numeric" value={remotePort} onChange={(e) => setRemotePort(e.target.value)} />}
        </Field>
        <KeyPicker value={key} onChange={setKey} error={errorFor('keyId')} recommended={recommendedKey(preset, keyAdvice(preset))} keyName={name} />
        <label className="check">
          <input type="checkbox" checked={autostart} onChange={(e) => setAutostart(e.target.checked)} /> Start automatically
        </label>
        <NotSaved problems={problems.map((x) => x.text)} />
        <ErrorNote error={err && !server && local.length === 0 ? err : undefined} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={create.pending}>
            {create.pending ? 'Saving…' : 'Save tunnel'}
          </button>
          <a className="button" href="#/new">
            Back
          </a>
        </div>
      </form>
    </section>
  );
}

/** Items shown in a preview list before "…and N more": a list of 10,000 helps nobody read. */
const SHOWN = 200;

function CappedList<T>({ items, count, render }: { items: ReadonlyArray<T>; count: number; render: (item: T) => ReactNode }) {
  const shown = items.slice(0, SHOWN);
  return (
    <ul>
      {shown.map((item, i) => (
        <li key={i}>{render(item)}</li>
      ))}
      {count > shown.length && <li>…and {(count - shown.length).toLocaleString()} more</li>}
    </ul>
  );
}

/** An error beside its box: what is wrong and the fix, the fix said once even when the message already holds it. */
export function once(e: AppError): string {
  const hint = e.hint?.trim();
  return hint && !e.message.includes(hint) ? `${e.message.replace(/\.$/, '')}. ${hint}` : e.message;
}

/** Paste (or pick) what the vendor gave you, fill its placeholders, see what would be saved, then save. */
export function PasteCommand() {
  const api = useApi();
  const [text, setText] = useState('');
  const [file, setFile] = useState<File>();
  const [values, setValues] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<ImportPreview>();
  const [previewing, setPreviewing] = useState(false);
  const [error, setError] = useState<ReturnType<typeof asAppError>>();
  const [name, setName] = useState('');
  const [autostart, setAutostart] = useState(true);
  const [runCommands, setRunCommands] = useState(false);
  const [result, setResult] = useState<ImportResult>();
  const apply = useAction('import:apply');
  const fileRef = useRef<HTMLInputElement>(null);
  const keyHoles = useMemo(() => keyPlaceholderNames(text), [text]);
  const holes = useMemo(() => placeholderNames(text).filter((h) => !keyHoles.includes(h)), [text, keyHoles]);
  // The key the tunnel logs in with: chosen, never typed into a guide's placeholder. Shown when the
  // command has a key placeholder, or once a preview found that the key it names cannot be used here.
  const [key, setKey] = useState<KeyChoice>({ kind: 'file', path: '' });
  const [keyWanted, setKeyWanted] = useState(false);
  const [keyProblem, setKeyProblem] = useState<string>();
  const choosing = keyHoles.length > 0 || keyWanted;
  const keyArg = (): ChosenKey | undefined => {
    if (!choosing) return undefined;
    if (key.kind === 'stored') return { keyId: key.keyId };
    if (key.kind === 'default') return { defaults: true };
    return key.path.trim() ? { file: key.path.trim() } : undefined;
  };
  const doPreview = async (): Promise<void> => {
    setError(undefined);
    setPreview(undefined);
    setKeyProblem(undefined);
    const chosen = keyArg();
    if (choosing && !chosen && keyHoles.length > 0) {
      setKeyProblem(`The command names a key (${keyHoles.join(', ')}). Choose a key Burrow holds, import the key file, or create a new key.`);
      focusFirstProblem();
      return;
    }
    setPreviewing(true);
    try {
      const filled = Object.fromEntries(Object.entries(values).filter(([k, v]) => v.trim() && holes.includes(k)));
      const source = file ? await importSource(api, file) : { text };
      const p = await api.call('import:preview', { ...source, values: filled, ...(chosen ? { key: chosen } : {}) });
      setPreview(p);
      if (p.logins.some((l) => l.key.kind === 'file' && (l.key.state === 'missing' || l.key.state === 'unreadable'))) setKeyWanted(true);
      setRunCommands(false);
      setName(p.sessionCount === 1 ? p.sessions[0]!.name : '');
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setPreviewing(false);
    }
  };
  if (result) return <Imported result={result} />;
  return (
    <section className="screen">
      <FocusOn when={preview} selector="#preview-title" />
      <FocusOn when={error} />
      <p className="crumbs">
        <a href="#/">Tunnels</a> / <a href="#/new">New tunnel</a> / Paste a command
      </p>
      <h1>Paste your vendor's command</h1>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void doPreview();
        }}
        noValidate
      >
        <Field
          label="The command, script or config"
          hint="As the vendor's guide shows it; Burrow runs it with its own engine and never starts ssh."
          error={error?.field === 'text' ? once(error) : undefined}
        >
          {(p) => (
            <textarea
              {...p}
              rows={6}
              value={text}
              spellCheck={false}
              onChange={(e) => {
                setText(e.target.value);
                setFile(undefined);
                setPreview(undefined);
              }}
              placeholder="autossh -M 0 -N -R 11433:localhost:1433 fivetran@35.230.100.17 -i ~/.ssh/id_rsa"
            />
          )}
        </Field>
        <p>
          or{' '}
          <button type="button" className="button" onClick={() => fileRef.current?.click()}>
            Pick a file…
          </button>
          <input
            ref={fileRef}
            type="file"
            className="visually-hidden"
            aria-label="File to import"
            tabIndex={-1}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) {
                setFile(f);
                setText('');
                setPreview(undefined);
              }
            }}
          />
          {file && <span> {file.name}</span>}
        </p>
        {holes.length > 0 && (
          <fieldset>
            <legend>Values for the guide's placeholders</legend>
            <p className="field-hint">The command has placeholders for your own values: give each one, and Burrow puts it wherever the command names it.</p>
            {holes.map((h) => (
              <Field key={h} label={h} error={error?.field?.includes(h) ? once(error) : undefined}>
                {(p) => (
                  <input
                    {...p}
                    value={values[h] ?? ''}
                    onChange={(e) => {
                      setValues({ ...values, [h]: e.target.value });
                      setPreview(undefined);
                    }}
                    spellCheck={false}
                    autoComplete="off"
                  />
                )}
              </Field>
            ))}
          </fieldset>
        )}
        {choosing && (
          <>
            <p className="field-hint" id="key-choice-why">
              {keyHoles.length > 0
                ? `The command names the key to log in with (${keyHoles.join(', ')}): choose it here instead of typing its path.`
                : 'The key the command names cannot be used on this machine: choose the one to log in with.'}
            </p>
            <KeyPicker
              value={key}
              onChange={(k) => {
                setKey(k);
                setKeyProblem(undefined);
                setPreview(undefined);
              }}
              error={keyProblem ?? (error?.field?.startsWith('key') ? once(error) : undefined)}
            />
          </>
        )}
        {/* An error about a box is said beside it, once; only one about no box shown here goes below. */}
        {error && error.field !== 'text' && !error.field?.startsWith('key') && !holes.some((h) => error.field?.includes(h)) && <ErrorNote error={error} />}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={previewing || (!text.trim() && !file)}>
            Show what would be saved
          </button>
        </div>
        {previewing && <Progress label="Reading it" />}
      </form>
      {preview && (
        <section aria-labelledby="preview-title" className="preview">
          <h2 id="preview-title" tabIndex={-1}>
            What would be saved
          </h2>
          {preview.sessionCount === 0 ? (
            <p>Nothing: this input describes no tunnel{preview.hostKeys ? `, only ${preview.hostKeys} host keys` : ''}.</p>
          ) : (
            <CappedList
              items={preview.sessions}
              count={preview.sessionCount}
              render={(s) => (
                <>
                  <strong>{s.name}</strong>:{' '}
                  <code>
                    {s.user}@{s.host}:{s.port}
                  </code>
                  , forward <code>{s.forwards.map(forwardSpec).join(', ')}</code>, server key {POLICY_WORDS[s.hostKey.policy] ?? s.hostKey.policy}
                </>
              )}
            />
          )}
          {preview.logins.length > 0 && (
            <>
              <h3>Logs in with</h3>
              <CappedList items={preview.logins} count={preview.sessionCount} render={(l) => <LoginLine login={l} several={preview.sessionCount > 1} />} />
            </>
          )}
          {preview.took.length > 0 && (
            <>
              <h3>Taken</h3>
              <CappedList items={preview.took} count={preview.tookCount} render={(t) => t} />
            </>
          )}
          {preview.couldNot.length > 0 && (
            <>
              <h3>Not taken, and why</h3>
              <CappedList
                items={preview.couldNot}
                count={preview.couldNotCount}
                render={(c) => (
                  <>
                    <strong>{c.what}</strong>: {c.why}
                  </>
                )}
              />
            </>
          )}
          {preview.keys > 0 && (
            <p>
              {preview.keys} private key{preview.keys === 1 ? '' : 's'} will go to Burrow's secret store (never the config).
            </p>
          )}
          <div className="form">
            {preview.sessionCount === 1 && (
              <Field label="Name" error={apply.error?.field === 'name' ? apply.error.message : undefined}>
                {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
              </Field>
            )}
            {preview.commands.length > 0 && (
              <div className="banner banner-warn" role="note">
                <p>
                  {preview.commands.length === 1 ? 'This tunnel connects' : 'These tunnels connect'} by running a program on this machine, every time
                  {preview.commands.length === 1 ? ' it connects' : ' they connect'}:
                </p>
                <ul>
                  {preview.commands.map((c) => (
                    <li key={c.session}>
                      <strong>{c.session}</strong>: <code>{c.command}</code>
                    </li>
                  ))}
                </ul>
                <label className="check">
                  <input type="checkbox" checked={runCommands} onChange={(e) => setRunCommands(e.target.checked)} /> I have read{' '}
                  {preview.commands.length === 1 ? 'this command' : 'these commands'}; run {preview.commands.length === 1 ? 'it' : 'them'} to connect
                </label>
              </div>
            )}
            <label className="check">
              <input type="checkbox" checked={autostart} onChange={(e) => setAutostart(e.target.checked)} /> Start automatically (when Burrow starts)
            </label>
            <ErrorNote error={apply.error && apply.error.field !== 'name' ? apply.error : undefined} />
            <div className="form-actions">
              <button
                type="button"
                className="button button-primary"
                disabled={apply.pending || (preview.sessionCount === 0 && preview.hostKeys === 0) || (preview.commands.length > 0 && !runCommands)}
                onClick={() =>
                  void apply
                    .run({
                      previewId: preview.previewId,
                      ...(preview.sessionCount === 1 && name.trim() ? { name: name.trim() } : {}),
                      autostart,
                      ...(runCommands ? { runCommands: true } : {}),
                    })
                    .then((r) => {
                      if (r) setResult(r);
                    })
                }
              >
                {apply.pending
                  ? 'Saving…'
                  : `Save ${preview.sessionCount === 1 ? 'this tunnel' : preview.sessionCount > 1 ? `these ${preview.sessionCount.toLocaleString()}` : 'these'}`}
              </button>
            </div>
          </div>
        </section>
      )}
    </section>
  );
}

/** A session's key in a preview: which key, and whether it can be read and used now. */
function LoginLine({ login, several }: { login: ImportPreview['logins'][number]; several: boolean }) {
  const k = login.key;
  const who = several ? (
    <>
      <strong>{login.session}</strong>:{' '}
    </>
  ) : null;
  switch (k.kind) {
    case 'stored':
      return (
        <>
          {who}
          {k.inInput ? "the private key in the input, which goes to Burrow's secret store" : `the key "${k.name}" Burrow holds`} ({k.algorithm}
          {k.fingerprint ? (
            <>
              , <code>{k.fingerprint}</code>
            </>
          ) : null}
          ){k.passphrase === 'asked' ? ': protected by a passphrase that is not stored, so Burrow asks for it when the tunnel starts' : ': ready to use'}
        </>
      );
    case 'file':
      return (
        <span className={k.state === 'missing' || k.state === 'unreadable' ? 'error-message' : undefined}>
          {who}the key file <code>{k.path}</code>
          {k.state === 'ok' && (
            <>
              {' '}
              ({k.algorithm}, {k.format}, <code>{k.fingerprint}</code>): can be read
            </>
          )}
          {k.state === 'passphrase' && ': protected by a passphrase, which Burrow asks for when the tunnel starts'}
          {k.state === 'missing' && ': not on this machine. Choose the key above: one Burrow holds, a file to import, or a new key.'}
          {k.state === 'unreadable' && `: cannot be used (${k.problem ?? 'not a key'}). Choose another key above.`}
          {k.state === 'unchecked' && ': not checked (too many key files in this input)'}
        </span>
      );
    case 'defaults':
      return <>{who}OpenSSH's default key files (~/.ssh/id_ed25519, id_ecdsa, id_rsa)</>;
    case 'agent':
      return <>{who}the keys of an SSH agent</>;
  }
}

/** After an import: one tunnel saved leads on to its next steps and starting it; several are listed. */
function Imported({ result }: { result: ImportResult }) {
  const start = useAction('sessions:start');
  const only = result.savedCount === 1 ? result.saved[0] : undefined;
  // What the import answered: each saved session's warnings (a key with a passphrase, a port asked
  // for twice) and its vendor's next steps; no second request.
  const about = only ? result.about[only.id] : undefined;
  const extras = (
    <>
      {result.skipped.length > 0 && (
        <ul>
          {result.skipped.map((s, i) => (
            <li key={i}>
              {s.what}: {s.why}
            </li>
          ))}
        </ul>
      )}
      {result.hostKeysAdded > 0 && (
        <p>
          {result.hostKeysAdded} host key{result.hostKeysAdded === 1 ? '' : 's'} added to <code>{result.knownHostsFile}</code>.
        </p>
      )}
    </>
  );
  if (only) {
    return (
      <section className="screen">
        <SavedHeading>Saved: {only.name}</SavedHeading>
        <p>
          Forward: <code>{only.forwards.map(forwardSpec).join(', ')}</code>
        </p>
        {extras}
        <NextSteps
          saved={{ session: only, nextSteps: about?.nextSteps ?? [], warnings: about?.warnings ?? [] }}
          starting={start.pending}
          onStart={() =>
            void start.run({ id: only.id }).then((v) => {
              if (v) navigate(`/sessions/${encodeURIComponent(only.id)}`);
            })
          }
        />
        <ErrorNote error={start.error} />
      </section>
    );
  }
  return (
    <section className="screen">
      <SavedHeading>{result.savedCount === 0 ? 'No tunnel saved' : `Saved ${result.savedCount.toLocaleString()} tunnels`}</SavedHeading>
      {extras}
      <ul className="links">
        {result.saved.map((s) => (
          <li key={s.id}>
            <a href={`#/sessions/${encodeURIComponent(s.id)}`}>{s.name}</a>
          </li>
        ))}
        {result.savedCount > result.saved.length && <li>…and {(result.savedCount - result.saved.length).toLocaleString()} more</li>}
      </ul>
      <p>
        <a className="button button-primary" href="#/">
          Go to the tunnels
        </a>
      </p>
    </section>
  );
}
