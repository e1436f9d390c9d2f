import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The npm build's flags (rollup.config.mjs): the tests cover the extras too.
  define: { __EXTRAS__: 'true', __CDN__: 'false' },
  test: {
    name: 'sdk',
    include: ['test/**/*.test.ts'],
    environment: 'happy-dom',
    // Not localhost: the tracker skips localhost pages unless told otherwise.
    environmentOptions: { happyDOM: { url: 'https://shop.example/' } },
  },
});
