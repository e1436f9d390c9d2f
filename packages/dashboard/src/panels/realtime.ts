import type { RealtimeData, RealtimeMinute, RealtimeRow } from '@liveinsight/contract';
import type { LiveQuery } from '../api/query-results.js';
import type { Table } from '../format/csv.js';
import { formatCount, pageviewsLabel } from '../format/format.js';
import { fill, h, svg } from '../dom.js';

const LIST_LENGTH = 5;
const SPARK_WIDTH = 300;
const SPARK_HEIGHT = 56;

/** Thirty one-minute bars; each carries its own `<title>` so hovering tells the exact count. */
export function sparkline(minutes: RealtimeMinute[]): SVGSVGElement {
  const max = Math.max(1, ...minutes.map((m) => m.pageviews));
  const slot = SPARK_WIDTH / Math.max(minutes.length, 1);
  const bar = Math.max(slot - 2, 1);
  const total = minutes.reduce((sum, m) => sum + m.pageviews, 0);
  return svg(
    'svg',
    {
      class: 'sparkline',
      viewBox: `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': `${pageviewsLabel(total)} in the last ${minutes.length} minutes`,
    },
    ...minutes.map((minute, i) => {
      // An empty minute still draws a 2-unit stub, so the time axis reads as continuous.
      const height = Math.max((minute.pageviews / max) * (SPARK_HEIGHT - 4), 2);
      const time = new Date(minute.t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
      return svg(
        'rect',
        {
          x: (i * slot + (slot - bar) / 2).toFixed(2),
          y: (SPARK_HEIGHT - height).toFixed(2),
          width: bar.toFixed(2),
          height: height.toFixed(2),
          rx: 1.5,
          class: minute.pageviews > 0 ? 'bar' : 'bar empty',
        },
        svg('title', {}, `${time}: ${pageviewsLabel(minute.pageviews)}`),
      );
    }),
  );
}

function list(title: string, rows: RealtimeRow[], empty: string, testId: string): HTMLElement {
  return h(
    'div',
    { class: 'realtime-list', data: { list: testId } },
    h('h3', null, title),
    rows.length
      ? h(
          'ol',
          null,
          ...rows.slice(0, LIST_LENGTH).map((row) =>
            h(
              'li',
              null,
              h('span', { class: 'realtime-value', attrs: { title: row.value } }, row.value || '(none)'),
              h('span', { class: 'realtime-count', data: { value: row.sessions } }, formatCount(row.sessions)),
            ),
          ),
        )
      : h('p', { class: 'muted small' }, empty),
  );
}

export function renderRealtime(container: HTMLElement, data: RealtimeData): void {
  const lastMinutes = data.per_minute.reduce((sum, m) => sum + m.pageviews, 0);
  fill(
    container,
    h(
      'div',
      { class: 'realtime-now' },
      h('span', { class: 'realtime-number', data: { value: data.active_sessions } }, formatCount(data.active_sessions)),
      h(
        'span',
        { class: 'realtime-caption' },
        `${data.active_sessions === 1 ? 'visitor' : 'visitors'} ${data.filtered ? 'matching the filters' : 'on the site'}`,
        h('span', { class: 'muted small' }, `active in the last ${data.minutes} minutes`),
      ),
    ),
    h(
      'figure',
      { class: 'spark' },
      sparkline(data.per_minute),
      h(
        'figcaption',
        { class: 'muted small' },
        h('span', null, '30 min ago'),
        h('span', null, pageviewsLabel(lastMinutes)),
        h('span', null, 'now'),
      ),
    ),
    h(
      'div',
      { class: 'realtime-lists' },
      list('Current pages', data.pages, 'Nobody is reading right now.', 'pages'),
      list('Sources', data.referrers, 'No active sources.', 'referrers'),
    ),
  );
}

/**
 * The panel under chips: the visitors and page views of the last minutes that match them,
 * as POST /api/v2/query counts them. It has no per-minute bars or lists: each would be
 * another archive query every refresh.
 */
export function renderLiveQuery(container: HTMLElement, data: LiveQuery): void {
  fill(
    container,
    h(
      'div',
      { class: 'realtime-now' },
      h('span', { class: 'realtime-number', data: { value: data.visitors } }, formatCount(data.visitors)),
      h(
        'span',
        { class: 'realtime-caption' },
        data.visitors === 1 ? 'visitor matching the filters' : 'visitors matching the filters',
        h('span', { class: 'muted small' }, `in the last ${data.minutes} minutes`),
      ),
    ),
    h('p', { class: 'realtime-pageviews muted small', data: { value: data.pageviews } }, `${pageviewsLabel(data.pageviews)} in the last ${data.minutes} minutes`),
  );
}

export function realtimeTables(data: RealtimeData | LiveQuery): { title: string; table: Table }[] {
  if (!('per_minute' in data)) {
    return [{ title: `Matching the filters (last ${data.minutes} minutes)`, table: { columns: ['visitors', 'pageviews'], rows: [[data.visitors, data.pageviews]] } }];
  }
  return [
    {
      title: `Active sessions (last ${data.minutes} minutes)`,
      table: { columns: ['active_sessions'], rows: [[data.active_sessions]] },
    },
    {
      title: 'Current pages',
      table: { columns: ['page', 'sessions'], rows: data.pages.map((r) => [r.value, r.sessions]) },
    },
    {
      title: 'Current sources',
      table: { columns: ['source', 'sessions'], rows: data.referrers.map((r) => [r.value, r.sessions]) },
    },
    {
      title: 'Pageviews per minute',
      table: { columns: ['minute_start_utc', 'pageviews'], rows: data.per_minute.map((m) => [m.t, m.pageviews]) },
    },
  ];
}
