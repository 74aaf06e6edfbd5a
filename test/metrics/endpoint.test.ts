/**
 * The operator's endpoint against a real sshd: /metrics parsed as Prometheus parses it, following
 * a tunnel through data and an outage; /healthz and /readyz as a probe sees them; no secret in
 * anything it serves; a taken port that stops no tunnel.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { authority, parseListenAddress } from '../../common/metrics.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { echoServer, freePort, roundTrip, waitFor } from '../helpers/net.js';
import { runBurrow, startBurrow, type Running } from '../helpers/cli.js';
import { loopbackRemote } from '../helpers/session.js';
import { tempDir } from '../core/config/fixtures.js';

interface Family {
  name: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; count?: string; buckets?: Record<string, string> }>;
}

async function get(port: number, route: string, init: RequestInit = {}): Promise<{ status: number; body: string; type: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${route}`, init);
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') ?? '' };
}

/** A raw request, for what fetch will not send (a foreign Host header). */
function rawGet(port: number, route: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(`GET ${route} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

/**
 * A histogram's count for one session, read from the text: the parser (which checks every line
 * of the format, and throws on one it does not accept) folds a labelled histogram's series into
 * one and keeps only its buckets.
 */
function histogramCount(text: string, name: string, session: string): number | undefined {
  const m = new RegExp(`^${name}_count\\{session="${session}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The value of one series of a family, or undefined. */
function value(families: Family[], name: string, labels: Record<string, string>): number | undefined {
  const f = families.find((x) => x.name === name);
  const m = f?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  if (!m) return undefined;
  return Number(m.value ?? m.count);
}

test('ADDR:PORT is read one way: PORT alone is loopback, IPv6 in brackets, and every mistake is named', () => {
  assert.deepEqual(parseListenAddress('9876'), { host: '127.0.0.1', port: 9876 });
  assert.deepEqual(parseListenAddress('0.0.0.0:9100'), { host: '0.0.0.0', port: 9100 });
  assert.deepEqual(parseListenAddress('[::1]:9100'), { host: '::1', port: 9100 });
  assert.deepEqual(parseListenAddress('localhost:80'), { host: 'localhost', port: 80 });
  assert.equal(authority({ host: '::', port: 1 }), '[::]:1');
  assert.deepEqual(parseListenAddress('::1:9100'), { problem: 'write an IPv6 address in brackets: [::1]:9100' });
  assert.deepEqual(parseListenAddress('1.2.3:80'), { problem: '"1.2.3" is not an IP address (give 127.0.0.1, 0.0.0.0, [::1] or this machine\'s own address)' });
  assert.deepEqual(parseListenAddress('127.0.0.1:70000'), { problem: '"70000" is not a port: give a number from 1 to 65535' });
  assert.deepEqual(parseListenAddress(''), { problem: '"" is not a port: give a number from 1 to 65535' });
});

describe('burrow run --metrics', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let dir: string;
  let config: string;
  let tunnelPort: number;
  const PASSPHRASE = 'planted-passphrase-4c1e9';
  let keyPath: string;
  const missingKey = '/nonexistent/planted-key-path-77aa/id_rsa';
  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
    dir = tempDir();
    // The session's key, encrypted with a passphrase, at a path that must never be served.
    keyPath = path.join(dir, 'keys', 'planted-secret-key-file-31f0');
    mkdirSync(path.dirname(keyPath), { recursive: true, mode: 0o700 });
    copyFileSync(sshd.clientKeyPath, keyPath);
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', PASSPHRASE, '-f', keyPath]);
    tunnelPort = await freePort();
    config = path.join(dir, 'config', 'config.json');
    mkdirSync(path.dirname(config), { recursive: true, mode: 0o700 });
    const base = { host: '127.0.0.1', port: sshd.port, user: sshd.user, hostKey: { policy: 'yes', knownHostsFiles: [sshd.knownHostsPath] } };
    writeFileSync(
      config,
      JSON.stringify({
        version: 3,
        sessions: [
          { ...base, name: 'warehouse', autostart: true, auth: { identityFiles: [keyPath] }, forwards: [loopbackRemote(tunnelPort, echo.port)] },
          { ...base, name: 'broken', autostart: false, auth: { identityFiles: [missingKey] }, forwards: [loopbackRemote(await freePort(), echo.port)] },
        ],
      }),
    );
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
  });

  test('/metrics follows the tunnel through data and an outage; /readyz goes 200 → 503 → 200 while /healthz stays 200; nothing secret is served', async () => {
    const port = await freePort();
    const served: string[] = [];
    const scrape = async (): Promise<Family[]> => {
      const r = await get(port, '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain; version=0\.0\.4/);
      served.push(r.body);
      return parsePrometheusTextFormat(r.body) as Family[];
    };
    const probe = async (route: '/healthz' | '/readyz'): Promise<{ status: number; body: string }> => {
      const r = await get(port, route);
      served.push(r.body);
      return r;
    };
    const run: Running = startBurrow(['run', '--json', '--metrics', `127.0.0.1:${port}`, '--autostart', '--config', config], { BURROW_PASSPHRASE: PASSPHRASE });
    try {
      await run.waitForLine((l) => l.type === 'note' && typeof l.message === 'string' && l.message.startsWith(`metrics: http://127.0.0.1:${port}/metrics`));
      await run.waitForLine((l) => l.session === 'warehouse' && l.state === 'connected');

      let m = await scrape();
      assert.equal(value(m, 'burrow_session_up', { session: 'warehouse' }), 1);
      assert.equal(value(m, 'burrow_session_up', { session: 'broken' }), 0);
      assert.equal(value(m, 'burrow_session_state', { session: 'warehouse', state: 'connected' }), 1);
      assert.equal(value(m, 'burrow_session_state', { session: 'warehouse', state: 'reconnecting' }), undefined, 'one series per session: its current state');
      assert.equal(value(m, 'burrow_session_autostart', { session: 'warehouse' }), 1);
      assert.equal(value(m, 'burrow_forward_listening', { session: 'warehouse', forward: `-R 127.0.0.1:${tunnelPort}:127.0.0.1:${echo.port}` }), 1);
      // Checked from the server's side: its address is the tunnel's.
      await waitFor(
        async () =>
          value(await scrape(), 'burrow_forward_reachable', { session: 'warehouse', forward: `-R 127.0.0.1:${tunnelPort}:127.0.0.1:${echo.port}` }) === 1,
        'the forward checked from the server',
      );
      assert.equal(m.find((f) => f.name === 'burrow_session_handshake_seconds')?.type, 'HISTOGRAM');
      assert.equal(histogramCount(served.at(-1)!, 'burrow_session_handshake_seconds', 'warehouse'), 1, 'one handshake observed');
      assert.equal(value(m, 'burrow_session_reconnects_total', { session: 'warehouse' }), undefined, 'no reconnect yet');
      const connectedAt = value(m, 'burrow_session_state_since_seconds', { session: 'warehouse' }) ?? -1;
      assert.ok(connectedAt > Date.now() / 1000 - 120 && connectedAt <= Date.now() / 1000, `state since ${connectedAt}`);
      assert.ok(
        m.some((f) => f.name === 'process_resident_memory_bytes'),
        "the process' own metrics",
      );
      assert.equal((await probe('/healthz')).status, 200);
      assert.deepEqual(JSON.parse((await probe('/readyz')).body), { ready: true, notReady: [] });

      // Bytes each way grow with what goes through.
      const payload = Buffer.alloc(300_000, 7);
      assert.equal((await roundTrip(tunnelPort, payload)).length, payload.length);
      await waitFor(
        async () => (value(await scrape(), 'burrow_session_bytes_total', { session: 'warehouse', direction: 'from_target' }) ?? 0) >= payload.length,
        'bytes counted',
      );
      m = await scrape();
      assert.ok((value(m, 'burrow_session_bytes_total', { session: 'warehouse', direction: 'to_target' }) ?? 0) >= payload.length);
      assert.ok((value(m, 'burrow_session_connections_total', { session: 'warehouse' }) ?? 0) >= 1);

      // A session whose key cannot be read: its error's code, never its message (which names the path).
      assert.equal((await runBurrow(['start', 'broken', '--config', config])).code, 0);
      await waitFor(async () => value(await scrape(), 'burrow_session_last_error', { session: 'broken', code: 'KEY_INVALID' }) === 1, 'the error code');

      // The outage: the server goes away; up drops to 0, readiness to 503 naming why, liveness stays.
      await sshd.stop();
      await waitFor(async () => value(await scrape(), 'burrow_session_up', { session: 'warehouse' }) === 0, 'up = 0');
      const down = await probe('/readyz');
      assert.equal(down.status, 503);
      const body = JSON.parse(down.body) as { ready: boolean; notReady: Array<{ session: string; state: string; error?: string }> };
      assert.equal(body.ready, false);
      assert.deepEqual(
        body.notReady.map((n) => n.session),
        ['warehouse'],
      );
      assert.match(body.notReady[0]!.state, /^(reconnecting|connecting)$/);
      assert.equal((await probe('/healthz')).status, 200);

      await sshd.launch();
      await waitFor(async () => value(await scrape(), 'burrow_session_up', { session: 'warehouse' }) === 1, 'up = 1 again', 30_000);
      m = await scrape();
      assert.equal(value(m, 'burrow_session_reconnects_total', { session: 'warehouse' }), 1);
      // The series are formatted again after a change, not served as they were first formatted.
      assert.ok((value(m, 'burrow_session_state_since_seconds', { session: 'warehouse' }) ?? 0) > connectedAt, 'connected again later');
      assert.equal(histogramCount(served.at(-1)!, 'burrow_session_handshake_seconds', 'warehouse'), 2, 'the reconnection observed once');
      assert.equal((await probe('/readyz')).status, 200);

      // Only what it is for, only for loopback names.
      assert.equal((await get(port, '/')).status, 404);
      assert.equal((await get(port, '/metrics', { method: 'POST' })).status, 405);
      assert.match(await rawGet(port, '/metrics', `evil.example:${port}`), /^HTTP\/1\.1 403 /);
      assert.match(await rawGet(port, '/healthz', `localhost:${port}`), /^HTTP\/1\.1 200 /);

      const all = served.join('\n');
      for (const secret of [PASSPHRASE, keyPath, path.basename(keyPath), missingKey, 'planted-key-path', sshd.hostKeyFingerprint(), 'SHA256:'])
        assert.ok(!all.includes(secret), `served: ${secret}`);
    } finally {
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0, run.stderr());
    }
    // Stopped with the process: the port is free again.
    await assert.rejects(get(port, '/healthz'));
  });

  test('a taken metrics port: a clear error at start, and the tunnel still runs', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    const run = startBurrow(['run', '--json', '--metrics', String(port), '--autostart', '--config', config], { BURROW_PASSPHRASE: PASSPHRASE });
    try {
      const err = await run.waitForLine((l) => l.type === 'error');
      assert.equal(
        err.message,
        `the metrics address 127.0.0.1:${port} is taken by another program: no metrics are served, the tunnels run on. Choose another port (--metrics 127.0.0.1:PORT, or Settings), or find the program with \`ss -ltnp 'sport = :${port}'\`.`,
      );
      await run.waitForLine((l) => l.session === 'warehouse' && l.state === 'connected');
      assert.equal((await roundTrip(tunnelPort, 'still up')).toString(), 'still up');
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
      taken.close();
    }
  });

  test('a bad --metrics or BURROW_METRICS is a usage error naming it; nothing starts', async () => {
    const bad = await runBurrow(['run', '--metrics', '1.2.3:80', '--config', config]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^burrow run: --metrics "1\.2\.3:80": "1\.2\.3" is not an IP address/m);
    const env = await runBurrow(['run', '--config', config], { BURROW_METRICS: '[::1]:0' });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /^burrow run: BURROW_METRICS "\[::1\]:0": "0" is not a port/m);
  });
});
