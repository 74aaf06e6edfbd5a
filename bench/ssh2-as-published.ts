/**
 * `node --import ./ssh2-as-published.js burrow.js …` runs Burrow on ssh2 as published (the
 * `ssh2-upstream` devDependency, which patch-package leaves alone) instead of the patched copy:
 * the benchmark's A/B column (BENCH_AB=1). Only ESM imports are redirected, which is how Burrow
 * loads ssh2's Client; the helper `require`s of native-crypto.ts and handshake.ts read files the
 * patch does not change on the data path.
 */
import { register } from 'node:module';

register(new URL('./ssh2-as-published-hooks.js', import.meta.url));
