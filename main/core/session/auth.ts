/**
 * Logging in with keys, and remembering how far it got: which key types were offered, whether the
 * server accepted a key but wanted more (partial success: a second factor), and what it still
 * wanted. The error for a failed login is made from that (errors.ts).
 */
import ssh2 from 'ssh2';
import type { AuthProgress } from './errors.js';
import type { LoadedIdentity } from './identity.js';
import type { SessionAgent } from './agent.js';

/** How a login went, as far as the server told us (defined beside the errors made from it). */
export type { AuthProgress } from './errors.js';

/**
 * An ssh2 `authHandler` that offers each identity in turn while the server still takes keys.
 * Keys are parsed here (once: ssh2 takes the parsed key as is) to know their types. `log` hears
 * what `-v` shows: each key offered, and what the server answered to the one before.
 */
export function keyAuthHandler(
  identities: ReadonlyArray<LoadedIdentity>,
  username: string,
  log?: (message: string) => void,
  agent?: SessionAgent,
): { handler: ssh2.AuthHandlerMiddleware; progress: AuthProgress } {
  const progress: AuthProgress = { keyTypes: [], partial: false, methodsLeft: undefined };
  let next = 0;
  // The agent's keys go first, as OpenSSH offers them: ssh2 tries each of them in turn.
  let agentOffered = agent === undefined || agent.keys.length === 0;
  const handler = (
    methodsLeft: ReadonlyArray<string> | null,
    partialSuccess: boolean | null,
    done: (auth: ssh2.PublicKeyAuthMethod | ssh2.AgentAuthMethod | false) => void,
  ): void => {
    if (methodsLeft) progress.methodsLeft = methodsLeft;
    if (partialSuccess) progress.partial = true;
    if (!agentOffered && agent) {
      agentOffered = true;
      if (methodsLeft && !methodsLeft.includes('publickey')) return done(false);
      for (const k of agent.keys) {
        progress.keyTypes.push(k.type);
        log?.(`login: offering the agent's ${k.type} key ${k.fingerprint}${k.comment ? ` (${k.comment})` : ''} as "${username}"`);
      }
      return done({ type: 'agent', username, agent: agent.agent });
    }
    if (agent && agent.keys.length > 0 && next === 0 && methodsLeft) {
      log?.(
        partialSuccess
          ? `login: the server accepted an agent key and wants more: ${methodsLeft.join(', ')}`
          : `login: the server refused the agent's keys (${agent.keys.map((k) => k.fingerprint).join(', ')}); it accepts: ${methodsLeft.join(', ')}`,
      );
    }
    const previous = identities[next - 1];
    if (methodsLeft && previous) {
      log?.(
        partialSuccess
          ? `login: the server accepted ${previous.file} and wants more: ${methodsLeft.join(', ')}`
          : `login: the server refused ${previous.file}; it accepts: ${methodsLeft.join(', ')}`,
      );
    }
    // Keys cannot answer what the server wants now (a one-time code, a password): stop here
    // rather than spend the server's MaxAuthTries on keys it will not take.
    if (methodsLeft && !methodsLeft.includes('publickey')) return done(false);
    const id = identities[next++];
    if (!id) return done(false);
    const parsed = ssh2.utils.parseKey(id.privateKey, id.passphrase);
    if (parsed instanceof Error) {
      // ssh2 reports the key its own way (KEY_INVALID, KEY_PASSPHRASE); nothing to learn here.
      return done({ type: 'publickey', username, key: id.privateKey, ...(id.passphrase !== undefined ? { passphrase: id.passphrase } : {}) });
    }
    progress.keyTypes.push(parsed.type);
    log?.(`login: offering ${parsed.type} key ${id.file} as "${username}"`);
    done({ type: 'publickey', username, key: parsed });
  };
  // ssh2 passes null for both before the server's first answer and takes `false` for "no more
  // methods"; its type definitions leave both out.
  return { handler: handler as unknown as ssh2.AuthHandlerMiddleware, progress };
}
