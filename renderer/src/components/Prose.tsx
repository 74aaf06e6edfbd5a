/**
 * Text from Burrow as a person reads it in the window: the command line's commands named as the
 * window's own buttons and screens (format.ts, inWindowWords); `commands` still in backticks are
 * shown as code.
 */
import { inWindowWords } from '../format.js';

export function Prose({ text }: { text: string }) {
  const parts = inWindowWords(text).split(/`([^`]+)`/);
  return <>{parts.map((p, i) => (i % 2 === 1 ? <code key={i}>{p}</code> : p))}</>;
}
