/**
 * Logging in with the keys of an SSH agent (OpenSSH's ssh-agent through `SSH_AUTH_SOCK` or
 * IdentityAgent, Pageant on Windows), through ssh2's agent client. What Burrow adds: the agent's
 * keys are listed first, so the log says which were offered (by fingerprint), and IdentitiesOnly
 * narrows them to the session's own keys.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthConfig } from '../../../common/config.js';
import { expandHome, type LoadedIdentity } from './identity.js';
import { burrowError } from './errors.js';

type Ssh2Agent = ssh2.BaseAgent;
type AgentKey = ssh2.ParsedKey;

/** An agent key as the log and the window name it. */
export interface AgentKeyInfo {
  readonly type: string;
  readonly fingerprint: string;
  readonly comment: string;
}

function fingerprint(publicSsh: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicSsh).digest('base64').replace(/=+$/, '')}`;
}

/** Where the session's agent is: `env` reads SSH_AUTH_SOCK (Pageant on Windows when unset). */
export function agentAddress(auth: AuthConfig, home: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (auth.agent === undefined) return undefined;
  if (auth.agent !== 'env') return auth.agent === 'pageant' ? 'pageant' : expandHome(auth.agent, home);
  return env.SSH_AUTH_SOCK || (process.platform === 'win32' ? 'pageant' : undefined);
}

/** ssh2's agent, narrowed to the keys `allowed` (their public halves) when IdentitiesOnly is on. */
class NarrowedAgent extends ssh2.BaseAgent {
  constructor(
    private readonly inner: Ssh2Agent,
    private readonly allowed: ReadonlySet<string> | undefined,
  ) {
    super();
  }

  // ssh2's OpenSSHAgent hands its keys on parsed (ParsedKey); its typings allow more.
  override getIdentities(cb: Parameters<Ssh2Agent['getIdentities']>[0]): void {
    this.inner.getIdentities((err, keys) => {
      if (err || !keys) return cb(err ?? undefined, keys ?? []);
      const parsed = keys as unknown as AgentKey[];
      cb(undefined, this.allowed ? parsed.filter((k) => this.allowed!.has(fingerprint(k.getPublicSSH()))) : parsed);
    });
  }

  override sign(pubKey: AgentKey | Buffer | string, data: Buffer, options: ssh2.SigningRequestOptions, cb?: ssh2.SignCallback): void;
  override sign(pubKey: AgentKey | Buffer | string, data: Buffer, cb: ssh2.SignCallback): void;
  override sign(...args: unknown[]): void {
    (this.inner.sign as (...a: unknown[]) => void).apply(this.inner, args);
  }
}

export interface SessionAgent {
  readonly agent: Ssh2Agent;
  /** The keys it will offer, in order. */
  readonly keys: ReadonlyArray<AgentKeyInfo>;
}

/**
 * Opens the session's agent and lists the keys it will offer. An agent that cannot be reached is a
 * warning (as OpenSSH's "Could not open a connection to your authentication agent") while the
 * session has key files too, and the login error otherwise.
 */
export async function openAgent(
  auth: AuthConfig,
  identities: ReadonlyArray<LoadedIdentity>,
  home: string,
  warn: (m: string) => void,
): Promise<SessionAgent | undefined> {
  const address = agentAddress(auth, home);
  if (address === undefined) {
    if (auth.agent === undefined) return undefined;
    const m = 'The session logs in through the SSH agent, but SSH_AUTH_SOCK is not set: no agent runs for this login';
    if (identities.length > 0) {
      warn(`${m}; trying the key files alone`);
      return undefined;
    }
    throw burrowError(
      'KEY_INVALID',
      m,
      'Start ssh-agent (eval "$(ssh-agent)"; ssh-add) in the session Burrow runs in, or give the agent\'s socket path in the session.',
    );
  }
  let allowed: Set<string> | undefined;
  if (auth.identitiesOnly) {
    allowed = new Set();
    for (const id of identities) {
      const parsed = ssh2.utils.parseKey(id.privateKey);
      if (!(parsed instanceof Error)) allowed.add(fingerprint(parsed.getPublicSSH()));
    }
  }
  const agent = new NarrowedAgent(ssh2.createAgent(address), allowed);
  try {
    const keys = await new Promise<AgentKey[]>((resolve, reject) =>
      agent.getIdentities((err, k) => (err ? reject(err) : resolve((k ?? []) as unknown as AgentKey[]))),
    );
    return { agent, keys: keys.map((k) => ({ type: k.type, fingerprint: fingerprint(k.getPublicSSH()), comment: k.comment })) };
  } catch (err) {
    const m = `The SSH agent at ${address} could not be asked for its keys (${err instanceof Error ? err.message : String(err)})`;
    if (identities.length > 0) {
      warn(`${m}; trying the key files alone`);
      return undefined;
    }
    throw burrowError('KEY_INVALID', m, 'Check that the agent runs (ssh-add -l lists its keys) and that this user may use its socket.');
  }
}
