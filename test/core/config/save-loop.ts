/**
 * Child process for the kill -9 test: saves the store over and over, as fast as it can, with a
 * large file so that a kill lands mid-write often. Prints "saving" once the first save is done.
 */
import { ConfigStore } from '../../../main/core/config/store.js';

const file = process.argv[2]!;
const store = ConfigStore.open(file);
const forwards = Array.from({ length: 200 }, (_, i) => ({ type: 'remote', bindPort: 20000 + i, targetHost: `db-${i}.internal.example.com`, targetPort: 5432 }));
for (let round = 0; ; round++) {
  const name = `round-${round}`;
  store.add({ name, host: 'tunnel.example.com', user: 'tunnel', forwards });
  if (round === 0) process.stdout.write('saving\n');
  store.remove(name);
}
