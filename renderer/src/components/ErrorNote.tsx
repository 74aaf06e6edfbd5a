/** An error as a person reads it: what went wrong, then what to do about it. */
import type { AppError } from '../../../common/contract.js';

export function ErrorNote({ error, id }: { error: AppError | undefined; id?: string }) {
  if (!error) return null;
  return (
    <div className="error-note" role="alert" id={id}>
      <p className="error-message">{error.message}</p>
      {error.hint && <p className="error-hint">{error.hint}</p>}
    </div>
  );
}
