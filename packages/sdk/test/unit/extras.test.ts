import { describe, expect, it, vi } from 'vitest';
import { setHidden, settle } from '../support/page.js';
import { useTracker } from '../support/tracker.js';

const page = useTracker();

const sent = async (tracker: { flush(): void }) => {
  tracker.flush();
  await settle();
  return page.events().map((e) => [e.event_type, e.props ?? null]);
};

/** Clicks a link without following it: happy-dom would navigate the test page away. */
function click(html: string, init: MouseEventInit = {}, type = 'click') {
  document.body.innerHTML = html;
  const link = document.body.firstElementChild!;
  link.addEventListener(type, (event) => event.preventDefault());
  link.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, ...init }));
}

describe('outbound links and downloads', () => {
  it('records a click on a link to another host as outbound, without query or hash', async () => {
    const tracker = page.start({ outboundLinks: true });
    click('<a href="https://partner.example/deal?ref=shop#top"><b>Deal</b></a>');
    click('<a href="/local/page">here</a>');
    click('<a href="mailto:hi@shop.example">mail</a>');
    expect(await sent(tracker)).toEqual([
      ['page_view', null],
      ['outbound', { url: 'https://partner.example/deal' }],
    ]);
  });

  it('records file links (by extension or the download attribute) as download', async () => {
    const tracker = page.start({ fileDownloads: true, outboundLinks: true });
    click('<a href="/files/Price-List.PDF?sig=secret">prices</a>');
    click('<a href="https://cdn.example/app.dmg">app</a>');
    click('<a href="/export" download>export</a>');
    click('<a href="/docs/guide.html">guide</a>');
    expect(await sent(tracker)).toEqual([
      ['page_view', null],
      ['download', { url: 'https://shop.example/files/Price-List.PDF' }],
      ['download', { url: 'https://cdn.example/app.dmg' }],
      ['download', { url: 'https://shop.example/export' }],
    ]);
  });

  it('counts a middle click (new tab) too, and nothing when the extras are off', async () => {
    const tracker = page.start({ outboundLinks: true });
    click('<a href="https://partner.example/">p</a>', { button: 1 }, 'auxclick');
    click('<a href="https://partner.example/">p</a>', { button: 2 }, 'auxclick'); // context menu
    expect((await sent(tracker)).map(([type]) => type)).toEqual(['page_view', 'outbound']);
    tracker.destroy();
    page.received.length = 0;

    const plain = page.start();
    click('<a href="https://partner.example/x.zip">p</a>');
    expect((await sent(plain)).map(([type]) => type)).toEqual(['page_view']);
  });
});

describe('404 pages', () => {
  it('sends the first page view of a not-found page as a 404 event instead', async () => {
    const tracker = page.start({ notFound: true });
    history.pushState({}, '', '/somewhere-else');
    expect((await sent(tracker)).map(([type]) => type)).toEqual(['404', 'page_view']);
  });
});

describe('engagement', () => {
  const layout = (scrollY: number) => {
    Object.defineProperty(document.documentElement, 'scrollHeight', { value: 4_000, configurable: true });
    Object.defineProperty(window, 'innerHeight', { value: 1_000, configurable: true });
    Object.defineProperty(window, 'scrollY', { value: scrollY, configurable: true });
    window.dispatchEvent(new Event('scroll'));
  };

  it('sends engaged time and the deepest scroll for the page when the route changes', async () => {
    layout(0);
    const tracker = page.start({ engagement: true });
    await vi.advanceTimersByTimeAsync(3_000);
    layout(1_000); // 50 %
    layout(400); // scrolled back up: the maximum stays
    history.pushState({}, '', '/next');
    const events = page.events;
    tracker.flush();
    await settle();
    expect(events().map((e) => [e.event_type, e.page_url, e.props ?? null])).toEqual([
      ['page_view', 'https://shop.example/', null],
      ['engagement', 'https://shop.example/', { engaged_ms: 3_000, scroll: 50 }],
      ['page_view', 'https://shop.example/next', null],
    ]);
  });

  it('counts visible time only: hidden stretches are left out, each stretch sent as it ends', async () => {
    layout(0);
    page.start({ engagement: true });
    await vi.advanceTimersByTimeAsync(2_000);
    setHidden(true); // sends the first stretch (2 s) with the queue
    await vi.advanceTimersByTimeAsync(60_000);
    setHidden(false);
    await vi.advanceTimersByTimeAsync(1_500);
    setHidden(true);
    await settle();
    const engagement = page.events().filter((e) => e.event_type == 'engagement');
    expect(engagement.map((e) => e.props)).toEqual([
      { engaged_ms: 2_000, scroll: 25 },
      { engaged_ms: 1_500, scroll: 25 },
    ]);
  });
});
