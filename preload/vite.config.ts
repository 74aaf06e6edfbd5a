// Bundles the preload into one CommonJS file (dist/preload/index.cjs): a sandboxed preload can
// require only 'electron', so the contract's lists are bundled in.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: '../dist/preload',
    emptyOutDir: true,
    minify: false,
    lib: { entry: `${import.meta.dirname}/index.ts`, formats: ['cjs'], fileName: () => 'index.cjs' },
    rollupOptions: { external: ['electron'] },
  },
  root: import.meta.dirname,
});
