import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Tracker } from '../../src/index.js';
import { setUrl, settle } from '../support/page.js';
import { useTracker } from '../support/tracker.js';

const page = useTracker();

type Global = Tracker & { q?: unknown[] };
const global = () => (window as unknown as { liveinsight?: Global }).liveinsight;

/** The pre-load stub, exactly as the README tells site owners to paste it. */
const README_STUB = (() => {
  // A path, not a URL: happy-dom's URL is not the one node:fs accepts.
  const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
  const match = readme.match(/<script>(window\.liveinsight\|\|.*?)<\/script>/);
  if (!match) throw new Error('README.md has no pre-load stub snippet');
  return match[1]!;
})();

/**
 * Runs the script-tag entry as if loaded by `<script src=… data-…>`. Tests build it
 * with the extras (vitest's define); they are turned off here, as in the core build.
 */
async function loadScript(attributes: Record<string, string> = {}, src = 'https://stats.shop.example/sdk/liveinsight.js') {
  const script = document.createElement('script');
  script.src = src;
  const core = { 'data-engagement': 'false', 'data-outbound': 'false', 'data-downloads': 'false' };
  for (const [name, value] of Object.entries({ 'data-site': 'shop.example', ...core, ...attributes })) {
    script.setAttribute(name, value);
  }
  Object.defineProperty(document, 'currentScript', { value: script, configurable: true });
  vi.resetModules();
  await import('../../src/loader.js');
  Object.defineProperty(document, 'currentScript', { value: null, configurable: true });
}

const sentTo = vi.fn();

afterEach(() => {
  global()?.destroy?.();
  delete (window as unknown as { liveinsight?: Global }).liveinsight;
  sentTo.mockClear();
});

describe('script tag', () => {
  it('sends to the script origin + /api/events by default, with data-site as the site', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('{}'));
    await loadScript();
    global()!.flush();
    await settle();
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(String(fetchSpy.mock.calls[0]![0])).toBe('https://stats.shop.example/api/events');
    expect(JSON.parse(fetchSpy.mock.calls[0]![1]!.body as string).events[0].site_id).toBe('shop.example');
  });

  it('sends to data-endpoint and reads the other attributes', async () => {
    Object.defineProperty(navigator, 'doNotTrack', { value: '1', configurable: true });
    try {
      await loadScript({ 'data-endpoint': 'https://collector.test/api/events', 'data-respect-dnt': 'false', 'data-hash': '' });
      history.pushState({}, '', '/#/route');
      global()!.flush();
      await settle();
      expect(page.events().map((e) => [e.site_id, e.page_url])).toEqual([
        ['shop.example', 'https://shop.example/'],
        ['shop.example', 'https://shop.example/#/route'],
      ]);
    } finally {
      Object.defineProperty(navigator, 'doNotTrack', { value: null, configurable: true });
    }
  });

  it('falls back to the page host as the site', async () => {
    setUrl('https://blog.example/post');
    await loadScript({ 'data-endpoint': 'https://collector.test/api/events', 'data-site': '' });
    global()!.flush();
    await settle();
    expect(page.events()[0]!.site_id).toBe('blog.example');
  });

  it('replays the calls the README stub queued before the script loaded, in order, then takes both call styles', async () => {
    new Function(README_STUB)();
    const stub = global()!;
    stub('track', 'first', { n: 1 });
    stub.track('second', { n: 2 });
    (stub as unknown as (...args: unknown[]) => void)('track', 'third');
    expect(stub.q).toHaveLength(3);

    await loadScript({ 'data-endpoint': 'https://collector.test/api/events' });
    expect(global()).not.toBe(stub);
    global()!('track', 'fourth');
    global()!.track('fifth');
    global()!.flush();
    await settle();
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view', 'first', 'second', 'third', 'fourth', 'fifth']);
  });

  it('runs once even if the script is included twice', async () => {
    await loadScript({ 'data-endpoint': 'https://collector.test/api/events' });
    const first = global();
    await loadScript({ 'data-endpoint': 'https://collector.test/api/events' });
    expect(global()).toBe(first);
    first!.flush();
    await settle();
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view']);
  });

  it('does nothing, quietly, without a current script (e.g. loaded as a module)', async () => {
    Object.defineProperty(document, 'currentScript', { value: null, configurable: true });
    vi.resetModules();
    await expect(import('../../src/loader.js')).resolves.toBeDefined();
    expect(global()).toBeUndefined();
  });
});

describe('script tag, extras build', () => {
  const loadExt = (attributes: Record<string, string>) =>
    loadScript({
      'data-endpoint': 'https://collector.test/api/events',
      'data-engagement': 'true',
      'data-outbound': 'true',
      'data-downloads': 'true',
      ...attributes,
    });
  const firstType = async () => {
    global()!.flush();
    await settle();
    return page.events()[0]!.event_type;
  };

  it('sends 404 for a page marked by <meta name="liveinsight:404">', async () => {
    document.head.innerHTML = '<meta name="liveinsight:404">';
    await loadExt({});
    expect(await firstType()).toBe('404');
  });

  it('sends 404 for a page whose script has data-404', async () => {
    await loadExt({ 'data-404': '' });
    expect(await firstType()).toBe('404');
  });

  it('ignores the meta tag with data-404="false"', async () => {
    document.head.innerHTML = '<meta name="liveinsight:404">';
    await loadExt({ 'data-404': 'false' });
    expect(await firstType()).toBe('page_view');
    document.head.innerHTML = '';
  });

  it('turns an extra off with data-<extra>="false"', async () => {
    await loadExt({ 'data-outbound': 'false' });
    document.body.innerHTML = '<a href="https://partner.example/x.pdf">a</a><a href="https://partner.example/">b</a>';
    for (const link of document.querySelectorAll('a')) {
      link.addEventListener('click', (event) => event.preventDefault());
      link.click();
    }
    global()!.flush();
    await settle();
    expect(page.events().map((e) => e.event_type)).toEqual(['page_view', 'download']);
  });
});
