/**
 * A modal dialog on the platform's own <dialog>: focus moves in (to the element marked
 * data-autofocus, else the first focusable one) and stays in, Escape closes it
 * (unless `dismissable` is false, for a decision that must be made deliberately), and the title
 * names it for screen readers.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';

export function Dialog({
  open,
  title,
  onClose,
  children,
  tone,
  dismissable = true,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  tone?: 'danger';
  dismissable?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      // showModal() focuses the first focusable element, which may be a link in the text; a
      // dialog names its safe choice with data-autofocus (React's autoFocus acts only at mount,
      // and the content mounted while the dialog was closed).
      d.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    }
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      className={`dialog${tone ? ` dialog-${tone}` : ''}`}
      onCancel={(e) => {
        e.preventDefault();
        if (dismissable) onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
