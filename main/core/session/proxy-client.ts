/**
 * The client half of the proxies a company network puts between a laptop and the internet: HTTP
 * `CONNECT` (with Basic authentication), SOCKS5 (with user name and password, RFC 1928/1929) and
 * SOCKS4/4a, each spoken on an open TCP socket to the proxy before the SSH connection starts on it.
 * Every refusal is told in the proxy's own terms (its status line, its realm, the SOCKS reply code
 * in words); the password is never part of an error or a log line.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { NetworkProxyConfig } from '../../../common/config.js';
import type { ErrorInfo } from '../../../common/session.js';
import { BurrowError } from './errors.js';
import { hostPort, proxyLabel } from '../../../common/route.js';

/** How much of a proxy's answer is read at most: a CONNECT reply is a few hundred bytes. */
const MAX_ANSWER = 16 * 1024;

export interface ProxyCredentials {
  readonly user?: string;
  readonly password?: string;
}

function fail(info: ErrorInfo): never {
  throw new BurrowError(info);
}

/**
 * Reads from `sock` until `parse` (given everything read so far) returns how many bytes the answer
 * took; resolves with the answer and what was read past it. Rejects when the proxy closes first.
 */
function readAnswer(sock: net.Socket, what: string, parse: (buf: Buffer) => number | undefined): Promise<{ answer: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let held = Buffer.alloc(0);
    const done = (): void => {
      sock.off('data', onData);
      sock.off('close', onClose);
      sock.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      // The socket may hand on views of memory it reuses: keep a copy.
      held = Buffer.concat([held, chunk]);
      let used: number | undefined;
      try {
        used = parse(held);
      } catch (err) {
        done();
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (used !== undefined) {
        done();
        // Nothing more is read until the SSH connection takes the socket over.
        sock.pause();
        resolve({ answer: held.subarray(0, used), rest: held.subarray(used) });
      } else if (held.length > MAX_ANSWER) {
        done();
        reject(
          new BurrowError({
            code: 'PROXY_FAILED',
            message: `${what} sent more than ${MAX_ANSWER} bytes without finishing its answer`,
            hint: 'Check that the address is a proxy of the type configured.',
          }),
        );
      }
    };
    const onClose = (): void => {
      done();
      reject(
        new BurrowError({
          code: 'PROXY_FAILED',
          message: `${what} closed the connection before answering${held.length > 0 ? ` in full (it sent ${JSON.stringify(held.subarray(0, 60).toString('latin1'))})` : ''}`,
          hint: 'Check that the address is a proxy of the type configured (an HTTP proxy does not speak SOCKS, nor the other way round).',
        }),
      );
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    sock.on('data', onData);
    sock.once('close', onClose);
    sock.once('error', onError);
    sock.resume();
  });
}

/**
 * Asks the proxy on `sock` (connected or connecting) for a tunnel to `host:port`; resolves with
 * the bytes read past its answer, which belong to the SSH server.
 */
export async function proxyHandshake(sock: net.Socket, proxy: NetworkProxyConfig, host: string, port: number, creds: ProxyCredentials): Promise<Buffer> {
  const what = `The ${proxyLabel(proxy.type)} ${hostPort(proxy.host, proxy.port)}`;
  switch (proxy.type) {
    case 'http':
      return httpConnect(sock, what, host, port, creds);
    case 'socks5':
      return socks5(sock, what, host, port, creds, proxy.remoteDns !== false);
    case 'socks4':
      return socks4(sock, what, host, port, creds, proxy.remoteDns !== false);
  }
}

// ------------------------------------------------------------------------------------------------
// HTTP CONNECT (RFC 9110 §9.3.6)
// ------------------------------------------------------------------------------------------------

async function httpConnect(sock: net.Socket, what: string, host: string, port: number, creds: ProxyCredentials): Promise<Buffer> {
  const target = hostPort(host, port);
  const auth = creds.user !== undefined ? `Proxy-Authorization: Basic ${Buffer.from(`${creds.user}:${creds.password ?? ''}`).toString('base64')}\r\n` : '';
  sock.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
  const { answer, rest } = await readAnswer(sock, what, (buf) => {
    const end = buf.indexOf('\r\n\r\n');
    return end < 0 ? undefined : end + 4;
  });
  const lines = answer.toString('latin1').split('\r\n');
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})\s*(.*)$/.exec(lines[0] ?? '');
  if (!status) {
    fail({
      code: 'PROXY_FAILED',
      message: `${what} did not answer as an HTTP proxy (it sent ${JSON.stringify((lines[0] ?? '').slice(0, 60))})`,
      hint: 'Check the proxy type and port: a SOCKS proxy or a web server is not an HTTP proxy.',
    });
  }
  const code = Number(status[1]);
  const reason = status[2] ? ` ${status[2]}` : '';
  if (code >= 200 && code < 300) return Buffer.from(rest);
  const header = (name: string): string | undefined =>
    lines
      .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
      ?.slice(name.length + 1)
      .trim();
  // 407 is the standard answer; some proxies (tinyproxy 1.11 among them) answer a CONNECT that
  // lacks credentials with 401 and WWW-Authenticate instead.
  if (code === 407 || code === 401) {
    const realm = /realm="([^"]*)"/i.exec(header('Proxy-Authenticate') ?? header('WWW-Authenticate') ?? '')?.[1];
    const inRealm = realm ? ` for "${realm}"` : '';
    fail(
      creds.user === undefined
        ? {
            code: 'PROXY_AUTH',
            message: `${what} asks for a user name and password${inRealm} (${code}${reason})`,
            hint: "Give the proxy's user name in the session's proxy settings and its password when asked; your network's administrators know them.",
          }
        : {
            code: 'PROXY_AUTH',
            message: `${what} refused the user name "${creds.user}" and its password${inRealm} (${code}${reason})`,
            hint: "Check the proxy's user name and password (they are often your network login); Burrow tries again slowly until they are changed.",
          },
    );
  }
  if (code === 403 || code === 405) {
    fail({
      code: 'PROXY_REFUSED',
      message: `${what} refused to connect to ${target} (${code}${reason})`,
      hint: `Its rules do not allow that destination: ask your network's administrators to allow CONNECT to ${target}.`,
    });
  }
  if (code === 502 || code === 503 || code === 504) {
    fail({
      code: 'PROXY_REFUSED',
      message: `${what} could not reach ${target} (${code}${reason})`,
      hint: 'The SSH server is down or the name does not resolve from the proxy; Burrow tries again by itself.',
    });
  }
  fail({
    code: 'PROXY_FAILED',
    message: `${what} answered ${code}${reason} to CONNECT ${target}`,
    hint: 'Check the proxy settings with your network administrators.',
  });
}

// ------------------------------------------------------------------------------------------------
// SOCKS5 (RFC 1928) with user name and password (RFC 1929)
// ------------------------------------------------------------------------------------------------

const SOCKS5_REPLIES: Readonly<Record<number, string>> = {
  1: 'general failure',
  2: 'connection not allowed by its rules',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** The destination as SOCKS5 carries it: a name for the proxy to resolve, or an address. */
async function socks5Address(host: string, remoteDns: boolean): Promise<Buffer> {
  let address = host;
  if (!net.isIP(host) && !remoteDns) address = (await lookup(host)).address;
  if (net.isIPv4(address)) return Buffer.from([1, ...address.split('.').map(Number)]);
  if (net.isIPv6(address)) return Buffer.concat([Buffer.from([4]), ipv6Bytes(address)]);
  const name = Buffer.from(address, 'utf8');
  if (name.length > 255)
    fail({
      code: 'CONFIG_INVALID',
      message: `The host name "${host.slice(0, 40)}…" is longer than SOCKS5 carries (255 bytes)`,
      hint: 'Give the server by address.',
    });
  return Buffer.concat([Buffer.from([3, name.length]), name]);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const part = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const a = part(head);
  const b = part(tail);
  const words = address.includes('::') ? [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b] : a;
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

async function socks5(sock: net.Socket, what: string, host: string, port: number, creds: ProxyCredentials, remoteDns: boolean): Promise<Buffer> {
  const withPassword = creds.user !== undefined;
  sock.write(Buffer.from(withPassword ? [5, 2, 0, 2] : [5, 1, 0]));
  const greeting = await readAnswer(sock, what, (b) => (b.length >= 2 ? 2 : undefined));
  if (greeting.answer[0] !== 5) {
    fail({
      code: 'PROXY_FAILED',
      message: `${what} did not answer as a SOCKS5 proxy`,
      hint: 'Check the proxy type and port: an HTTP proxy does not speak SOCKS.',
    });
  }
  const method = greeting.answer[1];
  if (method === 0xff) {
    fail({
      code: 'PROXY_AUTH',
      message: withPassword
        ? `${what} accepts none of the ways Burrow logs in (no authentication, user name and password)`
        : `${what} asks for a user name and password`,
      hint: "Give the proxy's user name in the session's proxy settings and its password when asked.",
    });
  }
  if (method === 2) {
    const user = Buffer.from(creds.user ?? '', 'utf8');
    const pass = Buffer.from(creds.password ?? '', 'utf8');
    if (user.length > 255 || pass.length > 255)
      fail({ code: 'CONFIG_INVALID', message: `The user name or password for ${what} is longer than SOCKS5 carries (255 bytes)`, hint: 'Use a shorter one.' });
    sock.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
    const reply = await readAnswer(sock, what, (b) => (b.length >= 2 ? 2 : undefined));
    if (reply.answer[1] !== 0) {
      fail({
        code: 'PROXY_AUTH',
        message: `${what} refused the user name "${creds.user ?? ''}" and its password`,
        hint: "Check the proxy's user name and password; Burrow tries again slowly until they are changed.",
      });
    }
  } else if (method !== 0) {
    fail({
      code: 'PROXY_FAILED',
      message: `${what} chose a way of logging in Burrow did not offer (method ${method})`,
      hint: 'Check that the address is a SOCKS5 proxy.',
    });
  }
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  sock.write(Buffer.concat([Buffer.from([5, 1, 0]), await socks5Address(host, remoteDns), portBytes]));
  const { answer, rest } = await readAnswer(sock, what, (b) => {
    if (b.length < 5) return undefined;
    const size = b[3] === 1 ? 4 : b[3] === 4 ? 16 : b[3] === 3 ? 1 + b[4]! : 0;
    return b.length >= 4 + size + 2 ? 4 + size + 2 : undefined;
  });
  const rep = answer[1]!;
  if (rep !== 0) {
    const words = SOCKS5_REPLIES[rep] ?? `reply code ${rep}`;
    fail({
      code: rep === 2 ? 'PROXY_REFUSED' : rep === 7 || rep === 8 ? 'PROXY_FAILED' : 'PROXY_REFUSED',
      message: `${what} could not connect to ${hostPort(host, port)}: ${words} (SOCKS5 reply ${rep})`,
      hint:
        rep === 2
          ? `Its rules do not allow that destination: ask your network's administrators to allow ${hostPort(host, port)}.`
          : rep === 8 && remoteDns
            ? 'The proxy does not resolve names: turn off "proxy resolves names" so this machine resolves the server.'
            : 'The SSH server may be down or unreachable from the proxy; Burrow tries again by itself.',
    });
  }
  return Buffer.from(rest);
}

// ------------------------------------------------------------------------------------------------
// SOCKS4 and SOCKS4a
// ------------------------------------------------------------------------------------------------

const SOCKS4_REPLIES: Readonly<Record<number, string>> = {
  0x5b: 'request rejected or failed',
  0x5c: 'the proxy could not reach an identd on this machine',
  0x5d: 'identd reported another user',
};

async function socks4(sock: net.Socket, what: string, host: string, port: number, creds: ProxyCredentials, remoteDns: boolean): Promise<Buffer> {
  let address = host;
  if (!net.isIP(host) && !remoteDns) address = (await lookup(host, { family: 4 })).address;
  if (net.isIPv6(address)) {
    fail({
      code: 'CONFIG_INVALID',
      message: `${what} cannot carry an IPv6 address (${host})`,
      hint: 'SOCKS4 is IPv4 only: use SOCKS5, or the server by an IPv4 address or name.',
    });
  }
  const head = Buffer.alloc(8);
  head[0] = 4;
  head[1] = 1;
  head.writeUInt16BE(port, 2);
  const user = Buffer.concat([Buffer.from(creds.user ?? '', 'utf8'), Buffer.from([0])]);
  let name = Buffer.alloc(0);
  if (net.isIPv4(address)) address.split('.').forEach((o, i) => (head[4 + i] = Number(o)));
  else {
    // SOCKS4a: address 0.0.0.1 and the name after the user id.
    head[7] = 1;
    name = Buffer.concat([Buffer.from(address, 'utf8'), Buffer.from([0])]);
  }
  sock.write(Buffer.concat([head, user, name]));
  const { answer, rest } = await readAnswer(sock, what, (b) => (b.length >= 8 ? 8 : undefined));
  if (answer[0] !== 0) fail({ code: 'PROXY_FAILED', message: `${what} did not answer as a SOCKS4 proxy`, hint: 'Check the proxy type and port.' });
  const status = answer[1]!;
  if (status !== 0x5a) {
    fail({
      code: 'PROXY_REFUSED',
      message: `${what} could not connect to ${hostPort(host, port)}: ${SOCKS4_REPLIES[status] ?? `reply code ${status}`}`,
      hint: 'The destination may be blocked by its rules or unreachable from it; Burrow tries again by itself.',
    });
  }
  return Buffer.from(rest);
}
