import type { Breakdowns, StatsData, StatsSection } from '@liveinsight/collector/api-types';
import type { FilterDimension } from '../state/view-state.js';

/** Reasons the API gives for a whole section (`field` is just `totals`, `breakdowns`, …). */
export function sectionCaveats(data: StatsData, section: StatsSection): string[] {
  return data.meta.approximations.filter((a) => a.field === section).map((a) => a.reason);
}

/** Reasons for a section and everything under it, e.g. `timeseries` and `timeseries.visitors`. */
export function allCaveats(data: StatsData, section: StatsSection): string[] {
  return data.meta.approximations.filter((a) => a.field === section || a.field.startsWith(`${section}.`)).map((a) => a.reason);
}

const OWN_BREAKDOWN: Record<FilterDimension, keyof Breakdowns> = {
  page: 'pages',
  referrer: 'referrers',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  country: 'countries',
  browser: 'browsers',
  os: 'os',
  device: 'devices',
  event: 'events',
};

/**
 * Whether the breakdowns of a filtered answer are narrowed by the filter. The API does not
 * say, so the answer tells: narrowed, the filter's own breakdown could hold no value but
 * the filter's (filtered by page:/a, the pages table would list /a alone).
 */
export function breakdownsNarrowed(data: StatsData): boolean {
  if (!data.filter) return true;
  const rows: { value: string }[] = data.breakdowns[OWN_BREAKDOWN[data.filter.dimension]];
  const wanted = data.filter.value.toLowerCase();
  return rows.every((row) => row.value.toLowerCase() === wanted);
}
