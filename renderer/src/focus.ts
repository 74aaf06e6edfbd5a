/** Where keyboard focus goes when the screen changes under it. */
import { useEffect, useRef, type RefObject } from 'react';

/**
 * For content that replaces the control just used (the "Saved" screen after "Save"): focus lands
 * on its heading (tabIndex -1), so keyboard and screen-reader users go on from there, not from
 * the top of the page.
 */
export function useFocusOnShow<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
