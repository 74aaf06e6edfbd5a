/** Work that takes more than a moment: a progress bar and the time it has taken so far. */
export function Progress({ label, elapsedMs }: { label: string; elapsedMs?: number }) {
  return (
    <div className="progress" role="status">
      <progress aria-label={label} />
      <span>
        {label}
        {elapsedMs !== undefined && elapsedMs >= 1000 ? ` (${Math.round(elapsedMs / 1000)} s)` : ''}…
      </span>
    </div>
  );
}
