/** A session's state as a shape, a colour and a word together, so colour is never the only signal. */
import type { SessionState } from '../../../common/session.js';
import { STATE_WORD } from '../format.js';

function Shape({ state }: { state: SessionState }) {
  switch (state) {
    case 'connected':
      return <circle cx="8" cy="8" r="6" />;
    case 'connecting':
    case 'reconnecting':
      return <path d="M8 2 a6 6 0 1 1 -6 6 h3 a3 3 0 1 0 3 -3 z" />;
    case 'error':
      return <path d="M8 1.5 L15 14.5 H1 Z" />;
    case 'stopped':
      return <rect x="3" y="3" width="10" height="10" rx="1.5" />;
  }
}

export function StatusBadge({ state }: { state: SessionState }) {
  return (
    <span className={`status status-${state}`}>
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
        <Shape state={state} />
      </svg>
      {STATE_WORD[state]}
    </span>
  );
}
