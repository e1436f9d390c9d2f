import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'infra',
    include: ['test/**/*.test.ts'],
    // Loading aws-cdk-lib costs seconds per module registry; the files share one per
    // worker (they keep no global state, each synthesises its own App).
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
