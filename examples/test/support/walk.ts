import { startLocalStack, type LocalStack } from '@liveinsight/collector/local';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../../../test/support/browser.js';

/**
 * What an example walk runs against: the local stack (in memory, on a free port) and
 * Chromium, started before the file's tests and closed after them. The fields are set
 * in beforeAll.
 */
export function useStackAndChromium(): { stack: LocalStack; browser: Browser } {
  const env = {} as { stack: LocalStack; browser: Browser };
  beforeAll(async () => {
    env.stack = await startLocalStack({ port: 0 });
    env.browser = await launchChromium();
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.stack?.close();
  });
  return env;
}
