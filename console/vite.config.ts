import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The console is built with Vite's own JSX transform (oxc, automatic runtime): no React plugin is needed for
 * a production build (see docs/decisions/0700-console-build-and-serving.md). `npm run build` writes console/dist, which
 * Sluice serves at `/`.
 */
export default defineConfig({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/metrics': 'http://127.0.0.1:8080' } },
  logLevel: 'warn',
});
