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
}: {
  value: KeyChoice;
  onChange: (c: KeyChoice) => void;
  recommended?: KeyRecommendation | undefined;
  error?: string;
}) {
  const { keys } = useKeys();
  const generate = useAction('keys:generate');
  const api = useApi();
  const [importing, setImporting] = useState(false);
  const [importError, setImportError] = useState<AppError | undefined>();
  const [opId, setOpId] = useState('');
  const progress = useKeyProgress(opId);
  const [needPass, setNeedPass] = useState<File | undefined>();
  const [pass, setPass] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const type = recommended?.type ?? 'ed25519';

  const makeKey = async (): Promise<void> => {
    const id = crypto.randomUUID();
    setOpId(id);
    const k = await generate.run({ opId: id, type, ...(recommended?.bits ? { bits: recommended.bits } : {}), comment: 'burrow-tunnel' });
    if (k) onChange({ kind: 'stored', keyId: k.id });
  };
  const doImport = async (file: File, passphrase?: string): Promise<void> => {
    setImporting(true);
    setImportError(undefined);
    try {
      const k = await api.call('keys:import', {
        file: { name: file.name, base64: await fileAsBase64(file) },
        ...(passphrase ? { passphrase, storePassphrase: true } : {}),
      });
      setNeedPass(undefined);
      setPass('');
      onChange({ kind: 'stored', keyId: k.id });
    } catch (err) {
      const e = asAppError(err);
      // An encrypted key: ask for its passphrase right here, then try again.
      if (e.cause === 'KEY_PASSPHRASE_NEEDED') setNeedPass(file);
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
        <button type="button" className="button" disabled={generate.pending} onClick={() => void makeKey()}>
          Create a new {type === 'rsa' ? `RSA-${recommended?.bits ?? 3072}` : type === 'ecdsa' ? 'ECDSA' : 'Ed25519'} key
        </button>
        <button type="button" className="button" disabled={importing} onClick={() => fileInput.current?.click()}>
          Import a key file…
        </button>
        <input
          ref={fileInput}
          type="file"
          className="visually-hidden"
          aria-label="Key file to import"
          tabIndex={-1}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void doImport(f);
          }}
        />
      </div>
      {recommended?.why && <p className="field-hint">{recommended.why}</p>}
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
