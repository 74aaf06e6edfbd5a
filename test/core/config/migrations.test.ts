import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../main/core/config/config-error.js';
import { LATEST_VERSION, migrateDocument } from '../../../main/core/config/migrations.js';
import { parseConfigFile } from '../../../main/core/config/schema.js';
import { fixture } from './fixtures.js';

test('every earlier version migrates to the latest and keeps its settings', () => {
  const v1 = JSON.parse(readFileSync(fixture('v1.json'), 'utf8'));
  const { doc, from } = migrateDocument(v1);
  assert.equal(from, 1);
  assert.equal(doc.version, LATEST_VERSION);
  const config = parseConfigFile(v1);
  assert.deepEqual(
    config.sessions.map((s) => [s.id, s.host, s.user, s.forwards[0]!.bindPort, s.autostart]),
    [
      ['fivetran', '35.230.100.17', 'fivetran', 11433, true],
      ['espresso', 'espresso.example.com', 'tunnel', 23432, false],
    ],
  );
  assert.equal(config.sessions[1]!.auth.keyId, undefined, 'a name version 1 ignored keeps meaning nothing');
  assert.deepEqual(v1.sessions[1].auth.keyId, 'set-by-hand-and-ignored-by-version-1', 'the input document is not changed');
});

test('the latest version and hand-written files pass unchanged; odd versions are named', () => {
  const latest = { version: LATEST_VERSION, sessions: [{ name: 'a', host: 'h', user: 'u', auth: { identityFiles: [], keyId: 'k' }, forwards: [] }] };
  assert.deepEqual(migrateDocument(latest), { doc: latest, from: LATEST_VERSION });
  assert.equal(migrateDocument({ sessions: [] }).from, LATEST_VERSION);
  for (const version of [0, 1.5, '2', null]) {
    assert.throws(
      () => migrateDocument({ version, sessions: [] }),
      (e: ConfigError) => e.field === 'version',
      JSON.stringify(version),
    );
  }
  assert.throws(
    () => migrateDocument({ version: LATEST_VERSION + 1, sessions: [] }),
    (e: ConfigError) => /newer Burrow/.test(e.problem),
  );
});
