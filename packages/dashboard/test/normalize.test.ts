import type { StatsData, StatsMeta } from '@liveinsight/contract';
import { describe, expect, it } from 'vitest';
import { normalizeStats } from '../src/api/normalize.js';
import { statsFixture } from './support/fixtures.js';

/** The fixture as a collector older than meta.intervals and meta.filtered sends it. */
function older(overrides: Partial<StatsData> = {}): Partial<StatsData> {
  const data = statsFixture(overrides);
  const { intervals: _intervals, filtered: _filtered, ...meta } = data.meta;
  return { ...data, meta: meta as StatsMeta };
}

describe('normalizeStats: meta.intervals and meta.filtered', () => {
  it('keeps what the API sends', () => {
    const sent = statsFixture({ filter: { dimension: 'page', value: '/' } });
    sent.meta.intervals = ['day'];
    sent.meta.filtered = { totals: true, previous: true, timeseries: true, breakdowns: true };
    const meta = normalizeStats(sent).meta;
    expect(meta.intervals).toEqual(['day']);
    expect(meta.filtered).toEqual({ totals: true, previous: true, timeseries: true, breakdowns: true });
  });

  it('works out the intervals of an older answer from its window', () => {
    expect(normalizeStats(older()).meta.intervals).toEqual(['hour', 'day']);
    expect(normalizeStats(older({ from: '2025-03-05T00:00:00.000Z', to: '2025-03-06T00:00:00.000Z' })).meta.intervals).toEqual(['hour']);
    expect(normalizeStats(older({ from: '2024-03-06T00:00:00.000Z', to: '2025-03-06T00:00:00.000Z' })).meta.intervals).toEqual(['day']);
    expect(normalizeStats({}).meta.intervals).toEqual(['hour', 'day']);
  });

  it('guesses an older answer\'s filtered sections, the breakdowns by the filter\'s own table', () => {
    expect(normalizeStats(older()).meta.filtered).toEqual({ totals: false, previous: false, timeseries: false, breakdowns: false });
    const filter = { dimension: 'page' as const, value: '/' };
    expect(normalizeStats(older({ filter })).meta.filtered).toEqual({ totals: true, previous: true, timeseries: true, breakdowns: false });
    const narrowed = older({ filter });
    narrowed.breakdowns!.pages = narrowed.breakdowns!.pages.filter((row) => row.value === '/');
    expect(normalizeStats(narrowed).meta.filtered.breakdowns).toBe(true);
  });

  it('ignores values it cannot read', () => {
    const odd = statsFixture() as unknown as { meta: Record<string, unknown> };
    odd.meta.intervals = ['minute'];
    odd.meta.filtered = { totals: 'yes', breakdowns: true };
    const meta = normalizeStats(odd as unknown as StatsData).meta;
    expect(meta.intervals).toEqual(['hour', 'day']);
    expect(meta.filtered).toEqual({ totals: false, previous: false, timeseries: false, breakdowns: true });
  });
});
