import { BUCKET_VALUES, type BreakdownRow, type Breakdowns, type EventRow, type StatsData } from '@liveinsight/contract';
import type { PageStats } from '../api/query-results.js';
import type { Table } from '../format/csv.js';
import { countryName, formatCount, formatExact } from '../format/format.js';
import { fill, h } from '../dom.js';
import { DIMENSION_OF, PROPS_PREFIX, type Dimension, type Filter } from '../state/view-state.js';
import { archiveNote } from './caveats.js';

type RowKey = Exclude<keyof Breakdowns, 'events'>;

interface Tab {
  key: RowKey;
  label: string;
  column: string;
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
      { key: 'pages', label: 'Top', column: 'Page' },
      { key: 'entry_pages', label: 'Entry', column: 'Entry page' },
      { key: 'exit_pages', label: 'Exit', column: 'Exit page' },
    ],
  },
  {
    id: 'sources',
    title: 'Sources',
    tabs: [
      { key: 'referrers', label: 'Referrers', column: 'Referrer' },
      { key: 'utm_source', label: 'UTM source', column: 'utm_source' },
      { key: 'utm_medium', label: 'Medium', column: 'utm_medium' },
      { key: 'utm_campaign', label: 'Campaign', column: 'utm_campaign' },
    ],
  },
  {
    id: 'devices',
    title: 'Devices',
    tabs: [
      { key: 'browsers', label: 'Browser', column: 'Browser' },
      { key: 'os', label: 'OS', column: 'Operating system' },
      { key: 'devices', label: 'Device', column: 'Device' },
    ],
  },
  {
    id: 'countries',
    title: 'Countries',
    tabs: [{ key: 'countries', label: 'Countries', column: 'Country' }],
  },
];

/** The tab of each card on screen before any is clicked, and the events card. */
export const FIRST_TABS: readonly (keyof Breakdowns)[] = [...CARDS.map((card) => card.tabs[0]!.key), 'events'];

/** Rows shown before "Show all"; the API returns up to 100. */
const COLLAPSED_ROWS = 8;

const NOT_FILTERABLE = new Set(BUCKET_VALUES);

export interface BreakdownsPanel {
  /** `filters` are the view's chips: rows they pick (`is`) are marked. */
  render(data: PageStats, filters?: readonly Filter[]): void;
  /** The table each card currently shows, for its CSV button. */
  table(cardId: string): { name: string; table: Table } | undefined;
}

export interface BreakdownsOptions {
  /** A row was clicked: its dimension `is` its value. */
  onFilter(filter: Filter): void;
  onExport(cardId: string): void;
  /** A tab whose rows were not asked for yet (`pending`, an archive view) came on screen. */
  onShow?(breakdown: keyof Breakdowns): void;
}

function label(tab: Tab, value: string): HTMLElement {
  if (tab.key === 'countries' && /^[A-Za-z]{2}$/.test(value)) {
    // A code badge rather than a flag emoji: Windows has no flag glyphs and shows bare letters.
    return h('span', { class: 'row-label' }, h('span', { class: 'region-code', attrs: { 'aria-hidden': 'true' } }, value.toUpperCase()), countryName(value));
  }
  return h('span', { class: 'row-label' }, value === '' ? '(none)' : value);
}

/** Whether a chip picks this value (`is`), so its row shows as applied. */
function picked(filters: readonly Filter[], dimension: Dimension, value: string): boolean {
  return filters.some((f) => f.op === 'is' && f.dimension === dimension && f.value === value);
}

/** A row's label as a button that applies it, the row around it clickable too. */
function applyButton(title: string, apply: () => void, label: HTMLElement): HTMLButtonElement {
  return h(
    'button',
    {
      class: 'row-button',
      attrs: { type: 'button', title },
      on: {
        click: (event) => {
          event.stopPropagation();
          apply();
        },
      },
    },
    label,
  );
}

function rowsTable(tab: Tab, rows: BreakdownRow[], expanded: boolean, data: PageStats, filters: readonly Filter[], options: BreakdownsOptions) {
  const dimension = DIMENSION_OF[tab.key];
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
        const active = picked(filters, dimension, row.value);
        const apply = () => options.onFilter({ dimension, op: 'is', value: row.value });
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
            filterable ? applyButton(`Filter by ${row.value}`, apply, label(tab, row.value)) : label(tab, row.value),
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

function eventsList(events: EventRow[], filters: readonly Filter[], options: BreakdownsOptions) {
  const max = Math.max(1, ...events.map((e) => e.count));
  return h(
    'table',
    { class: 'breakdown-table events-table', data: { breakdown: 'events' } },
    h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, 'Event'), h('th', { attrs: { scope: 'col' }, class: 'num' }, 'Count'))),
    ...events.map((event) => {
      const active = picked(filters, 'event', event.value);
      const apply = () => options.onFilter({ dimension: 'event', op: 'is', value: event.value });
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
            applyButton(`Filter by ${event.value}`, apply, h('span', { class: 'row-label' }, event.value)),
          ),
          h('td', { class: 'num', data: { column: 'count', value: event.count } }, formatCount(event.count)),
        ),
        ...groupedProps(event.props)
          .slice(0, PROP_ROWS)
          .map((prop) => {
            const dimension: Dimension = `${PROPS_PREFIX}${prop.key}`;
            const apply = () => options.onFilter({ dimension, op: 'is', value: prop.value });
            return h(
              'tr',
              { class: `prop-row clickable${picked(filters, dimension, prop.value) ? ' active' : ''}`, data: { key: prop.key, value: prop.value }, on: { click: apply } },
              h(
                'td',
                { class: 'label-cell' },
                applyButton(`Filter by ${prop.key} = ${prop.value}`, apply, h('span', null, h('span', { class: 'prop-key' }, prop.key), h('span', { class: 'prop-value' }, prop.value))),
              ),
              h('td', { class: 'num', data: { column: 'count', value: prop.count } }, formatCount(prop.count)),
            );
          }),
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
  let current: PageStats | undefined;
  let chips: readonly Filter[] = [];

  const bodies = new Map<string, HTMLElement>();
  const tabBars = new Map<string, HTMLElement>();
  const notes = new Map<string, HTMLElement>();

  const csvButton = (id: string) =>
    h('button', { class: 'csv-button', attrs: { type: 'button', title: 'Download this table as CSV' }, data: { export: `breakdown:${id}` }, on: { click: () => options.onExport(id) } }, 'CSV');

  for (const card of [...CARDS, { id: 'events', title: 'Custom events', tabs: [] }]) {
    const tabs = h('div', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': card.title } });
    const body = h('div', { class: 'card-body' });
    const note = h('span', { class: 'card-note archive-note' });
    tabBars.set(card.id, tabs);
    bodies.set(card.id, body);
    notes.set(card.id, note);
    container.append(
      h(
        'section',
        { class: 'card breakdown', data: { card: card.id }, attrs: { 'aria-label': card.title } },
        h('header', { class: 'card-head' }, h('h2', null, card.title), tabs, note, csvButton(card.id)),
        body,
      ),
    );
  }

  function renderCard(card: CardSpec, data: PageStats): void {
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
    notes.get(card.id)!.textContent = archiveNote(data.served?.breakdowns[tab.key]);
    if (data.pending?.has(tab.key)) {
      fill(body, emptyMessage('Loading…'));
      options.onShow?.(tab.key);
      return;
    }
    const rows = data.breakdowns[tab.key];
    if (!rows.length) {
      fill(body, emptyMessage('Nothing recorded in this period.'));
      return;
    }
    const key = `${card.id}:${tab.key}`;
    const isExpanded = expanded.has(key);
    fill(
      body,
      rowsTable(tab, rows, isExpanded, data, chips, options),
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

  function renderEvents(data: PageStats): void {
    const body = bodies.get('events')!;
    notes.get('events')!.textContent = archiveNote(data.served?.breakdowns.events);
    if (!data.breakdowns.events.length) {
      fill(
        body,
        emptyMessage('No custom events yet.'),
        h('p', { class: 'muted small' }, 'Send one with ', h('code', null, "liveinsight.track('signup', { plan: 'pro' })"), '.'),
      );
      return;
    }
    fill(
      body,
      eventsList(data.breakdowns.events, chips, options),
      // A property's values would be one more query per key, and the keys are not known up front.
      data.served ? h('p', { class: 'muted small' }, 'Property values are not broken down under these filters.') : null,
    );
  }

  return {
    render(data, filters = []) {
      current = data;
      chips = filters;
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
