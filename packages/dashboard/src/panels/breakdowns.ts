import { BUCKET_VALUES, type BreakdownRow, type Breakdowns, type EventRow, type StatsData } from '@liveinsight/contract';
import type { Table } from '../format/csv.js';
import { countryName, formatCount, formatExact } from '../format/format.js';
import { fill, h } from '../dom.js';
import type { Filter, FilterDimension } from '../state/view-state.js';

type RowKey = Exclude<keyof Breakdowns, 'events'>;

interface Tab {
  key: RowKey;
  label: string;
  column: string;
  /** The filter a click on a row applies. Entry and exit pages filter by page, the one page dimension the API filters on. */
  filter: FilterDimension;
}

interface CardSpec {
  id: string;
  title: string;
  tabs: Tab[];
}

export const CARDS: readonly CardSpec[] = [
  {
    id: 'pages',
    title: 'Pages',
    tabs: [
      { key: 'pages', label: 'Top', column: 'Page', filter: 'page' },
      { key: 'entry_pages', label: 'Entry', column: 'Entry page', filter: 'page' },
      { key: 'exit_pages', label: 'Exit', column: 'Exit page', filter: 'page' },
    ],
  },
  {
    id: 'sources',
    title: 'Sources',
    tabs: [
      { key: 'referrers', label: 'Referrers', column: 'Referrer', filter: 'referrer' },
      { key: 'utm_source', label: 'UTM source', column: 'utm_source', filter: 'utm_source' },
      { key: 'utm_medium', label: 'Medium', column: 'utm_medium', filter: 'utm_medium' },
      { key: 'utm_campaign', label: 'Campaign', column: 'utm_campaign', filter: 'utm_campaign' },
    ],
  },
  {
    id: 'devices',
    title: 'Devices',
    tabs: [
      { key: 'browsers', label: 'Browser', column: 'Browser', filter: 'browser' },
      { key: 'os', label: 'OS', column: 'Operating system', filter: 'os' },
      { key: 'devices', label: 'Device', column: 'Device', filter: 'device' },
    ],
  },
  {
    id: 'countries',
    title: 'Countries',
    tabs: [{ key: 'countries', label: 'Countries', column: 'Country', filter: 'country' }],
  },
];

/** Rows shown before "Show all"; the API returns up to 100. */
const COLLAPSED_ROWS = 8;

const NOT_FILTERABLE = new Set(BUCKET_VALUES);

export interface BreakdownsPanel {
  render(data: StatsData): void;
  /** The table each card currently shows, for its CSV button. */
  table(cardId: string): { name: string; table: Table } | undefined;
}

export interface BreakdownsOptions {
  onFilter(filter: Filter): void;
  onExport(cardId: string): void;
}

function label(tab: Tab, value: string): HTMLElement {
  if (tab.key === 'countries' && /^[A-Za-z]{2}$/.test(value)) {
    // A code badge rather than a flag emoji: Windows has no flag glyphs and shows bare letters.
    return h('span', { class: 'row-label' }, h('span', { class: 'region-code', attrs: { 'aria-hidden': 'true' } }, value.toUpperCase()), countryName(value));
  }
  return h('span', { class: 'row-label' }, value === '' ? '(none)' : value);
}

function rowsTable(tab: Tab, rows: BreakdownRow[], expanded: boolean, data: StatsData, options: BreakdownsOptions) {
  const activeFilter = data.filter;
  const max = Math.max(1, ...rows.map((r) => r.visitors));
  // The API says when a column is not what its name promises (e.g. sessions counted as visitors).
  const visitorsCaveat = data.meta.approximations.find((a) => a.field === `breakdowns.${tab.key}.visitors`)?.reason;
  const shown = expanded ? rows : rows.slice(0, COLLAPSED_ROWS);
  return h(
    'table',
    { class: 'breakdown-table', data: { breakdown: tab.key } },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { attrs: { scope: 'col' } }, tab.column),
        h(
          'th',
          { attrs: { scope: 'col', title: visitorsCaveat } },
          'Visitors',
          visitorsCaveat ? h('span', { class: 'approx', attrs: { 'aria-label': `approximate: ${visitorsCaveat}` } }, '≈') : null,
        ),
        h('th', { attrs: { scope: 'col' } }, 'Views'),
      ),
    ),
    h(
      'tbody',
      null,
      ...shown.map((row) => {
        const filterable = !NOT_FILTERABLE.has(row.value);
        const active = activeFilter?.dimension === tab.filter && activeFilter.value === row.value;
        const apply = () => options.onFilter({ dimension: tab.filter, value: row.value });
        return h(
          'tr',
          {
            class: `${filterable ? 'clickable' : ''}${active ? ' active' : ''}`,
            data: { value: row.value },
            on: filterable ? { click: apply } : {},
          },
          h(
            'td',
            { class: 'label-cell' },
            h('span', { class: 'bar', style: { width: `${((row.visitors / max) * 100).toFixed(1)}%` } }),
            filterable
              ? h(
                  'button',
                  {
                    class: 'row-button',
                    attrs: { type: 'button', title: `Filter by ${row.value}` },
                    on: {
                      click: (event) => {
                        event.stopPropagation();
                        apply();
                      },
                    },
                  },
                  label(tab, row.value),
                )
              : label(tab, row.value),
          ),
          h('td', { class: 'num', data: { column: 'visitors', value: row.visitors }, attrs: { title: formatExact(row.visitors) } }, formatCount(row.visitors)),
          h('td', { class: 'num', data: { column: 'pageviews', value: row.pageviews }, attrs: { title: formatExact(row.pageviews) } }, formatCount(row.pageviews)),
        );
      }),
    ),
  );
}

/** Prop rows shown under each event; the CSV has them all. */
const PROP_ROWS = 6;

/** Props of one key stay together (keys in order of their biggest value), each key's values by count. */
export function groupedProps(props: EventRow['props']): EventRow['props'] {
  const keyRank = new Map<string, number>();
  for (const prop of props) keyRank.set(prop.key, Math.max(keyRank.get(prop.key) ?? 0, prop.count));
  return [...props].sort(
    (a, b) => keyRank.get(b.key)! - keyRank.get(a.key)! || a.key.localeCompare(b.key) || b.count - a.count,
  );
}

function eventsList(events: EventRow[], activeFilter: Filter | null, options: BreakdownsOptions) {
  const max = Math.max(1, ...events.map((e) => e.count));
  return h(
    'table',
    { class: 'breakdown-table events-table', data: { breakdown: 'events' } },
    h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, 'Event'), h('th', { attrs: { scope: 'col' }, class: 'num' }, 'Count'))),
    ...events.map((event) => {
      const active = activeFilter?.dimension === 'event' && activeFilter.value === event.value;
      const apply = () => options.onFilter({ dimension: 'event', value: event.value });
      return h(
        'tbody',
        { class: 'event-group' },
        h(
          'tr',
          { class: `clickable${active ? ' active' : ''}`, data: { value: event.value }, on: { click: apply } },
          h(
            'td',
            { class: 'label-cell' },
            h('span', { class: 'bar', style: { width: `${((event.count / max) * 100).toFixed(1)}%` } }),
            h(
              'button',
              {
                class: 'row-button',
                attrs: { type: 'button', title: `Filter by ${event.value}` },
                on: {
                  click: (e) => {
                    e.stopPropagation();
                    apply();
                  },
                },
              },
              h('span', { class: 'row-label' }, event.value),
            ),
          ),
          h('td', { class: 'num', data: { column: 'count', value: event.count } }, formatCount(event.count)),
        ),
        ...groupedProps(event.props)
          .slice(0, PROP_ROWS)
          .map((prop) =>
            h(
              'tr',
              { class: 'prop-row' },
              h('td', { class: 'label-cell' }, h('span', { class: 'prop-key' }, prop.key), h('span', { class: 'prop-value' }, prop.value)),
              h('td', { class: 'num', data: { column: 'count', value: prop.count } }, formatCount(prop.count)),
            ),
          ),
        event.props.length > PROP_ROWS
          ? h('tr', { class: 'prop-row' }, h('td', { class: 'label-cell muted' }, `+${event.props.length - PROP_ROWS} more in the CSV`), h('td'))
          : null,
      );
    }),
  );
}

function emptyMessage(text: string): HTMLElement {
  return h('p', { class: 'empty-panel muted' }, text);
}

export function createBreakdownsPanel(container: HTMLElement, options: BreakdownsOptions): BreakdownsPanel {
  const activeTab = new Map<string, number>(CARDS.map((c) => [c.id, 0]));
  const expanded = new Set<string>();
  let current: StatsData | undefined;

  const bodies = new Map<string, HTMLElement>();
  const tabBars = new Map<string, HTMLElement>();

  const csvButton = (id: string) =>
    h('button', { class: 'csv-button', attrs: { type: 'button', title: 'Download this table as CSV' }, data: { export: `breakdown:${id}` }, on: { click: () => options.onExport(id) } }, 'CSV');

  for (const card of [...CARDS, { id: 'events', title: 'Custom events', tabs: [] }]) {
    const tabs = h('div', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': card.title } });
    const body = h('div', { class: 'card-body' });
    tabBars.set(card.id, tabs);
    bodies.set(card.id, body);
    container.append(
      h(
        'section',
        { class: 'card breakdown', data: { card: card.id }, attrs: { 'aria-label': card.title } },
        h('header', { class: 'card-head' }, h('h2', null, card.title), tabs, csvButton(card.id)),
        body,
      ),
    );
  }

  function renderCard(card: CardSpec, data: StatsData): void {
    const tabs = tabBars.get(card.id)!;
    const body = bodies.get(card.id)!;
    const selected = activeTab.get(card.id) ?? 0;
    fill(
      tabs,
      ...(card.tabs.length > 1
        ? card.tabs.map((tab, index) =>
            h(
              'button',
              {
                class: index === selected ? 'tab selected' : 'tab',
                attrs: { type: 'button', role: 'tab', 'aria-selected': String(index === selected) },
                data: { tab: tab.key },
                on: {
                  click: () => {
                    activeTab.set(card.id, index);
                    renderCard(card, data);
                  },
                },
              },
              tab.label,
            ),
          )
        : []),
    );
    const tab = card.tabs[selected]!;
    const rows = data.breakdowns[tab.key];
    if (!rows.length) {
      fill(body, emptyMessage('Nothing recorded in this period.'));
      return;
    }
    const key = `${card.id}:${tab.key}`;
    const isExpanded = expanded.has(key);
    fill(
      body,
      rowsTable(tab, rows, isExpanded, data, options),
      rows.length > COLLAPSED_ROWS
        ? h(
            'button',
            {
              class: 'show-all',
              attrs: { type: 'button' },
              on: {
                click: () => {
                  if (isExpanded) expanded.delete(key);
                  else expanded.add(key);
                  renderCard(card, data);
                },
              },
            },
            isExpanded ? 'Show fewer' : `Show all ${rows.length}`,
          )
        : null,
    );
  }

  function renderEvents(data: StatsData): void {
    const body = bodies.get('events')!;
    if (!data.breakdowns.events.length) {
      fill(
        body,
        emptyMessage('No custom events yet.'),
        h('p', { class: 'muted small' }, 'Send one with ', h('code', null, "liveinsight.track('signup', { plan: 'pro' })"), '.'),
      );
      return;
    }
    fill(body, eventsList(data.breakdowns.events, data.filter, options));
  }

  return {
    render(data) {
      current = data;
      for (const card of CARDS) renderCard(card, data);
      renderEvents(data);
    },
    table(cardId) {
      if (!current) return undefined;
      if (cardId === 'events') return { name: 'events', table: eventsTable(current.breakdowns.events) };
      const card = CARDS.find((c) => c.id === cardId);
      const tab = card?.tabs[activeTab.get(cardId) ?? 0];
      if (!tab) return undefined;
      return { name: tab.key, table: breakdownTable(tab.column, current.breakdowns[tab.key]) };
    },
  };
}

export function breakdownTable(column: string, rows: BreakdownRow[]): Table {
  return { columns: [column.toLowerCase().replace(/\s+/g, '_'), 'visitors', 'pageviews'], rows: rows.map((r) => [r.value, r.visitors, r.pageviews]) };
}

export function eventsTable(events: EventRow[]): Table {
  const rows: Table['rows'] = [];
  for (const event of events) {
    rows.push([event.value, '', '', event.count]);
    for (const prop of event.props) rows.push([event.value, prop.key, prop.value, prop.count]);
  }
  return { columns: ['event', 'prop_key', 'prop_value', 'count'], rows };
}

/** Every breakdown of the answer, each as its own table, for the export of the whole page. */
export function allBreakdownTables(data: StatsData): { title: string; table: Table }[] {
  const sections: { title: string; table: Table }[] = CARDS.flatMap((card) => card.tabs.map((tab) => ({ title: tab.key as string, table: breakdownTable(tab.column, data.breakdowns[tab.key]) })));
  sections.push({ title: 'events', table: eventsTable(data.breakdowns.events) });
  return sections;
}
