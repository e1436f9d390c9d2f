import type { KeySummary, SiteSettingsData, SitesData } from '@liveinsight/contract';
import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../src/api/client.js';
import { createKeyStore, KEY_STORAGE_NAME } from '../src/state/key-store.js';
import { API_BASE, useCollector } from './support/collector.js';
import { realtimeFixture, statsFixture } from './support/fixtures.js';
import { useDashboardPage } from './support/page.js';

// uPlot needs a real canvas, which happy-dom lacks: the browser tests draw the chart.
vi.mock('../src/panels/chart.js', () => ({
  createChartPanel: () => ({ render() {}, restyle() {} }),
  timeseriesTable: () => ({ columns: [], rows: [] }),
}));

const page = useDashboardPage();
const collector = useCollector();

const READ_KEY = 'li_ZGFzaGJvYXJk.read-secret-read-secret-read-secret-0';
const ADMIN_KEY = 'li_b3BzLWFkbWlu.admin-secret-admin-secret-admin-secret';
const SITE = 'shop.example';
const SITES: SitesData = { sites: [{ site_id: SITE, pageviews_24h: 10, first_seen: '2025-01-01T00:00:00Z' }] };
const MINT_COMMAND = 'npm run keys -- create --name dashboard --scope read';

function keyData(name: string, scopes: KeySummary['scopes']): { key: KeySummary } {
  return { key: { name, scopes, sites: null, created_at: '2025-01-01T00:00:00Z', last_used_at: null, revoked_at: null } };
}

const SETTINGS: SiteSettingsData = {
  site_id: SITE,
  created_at: '2025-01-02T03:04:05Z',
  settings: {
    hostnames: ['shop.example', '*.shop.example'],
    timezone: 'Europe/Berlin',
    goals: [{ name: 'signup', event: 'signup' }],
    alerts: { spike_visitors_10m: 50 },
  },
};

/** A collector with keys: reads need one, GET /api/key says what `keys` may do. */
function keyedCollector(keys: Record<string, KeySummary['scopes']>): void {
  const known = (key: string | null) => key !== null && key in keys;
  const read = (data: () => unknown) => (request: { key: string | null }) =>
    known(request.key) ? { data: data() } : { status: 401, message: request.key ? 'Invalid API key' : 'Missing X-API-Key header' };
  collector.answer('GET /api/key', (request) =>
    known(request.key) ? { data: keyData(request.key === ADMIN_KEY ? 'ops-admin' : 'dashboard', keys[request.key!]!) } : { status: 401, message: 'Invalid API key' },
  );
  collector.answer('GET /api/sites', read(() => SITES));
  collector.answer('GET /api/stats', read(() => statsFixture()));
  collector.answer('GET /api/realtime', read(() => realtimeFixture()));
  collector.answer(`GET /api/sites/${SITE}/settings`, read(() => SETTINGS));
}

function open(hash = ''): void {
  history.replaceState(null, '', `/${hash}`);
  const keys = createKeyStore();
  page.start({ api: createApiClient({ apiBase: API_BASE, key: () => keys.get() }), keys, apiBase: API_BASE });
}

const screen = () => document.body.dataset.screen;
const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const notice = () => byId('key-notice');

/** Every value either storage holds: no key that can change data may be among them. */
function storedValues(): string[] {
  const values: string[] = [];
  for (const storage of [localStorage, sessionStorage]) {
    for (let i = 0; i < storage.length; i++) values.push(storage.getItem(storage.key(i)!) ?? '');
  }
  return values;
}

function signIn(key: string): void {
  byId<HTMLInputElement>('signin-key').value = key;
  byId('signin-form').dispatchEvent(new Event('submit', { cancelable: true }));
}

describe('which key the dashboard keeps', () => {
  it('stores a read key typed into the sign-in form, only after GET /api/key says it only reads', async () => {
    keyedCollector({ [READ_KEY]: ['read'] });
    open(`#site=${SITE}`);
    await vi.waitFor(() => expect(screen()).toBe('signin'));

    signIn(READ_KEY);
    await vi.waitFor(() => expect(screen()).toBe('dashboard'));
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBe(READ_KEY);
    const [check] = collector.to('GET /api/key');
    expect(check).toMatchObject({ key: READ_KEY, storedKey: null });
    expect(collector.to('GET /api/sites').at(-1)!.key).toBe(READ_KEY);
    expect(notice().hidden).toBe(true);
  });

  it('uses an admin key from #key= for this page load only, and says how to get a read key', async () => {
    keyedCollector({ [ADMIN_KEY]: ['read', 'backfill', 'admin'] });
    open(`#key=${ADMIN_KEY}&site=${SITE}`);
    expect(location.hash).toBe(`#site=${SITE}`);
    await vi.waitFor(() => expect(screen()).toBe('dashboard'));

    // Used: the reads carried it.
    for (const route of ['GET /api/sites', 'GET /api/stats', 'GET /api/realtime']) {
      expect(collector.to(route).map((request) => request.key), route).toEqual([ADMIN_KEY]);
    }
    // Not kept: no storage holds it, and the next page load has no key.
    expect(storedValues().some((value) => value.includes(ADMIN_KEY))).toBe(false);
    expect(createKeyStore().get()).toBeUndefined();

    expect(notice().hidden).toBe(false);
    expect(notice().textContent).toMatch(/This key can change data \(scopes: read, backfill, admin\), so the\s+dashboard will not remember it/);
    expect(byId('key-notice-command').textContent).toBe(MINT_COMMAND);
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    byId('copy-key-command').click();
    expect(writeText).toHaveBeenCalledWith(MINT_COMMAND);
  });

  it('takes a key stored before keys had scopes out of storage once the API calls it an admin key', async () => {
    keyedCollector({ [ADMIN_KEY]: ['read', 'backfill', 'admin'] });
    localStorage.setItem(KEY_STORAGE_NAME, ADMIN_KEY);
    open(`#site=${SITE}`);
    await vi.waitFor(() => expect(notice().hidden).toBe(false));
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBeNull();
    await vi.waitFor(() => expect(screen()).toBe('dashboard'));
    expect(collector.to('GET /api/stats').at(-1)!.key).toBe(ADMIN_KEY);
  });

  it('remembers a #key= key as before when the collector has no GET /api/key', async () => {
    keyedCollector({ [READ_KEY]: ['read'] });
    collector.answer('GET /api/key', { status: 404, message: 'No such endpoint: /api/key' });
    open(`#key=${READ_KEY}&site=${SITE}`);
    await vi.waitFor(() => expect(screen()).toBe('dashboard'));
    expect(collector.to('GET /api/key')).toHaveLength(1);
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBe(READ_KEY);
    expect(notice().hidden).toBe(true);
  });

  it('asks for another key when GET /api/key refuses the one given, storing nothing', async () => {
    keyedCollector({ [READ_KEY]: ['read'] });
    open(`#key=revoked-key&site=${SITE}`);
    await vi.waitFor(() => expect(screen()).toBe('signin'));
    expect(byId('signin-message').textContent).toBe('That API key was not accepted (Invalid API key). Check the key and try again.');
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBeNull();
  });

  it('asks nothing about keys when the collector takes none', async () => {
    collector.answer('GET /api/sites', { data: { sites: [] } });
    open();
    await vi.waitFor(() => expect(screen()).toBe('empty'));
    expect(collector.received.map((request) => `${request.method} ${request.path} ${request.key}`)).toEqual(['GET /api/sites null']);
    expect(notice().hidden).toBe(true);
  });
});

describe('site settings', () => {
  /** Signed in with the stored read key, the dashboard of SITE up, its settings shown. */
  async function openSettings(): Promise<void> {
    keyedCollector({ [READ_KEY]: ['read'], [ADMIN_KEY]: ['read', 'backfill', 'admin'] });
    localStorage.setItem(KEY_STORAGE_NAME, READ_KEY);
    open(`#site=${SITE}`);
    await vi.waitFor(() => expect(byId('settings-edit').hidden).toBe(false));
  }

  const editor = () => byId<HTMLFormElement>('settings-editor');
  const dialog = () => byId<HTMLDialogElement>('settings-save');
  const adminKeyField = () => byId<HTMLInputElement>('settings-admin-key');

  function typeAdminKeyAndSave(key: string): void {
    adminKeyField().value = key;
    byId('settings-save-form').dispatchEvent(new Event('submit', { cancelable: true }));
  }

  it('shows what GET /api/sites/{site}/settings returned, asked with the read key', async () => {
    await openSettings();
    const [request] = collector.to(`GET /api/sites/${SITE}/settings`);
    expect(request!.key).toBe(READ_KEY);
    expect(byId('settings').hidden).toBe(false);
    const setting = (name: string) => document.querySelector(`#settings-body [data-setting="${name}"]`)!;
    expect([...setting('hostnames').querySelectorAll('li')].map((li) => li.textContent)).toEqual(['shop.example', '*.shop.example']);
    expect(setting('timezone').textContent).toBe('Europe/Berlin');
    expect(JSON.parse(setting('other').querySelector('pre')!.textContent!)).toEqual({
      goals: [{ name: 'signup', event: 'signup' }],
      alerts: { spike_visitors_10m: 50 },
    });
    expect(byId('settings-note').textContent).toBe('created 2025-01-02');
  });

  it('saves with the admin key typed in the dialog, shows the 400 message, and keeps the admin key nowhere', async () => {
    await openSettings();
    byId('settings-edit').click();
    expect(editor().hidden).toBe(false);
    expect(byId<HTMLTextAreaElement>('settings-hostnames').value).toBe('shop.example\n*.shop.example');
    expect(byId<HTMLInputElement>('settings-timezone').value).toBe('Europe/Berlin');

    byId<HTMLTextAreaElement>('settings-hostnames').value = 'shop.example\nwww.shop.example';
    byId<HTMLInputElement>('settings-timezone').value = 'Europe/Paris';
    byId<HTMLTextAreaElement>('settings-json').value = '{"alerts": {"drop_hours": 1.5}, "reports": {"weekly": true}}';
    collector.answer(`PUT /api/sites/${SITE}/settings`, { status: 400, message: 'settings.alerts.drop_hours must be a whole number of hours' });

    editor().dispatchEvent(new Event('submit', { cancelable: true }));
    expect(dialog().open).toBe(true);
    expect(byId('settings-save-site').textContent).toBe(SITE);
    typeAdminKeyAndSave(ADMIN_KEY);
    expect(adminKeyField().value).toBe('');

    const error = byId('settings-error');
    await vi.waitFor(() => expect(error.hidden).toBe(false));
    expect(error.textContent).toBe('settings.alerts.drop_hours must be a whole number of hours');
    expect(dialog().open).toBe(false);
    expect(editor().hidden).toBe(false);

    const [put] = collector.to(`PUT /api/sites/${SITE}/settings`);
    expect(put!.key).toBe(ADMIN_KEY);
    expect(put!.contentType).toBe('application/json');
    expect(JSON.parse(put!.body)).toEqual({
      hostnames: ['shop.example', 'www.shop.example'],
      timezone: 'Europe/Paris',
      alerts: { drop_hours: 1.5 },
      reports: { weekly: true },
    });

    expect(storedValues().some((value) => value.includes(ADMIN_KEY))).toBe(false);
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBe(READ_KEY);
    // The admin key went with the PUT alone; every read carried the read key.
    const reads = collector.received.filter((request) => request.method === 'GET');
    expect(reads.length).toBeGreaterThan(3);
    expect(reads.filter((request) => request.key !== READ_KEY)).toEqual([]);
  });

  it('asks for the admin key again on the next save, and shows what the API saved', async () => {
    await openSettings();
    const saved: SiteSettingsData = { ...SETTINGS, settings: { hostnames: ['shop.example'], timezone: 'Europe/Berlin' } };
    collector.answer(`PUT /api/sites/${SITE}/settings`, (request) =>
      request.key === ADMIN_KEY ? { data: saved } : { status: 403, message: 'This key lacks the admin scope' },
    );

    byId('settings-edit').click();
    byId<HTMLTextAreaElement>('settings-hostnames').value = 'shop.example';
    byId<HTMLTextAreaElement>('settings-json').value = '{}';
    editor().dispatchEvent(new Event('submit', { cancelable: true }));
    typeAdminKeyAndSave(READ_KEY);
    const dialogError = byId('settings-save-error');
    await vi.waitFor(() => expect(dialogError.hidden).toBe(false));
    expect(dialogError.textContent).toBe('That key is not an admin key: saving settings needs a key with the admin scope.');
    expect(dialog().open).toBe(true);
    // A refused admin key is the save's business: the dashboard stays signed in with its read key.
    expect(screen()).toBe('dashboard');
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBe(READ_KEY);

    typeAdminKeyAndSave(ADMIN_KEY);
    await vi.waitFor(() => expect(editor().hidden).toBe(true));
    expect(dialog().open).toBe(false);
    expect(byId('settings-saved').textContent).toBe('Saved');
    expect(collector.to(`PUT /api/sites/${SITE}/settings`).map((request) => [request.key, JSON.parse(request.body)])).toEqual([
      [READ_KEY, { hostnames: ['shop.example'], timezone: 'Europe/Berlin' }],
      [ADMIN_KEY, { hostnames: ['shop.example'], timezone: 'Europe/Berlin' }],
    ]);
    const hosts = [...document.querySelectorAll('#settings-body [data-setting="hostnames"] li')].map((li) => li.textContent);
    expect(hosts).toEqual(['shop.example']);
    expect(document.querySelector('#settings-body [data-setting="other"]')!.textContent).toBe('None set');

    // The next save starts with an empty key field: nothing was kept to fill it.
    byId('settings-edit').click();
    editor().dispatchEvent(new Event('submit', { cancelable: true }));
    expect(dialog().open).toBe(true);
    expect(adminKeyField().value).toBe('');
    expect(storedValues().some((value) => value.includes(ADMIN_KEY))).toBe(false);
  });

  it('refuses to send a document that is not JSON, before any key is asked for', async () => {
    await openSettings();
    byId('settings-edit').click();
    byId<HTMLTextAreaElement>('settings-json').value = '{"goals": [';
    editor().dispatchEvent(new Event('submit', { cancelable: true }));
    expect(dialog().open).toBe(false);
    expect(byId('settings-error').textContent).toMatch(/^The other settings are not valid JSON: /);
    expect(collector.to(`PUT /api/sites/${SITE}/settings`)).toEqual([]);
  });
});
