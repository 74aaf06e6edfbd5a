import { useEffect } from 'react';

/** What stopped a save, every problem once, each naming its field: the same on every form. */
export function NotSaved({ problems }: { problems: ReadonlyArray<string> }) {
  if (problems.length === 0) return null;
  return (
    <div className="form-problem" role="alert">
      <p>Not saved: {problems.length === 1 ? 'a field needs' : `${problems.length} fields need`} a fix.</p>
      <ul>
        {problems.map((t, i) => (
          <li key={i}>{t}</li>
        ))}
      </ul>
    </div>
  );
}

/** After React has shown the errors: the person lands on the first field to fix (or the note that says what is wrong). */
export function focusFirstProblem(): void {
  setTimeout(() => (document.querySelector<HTMLElement>('[aria-invalid="true"]') ?? document.querySelector<HTMLElement>('.error-note'))?.focus(), 0);
}

/**
 * Moves the focus once `when` is set, after the screen shows it (and after a button that was
 * disabled meanwhile is enabled again): to `selector`, or to the first problem.
 */
export function FocusOn({ when, selector }: { when: unknown; selector?: string }) {
  useEffect(() => {
    if (!when) return;
    if (selector) setTimeout(() => document.querySelector<HTMLElement>(selector)?.focus(), 0);
    else focusFirstProblem();
  }, [when, selector]);
  return null;
}
