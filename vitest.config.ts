import { defineConfig } from 'vitest/config';

// The local stack and tests run on Node 20 on purpose (Lambda runs 22); the test
// workers inherit this process's environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    projects: ['packages/*', 'infra', 'examples'],
  },
});
