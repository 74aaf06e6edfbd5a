/**
 * Sessions that leave through a company network's proxy, a ProxyCommand, or log in with an SSH
 * agent: against Debian's tinyproxy and microsocks, netcat-openbsd, OpenSSH's ssh-agent and a real
 * sshd. Never a stand-in for any of them.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, type SessionDeps } from '../../../main/core/session/session.js';
import { diagnose } from '../../../main/core/diagnose.js';
import { FileSecretStore } from '../../../main/core/keys/secret-store.js';
import { proxyPasswordSecretName } from '../../../main/core/session/identity.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { HttpProxy, Socks5Proxy, proxiesUnavailable } from '../../helpers/proxies.js';
import { echoServer, freePort, roundTrip, waitFor } from '../../helpers/net.js';
import { loopbackRemote, runSession, sessionFor, testDeps, waitForState, type SessionRun } from '../../helpers/session.js';
import type { SessionConfig } from '../../../common/config.js';
import { toolsMissing } from '../../helpers/tools.js';

const PASSWORD = 'pr0xy-S3cret-value';

describe('proxies, a ProxyCommand and an SSH agent, against real ones', { skip: sshdUnavailable() ?? proxiesUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let secretsDir: string;
  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
    secretsDir = mkdtempSync(path.join(tmpdir(), 'burrow-proxy-secrets-'));
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
    rmSync(secretsDir, { recursive: true, force: true });
  });

  /** Runs a session with a remote forward to the echo server; the logs and every snapshot are kept. */
  async function run(over: Partial<SessionConfig>, until: (s: Session, remote: number) => Promise<unknown>, deps: SessionDeps = {}): Promise<SessionRun> {
    const remote = await freePort();
    return runSession(sessionFor(sshd, [loopbackRemote(remote, echo.port)], { connectTimeoutSeconds: 8, ...over }), testDeps(sshd, deps), (s) =>
      until(s, remote),
    );
  }
  const carries = async (s: Session, remote: number): Promise<void> => {
    await waitForState(s, 'connected');
    assert.equal((await roundTrip(remote, 'through the proxy')).toString(), 'through the proxy');
  };
  const secrets = async (id: string, password: string): Promise<FileSecretStore> => {
    const store = new FileSecretStore(path.join(secretsDir, id), { env: {} });
    await store.set(proxyPasswordSecretName(id), password);
    return store;
  };
  /** Everything a person or a log could see of a run. */
  const shown = (r: SessionRun): string => JSON.stringify(r);

  test('HTTP CONNECT through tinyproxy: the tunnel carries data, the proxy saw the CONNECT, and it comes back after the proxy restarts', async () => {
    const proxy = await HttpProxy.start();
    try {
      const r = await run({ proxy: { type: 'http', host: proxy.host, port: proxy.port } }, async (s, remote) => {
        await carries(s, remote);
        assert.deepEqual(proxy.connects(), [`CONNECT 127.0.0.1:${sshd.port} HTTP/1.1`]);
        await proxy.restart();
        await waitFor(() => s.snapshot().state !== 'connected', 'the session notices the proxy went away');
        await carries(s, remote);
      });
      assert.ok(
        r.logs.some((l) => l.includes(`connecting through HTTP proxy 127.0.0.1:${proxy.port} → 127.0.0.1:${sshd.port}`)),
        r.logs.join('\n'),
      );
    } finally {
      await proxy.dispose();
    }
  });

  test('HTTP proxy with Basic authentication: none given, wrong one, right one from the secret store; the password is never shown', async () => {
    const proxy = await HttpProxy.start({ user: 'alice', password: PASSWORD });
    try {
      const http = { proxy: { type: 'http' as const, host: proxy.host, port: proxy.port } };
      const none = await run(http, (s) => waitForState(s, 'error'));
      const e1 = none.last.lastError!;
      assert.equal(e1.code, 'PROXY_AUTH');
      assert.match(e1.message, new RegExp(`HTTP proxy 127\\.0\\.0\\.1:${proxy.port} asks for a user name and password for "Tinyproxy" \\(40[17]`));

      const withUser = { proxy: { ...http.proxy, user: 'alice' } };
      const wrong = await run(withUser, (s) => waitForState(s, 'error'), { secrets: await secrets('test', 'not-the-password') });
      assert.equal(wrong.last.lastError!.code, 'PROXY_AUTH');
      assert.match(wrong.last.lastError!.message, /refused the user name "alice" and its password/);
      assert.ok(!shown(wrong).includes('not-the-password'));

      const right = await run(withUser, carries, { secrets: await secrets('test', PASSWORD) });
      assert.ok(!shown(right).includes(PASSWORD), 'the password appears in no log line or snapshot');
    } finally {
      await proxy.dispose();
    }
  });

  test('SOCKS5 through microsocks with a user and password; a wrong password and a dead proxy are named', async () => {
    const proxy = await Socks5Proxy.start({ user: 'bob', password: PASSWORD });
    try {
      const socks = { proxy: { type: 'socks5' as const, host: proxy.host, port: proxy.port, user: 'bob' } };
      const ok = await run(
        socks,
        async (s, remote) => {
          await carries(s, remote);
          await proxy.restart();
          await waitFor(() => s.snapshot().state !== 'connected', 'the session notices the proxy went away');
          await carries(s, remote);
        },
        { secrets: await secrets('test', PASSWORD) },
      );
      assert.ok(!shown(ok).includes(PASSWORD));

      const wrong = await run(socks, (s) => waitForState(s, 'error'), { secrets: await secrets('test', 'wrong-one') });
      assert.equal(wrong.last.lastError!.code, 'PROXY_AUTH');
      assert.match(wrong.last.lastError!.message, new RegExp(`SOCKS5 proxy 127\\.0\\.0\\.1:${proxy.port} refused the user name "bob"`));

      await proxy.stop();
      const dead = await run(socks, (s) => waitFor(() => s.snapshot().lastError !== undefined, 'an error'), { secrets: await secrets('test', PASSWORD) });
      const e = dead.last.lastError!;
      assert.equal(e.code, 'CONNECT_REFUSED');
      assert.match(e.message, new RegExp(`^The SOCKS5 proxy: Nothing accepts SSH connections at 127\\.0\\.0\\.1:${proxy.port}`));
      assert.match(e.hint ?? '', /proxy's host and port/);
    } finally {
      await proxy.dispose();
    }
  });

  test("SOCKS4 and SOCKS4a through Burrow's own -D (a real SOCKS server, through sshd)", async () => {
    // A first session offers SOCKS on a local port (`ssh -D`); the second leaves through it.
    const dport = await freePort();
    const socksServer = new Session(sessionFor(sshd, [{ type: 'local-dynamic', bindAddress: '127.0.0.1', bindPort: dport }], { id: 'socks' }), testDeps(sshd));
    socksServer.start();
    try {
      await waitForState(socksServer, 'connected');
      await run({ proxy: { type: 'socks4', host: '127.0.0.1', port: dport } }, carries);
      // SOCKS4a: the proxy resolves the name.
      await run(
        { host: 'localhost', hostKey: { policy: 'yes', fingerprint: sshd.hostKeyFingerprint() }, proxy: { type: 'socks4', host: '127.0.0.1', port: dport } },
        carries,
      );
    } finally {
      await socksServer.stop();
    }
  });

  test('ProxyCommand: nc -X connect through tinyproxy carries the tunnel; a command that exits is told with its status and standard error', async () => {
    const proxy = await HttpProxy.start();
    try {
      const r = await run({ proxy: { type: 'command', command: `nc -X connect -x 127.0.0.1:${proxy.port} %h %p` } }, carries);
      // netcat-openbsd asks in HTTP/1.0.
      assert.deepEqual(proxy.connects(), [`CONNECT 127.0.0.1:${sshd.port} HTTP/1.0`]);
      assert.ok(
        r.logs.some((l) => l.includes(`running the proxy command: nc -X connect -x 127.0.0.1:${proxy.port} 127.0.0.1 ${sshd.port}`)),
        r.logs.join('\n'),
      );
    } finally {
      await proxy.dispose();
    }
    const failing = await run({ proxy: { type: 'command', command: 'echo "no route to %h:%p (%%)" >&2; exit 3' } }, (s) =>
      waitFor(() => s.snapshot().lastError !== undefined, 'an error'),
    );
    const e = failing.last.lastError!;
    assert.equal(e.code, 'PROXY_FAILED');
    assert.equal(e.message, `The proxy command exited with status 3: no route to 127.0.0.1:${sshd.port} (%)`);
    assert.ok(
      failing.logs.some((l) => l === `info: proxy command: no route to 127.0.0.1:${sshd.port} (%)`),
      failing.logs.join('\n'),
    );
  });

  test('Test connection crosses the proxy: a step for the proxy, then the SSH steps on the far end; a refused password fails the proxy step', async () => {
    const proxy = await HttpProxy.start({ user: 'alice', password: PASSWORD });
    try {
      const remote = await freePort();
      const cfg = sessionFor(sshd, [loopbackRemote(remote, echo.port)], {
        connectTimeoutSeconds: 8,
        proxy: { type: 'http', host: proxy.host, port: proxy.port, user: 'alice' },
      });
      const spec = `-R 127.0.0.1:${remote}:127.0.0.1:${echo.port}`;
      const ok = await diagnose(cfg, { home: sshd.dir, secrets: await secrets('test', PASSWORD) });
      assert.deepEqual(
        ok.steps.map((x) => [x.id, x.status]),
        [
          ['route:proxy', 'pass'],
          ['algorithms', 'pass'],
          ['host-key', 'pass'],
          ['login', 'pass'],
          [`bind:${spec}`, 'pass'],
          [`reach:${spec}`, 'pass'],
          [`target:${spec}`, 'pass'],
        ],
        JSON.stringify(ok.steps, null, 1),
      );
      assert.equal(ok.steps[0]!.title, `the HTTP proxy 127.0.0.1:${proxy.port} opens a tunnel to 127.0.0.1:${sshd.port}`);
      const refused = await diagnose(cfg, { home: sshd.dir, secrets: await secrets('test', 'nope') });
      assert.deepEqual(
        refused.steps.map((x) => [x.id, x.status]),
        [
          ['route:proxy', 'fail'],
          ['algorithms', 'skip'],
          ['host-key', 'skip'],
          ['login', 'skip'],
          [`bind:${spec}`, 'skip'],
          [`target:${spec}`, 'skip'],
        ],
      );
      assert.match(refused.steps[0]!.detail, /refused the user name "alice"/);
      assert.ok(!JSON.stringify(refused).includes('nope') && !JSON.stringify(ok).includes(PASSWORD));
    } finally {
      await proxy.dispose();
    }
  });

  test(
    'ssh-agent holding the only key that works: the session logs in through it and says which keys it offered',
    { skip: toolsMissing('ssh-agent', 'ssh-add') },
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'burrow-agent-'));
      const sock = path.join(dir, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      try {
        await waitFor(() => {
          try {
            execFileSync('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
            return true;
          } catch (err) {
            // 1: the agent answers and holds no key yet.
            return (err as { status?: number }).status === 1;
          }
        }, 'ssh-agent listens');
        execFileSync('ssh-add', [sshd.clientKeyPath], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
        const fp = execFileSync('ssh-keygen', ['-lf', sshd.clientKeyPath], { encoding: 'utf8' }).split(/\s+/)[1]!;
        const r = await run({ auth: { identityFiles: [], agent: sock } }, carries);
        assert.ok(
          r.logs.some((l) => l.includes(`offering the agent's ssh-ed25519 key ${fp}`)),
          r.logs.join('\n'),
        );

        // IdentitiesOnly with another key file: the agent's key is not offered, and the login fails.
        const other = path.join(dir, 'other');
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
        const only = await run({ auth: { identityFiles: [other], agent: sock, identitiesOnly: true } }, (s) => waitForState(s, 'error'));
        assert.equal(only.last.lastError!.code, 'AUTH_FAILED');
        assert.ok(!only.logs.some((l) => l.includes(fp)), only.logs.join('\n'));
      } finally {
        agent.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
