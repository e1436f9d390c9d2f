import type { StatsData, StatsSection } from '@liveinsight/contract';
import type { QueryMeta } from '../api/query.js';
import { formatClock } from '../format/format.js';

/**
 * "from the archive · 14:02" for a section POST /api/v2/query answered from the event
 * archive (DuckDB, Athena), empty otherwise: such numbers come from another store than the
 * rollups' and may lag them, and the time says how fresh they are.
 */
export function archiveNote(served: QueryMeta | undefined): string {
  return served?.engine === 'archive' ? `from the archive \u00b7 ${formatClock(served.generated_at)}` : '';
}

/** Reasons the API gives for a whole section (`field` is just `totals`, `breakdowns`, …). */
export function sectionCaveats(data: StatsData, section: StatsSection): string[] {
  return data.meta.approximations.filter((a) => a.field === section).map((a) => a.reason);
}

/** Reasons for a section and everything under it, e.g. `timeseries` and `timeseries.visitors`. */
export function allCaveats(data: StatsData, section: StatsSection): string[] {
  return data.meta.approximations.filter((a) => a.field === section || a.field.startsWith(`${section}.`)).map((a) => a.reason);
}

/**
 * Whether the breakdowns answer to the filter: true without a filter (nothing to tell
 * apart), else what the API says in `meta.filtered` (an older collector's answer is
 * guessed at in normalizeStats).
 */
export function breakdownsNarrowed(data: StatsData): boolean {
  return !data.filter || data.meta.filtered.breakdowns;
}

/** The lines above the tables: their caveats, and a word when they are not filtered like the rest. */
export function breakdownsNote(data: StatsData): string[] {
  const lines = sectionCaveats(data, 'breakdowns');
  // Filtered totals beside unfiltered tables would mislead without a word.
  if (!breakdownsNarrowed(data)) {
    lines.unshift('The tables below cover all traffic of the period: the filter narrows the overview and the chart only.');
  }
  return lines;
}
