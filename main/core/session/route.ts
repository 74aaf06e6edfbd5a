/**
 * The way to a session's SSH server when it is not a plain TCP connection: through an HTTP or SOCKS
 * proxy, through a ProxyCommand, across jump hosts (`-J`), or a proxy and then jump hosts.
 *
 *   this machine ──(TCP | proxy | command)──▶ jump 1 ──direct-tcpip──▶ jump 2 … ──▶ the server
 *
 * Each jump host is a full SSH connection of its own: its user, keys (or the session's), host key
 * checked against known_hosts under the session's policy, keepalive; the next hop is a
 * `direct-tcpip` channel of the one before (what `ssh -J` does with `-W`). Everything that goes
 * wrong names the hop it happened at. The returned RouteSocket is handed to ssh2 at once; it
 * becomes "connected" when the far end is the server, and destroying it closes every hop.
 */
import { spawn } from 'node:child_process';
import type net from 'node:net';
import { PassThrough } from 'node:stream';
import ssh2 from 'ssh2';
import type { CommandProxyConfig, JumpHostConfig, NetworkProxyConfig, SessionConfig } from '../../../common/config.js';
import type { ErrorInfo } from '../../../common/session.js';
import { connectBatching } from './batching-socket.js';
import { keyAuthHandler } from './auth.js';
import type { SessionAgent } from './agent.js';
import { BurrowError, classify } from './errors.js';
import { ssh2Algorithms, type Offer } from './handshake.js';
import type { HostKeyChecker } from './host-keys.js';
import type { LoadedIdentity } from './identity.js';
import { proxyHandshake } from './proxy-client.js';
import { hostPort, proxyLabel } from '../../../common/route.js';

export { describeRoute } from '../../../common/route.js';
import { RouteSocket, type RouteEnds } from './route-socket.js';
import { keepaliveHeard } from './keepalive.js';

export interface RouteDeps {
  readonly offer: Offer;
  /** The session's identities and agent: a hop without keys of its own uses them. */
  readonly identities: ReadonlyArray<LoadedIdentity>;
  readonly agent?: SessionAgent | undefined;
  /** Loads a hop's own key files. */
  readonly loadIdentities: (files: ReadonlyArray<string>) => Promise<LoadedIdentity[]>;
  /** A host-key checker for a hop (the session's policy and files, the hop's pin). */
  readonly checker: (hop: JumpHostConfig) => HostKeyChecker;
  /** The proxy's password, from the secret store (never in the config). */
  readonly proxyPassword?: () => Promise<string | undefined>;
  readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void;
  /** The route broke, before or after it was open: the attempt fails with this. */
  readonly fail: (info: ErrorInfo) => void;
  /** Called after each batch of writes on the first TCP socket. */
  readonly afterFlush?: () => void;
  /** Each stage of routeStages() as it succeeds, with what it found (Test connection's steps). */
  readonly onStage?: (index: number, detail: string) => void;
}

/** One stage of opening a route, as Test connection shows it. */
export interface RouteStage {
  readonly id: string;
  readonly title: string;
}

/** The stages a session's route goes through, in order: the first connection, then each jump host. */
export function routeStages(cfg: SessionConfig): RouteStage[] {
  const hops = cfg.jumpHosts ?? [];
  const first = hops[0] ?? cfg;
  const stages: RouteStage[] = [];
  if (cfg.proxy?.type === 'command') stages.push({ id: 'route:command', title: `the proxy command starts (to reach ${hopName(first)})` });
  else if (cfg.proxy)
    stages.push({
      id: 'route:proxy',
      title: `the ${proxyLabel(cfg.proxy.type)} ${hostPort(cfg.proxy.host, cfg.proxy.port)} opens a tunnel to ${hopName(first)}`,
    });
  else stages.push({ id: 'route:tcp', title: `TCP reaches the jump host ${hopName(first)}` });
  hops.forEach((h, i) => {
    const next = hops[i + 1] ?? cfg;
    stages.push({
      id: `route:jump${i + 1}`,
      title: `the jump host ${hopName(h)} knows its host key, lets "${h.user ?? cfg.user}" in and reaches ${hopName(next)}`,
    });
  });
  return stages;
}

/** `user@host:port` of a hop, as the log and errors name it. */
export function hopName(hop: { host: string; port: number }): string {
  return hostPort(hop.host, hop.port);
}

/** A session that is not a plain TCP connection to its server. */
export function needsRoute(cfg: SessionConfig): boolean {
  return cfg.proxy !== undefined || (cfg.jumpHosts?.length ?? 0) > 0;
}

/** Starts opening the route; the socket is handed to ssh2 right away. */
export function openRoute(cfg: SessionConfig, deps: RouteDeps): RouteSocket {
  const route = new RouteSocket();
  let failed = false;
  const fail = (info: ErrorInfo): void => {
    if (failed) return;
    failed = true;
    deps.fail(info);
    route.destroy();
  };
  open(cfg, deps, route, fail).catch((err: unknown) => fail(err instanceof BurrowError ? err.info : classify(err, cfg)));
  return route;
}

async function open(cfg: SessionConfig, deps: RouteDeps, route: RouteSocket, fail: (info: ErrorInfo) => void): Promise<void> {
  const hops = cfg.jumpHosts ?? [];
  const first = hops[0] ?? cfg;
  const t0 = Date.now();
  let ends = await firstLeg(cfg, first, deps, route, fail);
  deps.onStage?.(0, cfg.proxy?.type === 'command' ? 'started' : cfg.proxy ? `tunnel open in ${Date.now() - t0} ms` : `connected in ${Date.now() - t0} ms`);
  for (let i = 0; i < hops.length; i++) {
    if (route.destroyed) return;
    const hop = hops[i]!;
    const next = hops[i + 1] ?? cfg;
    const { client, fingerprint } = await login(cfg, hop, ends, deps, route, fail, `jump host ${i + 1} of ${hops.length}`);
    ends = await channelTo(client, hop, next);
    deps.log('debug', `the jump host ${hopName(hop)} opened a channel to ${hopName(next)}`);
    deps.onStage?.(i + 1, `host key ${fingerprint}; logged in as "${hop.user ?? cfg.user}"; channel to ${hopName(next)} open`);
  }
  if (!route.destroyed) route.attach(ends);
}

/** The first connection: a TCP socket, through the proxy if there is one, or the command's pipes. */
async function firstLeg(
  cfg: SessionConfig,
  to: { host: string; port: number },
  deps: RouteDeps,
  route: RouteSocket,
  fail: (i: ErrorInfo) => void,
): Promise<RouteEnds> {
  const proxy = cfg.proxy;
  if (proxy?.type === 'command') return runCommand(cfg, proxy, to, deps, route, fail);
  if (proxy) return throughProxy(proxy, to, deps, route);
  const sock = connectBatching(to.host, to.port, { ...(deps.afterFlush ? { afterFlush: deps.afterFlush } : {}) });
  route.onClose(() => sock.destroy());
  await connected(sock, (err) => classify(err, { host: to.host, port: to.port, user: cfg.user }));
  return { readable: sock, writable: sock };
}

function connected(sock: net.Socket, why: (err: Error) => ErrorInfo): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('connect', () => {
      sock.off('error', onError);
      resolve();
    });
    const onError = (err: Error): void => reject(new BurrowError(why(err)));
    sock.once('error', onError);
  });
}

async function throughProxy(proxy: NetworkProxyConfig, to: { host: string; port: number }, deps: RouteDeps, route: RouteSocket): Promise<RouteEnds> {
  const sock = connectBatching(proxy.host, proxy.port, { ...(deps.afterFlush ? { afterFlush: deps.afterFlush } : {}) });
  route.onClose(() => sock.destroy());
  const label = `${proxy.type === 'http' ? 'HTTP' : proxy.type.toUpperCase()} proxy`;
  await connected(sock, (err) => {
    const info = classify(err, { host: proxy.host, port: proxy.port, user: proxy.user ?? '' });
    return {
      ...info,
      message: `The ${label}: ${info.message}`,
      hint: `Check the proxy's host and port in the session's proxy settings. ${info.hint ?? ''}`.trim(),
    };
  });
  const password = proxy.user !== undefined ? await deps.proxyPassword?.() : undefined;
  const leftover = await proxyHandshake(sock, proxy, to.host, to.port, {
    ...(proxy.user !== undefined ? { user: proxy.user } : {}),
    ...(password !== undefined ? { password } : {}),
  });
  deps.log('debug', `the ${label} ${hostPort(proxy.host, proxy.port)} opened a tunnel to ${hopName(to)}`);
  // After the handshake errors are the route's: a reset proxy socket is a lost connection.
  sock.on('error', () => undefined);
  return { readable: sock, writable: sock, leftover };
}

/** OpenSSH's ProxyCommand tokens: %h %p %r %n %%. */
export function expandProxyCommand(command: string, to: { host: string; port: number }, user: string, originalHost: string): string {
  return command.replace(/%([hprn%])/g, (_, t: string) =>
    t === 'h' ? to.host : t === 'p' ? String(to.port) : t === 'r' ? user : t === 'n' ? originalHost : '%',
  );
}

/** The most of a ProxyCommand's standard error kept for its error message. */
const STDERR_TAIL = 2048;

function runCommand(
  cfg: SessionConfig,
  proxy: CommandProxyConfig,
  to: { host: string; port: number },
  deps: RouteDeps,
  route: RouteSocket,
  fail: (i: ErrorInfo) => void,
): RouteEnds {
  const command = expandProxyCommand(proxy.command, to, cfg.user, cfg.host);
  deps.log('info', `running the proxy command: ${command}`);
  const child =
    process.platform === 'win32'
      ? spawn(process.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', command], {
          stdio: ['pipe', 'pipe', 'pipe'],
          windowsHide: true,
          windowsVerbatimArguments: true,
        })
      : spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL);
    for (const line of text.split('\n')) if (line.trim()) deps.log('info', `proxy command: ${line.trimEnd()}`);
  });
  let ended = false;
  route.onClose(() => {
    ended = true;
    child.stdin.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  child.once('error', (err) =>
    fail({
      code: 'PROXY_FAILED',
      message: `The proxy command could not be started (${err.message}): ${command}`,
      hint: 'Check that its program is installed and on the PATH Burrow runs with.',
    }),
  );
  // The command's output reaches ssh2 through a PassThrough that ends only once the command has
  // exited: its output pipe closes just before the exit is reported, and a failing command must be
  // told by its status and standard error, not as a lost connection.
  const output = new PassThrough();
  child.stdout.pipe(output, { end: false });
  child.once('exit', (code, signal) => {
    if (ended) return;
    if (code === 0) {
      output.end();
      return;
    }
    const tail = stderr.trim().split('\n').slice(-3).join(' / ');
    fail({
      code: 'PROXY_FAILED',
      message: `The proxy command ${signal ? `was ended by ${signal}` : `exited with status ${code}`}${tail ? `: ${tail}` : ''}`,
      hint: `Run it by hand to see why: ${command}`,
    });
  });
  // Its output pipe may close with an error once the process is gone; the exit says why.
  child.stdout.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  // Writes to a command that has exited fail (EPIPE) before its exit is reported: they go through
  // a PassThrough, so that error is not what ends the connection either.
  const input = new PassThrough();
  input.pipe(child.stdin);
  return { readable: output, writable: input };
}

/** Logs in to a jump host over `ends`; its later loss fails the whole route. */
async function login(
  cfg: SessionConfig,
  hop: JumpHostConfig,
  ends: RouteEnds,
  deps: RouteDeps,
  route: RouteSocket,
  fail: (i: ErrorInfo) => void,
  which: string,
): Promise<{ client: ssh2.Client; fingerprint: string }> {
  const name = hopName(hop);
  const user = hop.user ?? cfg.user;
  const named = (info: ErrorInfo): ErrorInfo => ({ ...info, message: `The jump host ${name} (${which}): ${info.message}` });
  const own = hop.identityFiles && hop.identityFiles.length > 0;
  const identities = own ? await deps.loadIdentities(hop.identityFiles!) : deps.identities;
  const auth = keyAuthHandler(identities, user, (m) => deps.log('debug', `${name}: ${m}`), own ? undefined : deps.agent);
  const checker = deps.checker(hop);
  const hostKey = await checker.preferredAlgorithms(deps.offer.hostKey);
  const sock = new RouteSocket();
  sock.attach(ends);
  const client = new ssh2.Client();
  route.onClose(() => {
    client.destroy();
    sock.destroy();
  });
  let verdictError: ErrorInfo | undefined;
  let fingerprint = '';
  const keepaliveMs = cfg.keepalive.intervalSeconds * 1000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new BurrowError(named(verdictError ?? classify(err, { host: hop.host, port: hop.port, user }, { auth: auth.progress }))));
    client.once('error', onError);
    client.once('close', () =>
      reject(
        new BurrowError(named({ code: 'CONNECTION_LOST', message: 'closed the connection before it was ready', hint: "Check the jump host's sshd log." })),
      ),
    );
    client.once('ready', () => {
      client.off('error', onError);
      client.removeAllListeners('close');
      // A hop carries the whole tunnel: while it brings bytes it is alive, whatever its keepalive
      // replies wait behind (keepalive.ts). Listened to from here, when ssh2 already reads it.
      const alive = keepaliveHeard(client, keepaliveMs);
      alive.ready();
      sock.on('data', () => alive.heard());
      resolve();
    });
    let acceptedKey: Buffer | undefined;
    client.connect({
      sock,
      host: hop.host,
      port: hop.port,
      username: user,
      authHandler: auth.handler,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void): boolean | undefined => {
        if (acceptedKey) return key.equals(acceptedKey);
        checker
          .check(key)
          .then((v) => {
            if (v.ok) {
              acceptedKey = Buffer.from(key);
              fingerprint = v.fingerprint;
              if (v.note) deps.log('info', `${name}: ${v.note}`);
            } else verdictError = v.error;
            verify(v.ok);
          })
          .catch((err: unknown) => {
            verdictError = { code: 'CONFIG_INVALID', message: `its host key could not be checked: ${err instanceof Error ? err.message : String(err)}` };
            verify(false);
          });
        return undefined;
      },
      algorithms: { ...ssh2Algorithms({ ...deps.offer, hostKey }) },
      keepaliveInterval: keepaliveMs,
      keepaliveCountMax: cfg.keepalive.countMax,
      readyTimeout: 0,
    } as ssh2.ConnectConfig);
  });
  deps.log('debug', `logged in to the jump host ${name} as "${user}"`);
  client.on('error', (err: Error) => fail(named(classify(err, { host: hop.host, port: hop.port, user }))));
  client.on('close', () =>
    fail(
      named({
        code: 'CONNECTION_LOST',
        message: 'closed the connection',
        hint: 'Burrow reconnects the whole path by itself; if it keeps happening, check the jump host.',
      }),
    ),
  );
  return { client, fingerprint };
}

/** A `direct-tcpip` channel from a logged-in hop to the next host. */
function channelTo(client: ssh2.Client, hop: JumpHostConfig, next: { host: string; port: number }): Promise<RouteEnds> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, next.host, next.port, (err, channel) => {
      if (err) {
        reject(
          new BurrowError({
            code: 'CONNECT_REFUSED',
            message: `The jump host ${hopName(hop)} could not connect to ${hopName(next)} (${err.message})`,
            hint: `Check the next host's name and port as the jump host sees them, and that its sshd allows TCP forwarding (AllowTcpForwarding, PermitOpen).`,
          }),
        );
        return;
      }
      resolve({ readable: channel, writable: channel });
    });
  });
}
