/** The heading of a "Saved" screen: it takes the focus when shown, so a keyboard or screen-reader user hears what happened. */
import type { ReactNode } from 'react';
import { useFocusOnShow } from '../focus.js';

export function SavedHeading({ children }: { children: ReactNode }) {
  const ref = useFocusOnShow<HTMLHeadingElement>();
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
