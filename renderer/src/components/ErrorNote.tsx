/** An error as a person reads it: what went wrong, then what to do about it. */
import type { AppError } from '../../../common/contract.js';
import { Prose } from './Prose.js';

export function ErrorNote({ error, id }: { error: AppError | undefined; id?: string }) {
  if (!error) return null;
  return (
    <div className="error-note" role="alert" id={id}>
      <p className="error-message">
        <Prose text={error.message} />
      </p>
      {error.hint && (
        <p className="error-hint">
          <Prose text={error.hint} />
        </p>
      )}
    </div>
  );
}
