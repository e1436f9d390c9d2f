import type { RealtimeData, StatsData } from '@liveinsight/contract';

/** A hand-made stats answer in the API's declared shape, for rendering tests. */
export function statsFixture(overrides: Partial<StatsData> = {}): StatsData {
  const row = (value: string, visitors: number, pageviews: number) => ({ value, visitors, pageviews });
  return {
    site_id: 'shop.example',
    period: '7d',
    from: '2025-02-27T00:00:00.000Z',
    to: '2025-03-06T00:00:00.000Z',
    interval: 'day',
    filter: null,
    totals: { pageviews: 1234, visitors: 321, sessions: 400, bounce_rate: 0.25, avg_duration_s: 95, events: 17 },
    previous: { pageviews: 1000, visitors: 350, sessions: 400, bounce_rate: 0.2, avg_duration_s: 95, events: 0 },
    timeseries: [
      { t: '2025-03-04T00:00:00.000Z', pageviews: 600, visitors: 150, sessions: 190, events: 7 },
      { t: '2025-03-05T00:00:00.000Z', pageviews: 634, visitors: 171, sessions: 210, events: 10 },
    ],
    breakdowns: {
      pages: [row('/', 200, 700), row('/<img src=x onerror=window.__xss=1>', 3, 3), ...Array.from({ length: 9 }, (_, i) => row(`/p${i}`, 9 - i, 10 - i))],
      entry_pages: [row('/', 180, 180)],
      exit_pages: [],
      referrers: [row('(direct)', 150, 500), row('<b>news</b>', 20, 30), row('(other)', 5, 6)],
      utm_source: [],
      utm_medium: [],
      utm_campaign: [],
      browsers: [row('Chrome', 200, 800)],
      os: [row('Linux', 10, 20)],
      devices: [row('desktop', 250, 900)],
      countries: [row('DE', 100, 300), row('(unknown)', 4, 4)],
      events: [{ value: 'signup<script>', count: 17, props: [{ key: 'plan', value: '<i>pro</i>', count: 11 }] }],
    },
    meta: {
      compare: { mode: 'previous_period', from: '2025-02-20T00:00:00.000Z', to: '2025-02-27T00:00:00.000Z' },
      generated_at: '2025-03-05T12:00:00.000Z',
      timezone: 'UTC',
      bucket: 'day',
      exact: { totals: false, previous: false, timeseries: true, breakdowns: true },
      approximations: [{ field: 'totals.visitors', reason: 'summed per day' }],
      current_bucket_filling: true,
      filling_bucket: '2025-03-05T00:00:00.000Z',
      other_folded: true,
      late_values: [],
      intervals: ['hour', 'day'],
      filtered: { totals: false, previous: false, timeseries: false, breakdowns: false },
      items_read: 42,
      // A minute and a half behind: AWS folds requests into the rollups once a minute.
      counted_until: '2025-03-05T11:58:30.000Z',
    },
    health: {
      days: [
        { date: '2025-03-04', accepted: 500, duplicates: 2, bots: 7, rejected: 1, rejected_by_reason: { invalid_session_id: 1 } },
        { date: '2025-03-05', accepted: 800, duplicates: 0, bots: 3, rejected: 0, rejected_by_reason: {} },
      ],
      totals: { accepted: 1300, duplicates: 2, bots: 10, rejected: 1, rejected_by_reason: { invalid_session_id: 1 } },
    },
    ...overrides,
  };
}

export function realtimeFixture(): RealtimeData {
  return {
    site_id: 'shop.example',
    minutes: 5,
    active_sessions: 4,
    pages: [{ value: '/<svg onload=alert(1)>', sessions: 3 }, { value: '/', sessions: 1 }],
    referrers: [{ value: '(direct)', sessions: 4 }],
    per_minute: Array.from({ length: 30 }, (_, i) => ({ t: new Date(Date.UTC(2025, 2, 5, 12, i)).toISOString(), pageviews: i % 3 })),
  };
}
