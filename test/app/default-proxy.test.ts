/**
 * Settings' default proxy, through the contract, against a real sshd (in a network namespace this
 * machine reaches by a veth, so its address is not this machine's: loopback never goes through a
 * proxy) and Debian's tinyproxy: a running session moves onto the proxy when it is set, off it
 * when its host is excluded, and a bad setting is refused naming the field.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { SessionView } from '../../common/contract.js';
import { BurrowApp } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { tempDir } from '../core/config/fixtures.js';
import { Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { HttpProxy, proxiesUnavailable } from '../helpers/proxies.js';
import { jumpNetwork, netnsUnavailable, type JumpNetwork } from '../helpers/netns.js';
import { echoServer, waitFor } from '../helpers/net.js';
import { sessionFor } from '../helpers/session.js';

describe("Settings' default proxy", { skip: sshdUnavailable() ?? proxiesUnavailable() ?? netnsUnavailable() }, () => {
  let net: JumpNetwork;
  let sshd: Sshd;
  let proxy: HttpProxy;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    net = jumpNetwork(2);
    sshd = await Sshd.start({ netns: net.a, host: net.aAddress });
    proxy = await HttpProxy.start();
    echo = await echoServer();
  });
  after(async () => {
    await echo?.close();
    await proxy?.dispose();
    await sshd?.dispose();
    net?.remove();
  });

  test('a running session moves onto it when it is set, off it when its host is excluded; a bad one is refused by field', async () => {
    const dir = tempDir();
    const store = ConfigStore.open(path.join(dir, 'config.json'));
    const app = new BurrowApp({
      store,
      secrets: new FileSecretStore(path.join(dir, 'secrets'), { env: {} }),
      mode: 'run',
      home: sshd.dir,
      exporter: { offer: async () => ({}) },
      backoff: { initialMs: 100, maxMs: 500, jitter: 0 },
    });
    await store.add(
      sessionFor(sshd, [{ type: 'remote', bindAddress: '127.0.0.1', bindPort: 0, targetHost: '127.0.0.1', targetPort: echo.port }], {
        id: 'db',
        name: 'db',
        host: net.aAddress,
        keepalive: { intervalSeconds: 2, countMax: 2 },
        autostart: true,
      }),
    );
    await app.start({ autostart: true });
    const view = async (): Promise<SessionView> => {
      const r = await app.call('sessions:list', {});
      assert.ok(r.ok);
      return r.value[0]!;
    };
    const connected = (since: string) => async (): Promise<boolean> => {
      const v = await view();
      return v.snapshot.state === 'connected' && (v.snapshot.stateSince ?? '') > since;
    };
    try {
      await waitFor(connected(''), 'connected directly');
      assert.equal((await view()).viaDefaultProxy, undefined);
      assert.deepEqual(proxy.connects(), []);

      const bad = await app.call('settings:set', { proxy: { type: 'http', host: '127.0.0.1', port: 70000 } });
      assert.ok(!bad.ok);
      assert.equal(bad.error.code, 'INVALID_INPUT');
      assert.equal(bad.error.field, 'proxy.port');

      let since = (await view()).snapshot.stateSince ?? '';
      const set = await app.call('settings:set', { proxy: { type: 'http', host: '127.0.0.1', port: proxy.port, exclude: [] } });
      assert.ok(set.ok, JSON.stringify(set));
      assert.deepEqual(set.value.proxy, { type: 'http', host: '127.0.0.1', port: proxy.port, exclude: [] });
      await waitFor(connected(since), 'connected again, through the proxy', 20_000);
      assert.equal((await view()).viaDefaultProxy, true);
      assert.deepEqual(proxy.connects(), [`CONNECT ${net.aAddress}:${sshd.port} HTTP/1.1`]);

      since = (await view()).snapshot.stateSince ?? '';
      const excluded = await app.call('settings:set', {
        proxy: { type: 'http', host: '127.0.0.1', port: proxy.port, exclude: [`${net.aAddress.split('.').slice(0, 2).join('.')}.*`] },
      });
      assert.ok(excluded.ok);
      await waitFor(connected(since), 'connected again, directly', 20_000);
      assert.equal((await view()).viaDefaultProxy, undefined);
      assert.equal(proxy.connects().length, 1, 'no new CONNECT');
    } finally {
      await app.close();
    }
  });
});
