import type { Period, StatsData } from '@liveinsight/contract';

const PERIOD_NAMES: Record<Period, string> = {
  today: 'Today',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '28d': 'Last 28 days',
  '30d': 'Last 30 days',
  '91d': 'Last 91 days',
  month: 'Month to date',
  last_month: 'Last month',
  '12mo': 'Last 12 months',
  year: 'Year to date',
  all: 'All time',
};

function utcDay(ms: number, locale: string | undefined, withYear: boolean): string {
  return new Date(ms).toLocaleDateString(locale, {
    month: 'short',
    day: 'numeric',
    year: withYear ? 'numeric' : undefined,
    timeZone: 'UTC',
  });
}

/** The window an answer covers, e.g. `Last 7 days · Mar 1 – Mar 7, 2025`. Its `to` is exclusive. */
export function describeWindow(data: Pick<StatsData, 'period' | 'from' | 'to'>, locale?: string): string {
  const from = Date.parse(data.from);
  const to = Date.parse(data.to) - 1;
  const name = data.period ? PERIOD_NAMES[data.period] : undefined;
  if (Number.isNaN(from) || Number.isNaN(to)) return name ?? '';
  const first = utcDay(from, locale, false);
  const last = utcDay(to, locale, true);
  const sameYear = new Date(from).getUTCFullYear() === new Date(to).getUTCFullYear();
  const range = first === utcDay(to, locale, false) && sameYear ? last : `${sameYear ? first : utcDay(from, locale, true)} – ${last}`;
  return name ? `${name} · ${range}` : range;
}
