import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { breakStorage, pagehide, setHidden, settle } from '../support/page.js';
import { useTracker } from '../support/tracker.js';

const page = useTracker();

/** Errors that reached the page: uncaught exceptions and unhandled rejections. */
const pageErrors: unknown[] = [];
const onError = (event: Event) => pageErrors.push(event);
beforeEach(() => {
  pageErrors.length = 0;
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onError);
});
afterEach(() => {
  window.removeEventListener('error', onError);
  window.removeEventListener('unhandledrejection', onError);
});

describe('never throws into the page', () => {
  it('works on with both storages throwing on every access (Safari private mode)', async () => {
    const restoreLocal = breakStorage('localStorage');
    const restoreSession = breakStorage('sessionStorage');
    try {
      const tracker = page.start();
      page.fail({ status: 503 });
      tracker.track('a');
      tracker.flush();
      await settle();
      pagehide(); // would keep the failed batch in localStorage
      tracker.optOut(); // cannot be stored, still holds for this page
      tracker.track('b');
      tracker.optIn();
      tracker.track('c');
      await vi.advanceTimersByTimeAsync(5_000); // the failed batch's retry, then the rest
      await settle();
      // The failed batch twice (the 503, then its retry), never the opted-out 'b'.
      expect(page.events().map((e) => e.event_type)).toEqual(['page_view', 'a', 'page_view', 'a', 'c']);
      expect(new Set(page.events().map((e) => e.session_id)).size).toBe(1);
    } finally {
      restoreLocal();
      restoreSession();
    }
    expect(pageErrors).toEqual([]);
  });

  it('swallows what a bad call throws: cyclic or BigInt props, a throwing beforeSend', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const tracker = page.start({
      beforeSend: (event) => {
        if (event.event_type == 'boom') throw new Error('hook failed');
        return event;
      },
    });
    const call = tracker.track as (...args: unknown[]) => void;
    expect(() => call('cyclic', cyclic)).not.toThrow();
    expect(() => call('big', { n: 10n })).not.toThrow();
    expect(() => call('boom')).not.toThrow();
    expect(() => (tracker as unknown as (...args: unknown[]) => void)('no-such-method', 1)).not.toThrow();
    expect(() => history.pushState({}, '', '/next')).not.toThrow();
    tracker.flush();
    await settle();
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view', 'page_view']);
    expect(pageErrors).toEqual([]);
  });

  it('swallows failures inside its own listeners', async () => {
    page.start({ endpoint: 'http://[invalid' });
    page.beacon.mockImplementation(() => {
      throw new TypeError('invalid URL');
    });
    // happy-dom rethrows a listener's exception from dispatchEvent, as a page would report it.
    expect(() => document.dispatchEvent(new MouseEvent('click', { bubbles: true }))).not.toThrow(); // no closest()
    expect(() => setHidden(true)).not.toThrow(); // sendBeacon throws
    expect(() => pagehide()).not.toThrow();
    await settle();
    expect(pageErrors).toEqual([]);
  });

  it('survives a collector that answers garbage or drops the connection', async () => {
    const tracker = page.start();
    page.fail('network-error', { status: 500 }, { status: 302 });
    for (let i = 0; i < 3; i++) {
      tracker.flush();
      await vi.advanceTimersByTimeAsync(10_000);
      await settle();
    }
    expect(pageErrors).toEqual([]);
    expect(page.received.length).toBeGreaterThanOrEqual(3);
  });
});
