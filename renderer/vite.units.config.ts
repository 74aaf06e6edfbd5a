// Builds the window's unit tests (test/renderer/*.test.tsx) for Node's test runner: the renderer's
// hooks and formatters, bundled as the window's own code is (TSX, React's JSX runtime), with React,
// jsdom and Node's modules left as imports. `npm test` runs them with the other node:test files.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const dir = path.resolve(import.meta.dirname, '../test/renderer');
const input = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.test.tsx') || f.endsWith('.test.ts'))
    .map((f) => [f.replace(/\.tsx?$/, ''), path.join(dir, f)]),
);

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: true,
    outDir: '../dist/test/renderer',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: { input, output: { format: 'es', entryFileNames: '[name].js' } },
  },
});
