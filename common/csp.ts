/**
 * The Content-Security-Policy of every window Burrow serves: the browser mode's pages and the
 * Electron window load the same renderer under the same policy. No inline script or style, no
 * origin but Burrow's own (the bridge's WebSocket is same-origin), no frames, no forms posting
 * anywhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
