/**
 * A proxy's password through the contract: kept in the secret store under the session's name for
 * it, never in the config file or a reply; refused for a session whose proxy asks for none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BurrowApp } from '../../main/app/app.js';
import { ConfigStore } from '../../main/core/config/store.js';
import { FileSecretStore } from '../../main/core/keys/index.js';
import { tempDir } from '../core/config/fixtures.js';

const SESSION = {
  name: 'warehouse eu',
  host: 'tunnel.example.com',
  user: 'tunnel',
  forwards: [{ type: 'remote', bindPort: 15432, targetHost: 'db', targetPort: 5432 }],
};
const PASSWORD = 'Pr0xy-pass-for-test';

test('a proxy password is kept in the secret store, told as kept, forgotten on request, and refused where the proxy asks for none', async () => {
  const dir = tempDir();
  const store = ConfigStore.open(path.join(dir, 'config.json'));
  const secrets = new FileSecretStore(path.join(dir, 'secrets'), { env: {} });
  const app = new BurrowApp({ store, secrets, mode: 'web', exporter: { offer: async () => ({}) } });
  await app.start();
  try {
    const direct = await app.call('sessions:create', { config: SESSION });
    assert.ok(direct.ok);
    const refused = await app.call('sessions:proxy-password', { id: 'warehouse eu', password: PASSWORD });
    assert.ok(!refused.ok);
    assert.equal(refused.error.code, 'INVALID_INPUT');
    assert.equal(refused.error.message, '"warehouse eu" has no proxy that asks for a password');

    const opened = await app.call('sessions:get', { id: 'warehouse eu' });
    assert.ok(opened.ok);
    const withProxy = { ...opened.value.config, proxy: { type: 'socks5' as const, host: 'proxy.corp', port: 1080, user: 'dana' } };
    assert.ok((await app.call('sessions:update', { config: withProxy, version: opened.value.version })).ok);
    const set = await app.call('sessions:proxy-password', { id: 'warehouse eu', password: PASSWORD });
    assert.deepEqual(set, { ok: true, value: { stored: true, secretName: 'proxy-warehouse-eu', environment: 'BURROW_SECRET_PROXY_WAREHOUSE_EU' } });
    assert.equal(await secrets.get('proxy-warehouse-eu'), PASSWORD);
    assert.ok(!readFileSync(store.path, 'utf8').includes(PASSWORD), 'the config file never holds it');
    const asked = await app.call('sessions:proxy-password', { id: 'warehouse eu' });
    assert.ok(asked.ok && asked.value.stored);
    assert.ok(!JSON.stringify(asked).includes(PASSWORD), 'no reply carries it');

    const empty = await app.call('sessions:proxy-password', { id: 'warehouse eu', password: '' });
    assert.ok(!empty.ok);
    assert.equal(empty.error.code, 'INVALID_INPUT');
    const forgot = await app.call('sessions:proxy-password', { id: 'warehouse eu', password: null });
    assert.ok(forgot.ok && !forgot.value.stored);
    assert.equal(await secrets.get('proxy-warehouse-eu'), undefined);
  } finally {
    await app.close();
  }
});
