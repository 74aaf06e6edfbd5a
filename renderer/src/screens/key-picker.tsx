/**
 * Choosing the key a tunnel logs in with, without leaving the form: a key Burrow holds, a new one
 * made here, one imported from a file, or a key file on this machine.
 */
import { useRef, useState } from 'react';
import type { AppError, KeyView, PresetView } from '../../../common/contract.js';
import { asAppError, useAction, useApi, useKeyProgress, useKeys } from '../api/hooks.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Field } from '../components/Field.js';
import { Progress } from '../components/Progress.js';
import { fileAsBase64 } from '../api/upload.js';
import { usePassphraseFields } from '../components/PassphraseFields.js';

export type KeyChoice = { kind: 'stored'; keyId: string } | { kind: 'file'; path: string } | { kind: 'default' };

export type KeyRecommendation = { type: 'ed25519' | 'rsa' | 'ecdsa'; bits?: number; why?: string };

/** The key a vendor's guide asks for, as the picker's "Create a new … key" makes it (Fivetran: RSA-2048). */
export function recommendedKey(p: PresetView, why?: string): KeyRecommendation {
  return {
    type: p.key.type === 'ecdsa-sha2-nistp256' ? 'ecdsa' : p.key.type,
    ...(p.key.bits ? { bits: p.key.bits } : {}),
    ...(why ? { why } : {}),
  };
}

/** Reads a picked file as base64, for requests that take a file. */

export function KeyPicker({
  value,
  onChange,
  recommended,
  error,
  keyName,
}: {
  value: KeyChoice;
  onChange: (c: KeyChoice) => void;
  recommended?: KeyRecommendation | undefined;
  error?: string;
  /** The new key's name unless the person gives another: the tunnel's. */
  keyName?: string;
}) {
  const { keys } = useKeys();
  const generate = useAction('keys:generate');
  const api = useApi();
  const [importing, setImporting] = useState(false);
  const [importError, setImportError] = useState<AppError | undefined>();
  const [opId, setOpId] = useState('');
  const progress = useKeyProgress(opId);
  /** What to import again once its passphrase is given: a picked file, or pasted text. */
  const [needPass, setNeedPass] = useState<{ name: string; file?: File; text?: string } | undefined>();
  const [pasting, setPasting] = useState(false);
  const [pasted, setPasted] = useState('');
  const [pass, setPass] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const type = recommended?.type ?? 'ed25519';

  // A new key is made with the wizard's choices: the vendor's type, a name (the tunnel's unless
  // changed), an optional passphrase typed twice and stored only when ticked.
  const [making, setMaking] = useState(false);
  const [newName, setNewName] = useState<string>();
  const secret = usePassphraseFields();
  const makeKey = async (): Promise<void> => {
    if (!secret.check()) return;
    const { passphrase, store } = secret.choice;
    const id = crypto.randomUUID();
    setOpId(id);
    const k = await generate.run({
      opId: id,
      type,
      ...(recommended?.bits ? { bits: recommended.bits } : {}),
      comment: (newName ?? keyName ?? '').trim() || 'burrow-tunnel',
      ...(passphrase ? { passphrase, storePassphrase: store } : {}),
    });
    if (k) {
      onChange({ kind: 'stored', keyId: k.id });
      setMaking(false);
    }
  };
  const typeName = type === 'rsa' ? `RSA-${recommended?.bits ?? 3072}` : type === 'ecdsa' ? 'ECDSA' : 'Ed25519';
  const doImport = async (src: { name: string; file?: File; text?: string }, passphrase?: string): Promise<void> => {
    setImporting(true);
    setImportError(undefined);
    try {
      const k = await api.call('keys:import', {
        ...(src.file ? { file: { name: src.file.name, base64: await fileAsBase64(src.file) } } : { text: src.text ?? '' }),
        ...(passphrase ? { passphrase, storePassphrase: true } : {}),
      });
      setNeedPass(undefined);
      setPass('');
      if (src.text !== undefined) {
        setPasted('');
        setPasting(false);
      }
      onChange({ kind: 'stored', keyId: k.id });
    } catch (err) {
      const e = asAppError(err);
      // An encrypted key: ask for its passphrase right here, then try again.
      if (e.cause === 'KEY_PASSPHRASE_NEEDED') setNeedPass(src);
      else setImportError(e);
    } finally {
      setImporting(false);
    }
  };

  const selectValue = value.kind === 'stored' ? `stored:${value.keyId}` : value.kind;
  const chosen: KeyView | undefined = value.kind === 'stored' ? keys.find((k) => k.id === value.keyId) : undefined;
  return (
    <fieldset className="key-picker">
      <legend>Key</legend>
      <Field
        label="Log in with"
        error={error}
        hint={
          chosen ? (
            <>
              Fingerprint <code>{chosen.fingerprint}</code>
              {chosen.encrypted && !chosen.passphraseStored ? ' — its passphrase is not stored, so Burrow asks for it when the tunnel starts' : ''}
            </>
          ) : undefined
        }
      >
        {(p) => (
          <select
            {...p}
            value={selectValue}
            onChange={(e) => {
              const v = e.target.value;
              onChange(v.startsWith('stored:') ? { kind: 'stored', keyId: v.slice(7) } : v === 'file' ? { kind: 'file', path: '' } : { kind: 'default' });
            }}
          >
            {keys.map((k) => (
              <option key={k.id} value={`stored:${k.id}`}>
                {k.comment || k.id} ({k.algorithm}, {k.fingerprint.slice(0, 19)}…)
              </option>
            ))}
            {value.kind === 'stored' && !chosen && <option value={selectValue}>{value.keyId} (not found)</option>}
            <option value="file">A key file on this machine…</option>
            <option value="default">OpenSSH's defaults (~/.ssh/id_ed25519, id_ecdsa, id_rsa)</option>
          </select>
        )}
      </Field>
      {value.kind === 'file' && (
        <Field
          label="Key file path"
          hint="The private key file, e.g. /home/me/.ssh/id_ed25519 or C:\Users\me\key.ppk (any format: OpenSSH, PEM, PKCS#8, PuTTY .ppk)."
        >
          {(p) => <input {...p} value={value.path} onChange={(e) => onChange({ kind: 'file', path: e.target.value })} spellCheck={false} />}
        </Field>
      )}
      <div className="toolbar">
        <button type="button" className="button" aria-expanded={making} disabled={generate.pending} onClick={() => setMaking(!making)}>
          Create a new {typeName} key
        </button>
        <button type="button" className="button" disabled={importing} onClick={() => fileInput.current?.click()}>
          Import a key file…
        </button>
        <button type="button" className="button" aria-expanded={pasting} onClick={() => setPasting(!pasting)}>
          Paste a key…
        </button>
        <input
          ref={fileInput}
          type="file"
          className="visually-hidden"
          aria-label="Key file to import"
          tabIndex={-1}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void doImport({ name: f.name, file: f });
          }}
        />
      </div>
      {recommended?.why && <p className="field-hint">{recommended.why}</p>}
      {pasting && (
        <div className="inline-form">
          <Field
            label="The private key"
            hint="As the vendor gave it: the key file's text (-----BEGIN …), a PuTTY .ppk, or Secoda's SSH_KEY_BASE64 value. It goes to Burrow's secret store, never the config."
          >
            {(p) => <textarea {...p} rows={4} value={pasted} onChange={(e) => setPasted(e.target.value)} spellCheck={false} autoComplete="off" />}
          </Field>
          <div className="toolbar">
            <button
              type="button"
              className="button button-primary"
              disabled={!pasted.trim() || importing}
              onClick={() => void doImport({ name: 'the pasted key', text: pasted.trim() })}
            >
              Import the key
            </button>
            <button type="button" className="button" onClick={() => setPasting(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {making && (
        <div className="inline-form" role="group" aria-label={`A new ${typeName} key`}>
          <Field label="Key name" hint="How the key is listed, and the comment at the end of its public line.">
            {(p) => <input {...p} value={newName ?? keyName ?? ''} onChange={(e) => setNewName(e.target.value)} placeholder="burrow-tunnel" />}
          </Field>
          {secret.fields}
          <div className="toolbar">
            <button type="button" className="button button-primary" disabled={generate.pending} onClick={() => void makeKey()}>
              Create the key
            </button>
            <button type="button" className="button" onClick={() => setMaking(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {generate.pending && <Progress label="Creating the key" elapsedMs={progress?.elapsedMs} />}
      {importing && <Progress label="Importing the key" />}
      <ErrorNote error={generate.error} />
      {needPass ? (
        <div className="inline-form">
          <Field label={`Passphrase of ${needPass.name}`} hint="It is stored with the key in Burrow's secret store, so the tunnel can start unattended.">
            {(p) => <input {...p} type="password" value={pass} onChange={(e) => setPass(e.target.value)} autoComplete="off" />}
          </Field>
          <button type="button" className="button button-primary" disabled={!pass || importing} onClick={() => void doImport(needPass, pass)}>
            Open the key
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setNeedPass(undefined);
              setImportError(undefined);
            }}
          >
            Cancel
          </button>
          <ErrorNote error={importError} />
        </div>
      ) : (
        <ErrorNote error={importError} />
      )}
    </fieldset>
  );
}
