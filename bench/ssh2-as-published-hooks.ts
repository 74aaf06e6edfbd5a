/** The module hook behind ssh2-as-published.ts: `ssh2` and `ssh2/…` resolve to `ssh2-upstream`. */
type Next = (specifier: string, context: unknown) => Promise<unknown>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<unknown> {
  return next(specifier === 'ssh2' || specifier.startsWith('ssh2/') ? `ssh2-upstream${specifier.slice(4)}` : specifier, context);
}
