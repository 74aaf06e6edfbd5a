/**
 * Child process for the store tests. `save-loop.js FILE` saves over and over, as fast as it can,
 * with a large file so that a kill -9 lands mid-write often, and prints "saving" once the first
 * save is done. `save-loop.js FILE add PREFIX N` adds N sessions named PREFIX-0 … PREFIX-(N-1)
 * and prints "done" (two at once test that no change is lost).
 */
import { ConfigStore } from '../../../main/core/config/store.js';

const [file, mode, prefix, count] = process.argv.slice(2);
const store = ConfigStore.open(file!);
if (mode === 'add') {
  for (let i = 0; i < Number(count); i++) {
    await store.add({
      name: `${prefix}-${i}`,
      host: 'tunnel.example.com',
      user: 'tunnel',
      forwards: [{ type: 'remote', bindPort: 20000 + i, targetHost: 'db', targetPort: 5432 }],
    });
  }
  process.stdout.write('done\n');
} else {
  const forwards = Array.from({ length: 200 }, (_, i) => ({
    type: 'remote',
    bindPort: 20000 + i,
    targetHost: `db-${i}.internal.example.com`,
    targetPort: 5432,
  }));
  for (let round = 0; ; round++) {
    const name = `round-${round}`;
    await store.add({ name, host: 'tunnel.example.com', user: 'tunnel', forwards });
    if (round === 0) process.stdout.write('saving\n');
    await store.remove(name);
  }
}
