/**
 * The container image's entry point, run as a process the way the image runs it (no Docker engine
 * here: the image itself is built where one runs, see the README): Secoda's agent environment,
 * a mounted ssh_config with its key and known_hosts by path (the Kubernetes example), a restart
 * that replaces rather than duplicates, the HEALTHCHECK command, a graceful SIGTERM; and the
 * deploy/ files checked against what the entry point reads.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { echoServer, freePort, roundTrip } from '../helpers/net.js';
import { runBurrow, startBurrow, type Running } from '../helpers/cli.js';
import { echoThrough, socksConnect } from '../helpers/socks-client.js';
import { tempDir } from '../core/config/fixtures.js';
import { TUNNEL_NODE_FLAGS } from '../../main/core/session/v8-flags.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function stop(run: Running): Promise<void> {
  run.child.kill('SIGTERM');
  const started = Date.now();
  assert.equal(await run.exited, 0, run.stderr());
  assert.ok(Date.now() - started < 10_000, "within Docker's 10 s grace period");
}

describe('burrow container (the image entry point)', { skip: sshdUnavailable() }, () => {
  let sshd: Sshd;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let vendorKey: string;
  let hostKey: string;
  before(async () => {
    sshd = await Sshd.start();
    echo = await echoServer();
    const dir = tempDir();
    vendorKey = path.join(dir, 'secoda_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', vendorKey]);
    await sshd.authorize(readFileSync(`${vendorKey}.pub`, 'utf8'));
    hostKey = readFileSync(`${sshd.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  });
  after(async () => {
    await echo?.close();
    await sshd?.dispose();
  });

  test("Secoda's agent environment runs as Secoda's tunnel; a restart with a changed environment replaces it; --health answers; SIGTERM ends it cleanly", async () => {
    const store = path.join(tempDir(), 'var', 'config.json');
    const metrics = await freePort();
    const env = (listenPort: number): NodeJS.ProcessEnv => ({
      BURROW_CONFIG: store,
      BURROW_METRICS: `0.0.0.0:${metrics}`,
      SSH_HOST: '127.0.0.1',
      SSH_PORT: String(sshd.port),
      SSH_LISTEN_PORT: String(listenPort),
      SSH_KEY_BASE64: readFileSync(vendorKey).toString('base64'),
      SSH_USER: sshd.user,
      SSH_HOST_KEY: hostKey,
    });
    const first = await freePort();
    let run = startBurrow(['container'], env(first));
    try {
      await waitForText(run, /the environment \(Secoda\): 1 session \(secoda\)/);
      await waitForText(run, /secoda: connected/);
      const sock = await socksConnect(first, 'socks5-name', 'localhost', echo.port);
      try {
        assert.equal(await echoThrough(sock, 'select 1'), 'select 1');
      } finally {
        sock.destroy();
      }
      // The image's HEALTHCHECK: asks 0.0.0.0's /healthz on loopback.
      const health = await runBurrow(['container', '--health'], { BURROW_METRICS: `0.0.0.0:${metrics}` });
      assert.equal(health.code, 0, health.stderr);
      const ready = await fetch(`http://127.0.0.1:${metrics}/readyz`);
      assert.equal(ready.status, 200);
    } finally {
      await stop(run);
    }
    // The container stopped: --health says so.
    const down = await runBurrow(['container', '--health'], { BURROW_METRICS: `0.0.0.0:${metrics}` });
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`http://127\\.0\\.0\\.1:${metrics}/healthz did not answer`));

    // The compose file changed (another port): the same store, one session, on the new port.
    const second = await freePort();
    run = startBurrow(['container'], env(second));
    try {
      await waitForText(run, /secoda: connected/);
      const sessions = JSON.parse((await runBurrow(['sessions', 'list', '--json', '--config', store])).stdout) as Array<{ name: string; forwards: string[] }>;
      assert.deepEqual(
        sessions.map((s) => s.name),
        ['secoda'],
      );
      const sock = await socksConnect(second, 'socks5', '127.0.0.1', echo.port);
      try {
        assert.equal(await echoThrough(sock, 'moved'), 'moved');
      } finally {
        sock.destroy();
      }
    } finally {
      await stop(run);
    }
    assert.ok(!readFileSync(store, 'utf8').includes('PRIVATE KEY'), 'the key went to the secret store, not the config');
  });

  test('a mounted ssh_config with its key and known_hosts by path (the Kubernetes example) runs; a bad environment stops the container with the fix', async () => {
    const dir = tempDir();
    const mounted = path.join(dir, 'etc', 'burrow');
    mkdirSync(path.join(mounted, 'keys'), { recursive: true });
    mkdirSync(path.join(mounted, 'config'), { recursive: true });
    const key = path.join(mounted, 'keys', 'id_ed25519');
    writeFileSync(key, readFileSync(sshd.clientKeyPath), { mode: 0o440 });
    writeFileSync(path.join(mounted, 'config', 'known_hosts'), readFileSync(sshd.knownHostsPath));
    const port = await freePort();
    // deploy/kubernetes.yaml's ssh_config, pointed at the test's server.
    const k8s = parseYaml(readFileSync(path.join(ROOT, 'deploy', 'kubernetes.yaml'), 'utf8').split(/^---$/m)[0]!) as { data: Record<string, string> };
    const sshConfig = k8s.data
      .ssh_config!.replace('tunnel.vendor.example', '127.0.0.1')
      .replace('Port 22', `Port ${sshd.port}`)
      .replace('User tunnel', `User ${sshd.user}`)
      .replace('/etc/burrow/keys/id_ed25519', key)
      .replace('/etc/burrow/config/known_hosts', path.join(mounted, 'config', 'known_hosts'))
      .replace('RemoteForward 0.0.0.0:11433 db.internal:5432', `RemoteForward 127.0.0.1:${port} 127.0.0.1:${echo.port}`);
    writeFileSync(path.join(mounted, 'config', 'ssh_config'), sshConfig);
    const store = path.join(dir, 'var', 'config.json');
    const run = startBurrow(['container'], {
      BURROW_CONFIG: store,
      BURROW_IMPORT: path.join(mounted, 'config', 'ssh_config'),
      BURROW_METRICS: `127.0.0.1:${await freePort()}`,
    });
    try {
      await waitForText(run, /ssh_config: 1 session \(vendor\)/);
      await waitForText(run, /vendor: connected/);
      assert.equal((await roundTrip(port, 'through the cluster')).toString(), 'through the cluster');
    } finally {
      await stop(run);
    }

    const bad = await runBurrow(['container'], { BURROW_CONFIG: store, SSH_HOST: 'h', SSH_LISTEN_PORT: '1', SSH_KEY_BASE64: 'bm90IGEga2V5' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^burrow container: SSH_KEY_BASE64: is not the base64 of a private key\n {2}fix: Copy the whole value again from Secoda/m);
    const missing = await runBurrow(['container'], { BURROW_CONFIG: store, BURROW_IMPORT: '/nonexistent/ssh_config' });
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /^burrow container: BURROW_IMPORT names \/nonexistent\/ssh_config, which cannot be read \(ENOENT\): mount it, or fix the path$/m,
    );
  });
});

/** Waits for a line of the entry point's output (it prints for people: the image's log). */
async function waitForText(run: Running, re: RegExp, timeoutMs = 20_000): Promise<void> {
  // What it imported goes to standard output; the tunnels' lines, as `burrow run` reports them, to standard error.
  await run.waitForLine((l) => (typeof l.raw === 'string' && re.test(l.raw)) || re.test(run.stderr()), timeoutMs);
}

test('deploy/: the image runs the entry point as a non-root user with a health check; compose and Kubernetes say what it reads', () => {
  const docker = readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
  const stages = docker.split(/^FROM /m).slice(1);
  assert.equal(stages.length, 2, 'two stages');
  const final = stages[1]!;
  assert.match(final, /^node:20-bookworm-slim$/m);
  assert.doesNotMatch(final, /apt-get|npm (ci|install)|build-essential|python3/, 'no build tools in the final image');
  assert.match(final, /^USER burrow$/m);
  // node's options for a long-lived tunnel process (v8-flags.ts), as the service's units give them.
  const entry = ['node', ...TUNNEL_NODE_FLAGS, '/app/dist/main/cli/burrow.js', 'container'];
  assert.ok(final.split('\n').includes(`ENTRYPOINT ${JSON.stringify(entry).replaceAll('","', '", "')}`), 'the entry point');
  assert.match(final, /CMD \["node", "\/app\/dist\/main\/cli\/burrow\.js", "container", "--health"\]/);
  assert.match(final, /BURROW_METRICS=0\.0\.0\.0:9876/);
  assert.match(final, /^VOLUME \/var\/lib\/burrow$/m);
  // A dependency of the form file: (Burrow's heap-trim addon) is a link in node_modules: its
  // folder is there before npm ci builds it, and in the final image where the link points.
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  const local = Object.values({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter((v) => v.startsWith('file:'));
  assert.ok(local.length > 0, 'the addon is a dependency');
  const build = stages[0]!;
  for (const spec of local) {
    const dir = spec.slice('file:'.length);
    const copied = build.indexOf(`COPY ${dir} ./${dir}`);
    assert.ok(copied >= 0 && copied < build.indexOf('RUN npm ci'), `${dir} is copied before npm ci`);
    assert.ok(final.includes(`COPY --from=build /src/${dir} ./${dir}`), `${dir} is in the final image`);
  }

  const usage = readFileSync(path.join(ROOT, 'main', 'cli', 'container.ts'), 'utf8');
  const compose = parseYaml(readFileSync(path.join(ROOT, 'deploy', 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment: string[]; read_only: boolean; volumes: string[] }>;
  };
  const agent = compose.services.agent!;
  // Secoda's own block, unchanged: the variables its page gives out.
  assert.deepEqual(agent.environment, ['SSH_PORT=', 'SSH_HOST=', 'SSH_LISTEN_PORT=', 'SSH_KEY_BASE64=']);
  for (const v of agent.environment) assert.ok(usage.includes(v.replace('=', '')), `${v} is read by the entry point`);
  assert.equal(agent.read_only, true);
  assert.deepEqual(agent.volumes, ['burrow-data:/var/lib/burrow']);

  const docs = readFileSync(path.join(ROOT, 'deploy', 'kubernetes.yaml'), 'utf8')
    .split(/^---$/m)
    .map((d) => parseYaml(d) as Record<string, unknown>);
  const deployment = docs.find((d) => d.kind === 'Deployment') as {
    spec: {
      replicas: number;
      template: {
        metadata: { annotations: Record<string, string> };
        spec: { securityContext: { runAsNonRoot: boolean }; containers: Array<Record<string, unknown>> };
      };
    };
  };
  assert.equal(deployment.spec.replicas, 1);
  const c = deployment.spec.template.spec.containers[0] as {
    env: Array<{ name: string; value: string }>;
    livenessProbe: { httpGet: { path: string } };
    readinessProbe: { httpGet: { path: string } };
    securityContext: { readOnlyRootFilesystem: boolean };
  };
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
  assert.deepEqual(deployment.spec.template.metadata.annotations, {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': '9876',
    'prometheus.io/path': '/metrics',
  });
  for (const e of c.env) assert.ok(usage.includes(e.name), `${e.name} is read by the entry point`);
  const rules = parseYaml(readFileSync(path.join(ROOT, 'deploy', 'prometheus-rules.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  };
  const metricsSource = readFileSync(path.join(ROOT, 'main', 'metrics', 'endpoint.ts'), 'utf8');
  for (const r of rules.groups[0]!.rules)
    for (const m of r.expr.match(/burrow_[a-z_]+/g) ?? []) assert.ok(metricsSource.includes(`'${m}'`), `${r.alert} uses ${m}, which Burrow serves`);
});
