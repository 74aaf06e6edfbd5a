/** After saving: what is worth knowing, the vendor's next steps (the public key with a Copy button), and starting. */
import type { SavedSession } from '../../../common/contract.js';
import { CopyButton } from '../components/CopyButton.js';
import { Progress } from '../components/Progress.js';
import { Prose } from '../components/Prose.js';

// The comment runs to the end of the line and may hold spaces: a key made in a tunnel's form is
// named after the tunnel ("Fivetran – warehouse").
const PUBLIC_KEY = /((?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+(?: [^\n]+)?)$/;

/** One of a vendor's steps; a public key at its end is shown whole, wrapped, with a Copy button. */
export function Step({ text }: { text: string }) {
  const key = PUBLIC_KEY.exec(text)?.[1];
  if (!key) return <Prose text={text} />;
  return (
    <>
      <Prose text={text.slice(0, text.length - key.length)} />
      <pre className="public-key">{key}</pre>
      <CopyButton text={key} label="Copy public key" />
    </>
  );
}

export function NextSteps({ saved, onStart, starting = false }: { saved: SavedSession; onStart: () => void; starting?: boolean }) {
  const id = encodeURIComponent(saved.session.id);
  return (
    <>
      {saved.warnings.length > 0 && (
        <section className="banner banner-warn" aria-labelledby="warn-title">
          <h2 id="warn-title">Worth knowing</h2>
          <ul>
            {saved.warnings.map((w, i) => (
              <li key={i}>{w.text}</li>
            ))}
          </ul>
        </section>
      )}
      {saved.nextSteps.length > 0 && (
        <section aria-labelledby="next-title">
          <h2 id="next-title">Next steps</h2>
          <ol className="steps">
            {saved.nextSteps.map((step, i) => (
              <li key={i}>
                <Step text={step} />
              </li>
            ))}
          </ol>
        </section>
      )}
      <div className="form-actions">
        <button type="button" className="button button-primary" disabled={starting} onClick={onStart}>
          Start the tunnel
        </button>
        <a className="button" href={`#/sessions/${id}/test`}>
          Test the connection first
        </a>
        <a className="button" href={`#/sessions/${id}`}>
          Open the tunnel
        </a>
      </div>
      {starting && <Progress label="Starting" />}
    </>
  );
}
