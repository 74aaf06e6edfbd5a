/** An error as a person reads it: what went wrong, then what to do about it. */
import type { AppError } from '../../../common/contract.js';
import { Prose } from './Prose.js';

export function ErrorNote({ error, id }: { error: AppError | undefined; id?: string }) {
  if (!error) return null;
  return (
    <div className="error-note" role="alert" id={id} tabIndex={-1}>
      <p className="error-message">
        <Prose text={error.message} />
      </p>
      {/* The fix said once: a message that already ends with it does not get it again. */}
      {error.hint && !error.message.includes(error.hint.trim()) && (
        <p className="error-hint">
          <Prose text={error.hint} />
        </p>
      )}
    </div>
  );
}
