/**
 * Jump hosts against real OpenSSH servers in network namespaces: the target server is reachable
 * only through the first jump host (this process has no route to it), as a bastion makes it.
 * Reverse tunnels through one and two jumps carry PostgreSQL's data, survive restarts of either
 * server, and stop on a changed host key of either hop.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Session } from '../../../main/core/session/session.js';
import { diagnose } from '../../../main/core/diagnose.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { Postgres, postgresUnavailable } from '../../helpers/postgres.js';
import { jumpNetwork, netnsUnavailable, type JumpNetwork } from '../../helpers/netns.js';
import { freePort, waitFor } from '../../helpers/net.js';
import { loopbackRemote, runSession, sessionFor, testDeps, waitForState, type SessionRun } from '../../helpers/session.js';
import type { SessionConfig } from '../../../common/config.js';

const execFileAsync = promisify(execFile);

/** psql run inside a namespace, where the server under test bound the tunnel's remote port. */
async function psqlIn(ns: string, port: number, sql: string): Promise<string> {
  const { stdout } = await execFileAsync(
    'ip',
    [
      'netns',
      'exec',
      ns,
      'psql',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-X',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      sql,
    ],
    { encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGUSER: 'postgres', USER: userInfo().username } },
  );
  return stdout.trim();
}

describe(
  'jump hosts, against OpenSSH servers only one of which this machine can reach',
  { skip: sshdUnavailable() ?? netnsUnavailable() ?? postgresUnavailable() },
  () => {
    let net: JumpNetwork;
    let jump: Sshd;
    let jump2: Sshd;
    let target: Sshd;
    let pg: Postgres;
    let knownHosts: string;

    before(async () => {
      net = jumpNetwork(1);
      pg = await Postgres.start();
      // The bastion, reachable from here; a second bastion and the target, reachable only from it.
      jump = await Sshd.start({ netns: net.a, host: net.aAddress });
      jump2 = await Sshd.start({ netns: net.b, host: net.bAddress });
      // The target listens on B's address (for one jump) and on B's own loopback (for two).
      target = await Sshd.start({ netns: net.b, host: net.bAddress, extraConfig: ['ListenAddress 127.0.0.1'] });
      // The session's key (the target's client key) opens the second bastion too; the first has
      // its own key, given on its hop.
      await jump2.authorize(readFileSync(target.clientKeyPath + '.pub', 'utf8'));
      const targetKey = readFileSync(target.knownHostsPath, 'utf8').trim().split(' ').slice(1).join(' ');
      knownHosts = path.join(target.dir, 'all_known_hosts');
      writeFileSync(
        knownHosts,
        [
          readFileSync(jump.knownHostsPath, 'utf8'),
          readFileSync(jump2.knownHostsPath, 'utf8'),
          readFileSync(target.knownHostsPath, 'utf8'),
          `[127.0.0.1]:${target.port} ${targetKey}\n`,
        ].join(''),
      );
    });
    after(async () => {
      await jump?.dispose();
      await jump2?.dispose();
      await target?.dispose();
      await pg?.stop();
      net?.remove();
    });

    const bastion = (): NonNullable<SessionConfig['jumpHosts']>[number] => ({ host: net.aAddress, port: jump.port, identityFiles: [jump.clientKeyPath] });
    async function run(over: Partial<SessionConfig>, until: (s: Session, remote: number) => Promise<unknown>, kh = knownHosts): Promise<SessionRun> {
      const remote = await freePort();
      const cfg = sessionFor(target, [loopbackRemote(remote, pg.port)], {
        hostKey: { policy: 'yes', knownHostsFiles: [kh] },
        connectTimeoutSeconds: 8,
        ...over,
      });
      return runSession(cfg, testDeps(target), (s) => until(s, remote));
    }
    const carries = async (s: Session, remote: number): Promise<void> => {
      await waitForState(s, 'connected', 20_000);
      assert.equal(await psqlIn(net.b, remote, 'select 6 * 7'), '42');
    };
    const comesBack = async (s: Session, remote: number, restart: () => Promise<void>): Promise<void> => {
      await restart();
      await waitFor(() => s.snapshot().state !== 'connected', 'the session notices', 20_000);
      await carries(s, remote);
    };

    test('without the jump host the server is out of reach; through it a reverse tunnel carries data to PostgreSQL, and survives restarts of the jump host and of the server', async () => {
      const direct = await run({}, (s) => waitFor(() => s.snapshot().lastError !== undefined, 'an error'));
      assert.equal(direct.last.lastError!.code, 'NETWORK_UNREACHABLE', JSON.stringify(direct.last.lastError));

      const r = await run({ jumpHosts: [bastion()] }, async (s, remote) => {
        await carries(s, remote);
        await comesBack(s, remote, () => jump.restart());
        await comesBack(s, remote, () => target.restart());
      });
      assert.ok(
        r.logs.some((l) => l.includes(`connecting through jump host ${net.aAddress}:${jump.port} → ${net.bAddress}:${target.port}`)),
        r.logs.join('\n'),
      );
      assert.ok(
        r.logs.some((l) => l.includes(`logged in to the jump host ${net.aAddress}:${jump.port}`)),
        r.logs.join('\n'),
      );
    });

    test("two jump hosts: the second reached through the first, the server on the second's own loopback", async () => {
      await run({ host: '127.0.0.1', jumpHosts: [bastion(), { host: net.bAddress, port: jump2.port }] }, async (s, remote) => {
        await carries(s, remote);
        await comesBack(s, remote, () => jump2.restart());
      });
    });

    test('a changed host key stops the session, on the jump host and on the server behind it, each named', async () => {
      const otherKey = readFileSync(jump2.knownHostsPath, 'utf8').trim().split(' ').slice(1).join(' ');
      const lines = readFileSync(knownHosts, 'utf8').trim().split('\n');
      const swap = (name: string): string => {
        const f = path.join(target.dir, `changed-${name.replace(/\W/g, '_')}`);
        writeFileSync(f, lines.map((l) => (l.startsWith(`${name} `) ? `${name} ${otherKey}` : l)).join('\n') + '\n');
        return f;
      };
      const atJump = await run({ jumpHosts: [bastion()] }, (s) => waitForState(s, 'error'), swap(`[${net.aAddress}]:${jump.port}`));
      assert.equal(atJump.last.lastError!.code, 'HOST_KEY_MISMATCH');
      assert.match(
        atJump.last.lastError!.message,
        new RegExp(`^The jump host ${net.aAddress.replace(/\./g, '\\.')}:${jump.port} \\(jump host 1 of 1\\): HOST KEY CHANGED`),
      );

      const atServer = await run({ jumpHosts: [bastion()] }, (s) => waitForState(s, 'error'), swap(`[${net.bAddress}]:${target.port}`));
      assert.equal(atServer.last.lastError!.code, 'HOST_KEY_MISMATCH');
      assert.match(atServer.last.lastError!.message, new RegExp(`^HOST KEY CHANGED for \\[${net.bAddress.replace(/\./g, '\\.')}\\]:${target.port}`));
    });

    test('Test connection crosses the jump host: a step for it, then the SSH steps on the server behind it; a changed key on the hop fails its step', async () => {
      const remote = await freePort();
      const cfg = sessionFor(target, [loopbackRemote(remote, pg.port)], {
        hostKey: { policy: 'yes', knownHostsFiles: [knownHosts] },
        connectTimeoutSeconds: 8,
        jumpHosts: [bastion()],
      });
      const r = await diagnose(cfg, { home: target.dir });
      assert.deepEqual(
        r.steps.map((x) => [x.id, x.status]),
        [
          ['route:tcp', 'pass'],
          ['route:jump1', 'pass'],
          ['algorithms', 'pass'],
          ['host-key', 'pass'],
          ['login', 'pass'],
          [`bind:-R 127.0.0.1:${remote}:127.0.0.1:${pg.port}`, 'pass'],
          [`reach:-R 127.0.0.1:${remote}:127.0.0.1:${pg.port}`, 'pass'],
          [`target:-R 127.0.0.1:${remote}:127.0.0.1:${pg.port}`, 'pass'],
        ],
        JSON.stringify(r.steps, null, 1),
      );
      assert.match(
        r.steps[1]!.detail,
        new RegExp(`^host key SHA256:\\S+; logged in as "${target.user}"; channel to ${net.bAddress.replace(/\./g, '\\.')}:${target.port} open$`),
      );

      const otherKey = readFileSync(jump2.knownHostsPath, 'utf8').trim().split(' ').slice(1).join(' ');
      const changed = path.join(target.dir, 'changed-for-diagnose');
      writeFileSync(
        changed,
        readFileSync(knownHosts, 'utf8').replace(
          new RegExp(`^\\[${net.aAddress.replace(/\./g, '\\.')}\\]:${jump.port} .*$`, 'm'),
          `[${net.aAddress}]:${jump.port} ${otherKey}`,
        ),
      );
      const bad = await diagnose({ ...cfg, hostKey: { policy: 'yes', knownHostsFiles: [changed] } }, { home: target.dir });
      assert.deepEqual(
        bad.steps.slice(0, 3).map((x) => [x.id, x.status]),
        [
          ['route:tcp', 'pass'],
          ['route:jump1', 'fail'],
          ['algorithms', 'skip'],
        ],
      );
      assert.match(bad.steps[1]!.detail, /HOST KEY CHANGED/);
    });

    test('a jump host that refuses the key is named, and the session waits for a person', async () => {
      const r = await run({ jumpHosts: [{ host: net.aAddress, port: jump.port }] }, (s) => waitForState(s, 'error'));
      assert.equal(r.last.lastError!.code, 'AUTH_FAILED');
      assert.match(r.last.lastError!.message, new RegExp(`^The jump host ${net.aAddress.replace(/\./g, '\\.')}:${jump.port} \\(jump host 1 of 1\\): `));
    });
  },
);
