import type { KeyData, RealtimeData, SitesData, StatsData } from '@liveinsight/contract';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient } from '../src/api/client.js';
import type { DashboardDeps } from '../src/app.js';
import { createKeyStore, KEY_STORAGE_NAME } from '../src/state/key-store.js';
import { realtimeFixture } from './support/fixtures.js';
import { useDashboardPage } from './support/page.js';

const page = useDashboardPage();

/** What a collector older than key scopes and site settings answers for their endpoints. */
const noSuchEndpoint = (): never => {
  throw new ApiError(404, 'No such endpoint');
};

/**
 * An API client whose answers the test sets; the key it was called with is recorded.
 * GET /api/key and the settings answer as an older collector does unless a test says otherwise.
 */
function fakeApi(
  answers: { sites?: () => SitesData; stats?: () => StatsData; realtime?: () => RealtimeData; key?: () => KeyData },
  keys: ReturnType<typeof createKeyStore>,
) {
  const seenKeys: (string | undefined)[] = [];
  const call = <T>(answer: (() => T) | undefined) => {
    seenKeys.push(keys.get());
    return answer ? Promise.resolve().then(answer) : Promise.reject(new Error('not expected in this test'));
  };
  const api: ApiClient = {
    base: '',
    sites: () => call(answers.sites),
    stats: () => call(answers.stats),
    realtime: () => call(answers.realtime),
    query: () => call(undefined),
    key: () => call(answers.key ?? noSuchEndpoint),
    settings: () => call(noSuchEndpoint),
    saveSettings: () => call(noSuchEndpoint),
  };
  return { api, seenKeys };
}

function startDashboard(deps: DashboardDeps): void {
  page.start(deps);
}

const screen = () => document.body.dataset.screen;
const settle = () => vi.waitFor(() => expect(screen()).not.toBe('loading'));

describe('dashboard start-up', () => {
  it('stores a key from #key= and removes it from the address bar', async () => {
    history.replaceState(null, '', '/#key=s3cret&site=a.test&period=30d');
    const keys = createKeyStore();
    const unauthorized = () => {
      throw new ApiError(401, 'Invalid API key');
    };
    const { api, seenKeys } = fakeApi({ sites: unauthorized }, keys);
    startDashboard({ api, keys, apiBase: '' });
    expect(location.hash).toBe('#site=a.test&period=30d');
    expect(seenKeys[0]).toBe('s3cret');
    await settle();
  });

  it('asks for the key when the stored one is refused, and forgets the refused one', async () => {
    localStorage.setItem(KEY_STORAGE_NAME, 'old');
    const keys = createKeyStore();
    let accepted = false;
    const { api, seenKeys } = fakeApi(
      {
        sites: () => {
          if (!accepted) throw new ApiError(401, 'Invalid API key');
          return { sites: [] };
        },
      },
      keys,
    );
    startDashboard({ api, keys, apiBase: '' });
    await settle();
    expect(screen()).toBe('signin');
    const message = document.getElementById('signin-message')!;
    expect(message.hidden).toBe(false);
    expect(message.textContent).toBe('That API key was not accepted (Invalid API key). Check the key and try again.');
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBeNull();

    accepted = true;
    (document.getElementById('signin-key') as HTMLInputElement).value = ' new-key ';
    document.getElementById('signin-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await vi.waitFor(() => expect(screen()).toBe('empty'));
    expect(seenKeys.at(-1)).toBe('new-key');
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBe('new-key');
  });

  it('explains a key refused by stats and realtime at once, and again for the next wrong key', async () => {
    localStorage.setItem(KEY_STORAGE_NAME, 'revoked');
    const keys = createKeyStore();
    const refuse = () => {
      throw new ApiError(401, 'Invalid API key');
    };
    const { api } = fakeApi(
      {
        sites: () => {
          if (keys.get() !== 'revoked') refuse();
          return { sites: [{ site_id: 'a.test', pageviews_24h: 1, first_seen: '2025-01-01T00:00:00Z' }] };
        },
        stats: refuse,
        realtime: refuse,
      },
      keys,
    );
    startDashboard({ api, keys, apiBase: '' });
    await vi.waitFor(() => expect(screen()).toBe('signin'));
    const message = document.getElementById('signin-message')!;
    await vi.waitFor(() => expect(message.hidden).toBe(false));
    expect(message.textContent).toMatch(/not accepted/);

    message.textContent = '';
    (document.getElementById('signin-key') as HTMLInputElement).value = 'still-wrong';
    document.getElementById('signin-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await vi.waitFor(() => expect(message.textContent).toMatch(/not accepted/));
    expect(message.hidden).toBe(false);
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBeNull();
  });

  it('asks without blaming anyone when no key was given yet', async () => {
    const keys = createKeyStore();
    const { api } = fakeApi({ sites: () => { throw new ApiError(401, 'Missing X-API-Key header'); } }, keys);
    startDashboard({ api, keys, apiBase: '' });
    await settle();
    expect(screen()).toBe('signin');
    expect(document.getElementById('signin-message')!.hidden).toBe(true);
  });

  it('signs in when a #key= link is opened on the sign-in screen', async () => {
    const keys = createKeyStore();
    const { api, seenKeys } = fakeApi(
      {
        sites: () => {
          if (keys.get() !== 'pasted') throw new ApiError(401, 'Missing X-API-Key header');
          return { sites: [] };
        },
      },
      keys,
    );
    startDashboard({ api, keys, apiBase: '' });
    await settle();
    expect(screen()).toBe('signin');
    history.replaceState(null, '', '/#key=pasted');
    window.dispatchEvent(new Event('hashchange'));
    await vi.waitFor(() => expect(screen()).toBe('empty'));
    expect(seenKeys.at(-1)).toBe('pasted');
    expect(location.hash).toBe('');
  });

  it('shows the install snippet when no site has data', async () => {
    const keys = createKeyStore();
    const { api } = fakeApi({ sites: () => ({ sites: [] }) }, keys);
    startDashboard({ api, keys, apiBase: '' });
    await settle();
    expect(screen()).toBe('empty');
    expect(document.getElementById('snippet')!.textContent).toBe(
      `<script defer src="${location.origin}/sdk/liveinsight.js" data-site="example.com"></script>`,
    );
  });

  it('opens the busiest site when the URL names none, and writes it into the URL', async () => {
    const keys = createKeyStore();
    // Answering stats would draw the chart, which needs a real canvas: the browser tests cover that.
    const stats = vi.fn((): StatsData => {
      throw new ApiError(500, 'not drawn here');
    });
    const { api } = fakeApi(
      {
        sites: () => ({ sites: [{ site_id: 'big.example', pageviews_24h: 50, first_seen: '2025-01-01T00:00:00Z' }] }),
        stats,
        realtime: realtimeFixture,
      },
      keys,
    );
    startDashboard({ api, keys, apiBase: '' });
    await vi.waitFor(() => expect(stats).toHaveBeenCalled());
    expect(location.hash).toBe('#site=big.example');
    expect((document.getElementById('site-picker') as HTMLSelectElement).value).toBe('big.example');
  });

  it('shows an unreachable API as an error with a retry', async () => {
    const keys = createKeyStore();
    let down = true;
    const { api } = fakeApi(
      {
        sites: () => {
          if (down) throw new ApiError(0, 'Cannot reach the API at this site. Is the collector running?');
          return { sites: [] };
        },
      },
      keys,
    );
    startDashboard({ api, keys, apiBase: '' });
    const banner = document.getElementById('banner')!;
    await vi.waitFor(() => expect(banner.hidden).toBe(false));
    expect(document.getElementById('banner-text')!.textContent).toBe('Cannot reach the API at this site. Is the collector running?');
    down = false;
    document.getElementById('banner-retry')!.click();
    await vi.waitFor(() => expect(screen()).toBe('empty'));
    expect(banner.hidden).toBe(true);
  });
});
