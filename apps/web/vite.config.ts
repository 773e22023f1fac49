import { defineConfig } from 'vite';

// The page is served by the API at `/` under a strict CSP
// (`default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'`),
// so the build must not emit inline scripts or styles.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // A single entry chunk: no need for the modulepreload polyfill.
    modulePreload: { polyfill: false },
    // Keep every asset a real file so nothing depends on data: URLs beyond images.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    // `npm run dev -w @pictor/web` proxies the API to a locally running Pictor.
    proxy: {
      '/api': 'http://localhost:8080',
      '/i': 'http://localhost:8080',
      '/v': 'http://localhost:8080',
    },
  },
});
