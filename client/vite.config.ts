import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  // Pinned so that `vite build client` from the repository root and `vite` from client/ behave the same.
  root: fileURLToPath(new URL('.', import.meta.url)),
  // No React plugin: esbuild's automatic runtime is the only JSX transform we need (and no Fast Refresh).
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod ships doc comments that look like misplaced @__PURE__ annotations; rollup drops them harmlessly.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      '/api': backend,
      '/dicom-web': backend,
      '/healthz': backend,
      '/ws': { target: backend, ws: true },
    },
  },
});
