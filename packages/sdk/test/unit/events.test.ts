import { describe, expect, it, vi } from 'vitest';
import { breakStorage, settle } from '../support/page.js';
import { useTracker } from '../support/tracker.js';

const page = useTracker();

const sent = async (tracker: { flush(): void }) => {
  tracker.flush();
  await settle();
  return page.events().filter((e) => e.event_type != 'page_view');
};

const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe('custom events', () => {
  it('records a name with flat string, number and boolean props', async () => {
    const tracker = page.start();
    tracker.track('signup', { plan: 'pro', seats: 3, trial: false });
    tracker.track('logout');
    expect(await sent(tracker)).toEqual([
      expect.objectContaining({ event_type: 'signup', props: { plan: 'pro', seats: 3, trial: false } }),
      expect.objectContaining({ event_type: 'logout', page_url: 'https://shop.example/' }),
    ]);
  });

  it.each([
    ['an empty name', '', {}],
    ['a 65-char name', 'n'.repeat(65), {}],
    ['31 props', 'e', keys(31)],
    ['a 65-char key', 'e', { ['k'.repeat(65)]: 1 }],
    ['an empty key', 'e', { '': 1 }],
    ['a 501-char value', 'e', { v: 'v'.repeat(501) }],
    ['a nested object', 'e', { v: { deep: 1 } }],
    ['an array value', 'e', { v: [1, 2] }],
    ['null', 'e', { v: null }],
    ['NaN', 'e', { v: NaN }],
    ['Infinity', 'e', { v: Infinity }],
    ['props that are not an object', 'e', 'plan=pro'],
    ['props that are an array', 'e', ['pro']],
    ['a name that is not a string', 42, {}],
  ])('drops an event with %s, with a console warning', async (_, name, props) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const tracker = page.start();
    expect(() => (tracker.track as (...args: unknown[]) => void)(name, props)).not.toThrow();
    expect(warn).toHaveBeenCalledWith('liveinsight: invalid event', name, props);
    expect(await sent(tracker)).toEqual([]);
  });

  it('accepts the limits themselves, quotes and escapes included', async () => {
    const warn = vi.spyOn(console, 'warn');
    const tracker = page.start();
    tracker.track('n'.repeat(64), keys(30));
    tracker.track('e', { ['k'.repeat(64)]: 'v'.repeat(500), quote: 'say "hi"\\\n', neg: -1.5e-7, yes: true });
    expect(await sent(tracker)).toHaveLength(2);
    expect(warn).not.toHaveBeenCalled();
  });

  it('records clicks on elements marked data-li-event, with data-li-prop-* as props', async () => {
    document.body.innerHTML = `
      <button data-li-event="cta" data-li-prop-plan="pro" data-li-prop-place="hero" class="x"><span>Buy</span></button>
      <p>not tracked</p>`;
    const tracker = page.start();
    document.querySelector('span')!.click();
    document.querySelector('p')!.click();
    expect(await sent(tracker)).toEqual([
      expect.objectContaining({ event_type: 'cta', props: { plan: 'pro', place: 'hero' } }),
    ]);
  });

  it('lets beforeSend edit an event or drop it', async () => {
    const tracker = page.start({
      beforeSend: (event) =>
        event.event_type == 'secret' ? null : { ...event, page_url: event.page_url.replace(/\/\d+$/, '/:id') },
    });
    history.pushState({}, '', '/orders/123');
    tracker.track('secret');
    tracker.track('kept');
    tracker.flush();
    await settle();
    expect(page.events().map((e) => [e.event_type, e.page_url])).toEqual([
      ['page_view', 'https://shop.example/'],
      ['page_view', 'https://shop.example/orders/:id'],
      ['kept', 'https://shop.example/orders/:id'],
    ]);
  });
});

describe('session', () => {
  const sessions = () => page.events().map((e) => e.session_id);

  it('continues on the next page load of the tab (sessionStorage), no cookie set', async () => {
    page.start().flush();
    await settle();
    page.start().flush(); // a second page load in the same tab
    await settle();
    const [first, second] = sessions();
    expect(second).toBe(first);
    expect(JSON.parse(sessionStorage.getItem('liveinsight_session')!)[0]).toBe(first);
    expect(document.cookie).toBe('');
  });

  it('starts a new session after 30 idle minutes', async () => {
    const tracker = page.start();
    await vi.advanceTimersByTimeAsync(29 * 60_000);
    tracker.track('still-here');
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    tracker.track('back');
    tracker.flush();
    await settle();
    const [view, stillHere, back] = sessions();
    expect(stillHere).toBe(view);
    expect(back).not.toBe(view);
  });

  it('starts a new session after 24 hours however active', async () => {
    const tracker = page.start();
    for (let hour = 0; hour < 24; hour++) {
      await vi.advanceTimersByTimeAsync(20 * 60_000);
      tracker.track('tick');
      await vi.advanceTimersByTimeAsync(20 * 60_000);
      tracker.track('tick');
      await vi.advanceTimersByTimeAsync(20 * 60_000);
      tracker.track('tick');
    }
    tracker.flush();
    await settle();
    const all = sessions();
    expect(new Set(all).size).toBe(2);
    expect(all.at(-1)).not.toBe(all[0]);
  });

  it('keeps the session in memory when sessionStorage throws', async () => {
    const restore = breakStorage('sessionStorage');
    try {
      const tracker = page.start();
      tracker.track('a');
      tracker.flush();
      await settle();
      const [view, a] = sessions();
      expect(a).toBe(view);
    } finally {
      restore();
    }
  });

  it('starts afresh over a corrupt stored session', async () => {
    sessionStorage.setItem('liveinsight_session', '{not json');
    page.start().flush();
    await settle();
    expect(sessions()[0]).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
  });
});
