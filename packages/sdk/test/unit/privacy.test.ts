import { afterEach, describe, expect, it } from 'vitest';
import { setUrl, settle } from '../support/page.js';
import { useTracker } from '../support/tracker.js';

const page = useTracker();

const signal = (name: 'doNotTrack' | 'globalPrivacyControl', value: unknown) =>
  Object.defineProperty(navigator, name, { value, configurable: true });

afterEach(() => {
  delete (navigator as { globalPrivacyControl?: unknown }).globalPrivacyControl;
  signal('doNotTrack', null);
});

const sendsAnything = async (tracker: { track(name: string): void; flush(): void }) => {
  tracker.track('anything');
  tracker.flush();
  await settle();
  return page.received.length > 0;
};

describe('privacy defaults', () => {
  it('sends nothing under Global Privacy Control', async () => {
    signal('globalPrivacyControl', true);
    expect(await sendsAnything(page.start())).toBe(false);
  });

  it('sends nothing under Do Not Track', async () => {
    signal('doNotTrack', '1');
    expect(await sendsAnything(page.start())).toBe(false);
  });

  it('records anyway with respectDnt: false', async () => {
    signal('doNotTrack', '1');
    signal('globalPrivacyControl', true);
    expect(await sendsAnything(page.start({ respectDnt: false }))).toBe(true);
  });

  it.each(['http://localhost:3000/', 'http://127.0.0.1:8080/x', 'file:///home/me/site/index.html'])(
    'skips %s unless allowLocalhost',
    async (url) => {
      setUrl(url);
      expect(await sendsAnything(page.start())).toBe(false);
      expect(await sendsAnything(page.start({ allowLocalhost: true }))).toBe(true);
    },
  );

  it('optOut() stops recording in this browser and drops what is queued; optIn() resumes', async () => {
    const tracker = page.start();
    tracker.track('before');
    tracker.optOut();
    expect(localStorage.getItem('liveinsight_optout')).toBe('1');
    expect(await sendsAnything(tracker)).toBe(false);
    expect(await sendsAnything(page.start())).toBe(false); // the next page load too
    tracker.optIn();
    expect(localStorage.getItem('liveinsight_optout')).toBeNull();
    tracker.track('after');
    tracker.flush();
    await settle();
    expect(page.events().map((e) => e.event_type)).toEqual(['after']);
  });

  it('honours the opt-out flag a site sets itself', async () => {
    localStorage.setItem('liveinsight_optout', '1');
    expect(await sendsAnything(page.start())).toBe(false);
  });
});
