import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/api/client.js';
import { createBreakdownsPanel, eventsTable, groupedProps } from '../src/panels/breakdowns.js';
import { allCaveats, archiveNote, breakdownsNarrowed, breakdownsNote, sectionCaveats } from '../src/panels/caveats.js';
import { intervalButtons } from '../src/panels/intervals.js';
import { createFilterForm, renderFilterChips } from '../src/panels/filters.js';
import { healthTable, renderHealth } from '../src/panels/health.js';
import { realtimeTables, renderLiveQuery, renderRealtime } from '../src/panels/realtime.js';
import { installSnippet } from '../src/panels/snippet.js';
import { draftOf, documentOf, renderSettings } from '../src/panels/settings.js';
import { renderTotals, totalsTable } from '../src/panels/totals.js';
import type { Filter } from '../src/state/view-state.js';
import { realtimeFixture, statsFixture } from './support/fixtures.js';

let root: HTMLElement;

beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
});

afterEach(() => {
  document.body.replaceChildren();
});

/** Markup in data must arrive as text: no element of these kinds may ever appear. */
function injectedElements(container: Element): number {
  return container.querySelectorAll('img, script, svg[onload], b, i').length;
}

describe('totals', () => {
  it('shows each metric with its exact value, change and approximation marker', () => {
    renderTotals(root, statsFixture());
    const value = (id: string) => root.querySelector<HTMLElement>(`[data-metric="${id}"] .metric-value`)!;
    expect(value('pageviews').dataset.value).toBe('1234');
    expect(value('pageviews').textContent).toBe('1,234');
    expect(value('visitors').textContent).toBe('321≈');
    expect(value('visitors').querySelector('.approx')!.getAttribute('title')).toBe('summed per day');
    expect(value('bounce_rate').textContent).toBe('25%');
    expect(value('avg_duration_s').textContent).toBe('1m 35s');
    expect(value('views_per_session').textContent).toBe('3.09');

    const change = (id: string) => root.querySelector<HTMLElement>(`[data-metric="${id}"] .metric-change`)!;
    expect(change('pageviews').textContent).toBe('↑ 23%');
    expect(change('pageviews').className).toContain('good');
    expect(change('visitors').className).toContain('bad');
    // A higher bounce rate is bad news even though the number went up.
    expect(change('bounce_rate').textContent).toBe('↑ 25%');
    expect(change('bounce_rate').className).toContain('bad');
    expect(change('events').textContent).toBe('new');
  });

  it('shows a dash, not "no change", where there is no previous period to compare with', () => {
    const none = { pageviews: NaN, visitors: NaN, sessions: NaN, bounce_rate: NaN, avg_duration_s: NaN, events: NaN };
    renderTotals(root, statsFixture({ previous: none }));
    const change = root.querySelector<HTMLElement>('[data-metric="pageviews"] .metric-change')!;
    expect(change.textContent).toBe('—');
    expect(change.title).toBe('Not compared with the previous period under these filters');
    expect(root.querySelector('[data-metric="views_per_session"] .metric-change')!.textContent).toBe('—');
    const rows = totalsTable(statsFixture({ previous: none })).rows;
    expect(rows.find((r) => r[0] === 'pageviews')).toEqual(['pageviews', 1234, NaN, '']);
    expect(rows.find((r) => r[0] === 'views_per_session')).toEqual(['views_per_session', 3.09, NaN, '']);
  });

  it('exports the same numbers as CSV rows', () => {
    const table = totalsTable(statsFixture());
    expect(table.rows.find((r) => r[0] === 'pageviews')).toEqual(['pageviews', 1234, 1000, '+23%']);
    expect(table.rows.find((r) => r[0] === 'visitors')).toEqual(['visitors', 321, 350, '-8%']);
  });
});

describe('breakdowns', () => {
  it('renders hostile values as text and nothing else', () => {
    const panel = createBreakdownsPanel(root, { onFilter: vi.fn(), onExport: vi.fn() });
    panel.render(statsFixture());
    const labels = [...root.querySelectorAll('[data-card="pages"] .row-label')].map((l) => l.textContent);
    expect(labels).toContain('/<img src=x onerror=window.__xss=1>');
    root.querySelector<HTMLButtonElement>('[data-card="sources"] [data-tab="referrers"]')!.click();
    expect(root.querySelector('[data-card="sources"] tr[data-value="<b>news</b>"] .row-label')!.textContent).toBe('<b>news</b>');
    expect(root.querySelector('[data-card="events"] .row-label')!.textContent).toBe('signup<script>');
    expect(root.querySelector('[data-card="events"] .prop-value')!.textContent).toBe('<i>pro</i>');
    expect(injectedElements(root)).toBe(0);
  });

  it('applies a clicked row as a filter of its dimension', () => {
    const onFilter = vi.fn<(filter: Filter) => void>();
    const panel = createBreakdownsPanel(root, { onFilter, onExport: vi.fn() });
    panel.render(statsFixture());
    root.querySelector<HTMLElement>('[data-card="pages"] tr[data-value="/"]')!.click();
    expect(onFilter).toHaveBeenLastCalledWith({ dimension: 'page', op: 'is', value: '/' });
    root.querySelector<HTMLButtonElement>('[data-card="devices"] [data-tab="os"]')!.click();
    root.querySelector<HTMLButtonElement>('[data-card="devices"] tr[data-value="Linux"] .row-button')!.click();
    expect(onFilter).toHaveBeenLastCalledWith({ dimension: 'os', op: 'is', value: 'Linux' });
    root.querySelector<HTMLElement>('[data-card="events"] tr[data-value="signup<script>"]')!.click();
    expect(onFilter).toHaveBeenLastCalledWith({ dimension: 'event', op: 'is', value: 'signup<script>' });
    // Entry pages are a dimension of their own now: POST /api/v2/query filters on visit:entry_page.
    root.querySelector<HTMLButtonElement>('[data-card="pages"] [data-tab="entry_pages"]')!.click();
    root.querySelector<HTMLElement>('[data-card="pages"] tr[data-value="/"]')!.click();
    expect(onFilter).toHaveBeenLastCalledWith({ dimension: 'entry_page', op: 'is', value: '/' });
    expect(onFilter).toHaveBeenCalledTimes(4);
  });

  it('applies a clicked property row as a chip on that property', () => {
    const onFilter = vi.fn<(filter: Filter) => void>();
    createBreakdownsPanel(root, { onFilter, onExport: vi.fn() }).render(statsFixture());
    const row = root.querySelector<HTMLElement>('[data-card="events"] tr.prop-row[data-key="plan"]')!;
    row.querySelector<HTMLButtonElement>('.row-button')!.click();
    expect(onFilter).toHaveBeenCalledExactlyOnceWith({ dimension: 'event:props:plan', op: 'is', value: '<i>pro</i>' });
    row.click();
    expect(onFilter).toHaveBeenCalledTimes(2);
  });

  it('marks the rows the chips pick, and says which tables the archive answered', () => {
    const panel = createBreakdownsPanel(root, { onFilter: vi.fn(), onExport: vi.fn() });
    const data = statsFixture();
    const served = { engine: 'archive', generated_at: '2025-03-05T14:02:00.000Z' };
    panel.render(
      { ...data, served: { totals: served, timeseries: served, breakdowns: { ...Object.fromEntries(Object.keys(data.breakdowns).map((k) => [k, served])), pages: { ...served, engine: 'rollups' } } as never } },
      [
        { dimension: 'browser', op: 'is', value: 'Chrome' },
        { dimension: 'event:props:plan', op: 'is', value: '<i>pro</i>' },
        { dimension: 'page', op: 'is_not', value: '/' },
      ],
    );
    expect(root.querySelector('[data-card="devices"] tr[data-value="Chrome"]')!.classList.contains('active')).toBe(true);
    expect(root.querySelector('[data-card="events"] tr.prop-row')!.classList.contains('active')).toBe(true);
    // `is not` picks nothing to highlight.
    expect(root.querySelector('[data-card="pages"] tr[data-value="/"]')!.classList.contains('active')).toBe(false);
    const note = (card: string) => root.querySelector(`[data-card="${card}"] .archive-note`)!.textContent;
    expect(note('devices')).toBe(archiveNote(served));
    expect(note('devices')).toMatch(/^from the archive · \S/);
    expect(note('pages')).toBe('');
    expect(root.querySelector('[data-card="events"]')!.textContent).toContain('Property values are not broken down under these filters.');
  });

  it('does not offer "(other)" as a filter', () => {
    const onFilter = vi.fn();
    createBreakdownsPanel(root, { onFilter, onExport: vi.fn() }).render(statsFixture());
    const other = root.querySelector<HTMLElement>('[data-card="sources"] tr[data-value="(other)"]')!;
    other.click();
    expect(other.querySelector('button')).toBeNull();
    expect(onFilter).not.toHaveBeenCalled();
  });

  it('shows eight rows, then all of them on request', () => {
    createBreakdownsPanel(root, { onFilter: vi.fn(), onExport: vi.fn() }).render(statsFixture());
    const rows = () => root.querySelectorAll('[data-card="pages"] tbody tr').length;
    expect(rows()).toBe(8);
    root.querySelector<HTMLButtonElement>('[data-card="pages"] .show-all')!.click();
    expect(rows()).toBe(11);
  });

  it('names countries and marks the active filter row', () => {
    createBreakdownsPanel(root, { onFilter: vi.fn(), onExport: vi.fn() }).render(statsFixture({ filter: { dimension: 'country', value: 'DE' } }), [
      { dimension: 'country', op: 'is', value: 'DE' },
    ]);
    const row = root.querySelector('[data-card="countries"] tr[data-value="DE"]')!;
    expect(row.classList.contains('active')).toBe(true);
    expect(row.querySelector('.row-label')!.textContent).toBe('DEGermany');
  });

  it('says so when a breakdown is empty', () => {
    createBreakdownsPanel(root, { onFilter: vi.fn(), onExport: vi.fn() }).render(statsFixture());
    root.querySelector<HTMLButtonElement>('[data-card="pages"] [data-tab="exit_pages"]')!.click();
    expect(root.querySelector('[data-card="pages"] .empty-panel')!.textContent).toBe('Nothing recorded in this period.');
  });

  it('exports the table of the selected tab', () => {
    const panel = createBreakdownsPanel(root, { onFilter: vi.fn(), onExport: vi.fn() });
    panel.render(statsFixture());
    expect(panel.table('pages')!.table.rows[0]).toEqual(['/', 200, 700]);
    root.querySelector<HTMLButtonElement>('[data-card="pages"] [data-tab="entry_pages"]')!.click();
    expect(panel.table('pages')).toEqual({ name: 'entry_pages', table: { columns: ['entry_page', 'visitors', 'pageviews'], rows: [['/', 180, 180]] } });
    expect(eventsTable(statsFixture().breakdowns.events).rows).toEqual([
      ['signup<script>', '', '', 17],
      ['signup<script>', 'plan', '<i>pro</i>', 11],
    ]);
  });
});

describe('realtime', () => {
  it('shows what the archive counted under chips, without bars or lists', () => {
    const live = { minutes: 5, visitors: 3, pageviews: 7, meta: { engine: 'archive', generated_at: '2025-03-05T12:00:00.000Z' } };
    renderLiveQuery(root, live);
    expect(root.querySelector('.realtime-number')!.textContent).toBe('3');
    expect(root.querySelector('.realtime-caption')!.textContent).toBe('visitors matching the filtersin the last 5 minutes');
    expect(root.querySelector('.realtime-pageviews')!.textContent).toBe('7 pageviews in the last 5 minutes');
    expect(root.querySelector('.sparkline')).toBeNull();
    expect(realtimeTables(live)).toEqual([{ title: 'Matching the filters (last 5 minutes)', table: { columns: ['visitors', 'pageviews'], rows: [[3, 7]] } }]);
  });

  it('shows the live count, one bar per minute and the current pages as text', () => {
    renderRealtime(root, realtimeFixture());
    expect(root.querySelector('.realtime-number')!.textContent).toBe('4');
    expect(root.querySelectorAll('.sparkline rect')).toHaveLength(30);
    expect(root.querySelector('.sparkline rect title')!.textContent).toMatch(/: 0 pageviews$/);
    expect(root.querySelector('[data-list="pages"] .realtime-value')!.textContent).toBe('/<svg onload=alert(1)>');
    expect(root.querySelectorAll('svg').length).toBe(1);
    expect(realtimeTables(realtimeFixture())[3]!.table.rows).toHaveLength(30);
  });
});

describe('health', () => {
  it('shows totals, reasons and one row per day, newest first', () => {
    renderHealth(root, statsFixture().health);
    expect(root.querySelector('[data-health="accepted"] .health-value')!.textContent).toBe('1,300');
    expect(root.querySelector('[data-reason="invalid_session_id"]')!.textContent).toBe('invalid session id1');
    expect([...root.querySelectorAll('tbody tr')].map((tr) => (tr as HTMLElement).dataset.date)).toEqual(['2025-03-05', '2025-03-04']);
    expect(root.querySelector('.health-ratio')!.textContent).toMatch(/^99% of 1,313 events received were counted/);
  });

  it('exports a column per rejection reason', () => {
    const table = healthTable(statsFixture().health!);
    expect(table.columns).toEqual(['date', 'accepted', 'rejected', 'bots', 'duplicates', 'rejected_invalid_session_id']);
    expect(table.rows[1]).toEqual(['2025-03-05', 800, 0, 3, 0, 0]);
  });

  it('explains a collector without health counts', () => {
    renderHealth(root, undefined);
    expect(root.textContent).toContain('does not report ingestion health');
  });
});

describe('filter chips', () => {
  const chips: Filter[] = [
    { dimension: 'page', op: 'is', value: '<img src=x onerror=alert(1)>' },
    { dimension: 'country', op: 'is_not', value: 'DE' },
    { dimension: 'event:props:plan', op: 'contains', value: 'pro' },
  ];

  it('shows each chip as text with its operator, and removes one on ×', () => {
    const actions = { onRemove: vi.fn(), onOperator: vi.fn() };
    renderFilterChips(root, chips, actions);
    const shown = [...root.querySelectorAll('.chip')].map((chip) => [
      chip.querySelector('.chip-dimension')!.textContent,
      chip.querySelector<HTMLSelectElement>('.chip-op')!.value,
      chip.querySelector('.chip-value')!.textContent,
    ]);
    expect(shown).toEqual([
      ['Page', 'is', '<img src=x onerror=alert(1)>'],
      ['Country', 'is_not', 'Germany'],
      ['Property plan', 'contains', 'pro'],
    ]);
    expect(injectedElements(root)).toBe(0);
    const remove = root.querySelectorAll<HTMLButtonElement>('.chip-remove')[1]!;
    expect(remove.getAttribute('aria-label')).toBe('Remove filter Country is not Germany');
    remove.click();
    expect(actions.onRemove).toHaveBeenCalledExactlyOnceWith(1);
    renderFilterChips(root, undefined, actions);
    expect(root.childElementCount).toBe(0);
  });

  it('changes a chip\'s operator through its labelled select', () => {
    const actions = { onRemove: vi.fn(), onOperator: vi.fn() };
    renderFilterChips(root, chips, actions);
    const select = root.querySelectorAll<HTMLSelectElement>('.chip-op')[2]!;
    expect(select.getAttribute('aria-label')).toBe('How Property plan compares');
    expect([...select.options].map((o) => o.textContent)).toEqual(['is', 'is not', 'contains']);
    select.value = 'is_not';
    select.dispatchEvent(new Event('change'));
    expect(actions.onOperator).toHaveBeenCalledExactlyOnceWith(2, 'is_not');
  });

  it('adds a chip typed into the form, a property with its key', () => {
    const onAdd = vi.fn<(filter: Filter) => void>();
    createFilterForm(root, onAdd);
    const form = root.querySelector('form')!;
    const control = <T extends HTMLElement>(name: string) => form.querySelector<T>(`[name="${name}"]`)!;
    const keyField = control<HTMLInputElement>('key').closest('label')!;
    expect(keyField.hidden).toBe(true);
    // Every control has a label a screen reader reads.
    expect([...form.querySelectorAll('select, input')].map((c) => c.closest('label')?.querySelector('.sr-only')?.textContent)).toEqual([
      'Dimension',
      'Property key',
      'Operator',
      'Value',
    ]);

    control<HTMLSelectElement>('dimension').value = 'referrer';
    control<HTMLSelectElement>('op').value = 'contains';
    control<HTMLInputElement>('value').value = ' news ';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(onAdd).toHaveBeenLastCalledWith({ dimension: 'referrer', op: 'contains', value: 'news' });
    expect(control<HTMLInputElement>('value').value).toBe('');

    const dimension = control<HTMLSelectElement>('dimension');
    dimension.value = 'prop';
    dimension.dispatchEvent(new Event('change'));
    expect(keyField.hidden).toBe(false);
    control<HTMLInputElement>('value').value = 'pro';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    // No key yet: nothing is added.
    expect(onAdd).toHaveBeenCalledTimes(1);
    control<HTMLInputElement>('key').value = 'plan';
    control<HTMLSelectElement>('op').value = 'is';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(onAdd).toHaveBeenLastCalledWith({ dimension: 'event:props:plan', op: 'is', value: 'pro' });
  });
});

describe('install snippet', () => {
  it('points at the dashboard origin, naming another API origin as the endpoint', () => {
    expect(installSnippet('shop.example', 'https://stats.example', '')).toBe(
      '<script defer src="https://stats.example/sdk/liveinsight.js" data-site="shop.example"></script>',
    );
    expect(installSnippet('shop.example', 'https://stats.example', 'https://api.example/dev')).toBe(
      '<script defer src="https://stats.example/sdk/liveinsight.js" data-site="shop.example" data-endpoint="https://api.example/dev/api/events"></script>',
    );
  });

  it('keeps quotes in a site id from breaking the tag', () => {
    expect(installSnippet('a"><script>', 'https://s.example', '')).toContain('data-site="a&quot;>&lt;script>"');
  });
});

describe('event props', () => {
  it('keeps the values of one key together, keys by their biggest value', () => {
    const props = [
      { key: 'quantity', value: '1', count: 89 },
      { key: 'price', value: '14', count: 47 },
      { key: 'product', value: 'espresso', count: 47 },
      { key: 'price', value: '12', count: 43 },
      { key: 'quantity', value: '2', count: 34 },
    ];
    expect(groupedProps(props).map((p) => `${p.key}=${p.value}`)).toEqual(['quantity=1', 'quantity=2', 'price=14', 'price=12', 'product=espresso']);
  });
});

describe('caveats', () => {
  it('tells filtered breakdowns from unfiltered ones by meta.filtered', () => {
    const filter = { dimension: 'page' as const, value: '/' };
    expect(breakdownsNarrowed(statsFixture())).toBe(true);
    expect(breakdownsNarrowed(statsFixture({ filter }))).toBe(false);
    const narrowed = statsFixture({ filter });
    narrowed.meta.filtered = { totals: true, previous: true, timeseries: true, breakdowns: true };
    expect(breakdownsNarrowed(narrowed)).toBe(true);
  });

  it('notes unfiltered tables under a filter, and nothing once the API says they are narrowed', () => {
    const filter = { dimension: 'page' as const, value: '/' };
    expect(breakdownsNote(statsFixture())).toEqual([]);
    expect(breakdownsNote(statsFixture({ filter }))).toEqual([
      'The tables below cover all traffic of the period: the filter narrows the overview and the chart only.',
    ]);
    const narrowed = statsFixture({ filter });
    // The pages table still lists other pages: only meta tells.
    narrowed.meta.filtered = { totals: true, previous: true, timeseries: true, breakdowns: true };
    expect(breakdownsNote(narrowed)).toEqual([]);
  });

  it('separates section-wide reasons from field reasons', () => {
    const data = statsFixture();
    data.meta.approximations.push({ field: 'timeseries', reason: 'daily only' }, { field: 'timeseries.visitors', reason: 'first hour' });
    expect(sectionCaveats(data, 'timeseries')).toEqual(['daily only']);
    expect(allCaveats(data, 'timeseries')).toEqual(['daily only', 'first hour']);
    expect(sectionCaveats(data, 'totals')).toEqual([]);
  });
});

describe('interval buttons', () => {
  const labels = (buttons: HTMLElement[]) => buttons.map((b) => `${b.textContent}${b.getAttribute('aria-pressed') === 'true' ? '*' : ''}`);

  it('offers the intervals meta lists, the requested one pressed', () => {
    const week = statsFixture();
    expect(labels(intervalButtons(week, { period: '7d' }, () => {}))).toEqual(['Hours', 'Days*']);
    expect(labels(intervalButtons(week, { period: '7d', interval: 'hour' }, () => {}))).toEqual(['Hours*', 'Days']);
  });

  it('offers no hours for a week whose answer lists days alone, and nothing before an answer', () => {
    const week = statsFixture();
    week.meta.intervals = ['day'];
    const buttons = intervalButtons(week, { period: '7d' }, () => {});
    expect(buttons.some((b) => b.dataset.interval === 'hour')).toBe(false);
    // One choice is no choice: no buttons at all.
    expect(buttons).toEqual([]);
    expect(intervalButtons(undefined, { period: '7d' }, () => {})).toEqual([]);
  });

  it('hands a click on to the caller', () => {
    const picked: string[] = [];
    intervalButtons(statsFixture(), { period: '7d' }, (i) => picked.push(i))[0]!.click();
    expect(picked).toEqual(['hour']);
  });
});

describe('settings editor', () => {
  it('starts from the document: hostnames a line each, the rest as JSON', () => {
    expect(draftOf({ hostnames: ['a.example', '*.a.example'], timezone: 'Europe/Berlin', alerts: { drop_hours: 2 } })).toEqual({
      hostnames: 'a.example\n*.a.example',
      timezone: 'Europe/Berlin',
      json: '{\n  "alerts": {\n    "drop_hours": 2\n  }\n}',
    });
    expect(draftOf({})).toEqual({ hostnames: '', timezone: '', json: '{}' });
  });

  it('builds the document PUT sends, leaving out empty fields', () => {
    expect(documentOf({ hostnames: ' a.example,\n\n*.b.example ', timezone: ' UTC ', json: '{"goals": []}' })).toEqual({
      settings: { hostnames: ['a.example', '*.b.example'], timezone: 'UTC', goals: [] },
    });
    expect(documentOf({ hostnames: '', timezone: '', json: '' })).toEqual({ settings: {} });
  });

  it('stops what cannot be sent, and leaves meaning to the API', () => {
    expect(documentOf({ hostnames: '', timezone: '', json: '[1]' })).toEqual({ error: 'The other settings must be a JSON object, { … }.' });
    expect(documentOf({ hostnames: '', timezone: '', json: '{"timezone": "UTC"}' })).toEqual({ error: 'Set timezone in its own field above, not in the JSON.' });
    // An unknown key is the API's to refuse: its 400 names it.
    expect(documentOf({ hostnames: '', timezone: '', json: '{"colour": "red"}' })).toEqual({ settings: { colour: 'red' } });
  });

  it('renders hostile settings as text', () => {
    renderSettings(root, { site_id: 'a', created_at: '', settings: { hostnames: ['<img src=x>'], goals: [{ name: '<script>x</script>' }] } }, undefined, () => {});
    expect(injectedElements(root)).toBe(0);
    expect(root.querySelector('[data-setting="hostnames"] li')!.textContent).toBe('<img src=x>');
    expect(root.querySelector('[data-setting="timezone"]')!.textContent).toBe('Not set');
  });

  it('says why settings are missing', () => {
    const retry = vi.fn();
    renderSettings(root, undefined, new ApiError(404, 'No site a.example'), retry);
    expect(root.textContent).toBe('No settings to show (No site a.example): the site is not registered, or the collector is older than this dashboard.');
    renderSettings(root, undefined, new ApiError(0, 'Cannot reach the API'), retry);
    root.querySelector('button')!.click();
    expect(retry).toHaveBeenCalledOnce();
  });
});
