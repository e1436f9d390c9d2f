import type { StatsData, Totals } from '@liveinsight/contract';
import type { Table } from '../format/csv.js';
import {
  formatChange,
  formatCount,
  formatDecimal,
  formatDuration,
  formatExact,
  formatPercent,
  Trend,
  viewsPerSession,
} from '../format/format.js';
import { fill, h } from '../dom.js';

interface Metric {
  id: string;
  label: string;
  value: (totals: Totals) => number;
  format: (value: number) => string;
  /** Where the API's meta names this number when it is approximate. */
  field?: string;
  /** A rising bounce rate is bad news: its arrow turns red when it goes up. */
  lowerIsBetter?: boolean;
  hint: string;
}

export const METRICS: readonly Metric[] = [
  {
    id: 'visitors',
    label: 'Visitors',
    value: (t) => t.visitors,
    format: (v) => formatCount(v),
    field: 'totals.visitors',
    hint: 'Unique visitors, counted without cookies',
  },
  {
    id: 'sessions',
    label: 'Visits',
    value: (t) => t.sessions,
    format: (v) => formatCount(v),
    field: 'totals.sessions',
    hint: 'Sessions: a visit ends after 30 minutes without activity',
  },
  {
    id: 'pageviews',
    label: 'Pageviews',
    value: (t) => t.pageviews,
    format: (v) => formatCount(v),
    field: 'totals.pageviews',
    hint: 'Pages loaded, including single-page-app route changes',
  },
  {
    id: 'views_per_session',
    label: 'Views per visit',
    value: (t) => viewsPerSession(t.pageviews, t.sessions),
    format: (v) => formatDecimal(v),
    hint: 'Pageviews divided by visits',
  },
  {
    id: 'bounce_rate',
    label: 'Bounce rate',
    value: (t) => t.bounce_rate,
    format: (v) => formatPercent(v),
    field: 'totals.bounce_rate',
    lowerIsBetter: true,
    hint: 'Visits with a single pageview and no custom event',
  },
  {
    id: 'avg_duration_s',
    label: 'Visit duration',
    value: (t) => t.avg_duration_s,
    format: formatDuration,
    field: 'totals.avg_duration_s',
    hint: 'Average time between the first and the last activity of a visit',
  },
  {
    id: 'events',
    label: 'Events',
    value: (t) => t.events,
    format: (v) => formatCount(v),
    field: 'totals.events',
    hint: 'Custom events sent with liveinsight.track()',
  },
];

/** Green when the change is good news, red when bad, whatever the arrow's direction. */
function tone(trend: Trend, lowerIsBetter: boolean | undefined): string {
  if (trend === Trend.up) return lowerIsBetter ? 'bad' : 'good';
  if (trend === Trend.down) return lowerIsBetter ? 'good' : 'bad';
  return 'neutral';
}

const ARROWS: Partial<Record<Trend, string>> = { up: '\u2191', down: '\u2193' };
const NO_CHANGE = { trend: Trend.none, text: '', magnitude: '' };

export function renderTotals(container: HTMLElement, data: StatsData): void {
  const approximate = new Map(data.meta.approximations.map((a) => [a.field, a.reason]));
  // A previous period that was not asked for (NaN) has no change to show, not even for a
  // ratio of two of them (views per visit reads NaN/NaN as 0).
  const compared = Number.isFinite(data.previous.pageviews);
  fill(
    container,
    ...METRICS.map((metric) => {
      const current = metric.value(data.totals);
      const previous = metric.value(data.previous);
      const change = compared ? formatChange(current, previous) : NO_CHANGE;
      const reason = metric.field ? approximate.get(metric.field) : undefined;
      return h(
        'div',
        { class: 'metric', data: { metric: metric.id }, attrs: { title: metric.hint } },
        h('div', { class: 'metric-label' }, metric.label),
        h(
          'div',
          { class: 'metric-value', data: { value: current }, attrs: { id: metric.id, title: formatExact(current) } },
          metric.format(current),
          reason ? h('span', { class: 'approx', attrs: { title: reason, 'aria-label': `approximate: ${reason}` } }, '≈') : null,
        ),
        h(
          'div',
          {
            class: `metric-change ${tone(change.trend, metric.lowerIsBetter)}`,
            data: { trend: change.trend },
            attrs: { title: compared ? `${metric.format(previous)} in the previous period` : 'Not compared with the previous period under these filters' },
          },
          change.text ? `${ARROWS[change.trend] ?? ''} ${change.magnitude}`.trim() : Number.isFinite(current) && compared ? 'no change' : '—',
        ),
      );
    }),
  );
}

export function totalsTable(data: StatsData): Table {
  return {
    columns: ['metric', 'value', 'previous_period', 'change'],
    rows: METRICS.map((metric) => {
      const current = metric.value(data.totals);
      // No previous period (POST /api/v2/query): empty cells, as on screen.
      const previous = Number.isFinite(data.previous.pageviews) ? metric.value(data.previous) : NaN;
      return [metric.id, current, previous, formatChange(current, previous, 'en-US').text.replace('\u2212', '-')];
    }),
  };
}
