// Builds the window (React) into dist/renderer, served by `burrow web` and loaded by the Electron
// window alike; relative asset paths so both a web origin and a file URL find them.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // Chromium (and so Electron) has module preload built in; the polyfill would be dead weight.
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
});
