/**
 * Trusting a server's host key on purpose (`burrow trust`): connect only as far as the key
 * exchange, show what the server presents, and record it in the session's known_hosts once a
 * person agrees, replacing a recorded key only when asked to.
 */
import net from 'node:net';
import ssh2 from 'ssh2';
import type { SessionConfig } from '../../common/config.js';
import { AlgorithmListError } from '../../common/algorithms.js';
import { BurrowError, burrowError, classify } from './session/errors.js';
import { sessionOffer, ssh2Algorithms, watchServerKexInit, type Offer } from './session/handshake.js';
import {
  addKnownHost,
  fingerprintOf,
  HostKeyChecker,
  hostKeyStatus,
  keyTypeOf,
  knownHostsFiles,
  removeKnownHost,
  type HostKeyStatus,
} from './session/host-keys.js';

/** A host key as the server presented it. */
export interface PresentedHostKey {
  readonly keyType: string;
  readonly fingerprint: string;
  readonly keyBlob: Buffer;
}

/**
 * Connects to the session's server and returns the host key it presents, offering the session's
 * own host key algorithms with the types already known first (as the tunnel will). Logs nothing
 * in: the connection ends at the host key. Throws a BurrowError with the fix when the server
 * cannot be reached or has no algorithm in common.
 */
export async function fetchHostKey(cfg: SessionConfig, home?: string): Promise<PresentedHostKey> {
  let offer: Offer;
  try {
    const lists = sessionOffer(cfg.algorithms, cfg.compression);
    offer = { ...lists, hostKey: await new HostKeyChecker(cfg.hostKey, cfg.host, cfg.port, undefined, home).preferredAlgorithms(lists.hostKey) };
  } catch (err) {
    if (err instanceof AlgorithmListError) throw burrowError('CONFIG_INVALID', err.message, err.fix);
    throw err;
  }
  const sock = net.connect({ host: cfg.host, port: cfg.port });
  const server = watchServerKexInit(sock);
  const client = new ssh2.Client();
  return new Promise<PresentedHostKey>((resolve, reject) => {
    let presented: PresentedHostKey | undefined;
    const finish = (err?: unknown): void => {
      clearTimeout(timer);
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.destroy();
      sock.destroy();
      if (presented) resolve(presented);
      else
        reject(
          new BurrowError(
            classify(err ?? new Error('the server closed the connection before showing its key'), cfg, { offer, ...(server() ? { server: server()! } : {}) }),
          ),
        );
    };
    const timer = setTimeout(() => finish(new Error('Timed out while waiting for handshake')), cfg.connectTimeoutSeconds * 1000);
    client.on('error', (err) => finish(err));
    client.on('close', () => finish());
    client.connect({
      sock,
      host: cfg.host,
      port: cfg.port,
      username: cfg.user,
      readyTimeout: 0,
      // The key is all this connection is for: it is refused here, whatever it is.
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        presented = { keyType: keyTypeOf(key), fingerprint: fingerprintOf(key), keyBlob: Buffer.from(key) };
        verify(false);
      },
      algorithms: ssh2Algorithms(offer),
    } as ssh2.ConnectConfig);
  });
}

/** What the session's known_hosts files (and pin) say about the presented key. */
export async function trustStatus(cfg: SessionConfig, key: PresentedHostKey, home?: string): Promise<HostKeyStatus> {
  return hostKeyStatus(cfg.hostKey, cfg.host, cfg.port, key.keyBlob, knownHostsFiles(cfg.hostKey, home));
}

/**
 * Records the key in the session's known_hosts (its first file, the one `ssh` writes too). With
 * `replace`, every key recorded for the host in the session's files is removed first (each file
 * kept as `FILE.old`, as `ssh-keygen -R` does). Returns where it went and how many lines went.
 */
export async function recordHostKey(
  cfg: SessionConfig,
  key: PresentedHostKey,
  opts: { readonly replace?: boolean; readonly home?: string } = {},
): Promise<{ file: string; removed: number }> {
  const files = knownHostsFiles(cfg.hostKey, opts.home);
  let removed = 0;
  if (opts.replace) for (const f of files) removed += await removeKnownHost(f, cfg.host, cfg.port);
  await addKnownHost(files[0]!, cfg.host, cfg.port, key.keyBlob);
  return { file: files[0]!, removed };
}
