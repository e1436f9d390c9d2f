import { afterEach, beforeEach, vi } from 'vitest';
import { init, type InitOptions, type Tracker } from '../../src/index.js';
import { ENDPOINT, useCollector } from './collector.js';
import { resetPage } from './page.js';

/**
 * Per-test setup for tracker tests: a clean page, fake timers (the 5 s flush and the
 * backoff run on them), the msw collector, and `start()` for a tracker that is
 * destroyed after the test.
 */
export function useTracker() {
  const collector = useCollector();
  const started: Tracker[] = [];
  beforeEach(() => {
    resetPage();
    collector.installBeacon();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    for (const tracker of started.splice(0)) tracker.destroy();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
  const start = (options: Partial<InitOptions> = {}): Tracker => {
    const tracker = init({ endpoint: ENDPOINT, siteId: 'shop.example', ...options });
    started.push(tracker);
    return tracker;
  };
  return { ...collector, start };
}
