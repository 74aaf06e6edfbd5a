/**
 * The keys Burrow holds: made here (with the vendor's recommended type), imported from any format
 * vendors use, copied as the public line a vendor asks for, exported as OpenSSH or PuTTY files.
 */
import { useRef, useState } from 'react';
import type { AppError, KeyExport, KeyView } from '../../../common/contract.js';
import { asAppError, useAction, useApi, useKeyProgress, useKeys, usePresets } from '../api/hooks.js';
import { CopyButton } from '../components/CopyButton.js';
import { publicKeyFileName, SaveButton } from '../components/SaveButton.js';
import { usePassphraseFields } from '../components/PassphraseFields.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Field } from '../components/Field.js';
import { Progress } from '../components/Progress.js';
import { fileAsBase64 } from '../api/upload.js';
import { SavedHeading } from '../components/SavedHeading.js';

/** The latest progress of one key operation (`keys:progress` for its opId). */

function ExportControls({ k }: { k: KeyView }) {
  const exportKey = useAction('keys:export');
  const [format, setFormat] = useState<'openssh' | 'ppk' | 'ppk2'>('ppk');
  const [pass, setPass] = useState('');
  const [keyPass, setKeyPass] = useState('');
  const [done, setDone] = useState<KeyExport>();
  const needsKeyPass = k.encrypted && !k.passphraseStored;
  const run = async (): Promise<void> => {
    setDone(undefined);
    const r = await exportKey.run({ id: k.id, format, ...(pass ? { passphrase: pass } : {}), ...(keyPass ? { keyPassphrase: keyPass } : {}) });
    if (!r) return;
    setDone(r);
    if (r.downloadUrl) {
      // The file comes from Burrow as a download, never through this page's messages.
      const a = document.createElement('a');
      a.href = r.downloadUrl;
      a.download = r.fileName;
      document.body.append(a);
      a.click();
      a.remove();
    }
  };
  return (
    <div className="inline-form">
      <Field label="Export as">
        {(p) => (
          <select {...p} value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
            <option value="ppk">PuTTY .ppk (PuTTY 0.75 and later)</option>
            <option value="ppk2">PuTTY .ppk version 2 (older PuTTY)</option>
            <option value="openssh">OpenSSH private key</option>
          </select>
        )}
      </Field>
      <Field label="Protect the file with a passphrase (optional)">
        {(p) => <input {...p} type="password" value={pass} onChange={(e) => setPass(e.target.value)} autoComplete="new-password" />}
      </Field>
      {needsKeyPass && (
        <Field label="This key's passphrase" error={exportKey.error?.cause === 'KEY_PASSPHRASE_WRONG' ? 'That passphrase does not open this key.' : undefined}>
          {(p) => <input {...p} type="password" value={keyPass} onChange={(e) => setKeyPass(e.target.value)} autoComplete="off" />}
        </Field>
      )}
      <button type="button" className="button" disabled={exportKey.pending} onClick={() => void run()}>
        Export {k.comment || k.id}
      </button>
      {exportKey.pending && <Progress label="Writing the file" />}
      {done && (
        <p role="status">
          {done.savedTo ? (
            <>
              Saved to <code>{done.savedTo}</code>
            </>
          ) : (
            <>
              Downloaded as <code>{done.fileName}</code> (check your browser's downloads)
            </>
          )}
          . It holds the private key: keep it safe.
        </p>
      )}
      <ErrorNote error={exportKey.error?.cause === 'KEY_PASSPHRASE_WRONG' ? undefined : exportKey.error} />
    </div>
  );
}

function KeyCard({ k }: { k: KeyView }) {
  const remove = useAction('keys:delete');
  const [confirm, setConfirm] = useState(false);
  const [exporting, setExporting] = useState(false);
  return (
    <li className="key">
      <h2 className="key-name">{k.comment || k.id}</h2>
      <p className="muted">
        {k.algorithm}, {k.bits} bits{k.encrypted ? `, protected by a passphrase${k.passphraseStored ? ' (stored)' : ' (asked when used)'}` : ''} ·{' '}
        {k.usedBy.length ? `used by ${k.usedBy.join(', ')}` : 'not used by a tunnel'}
      </p>
      <p>
        Fingerprint <code>{k.fingerprint}</code>
      </p>
      <pre className="public-key" aria-label={`Public key of ${k.comment || k.id}`}>
        {k.publicKey}
      </pre>
      <div className="toolbar">
        <CopyButton text={k.publicKey} label="Copy public key" name={`Copy public key of ${k.comment || k.id}`} />
        <SaveButton text={k.publicKey} fileName={publicKeyFileName(k)} label="Save public key" name={`Save public key of ${k.comment || k.id}`} />
        <button type="button" className="button" aria-expanded={exporting} aria-label={`Export ${k.comment || k.id}…`} onClick={() => setExporting(!exporting)}>
          Export…
        </button>
        <button type="button" className="button button-danger" aria-label={`Delete ${k.comment || k.id}`} onClick={() => setConfirm(true)}>
          Delete
        </button>
      </div>
      {exporting && <ExportControls k={k} />}
      <ErrorNote error={remove.error} />
      <Dialog open={confirm} title={`Delete the key ${k.comment || k.id}?`} onClose={() => setConfirm(false)}>
        <p>
          {k.usedBy.length
            ? `It is used by ${k.usedBy.join(', ')}: Burrow will refuse until they use another key.`
            : 'Burrow forgets this private key. Anything that still trusts its public key will not be reachable with it again.'}
        </p>
        <div className="dialog-actions">
          {/* eslint-disable-next-line jsx-a11y/no-autofocus -- a dialog moves focus into itself (WAI-ARIA's dialog pattern) */}
          <button type="button" className="button" onClick={() => setConfirm(false)} autoFocus>
            Keep it
          </button>
          <button
            type="button"
            className="button button-danger"
            onClick={() => {
              setConfirm(false);
              void remove.run({ id: k.id });
            }}
          >
            Delete
          </button>
        </div>
      </Dialog>
    </li>
  );
}

export function KeysScreen() {
  const { keys, loaded } = useKeys();
  return (
    <section className="screen">
      <div className="screen-head">
        <h1>Keys</h1>
        <div className="toolbar">
          <a className="button button-primary" href="#/keys/new">
            Create a key
          </a>
          <a className="button" href="#/keys/import">
            Import a key
          </a>
          <a className="button" href="#/keys/vendors">
            Vendor keys let in
          </a>
        </div>
      </div>
      {!loaded ? (
        <p role="status">Loading…</p>
      ) : keys.length === 0 ? (
        <p className="lead">
          No keys yet. Create one with the type your vendor recommends, then give the vendor its public key; or import the key you already use.
        </p>
      ) : (
        <ul className="keys" aria-label="Keys">
          {keys.map((k) => (
            <KeyCard key={k.id} k={k} />
          ))}
        </ul>
      )}
    </section>
  );
}

const TYPES: ReadonlyArray<['ed25519' | 'rsa' | 'ecdsa', string]> = [
  ['ed25519', 'Ed25519 (modern, small, fast)'],
  ['rsa', 'RSA (what older guides and PuTTYgen default to)'],
  ['ecdsa', 'ECDSA (NIST P-256)'],
];

/** The key wizard: type (the vendor's recommendation first), optional passphrase, progress, then the public key. */
export function KeyWizard({ vendor }: { vendor?: string | undefined }) {
  const presets = usePresets();
  const preset = presets.find((p) => p.id === vendor);
  const recommended = preset?.key.type === 'ecdsa-sha2-nistp256' ? 'ecdsa' : preset?.key.type;
  const [type, setType] = useState<'ed25519' | 'rsa' | 'ecdsa' | undefined>();
  const [bits, setBits] = useState('');
  const [comment, setComment] = useState('');
  const secret = usePassphraseFields();
  const [opId, setOpId] = useState('');
  const progress = useKeyProgress(opId);
  const generate = useAction('keys:generate');
  const [made, setMade] = useState<KeyView>();
  const [exporting, setExporting] = useState(false);
  const chosen = type ?? recommended ?? 'ed25519';
  const chosenBits = bits || (chosen === 'rsa' ? String(preset?.key.bits ?? 3072) : chosen === 'ecdsa' ? '256' : '');
  const run = async (): Promise<void> => {
    // A passphrase typed once, unseen, may not be the one the person thinks: asked twice.
    if (!secret.check()) return;
    const { passphrase: pass, store: storePass } = secret.choice;
    const id = crypto.randomUUID();
    setOpId(id);
    const k = await generate.run({
      opId: id,
      type: chosen,
      ...(chosenBits ? { bits: Number(chosenBits) } : {}),
      ...(comment ? { comment } : {}),
      ...(pass ? { passphrase: pass, storePassphrase: storePass } : {}),
    });
    if (k) setMade(k);
  };
  if (made) {
    return (
      <section className="screen">
        <p className="crumbs">
          <a href="#/keys">Keys</a> / New key
        </p>
        <SavedHeading>Your new key</SavedHeading>
        <p className="lead">
          {preset && preset.id !== 'generic'
            ? `Give ${preset.vendor} this public key: paste it where its setup form asks for it.`
            : "Give your vendor this public key (it is safe to share): it goes in the SSH server's authorized_keys."}
        </p>
        <pre className="public-key" aria-label="Public key">
          {made.publicKey}
        </pre>
        <div className="toolbar">
          <CopyButton text={made.publicKey} label="Copy public key" />
          <SaveButton text={made.publicKey} fileName={publicKeyFileName(made)} label="Save public key" />
        </div>
        <p>
          Fingerprint <code>{made.fingerprint}</code> <CopyButton text={made.fingerprint} label="Copy fingerprint" />
        </p>
        <div className="form-actions">
          <a className="button button-primary" href={preset ? `#/new/preset/${preset.id}` : '#/new'}>
            Set up the tunnel
          </a>
          <a className="button" href="#/keys">
            All keys
          </a>
          <button type="button" className="button" aria-expanded={exporting} onClick={() => setExporting(!exporting)}>
            Export the private key…
          </button>
        </div>
        {exporting && <ExportControls k={made} />}
      </section>
    );
  }
  return (
    <section className="screen">
      <p className="crumbs">
        <a href="#/keys">Keys</a> / Create a key
      </p>
      <h1>Create a key</h1>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
        noValidate
      >
        <fieldset>
          <legend>Type</legend>
          {TYPES.map(([v, label]) => (
            <label key={v} className="radio">
              <input
                type="radio"
                name="type"
                value={v}
                checked={chosen === v}
                onChange={() => {
                  setType(v);
                  setBits('');
                }}
              />
              <span>
                {label}
                {v === recommended ? <strong> — {preset?.vendor} recommends this</strong> : ''}
              </span>
            </label>
          ))}
        </fieldset>
        {chosen !== 'ed25519' && (
          <Field label="Size (bits)" error={generate.error?.cause === 'KEY_OPTION_INVALID' ? generate.error.message : undefined}>
            {(p) => (
              <select {...p} value={chosenBits} onChange={(e) => setBits(e.target.value)}>
                {(chosen === 'rsa' ? ['2048', '3072', '4096'] : ['256', '384', '521']).map((b) => (
                  <option key={b} value={b}>
                    {b}
                    {chosen === 'rsa' && b === '4096' ? ' (takes a few seconds)' : ''}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label="Comment (optional)" hint="Shown at the end of the public key, e.g. who or what the key is for.">
          {(p) => <input {...p} value={comment} onChange={(e) => setComment(e.target.value)} placeholder="burrow@this-computer" />}
        </Field>
        {secret.fields}
        <ErrorNote error={generate.error?.cause === 'KEY_OPTION_INVALID' ? undefined : generate.error} />
        {generate.pending && <Progress label={`Creating the ${chosen === 'rsa' ? `RSA-${chosenBits}` : chosen} key`} elapsedMs={progress?.elapsedMs} />}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={generate.pending}>
            Create the key
          </button>
          <a className="button" href="#/keys">
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}

/** Importing a key: paste it or pick its file; its passphrase is asked only when it has one. */
export function KeyImport() {
  const api = useApi();
  const [text, setText] = useState('');
  const [file, setFile] = useState<File>();
  const [pass, setPass] = useState('');
  const [needPass, setNeedPass] = useState(false);
  // Unticked until asked for, as in the key wizard.
  const [storePass, setStorePass] = useState(false);
  const [error, setError] = useState<AppError>();
  const [pending, setPending] = useState(false);
  const [made, setMade] = useState<KeyView>();
  const fileRef = useRef<HTMLInputElement>(null);
  const run = async (): Promise<void> => {
    setPending(true);
    setError(undefined);
    try {
      const input = file ? { file: { name: file.name, base64: await fileAsBase64(file) } } : { text };
      setMade(await api.call('keys:import', { ...input, ...(pass ? { passphrase: pass, storePassphrase: storePass } : {}) }));
    } catch (err) {
      const e = asAppError(err);
      if (e.cause === 'KEY_PASSPHRASE_NEEDED') setNeedPass(true);
      else setError(e);
    } finally {
      setPending(false);
    }
  };
  if (made) {
    return (
      <section className="screen">
        <SavedHeading>Imported: {made.comment || made.id}</SavedHeading>
        <p>
          {made.algorithm}, fingerprint <code>{made.fingerprint}</code>
        </p>
        <pre className="public-key" aria-label="Public key">
          {made.publicKey}
        </pre>
        <div className="toolbar">
          <CopyButton text={made.publicKey} label="Copy public key" />
          <SaveButton text={made.publicKey} fileName={publicKeyFileName(made)} label="Save public key" />
        </div>
        <div className="form-actions">
          <a className="button button-primary" href="#/new">
            Set up a tunnel with it
          </a>
          <a className="button" href="#/keys">
            All keys
          </a>
        </div>
      </section>
    );
  }
  return (
    <section className="screen">
      <p className="crumbs">
        <a href="#/keys">Keys</a> / Import a key
      </p>
      <h1>Import a key</h1>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
        noValidate
      >
        <Field
          label="Paste the private key"
          hint="OpenSSH, PEM, PKCS#8, PuTTY .ppk, or base64 of any of them (Secoda's SSH_KEY_BASE64). The public key alone is not enough."
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
              }}
            />
          )}
        </Field>
        <p>
          or{' '}
          <button type="button" className="button" onClick={() => fileRef.current?.click()}>
            Pick the key file…
          </button>
          <input
            ref={fileRef}
            type="file"
            className="visually-hidden"
            aria-label="Key file"
            tabIndex={-1}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) {
                setFile(f);
                setText('');
              }
            }}
          />
          {file && <span> {file.name}</span>}
        </p>
        {needPass && (
          <>
            <Field
              label="This key's passphrase"
              hint="This key is protected by a passphrase: type it to import the key."
              error={error?.cause === 'KEY_PASSPHRASE_WRONG' ? 'That passphrase does not open this key.' : undefined}
            >
              {/* eslint-disable-next-line jsx-a11y/no-autofocus -- a dialog moves focus into itself (WAI-ARIA's dialog pattern) */}
              {(p) => <input {...p} type="password" value={pass} onChange={(e) => setPass(e.target.value)} autoComplete="off" autoFocus />}
            </Field>
            <label className="check">
              <input type="checkbox" checked={storePass} onChange={(e) => setStorePass(e.target.checked)} /> Store the passphrase, so tunnels with this key
              start unattended
            </label>
          </>
        )}
        <ErrorNote error={error?.cause === 'KEY_PASSPHRASE_WRONG' ? undefined : error} />
        {pending && <Progress label={pass ? 'Opening the key' : 'Reading the key'} />}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={pending || (!text.trim() && !file)}>
            Import
          </button>
          <a className="button" href="#/keys">
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}
