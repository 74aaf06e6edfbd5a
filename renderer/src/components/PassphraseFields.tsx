/**
 * A new key's optional passphrase, the same wherever a key is made (the key wizard, a tunnel's
 * "Create a new key"): typed twice, and stored only when the person ticks it.
 */
import { useRef, useState } from 'react';
import { Field } from './Field.js';

export interface PassphraseChoice {
  readonly passphrase: string;
  readonly store: boolean;
}

/** The fields' state, and a check to run before making the key (false: a slip, shown, focus moved). */
export function usePassphraseFields() {
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [store, setStore] = useState(false);
  const [againError, setAgainError] = useState<string>();
  const againRef = useRef<HTMLInputElement>(null);
  const check = (): boolean => {
    if (pass && pass !== again) {
      setAgainError(
        again ? 'Passphrase again is not the same as the passphrase. Type it again.' : 'Passphrase again is empty. Type the passphrase a second time.',
      );
      againRef.current?.focus();
      return false;
    }
    setAgainError(undefined);
    return true;
  };
  const fields = (
    <>
      <Field
        label="Passphrase (optional)"
        hint="A passphrase protects the key if the file is ever copied. A tunnel that must start by itself then needs the passphrase too: store it (in Burrow's secret store), or type it each time the tunnel starts. Most vendors' guides use no passphrase for this reason."
      >
        {(p) => <input {...p} type="password" value={pass} onChange={(e) => setPass(e.target.value)} autoComplete="new-password" />}
      </Field>
      {pass && (
        <Field label="Passphrase again" error={againError}>
          {(p) => <input {...p} ref={againRef} type="password" value={again} onChange={(e) => setAgain(e.target.value)} autoComplete="new-password" />}
        </Field>
      )}
      {pass && (
        <label className="check">
          <input type="checkbox" checked={store} onChange={(e) => setStore(e.target.checked)} /> Store the passphrase, so tunnels with this key start unattended
        </label>
      )}
    </>
  );
  const choice: PassphraseChoice = { passphrase: pass, store };
  return { fields, check, choice };
}
