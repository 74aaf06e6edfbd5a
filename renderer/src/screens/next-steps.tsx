/** After saving: what is worth knowing, the vendor's next steps (the public key with a Copy button), and starting. */
import type { SavedSession } from '../../../common/contract.js';
import { CopyButton } from '../components/CopyButton.js';

const PUBLIC_KEY = /((?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+(?: \S+)?)$/;

export function NextSteps({ saved, onStart }: { saved: SavedSession; onStart: () => void }) {
  const id = encodeURIComponent(saved.session.id);
  return (
    <>
      {saved.warnings.length > 0 && (
        <section className="banner banner-warn" aria-labelledby="warn-title">
          <h2 id="warn-title">Worth knowing</h2>
          <ul>{saved.warnings.map((w, i) => <li key={i}>{w}</li>)}</ul>
        </section>
      )}
      {saved.nextSteps.length > 0 && (
        <section aria-labelledby="next-title">
          <h2 id="next-title">Next steps</h2>
          <ol className="steps">
            {saved.nextSteps.map((step, i) => {
              const key = PUBLIC_KEY.exec(step)?.[1];
              return (
                <li key={i}>
                  {key ? <>{step.slice(0, step.length - key.length)}<pre className="public-key">{key}</pre><CopyButton text={key} label="Copy public key" /></> : step}
                </li>
              );
            })}
          </ol>
        </section>
      )}
      <div className="form-actions">
        <button type="button" className="button button-primary" onClick={onStart}>Start the tunnel</button>
        <a className="button" href={`#/sessions/${id}/test`}>Test the connection first</a>
        <a className="button" href={`#/sessions/${id}`}>Open the tunnel</a>
      </div>
    </>
  );
}
