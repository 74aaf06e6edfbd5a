/** Hash routes (`#/sessions/x`): the same renderer serves a web origin and the Electron window without server routes. */
import { useEffect, useState } from 'react';

export function currentPath(): string {
  return location.hash.replace(/^#/, '') || '/';
}

export function navigate(path: string): void {
  if (currentPath() !== path) location.hash = path;
}

/** The path's segments, re-read when the hash changes. */
export function useRoute(): string[] {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const on = (): void => setPath(currentPath());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return path.split('/').filter(Boolean).map(decodeURIComponent);
}
