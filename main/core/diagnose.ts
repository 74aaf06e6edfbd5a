/**
 * The vendors' troubleshooting checklists as ordered, timed steps: name resolves → TCP reaches
 * the SSH port → the SSH algorithms agree → host key matches → login works → each remote port can
 * be bound (telling "in use" from "not permitted") → each target is reachable. A step that fails
 * skips the ones that need it.
 */
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { homedir } from 'node:os';
import ssh2 from 'ssh2';
import type { ForwardConfig, SessionConfig } from '../../common/config.js';
import { AlgorithmListError, WEAK_ALGORITHMS } from '../../common/algorithms.js';
import { BurrowError, burrowError, classify, type HandshakeContext } from './session/errors.js';
import { describeReachProblem, reachable, type ErrorInfo } from '../../common/session.js';
import { openAgent } from './session/agent.js';
import { needsRoute, openRoute, routeStages } from './session/route.js';
import type { RouteSocket } from './session/route-socket.js';
import { keyAuthHandler, type AuthProgress } from './session/auth.js';
import { negotiate, sessionOffer, ssh2Algorithms, watchServerKexInit, type Offer, type ServerKexInit } from './session/handshake.js';
import { forwardSpec, localBindAddress, reachAddresses, remoteBindAddress, RemoteForward } from './session/forward.js';
import { HostKeyChecker, type HostKeyPrompt, type HostKeyVerdict, type UnknownHostHint } from './session/host-keys.js';
import type { SecretStore } from './keys/secret-store.js';
import { expandHome, loadIdentities, proxyPasswordSecret, type IdentityLoader } from './session/identity.js';

export type StepStatus = 'pass' | 'fail' | 'skip';

export interface DiagnoseStep {
  readonly id: string;
  readonly title: string;
  readonly status: StepStatus;
  readonly ms: number;
  readonly detail: string;
  readonly hint?: string;
}

export interface DiagnoseReport {
  readonly session: string;
  readonly ok: boolean;
  readonly steps: ReadonlyArray<DiagnoseStep>;
}

export interface DiagnoseOptions {
  readonly home?: string;
  readonly passphrase?: string;
  readonly loadIdentity?: IdentityLoader;
  readonly secrets?: SecretStore;
  /**
   * Asks a person whether to trust an unknown host key. Given (a terminal), it is asked whatever
   * the session's policy, as `burrow trust` would, and a "yes" records the key and lets the
   * remaining steps run; a changed key is never offered.
   */
  readonly prompt?: HostKeyPrompt;
  /** The fix for an unknown host key, in the words of the door (see HostKeyChecker). */
  readonly unknownHostHint?: UnknownHostHint;
  /** Called as each step finishes, so a person sees progress. */
  readonly onStep?: (step: DiagnoseStep) => void;
}

class StepFailed extends Error {
  constructor(
    readonly detail: string,
    readonly hint?: string,
  ) {
    super(detail);
  }
}

/** SSH channel-open failure reasons (RFC 4254 §5.1). */
const ADMINISTRATIVELY_PROHIBITED = 1;
const CONNECT_FAILED = 2;

export async function diagnose(cfg: SessionConfig, opts: DiagnoseOptions = {}): Promise<DiagnoseReport> {
  const steps: DiagnoseStep[] = [];
  let blocked = false;
  const step = async (id: string, title: string, fn: () => Promise<string>): Promise<boolean> => {
    if (blocked) {
      const s: DiagnoseStep = { id, title, status: 'skip', ms: 0, detail: 'skipped: an earlier step failed' };
      steps.push(s);
      opts.onStep?.(s);
      return false;
    }
    const t0 = performance.now();
    let s: DiagnoseStep;
    try {
      const detail = await fn();
      s = { id, title, status: 'pass', ms: Math.round(performance.now() - t0), detail };
    } catch (err) {
      const e = err instanceof StepFailed ? err : new StepFailed(String((err as Error).message ?? err));
      s = { id, title, status: 'fail', ms: Math.round(performance.now() - t0), detail: e.detail, ...(e.hint ? { hint: e.hint } : {}) };
    }
    steps.push(s);
    opts.onStep?.(s);
    return s.status === 'pass';
  };
  const target = `${cfg.host}:${cfg.port}`;
  const timeoutMs = cfg.connectTimeoutSeconds * 1000;

  // 1 and 2, through a proxy or jump hosts: a step per stage of the route (the proxy's tunnel,
  // each jump host's host key, login and channel onwards), then the SSH steps on the route's end.
  const routed = needsRoute(cfg);
  let route: RouteSocket | undefined;
  let routeError: ErrorInfo | undefined;
  if (routed) {
    route = await openDiagnosedRoute(cfg, opts, timeoutMs, steps, (e) => (routeError ??= e));
    blocked = route === undefined;
  } else {
    // 1. The name resolves.
    blocked = !(await step('dns', `"${cfg.host}" resolves`, async () => {
      try {
        const addrs = await lookup(cfg.host, { all: true });
        return addrs.map((a) => a.address).join(', ');
      } catch (err) {
        const info = classify(err, cfg);
        throw new StepFailed(info.message, info.hint);
      }
    }));

    // 2. TCP reaches the SSH port, and an SSH server answers there.
    blocked = !(await step('tcp', `TCP reaches ${target}`, () => readBanner(cfg, timeoutMs)));
  }

  // 3, 4 and 5. Algorithms, host key and login, on one SSH connection that the port steps then reuse.
  const client = new ssh2.Client();
  client.on('error', () => undefined); // every failure is reported through the step that saw it
  let verdict: HostKeyVerdict | undefined;
  let loginError: unknown;
  let offer: Offer | undefined;
  let serverKexInit: () => ServerKexInit | undefined = () => undefined;
  let progress: AuthProgress | undefined;
  // With a person to ask, an unknown key is offered for trust even under "yes" (`burrow trust`'s
  // question); "accept-new" and "no" record it anyway, and a changed key is refused under all.
  const hostKey = opts.prompt && cfg.hostKey.policy === 'yes' ? { ...cfg.hostKey, policy: 'ask' as const } : cfg.hostKey;
  const checker = new HostKeyChecker(hostKey, cfg.host, cfg.port, opts.prompt, opts.home, opts.unknownHostHint);
  // A configured key file that is not there is the session's fault whatever else happens: say which.
  const missingKeys = cfg.auth.identityFiles.map((f) => expandHome(f, opts.home)).filter((f) => !existsSync(f));
  const ready = blocked
    ? Promise.resolve(false)
    : (async () => {
        const identities = await loadIdentities(cfg.auth, {
          ...(opts.home ? { home: opts.home } : {}),
          ...(opts.loadIdentity ? { loader: opts.loadIdentity } : {}),
          ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
          ...(opts.secrets ? { secrets: opts.secrets } : {}),
          agentToo: cfg.auth.agent !== undefined,
        }).catch((err: unknown) => {
          loginError = err;
          return undefined;
        });
        const agent = await openAgent(cfg.auth, identities ?? [], opts.home ?? homedir(), () => undefined).catch((err: unknown) => {
          loginError ??= err;
          return undefined;
        });
        try {
          const lists = sessionOffer(cfg.algorithms, cfg.compression);
          offer = { ...lists, hostKey: await checker.preferredAlgorithms(lists.hostKey) };
        } catch (err) {
          loginError ??= err instanceof AlgorithmListError ? burrowError('CONFIG_INVALID', err.message, err.fix) : err;
          return false;
        }
        const sock = route ?? net.connect({ host: cfg.host, port: cfg.port });
        serverKexInit = watchServerKexInit(sock);
        // With no usable key, still connect far enough to check the host key, then fail the login.
        const auth = keyAuthHandler(identities ?? [], cfg.user, undefined, agent);
        progress = auth.progress;
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            loginError ??= new Error('Timed out while waiting for handshake');
            client.destroy();
            resolve(false);
          }, timeoutMs);
          client.once('ready', () => {
            clearTimeout(timer);
            resolve(true);
          });
          client.once('error', (err) => {
            loginError ??= err;
          });
          client.once('close', () => {
            clearTimeout(timer);
            resolve(false);
          });
          client.connect({
            sock,
            host: cfg.host,
            port: cfg.port,
            username: cfg.user,
            readyTimeout: timeoutMs,
            authHandler: auth.handler,
            hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
              checker.check(key).then(
                (v) => {
                  verdict = v;
                  verify(v.ok);
                },
                (err: unknown) => {
                  loginError ??= err;
                  verify(false);
                },
              );
            },
            algorithms: ssh2Algorithms(offer!),
          } as ssh2.ConnectConfig);
        });
      })();
  const loggedIn = await ready;
  // A route that broke under the login (a proxy command that exited) says more than ssh2 can.
  if (!loggedIn && routeError) loginError = new BurrowError(routeError);
  const context = (): HandshakeContext => ({
    ...(offer ? { offer } : {}),
    ...(serverKexInit() ? { server: serverKexInit()! } : {}),
    ...(progress ? { auth: progress } : {}),
    ...(cfg.algorithms ? { configured: cfg.algorithms } : {}),
  });

  // Folded into no other step: a server that only speaks old algorithms answers TCP and shows its
  // banner, so the TCP step passes, yet no host key can be checked until the algorithms agree.
  blocked = !(await step('algorithms', `Burrow and ${target} have SSH algorithms in common`, async () => {
    const server = serverKexInit();
    const agreed = offer && server ? negotiate(offer, server) : undefined;
    if (!agreed || 'mismatch' in agreed) {
      const info = classify(loginError ?? new Error('the server closed the connection before its key exchange'), cfg, context());
      throw new StepFailed(info.message, info.hint);
    }
    const a = agreed.agreed;
    const used = [a.kex, a.hostKey, a.cipherCs, a.cipherSc, a.macCs, a.macSc];
    const weak = [...new Set(used)].filter((n) => WEAK_ALGORITHMS[n] !== undefined).map((n) => `${n}: ${WEAK_ALGORITHMS[n]}`);
    const cipher = a.cipherCs === a.cipherSc ? a.cipherCs : `${a.cipherCs} / ${a.cipherSc}`;
    const mac = a.macCs === 'implicit' ? '' : `, MAC ${a.macCs === a.macSc ? a.macCs : `${a.macCs} / ${a.macSc}`}`;
    return `key exchange ${a.kex}, host key ${a.hostKey}, cipher ${cipher}${mac}${weak.length ? ` — WEAK: ${weak.join('; ')}` : ''}`;
  }));

  blocked = !(await step('host-key', `the host key of ${target} is the expected one`, async () => {
    if (!verdict) {
      const info = classify(loginError ?? new Error('the server closed the connection before showing its key'), cfg, context());
      throw new StepFailed(info.message, info.hint);
    }
    if (!verdict.ok) throw new StepFailed(verdict.error.message, verdict.error.hint);
    return `${verdict.fingerprint}${verdict.note ? ` (${verdict.note})` : ''}`;
  }));

  blocked = !(await step('login', `user "${cfg.user}" can log in with the key`, async () => {
    if (missingKeys.length > 0) {
      throw new StepFailed(
        `the key file ${missingKeys.join(' and the key file ')} does not exist`,
        'Put the key file there, or point the session at the right one (an absolute path: a service runs from another folder).',
      );
    }
    if (!loggedIn) {
      const info = classify(loginError ?? new Error('the server closed the connection'), cfg, context());
      throw new StepFailed(info.message, info.hint);
    }
    return 'logged in';
  }));

  // 6. Each forward's listening side can be opened; a remote forward is then checked from the
  // server's side, as the running tunnel checks it: "listening" is not yet "reached".
  let checking: RemoteForward | undefined;
  client.on('tcp connection', (info, accept, reject) => (checking ? checking.handle(info, accept, reject) : reject()));
  for (const f of cfg.forwards) {
    const spec = forwardSpec(f);
    if (f.type !== 'remote') {
      await step(`bind:${spec}`, `${spec}: the ${isRemote(f) ? 'server' : 'local'} port can be opened`, () =>
        isRemote(f) ? checkRemoteBind(client, f) : checkLocalBind(f),
      );
      continue;
    }
    const live = new RemoteForward(0, f, () => undefined);
    checking = live;
    try {
      if (await step(`bind:${spec}`, `${spec}: the server port can be opened`, () => checkRemoteBind(client, f, live))) {
        const where = reachAddresses(live.requestAddress)
          .map((a) => (a.includes(':') ? `[${a}]` : a))
          .join(' and ');
        await step(`reach:${spec}`, `${spec}: a connection made on the server to ${where} comes through this tunnel`, () => checkReach(client, live));
      }
    } finally {
      checking = undefined;
      // Give the port straight back: diagnose must not hold it against the real tunnel.
      await live.release(client);
    }
  }

  // 7. Each forward's target can be reached from where the traffic will come out.
  for (const f of cfg.forwards) {
    if (!('targetHost' in f)) continue;
    const where = f.type === 'remote' ? 'this machine' : 'the SSH server';
    await step(`target:${forwardSpec(f)}`, `${f.targetHost}:${f.targetPort} is reachable from ${where}`, () =>
      f.type === 'remote' ? checkLocalTarget(f.targetHost, f.targetPort) : checkServerTarget(client, f.targetHost, f.targetPort),
    );
  }

  client.end();
  client.destroy();
  // ssh2's destroy() leaves its socket open once end() was called: against a frozen server the
  // process would never exit.
  (client as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
  return { session: cfg.name, ok: steps.every((s) => s.status === 'pass'), steps };
}

/** RFC 4253 §4.2: the identification line is at most 255 bytes with its CR LF. */
const MAX_BANNER_LINE = 255;
/** Lines a server may send before its identification line (OpenSSH's client allows as many). */
const MAX_PRE_BANNER_LINES = 1024;

/**
 * Connects to the SSH port and reads the server's identification line, reading at most
 * MAX_BANNER_LINE bytes per line and MAX_PRE_BANNER_LINES lines: whatever answers there, the
 * check holds a bounded amount of it.
 */
function readBanner(cfg: SessionConfig, timeoutMs: number): Promise<string> {
  const target = `${cfg.host}:${cfg.port}`;
  return new Promise<string>((resolve, reject) => {
    const sock = net.connect({ host: cfg.host, port: cfg.port });
    let connected = false;
    let buf = Buffer.alloc(0);
    let lines = 0;
    let firstLine: string | undefined;
    let settled = false;
    const done = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.removeAllListeners('data');
      sock.destroy();
      fn();
    };
    const notSsh = (why: string): void =>
      done(() => reject(new StepFailed(`${target} answers, but not as an SSH server (${why})`, 'Check the SSH port the vendor gave you.')));
    const timer = setTimeout(
      () =>
        done(() =>
          reject(
            connected
              ? new StepFailed(
                  `${target} accepts TCP connections but sent no SSH identification within ${cfg.connectTimeoutSeconds} s`,
                  'Something other than an SSH server listens there, or the server is overloaded: check the SSH port the vendor gave you.',
                )
              : new StepFailed(
                  `no answer from ${target} within ${cfg.connectTimeoutSeconds} s`,
                  'A firewall drops the traffic: allow outbound TCP to that port (the vendor can often move it to a port your firewall allows).',
                ),
          ),
        ),
      timeoutMs,
    );
    sock.once('connect', () => {
      connected = true;
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let nl = buf.indexOf(0x0a); ; nl = buf.indexOf(0x0a)) {
        if (nl < 0) {
          if (buf.length > MAX_BANNER_LINE) notSsh(`a line longer than ${MAX_BANNER_LINE} bytes`);
          return;
        }
        if (nl + 1 > MAX_BANNER_LINE) return notSsh(`a line longer than ${MAX_BANNER_LINE} bytes`);
        const line = buf.subarray(0, nl).toString('latin1').replace(/\r$/, '');
        buf = buf.subarray(nl + 1);
        if (line.startsWith('SSH-')) return done(() => resolve(`the server says ${line.trim()}`));
        firstLine ??= line;
        if (++lines >= MAX_PRE_BANNER_LINES) return notSsh(`${lines} lines without an SSH identification`);
      }
    });
    sock.once('close', () => {
      if (connected) notSsh(firstLine !== undefined ? `it said "${firstLine.slice(0, 60)}" and closed` : 'it closed without a word');
    });
    sock.on('error', (err) => {
      const info = classify(err, cfg);
      done(() => reject(new StepFailed(info.message, info.hint)));
    });
  });
}

function isRemote(f: ForwardConfig): boolean {
  return f.type === 'remote' || f.type === 'remote-dynamic';
}

/** The forward's addresses on the server, checked from there (forward.ts, checkReach). */
async function checkReach(client: ssh2.Client, live: RemoteForward): Promise<string> {
  const reach = await live.checkReach(client);
  const port = live.boundPort;
  const at = (a: string): string => `${a.includes(':') ? `[${a}]` : a}:${port}`;
  const value = reachable(reach);
  if (!reach || value === undefined) {
    return 'not checked: the server does not let a connection be made from its side (AllowTcpForwarding remote, PermitOpen); the tunnel itself does not need that';
  }
  const half = describeReachProblem({ reach, boundPort: port });
  if (half) {
    const ours = reach.filter((r) => r.answer === 'tunnel').map((r) => at(r.address));
    throw new StepFailed(
      half,
      `${ours.length > 0 ? `Give the vendor ${ours.join(' or ')} as the address to connect to, or choose` : 'Choose'} another remote port for this tunnel, or have the program that holds ${reach
        .filter((r) => r.answer === 'other')
        .map((r) => at(r.address))
        .join(' and ')} on the server stopped.`,
    );
  }
  if (value === 0) throw new StepFailed(`nothing answers at ${reach.map((r) => at(r.address)).join(' or ')} on the server, though it listens for this tunnel`);
  return reach
    .map(
      (r) =>
        `${at(r.address)}: ${r.answer === 'tunnel' ? 'this tunnel' : r.answer === 'none' ? 'not listened on (the server has no such address, or does not use it)' : 'not checked'}`,
    )
    .join('; ');
}

/** Opens a direct-tcpip channel from the server to host:port; resolves true/false, or the refusal reason. */
function serverConnect(client: ssh2.Client, host: string, port: number): Promise<{ ok: true } | { ok: false; reason: number | string; message: string }> {
  return new Promise((resolve) => {
    client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
      if (err) resolve({ ok: false, reason: (err as Error & { reason?: number }).reason ?? '', message: err.message });
      else {
        ch.close();
        resolve({ ok: true });
      }
    });
  });
}

/**
 * Whether the server can listen on the forward's port. With `live`, the port is kept (by that
 * forward, which its caller releases) for the check from the server's side; without, given back.
 */
async function checkRemoteBind(client: ssh2.Client, f: ForwardConfig, live?: RemoteForward): Promise<string> {
  const addr = remoteBindAddress(f);
  const bound = live
    ? await live.bind(client).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))
    : await new Promise<number | Error>((resolve) => client.forwardIn(addr, f.bindPort, (err, port) => resolve(err ?? port)));
  if (typeof bound === 'number') {
    // Give the port straight back: diagnose must not hold it against the real tunnel.
    if (!live) await new Promise<void>((resolve) => client.unforwardIn(addr, bound, () => resolve()));
    return `the server can listen on ${addr || '*'}:${bound}`;
  }
  // The server answers both "in use" and "not permitted" with the same refusal. Tell them apart
  // by connecting to that port from the server itself: something answering means "in use".
  const probeHost = addr === '' || addr === '0.0.0.0' || addr === '*' ? '127.0.0.1' : addr;
  const probe = await serverConnect(client, probeHost, f.bindPort);
  if (probe.ok) {
    throw new StepFailed(
      `port ${f.bindPort} is IN USE on the server (something already listens there)`,
      'Stop the other tunnel that uses this port (an older autossh/PuTTY, or this tunnel running elsewhere), or wait until the server notices a dead one (its ClientAliveInterval), or pick another port the vendor allows.',
    );
  }
  if (probe.reason === CONNECT_FAILED) {
    throw new StepFailed(
      `port ${f.bindPort} is NOT PERMITTED for this user on the server (nothing listens there, yet the server refused)`,
      'Ask the vendor which remote ports your key may use (sshd PermitListen / AllowTcpForwarding), and use one of those.',
    );
  }
  throw new StepFailed(
    `the server refused port ${f.bindPort}: in use or not permitted (it also forbids the check that would tell which: ${probe.message})`,
    'Ask the vendor which remote ports your key may use, and make sure no other tunnel holds this one.',
  );
}

async function checkLocalBind(f: ForwardConfig): Promise<string> {
  const host = localBindAddress(f);
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new StepFailed(
          `cannot listen on ${host ?? '*'}:${f.bindPort} here (${err.code})`,
          err.code === 'EADDRINUSE'
            ? 'Another program uses that port: pick another local port or stop it.'
            : 'Pick a port above 1024 and an address of this machine.',
        ),
      ),
    );
    srv.listen({ port: f.bindPort, host }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(`this machine can listen on ${host ?? '*'}:${port}`));
    });
  });
}

async function checkLocalTarget(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new StepFailed(`no answer from ${host}:${port} within 10 s`, 'A firewall between this machine and the database drops the traffic.'));
    }, 10_000);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(`connected in ${Math.round(performance.now() - t0)} ms`);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new StepFailed(
          `${host}:${port} cannot be reached from this machine (${err.code})`,
          err.code === 'ECONNREFUSED'
            ? 'The database is not running, or listens on another port or address (PostgreSQL: listen_addresses).'
            : err.code === 'ENOTFOUND'
              ? 'The database host name does not resolve here: use its IP address or fix DNS.'
              : 'Check that this machine can reach the database (telnet/psql from here).',
        ),
      );
    });
  });
}

async function checkServerTarget(client: ssh2.Client, host: string, port: number): Promise<string> {
  const r = await serverConnect(client, host, port);
  if (r.ok) return 'the SSH server connected to it';
  throw new StepFailed(
    `the SSH server cannot reach ${host}:${port} (${r.message})`,
    r.reason === ADMINISTRATIVELY_PROHIBITED
      ? 'The server forbids -L forwarding for this user (AllowTcpForwarding / PermitOpen).'
      : 'Check the database host and port as seen from the SSH server, and that the database accepts connections from it.',
  );
}

/**
 * Opens the session's route as the tunnel would, recording a step per stage; resolves with the
 * route's open end (the SSH server) or undefined when a stage failed (that step says why, the
 * later ones are skipped).
 */
async function openDiagnosedRoute(
  cfg: SessionConfig,
  opts: DiagnoseOptions,
  timeoutMs: number,
  steps: DiagnoseStep[],
  onError: (e: ErrorInfo) => void,
): Promise<RouteSocket | undefined> {
  const record = (s: DiagnoseStep): void => {
    steps.push(s);
    opts.onStep?.(s);
  };
  const stages = routeStages(cfg);
  const loadOpts = {
    ...(opts.home ? { home: opts.home } : {}),
    ...(opts.loadIdentity ? { loader: opts.loadIdentity } : {}),
    ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
  };
  // The hops use the session's keys and agent; a key problem is the login step's to tell.
  const identities = await loadIdentities(cfg.auth, { ...loadOpts, ...(opts.secrets ? { secrets: opts.secrets } : {}), agentToo: true }).catch(() => []);
  const agent = await openAgent(cfg.auth, identities, opts.home ?? homedir(), () => undefined).catch(() => undefined);
  let offer: Offer;
  try {
    offer = sessionOffer(cfg.algorithms, cfg.compression);
  } catch {
    offer = sessionOffer(undefined, cfg.compression);
  }
  const hostKey = opts.prompt && cfg.hostKey.policy === 'yes' ? { ...cfg.hostKey, policy: 'ask' as const } : cfg.hostKey;
  const done: Array<{ detail: string; ms: number }> = [];
  let error: ErrorInfo | undefined;
  let last = performance.now();
  const route = openRoute(cfg, {
    offer,
    identities,
    agent,
    loadIdentities: (files) => loadIdentities({ identityFiles: files }, loadOpts),
    checker: (hop) =>
      new HostKeyChecker(
        {
          policy: hostKey.policy,
          ...(hostKey.knownHostsFiles ? { knownHostsFiles: hostKey.knownHostsFiles } : {}),
          ...(hop.fingerprint ? { fingerprint: hop.fingerprint } : {}),
        },
        hop.host,
        hop.port,
        opts.prompt,
        opts.home,
        opts.unknownHostHint,
      ),
    ...(opts.secrets ? { proxyPassword: () => opts.secrets!.get(proxyPasswordSecret(cfg)) } : {}),
    log: () => undefined,
    fail: (e) => {
      error ??= e;
      onError(e);
    },
    onStage: (i, detail) => {
      const now = performance.now();
      done[i] = { detail, ms: Math.round(now - last) };
      last = now;
    },
  });
  const opened = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      error ??= {
        code: 'CONNECT_TIMEOUT',
        message: `the path did not open within ${cfg.connectTimeoutSeconds} s`,
        hint: 'A proxy or jump host does not answer; check its address, or raise the connect timeout.',
      };
      route.destroy();
      resolve(false);
    }, timeoutMs);
    route.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
    route.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  let failed = false;
  stages.forEach((stage, i) => {
    const d = done[i];
    if (d) record({ id: stage.id, title: stage.title, status: 'pass', ms: d.ms, detail: d.detail });
    else if (!failed) {
      failed = true;
      record({
        id: stage.id,
        title: stage.title,
        status: 'fail',
        ms: Math.round(performance.now() - last),
        detail: error?.message ?? 'the path closed',
        ...(error?.hint ? { hint: error.hint } : {}),
      });
    } else record({ id: stage.id, title: stage.title, status: 'skip', ms: 0, detail: 'skipped: an earlier step failed' });
  });
  if (!opened) {
    route.destroy();
    return undefined;
  }
  return route;
}
