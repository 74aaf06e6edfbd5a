/** The reason Burrow exists: a real PostgreSQL queried through a reverse tunnel. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Session } from '../../../main/core/session/session.js';
import { Sshd, sshdUnavailable } from '../../helpers/sshd.js';
import { Postgres, postgresUnavailable, psql } from '../../helpers/postgres.js';
import { freePort, waitFor } from '../../helpers/net.js';
import { sessionFor, testDeps, waitForState } from '../../helpers/session.js';

describe('PostgreSQL through a reverse tunnel', { skip: sshdUnavailable() ?? postgresUnavailable() }, () => {
  let sshd: Sshd;
  let pg: Postgres;
  before(async () => {
    sshd = await Sshd.start();
    pg = await Postgres.start();
  });
  after(async () => {
    await pg?.stop();
    await sshd?.dispose();
  });

  test("the vendor side (connecting to the server's port) queries the database, writes and reads it back", async () => {
    const tunnelPort = await freePort();
    // What Fivetran's guide sets up: -R <high port>:<db host>:5432, the vendor connecting to localhost:<high port>.
    const s = new Session(sessionFor(sshd, [{ type: 'remote', bindPort: tunnelPort, targetHost: 'localhost', targetPort: pg.port }]), testDeps(sshd));
    s.start();
    try {
      await waitForState(s, 'connected');
      assert.match(await psql(tunnelPort, 'select version()'), /^PostgreSQL \d+/);
      await psql(tunnelPort, 'create table t (id int primary key, note text); insert into t select g, md5(g::text) from generate_series(1, 20000) g');
      assert.equal(await psql(tunnelPort, 'select count(*), sum(id) from t'), '20000|200010000');
      const rows = (await psql(tunnelPort, 'select note from t order by id')).split('\n');
      assert.equal(rows.length, 20000);
      assert.equal(rows[41], createHash('md5').update('42').digest('hex'));
      // Many short sessions, as a sync tool opens them.
      for (let i = 0; i < 20; i++) assert.equal(await psql(tunnelPort, `select ${i} + 1`), String(i + 1));
      await waitFor(() => s.snapshot().openConnections === 0, 'psql connections to close');
      const snap = s.snapshot();
      assert.equal(snap.totalConnections, 24);
      assert.ok(snap.bytesOut > 20000 * 32, `result bytes counted (${snap.bytesOut})`);
    } finally {
      await s.stop();
    }
  });
});
