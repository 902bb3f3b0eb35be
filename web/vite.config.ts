// Vite builds the UI that src/ui embeds into flamedb; `npm run dev` serves it with the API
// proxied to a local server on :4040.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const api = 'http://localhost:4040';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { assetsDir: 'assets', sourcemap: false, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: {
      '/querier.v1.QuerierService': api,
      '/pyroscope': api,
      '/ready': api,
    },
  },
  test: { environment: 'node', include: ['src/**/*.test.ts'], benchmark: { include: ['src/**/*.bench.ts'] } },
});
