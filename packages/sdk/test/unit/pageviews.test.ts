import { describe, expect, it } from 'vitest';
import { pagehide, pageshow, setUrl, settle } from '../support/page.js';
import { useTracker } from '../support/tracker.js';

const page = useTracker();

const viewed = async (tracker: { flush(): void }) => {
  tracker.flush();
  await settle();
  return page.events().map((e) => e.page_url);
};

describe('page views', () => {
  it('records the page on load with its full cleaned URL and referrer', async () => {
    setUrl('https://shop.example/shoes?color=red&utm_source=news#top');
    Object.defineProperty(document, 'referrer', { value: 'https://search.example/?q=shoes', configurable: true });
    const tracker = page.start();
    tracker.flush();
    await settle();
    expect(page.events()).toEqual([
      expect.objectContaining({
        event_type: 'page_view',
        page_url: 'https://shop.example/shoes?utm_source=news',
        referrer: 'https://search.example/?q=shoes',
        site_id: 'shop.example',
        timestamp: Date.now(),
      }),
    ]);
    // Screen size and language are not sent: never counted, and they narrow a visitor down.
    expect(page.events()[0]).not.toHaveProperty('screen');
    expect(page.events()[0]).not.toHaveProperty('language');
  });

  it('records SPA navigations through pushState, replaceState and popstate', async () => {
    const tracker = page.start();
    history.pushState({}, '', '/a');
    history.replaceState({}, '', '/b?ref=x');
    history.pushState({}, '', '/c');
    setUrl('https://shop.example/a'); // what history.back() leaves behind…
    window.dispatchEvent(new PopStateEvent('popstate')); // …and the event it fires
    expect(await viewed(tracker)).toEqual([
      'https://shop.example/',
      'https://shop.example/a',
      'https://shop.example/b',
      'https://shop.example/c',
      'https://shop.example/a',
    ]);
  });

  it('counts the same cleaned URL twice in a row once', async () => {
    const tracker = page.start();
    history.pushState({}, '', '/?session=1'); // cleans to the same URL
    history.replaceState({ scroll: 10 }, '', location.href);
    tracker.pageview();
    history.pushState({}, '', '/#section'); // hash ignored without hash routing
    expect(await viewed(tracker)).toEqual(['https://shop.example/']);
  });

  it('with hash routing, counts hash routes and keeps the hash', async () => {
    const tracker = page.start({ hashRouting: true });
    history.pushState({}, '', '/#/cart');
    setUrl('https://shop.example/#/checkout'); // a hash navigation…
    window.dispatchEvent(new PopStateEvent('popstate')); // …fires popstate
    expect(await viewed(tracker)).toEqual([
      'https://shop.example/',
      'https://shop.example/#/cart',
      'https://shop.example/#/checkout',
    ]);
  });

  it('records nothing while the page is prerendering, and counts it once shown', async () => {
    Object.defineProperty(document, 'prerendering', { value: true, configurable: true });
    try {
      const tracker = page.start();
      tracker.track('early');
      expect(await viewed(tracker)).toEqual([]);
      Object.defineProperty(document, 'prerendering', { value: false, configurable: true });
      document.dispatchEvent(new Event('prerenderingchange'));
      expect(await viewed(tracker)).toEqual(['https://shop.example/']);
    } finally {
      delete (document as { prerendering?: boolean }).prerendering;
    }
  });

  it('counts a page restored from the back/forward cache again', async () => {
    const tracker = page.start();
    pageshow(false); // the first load's own pageshow: not a second view
    pagehide(true);
    await settle();
    pageshow(true);
    expect(await viewed(tracker)).toEqual(['https://shop.example/', 'https://shop.example/']);
  });

  it('records no page views automatically with autoPageviews: false, only when asked', async () => {
    const tracker = page.start({ autoPageviews: false });
    history.pushState({}, '', '/a');
    expect(await viewed(tracker)).toEqual([]);
    tracker.pageview();
    expect(await viewed(tracker)).toEqual(['https://shop.example/a']);
  });

  it('undoes its history patch on destroy', async () => {
    const { pushState } = history;
    const tracker = page.start();
    expect(history.pushState).not.toBe(pushState);
    tracker.destroy();
    expect(history.pushState).toBe(pushState);
    history.pushState({}, '', '/after');
    await settle();
    expect(page.events()).toEqual([]);
  });
});
