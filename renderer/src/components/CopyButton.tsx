/** Copies text (a public key, a fingerprint) and says so where the person is looking. */
import { useState } from 'react';

export function CopyButton({
  text,
  label,
  name,
}: {
  text: string;
  label: string;
  /** The accessible name where several such buttons share a screen ("Copy public key of …"); starts with `label`. */
  name?: string;
}) {
  const [done, setDone] = useState<'copied' | 'failed' | undefined>();
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setDone('copied');
    } catch {
      setDone('failed');
    }
    setTimeout(() => setDone(undefined), 2500);
  };
  return (
    <span className="copy">
      <button type="button" className="button" onClick={() => void copy()} {...(name ? { 'aria-label': name } : {})}>
        {label}
      </button>
      <span role="status" className="copy-status">
        {done === 'copied' ? 'Copied' : done === 'failed' ? 'Could not copy: select the text and copy it yourself' : ''}
      </span>
    </span>
  );
}
