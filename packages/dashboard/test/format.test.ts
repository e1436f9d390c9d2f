import { describe, expect, it } from 'vitest';
import {
  countedNote,
  pageviewsLabel,
  countryName,
  formatBucket,
  formatChange,
  formatCount,
  formatDuration,
  formatPercent,
  viewsPerSession,
} from '../src/format/format.js';
import { describeWindow } from '../src/format/window.js';

describe('formatCount', () => {
  it('shows counts below 100,000 in full', () => {
    expect(formatCount(0, 'en-US')).toBe('0');
    expect(formatCount(7, 'en-US')).toBe('7');
    expect(formatCount(12_873, 'en-US')).toBe('12,873');
    expect(formatCount(99_999, 'en-US')).toBe('99,999');
    expect(formatCount(12_873, 'de-DE')).toBe('12.873');
  });

  it('shows larger counts compactly', () => {
    expect(formatCount(123_456, 'en-US')).toBe('123.5K');
    expect(formatCount(2_000_000, 'en-US')).toBe('2M');
  });

  it('shows a missing number as a dash rather than NaN', () => {
    expect(formatCount(Number.NaN, 'en-US')).toBe('—');
  });
});

describe('formatPercent', () => {
  it('rounds to whole percent, keeping a decimal below 10%', () => {
    expect(formatPercent(0.4123, 'en-US')).toBe('41%');
    expect(formatPercent(1, 'en-US')).toBe('100%');
    expect(formatPercent(0.004, 'en-US')).toBe('0.4%');
    expect(formatPercent(0, 'en-US')).toBe('0%');
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(44.6)).toBe('45s');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatDuration(3599)).toBe('59m 59s');
    expect(formatDuration(3725)).toBe('1h 02m');
  });

  it('refuses nonsense', () => {
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

describe('viewsPerSession', () => {
  it('divides with two decimals; without sessions there is no ratio', () => {
    expect(viewsPerSession(12_873, 5_120)).toBe(2.51);
    expect(viewsPerSession(0, 0)).toBe(0);
    expect(viewsPerSession(3, 0)).toBeNaN();
  });
});

describe('formatChange', () => {
  it('gives the signed whole-percent change and its direction', () => {
    expect(formatChange(117, 100, 'en-US')).toEqual({ trend: 'up', text: '+17%', magnitude: '17%' });
    expect(formatChange(95, 100, 'en-US')).toEqual({ trend: 'down', text: '\u22125%', magnitude: '5%' });
    expect(formatChange(100, 100, 'en-US')).toEqual({ trend: 'flat', text: '0%', magnitude: '0%' });
    expect(formatChange(2_600, 100, 'en-US').text).toBe('+2,500%');
  });

  it('calls growth from nothing "new" and nothing to nothing no change at all', () => {
    expect(formatChange(5, 0).trend).toBe('new');
    expect(formatChange(0, 0)).toEqual({ trend: 'none', text: '', magnitude: '' });
  });
});

describe('countryName', () => {
  it('names region codes and leaves anything else alone', () => {
    expect(countryName('DE', 'en')).toBe('Germany');
    expect(countryName('us', 'en')).toBe('United States');
    expect(countryName('(unknown)', 'en')).toBe('(unknown)');
  });
});

describe('formatBucket', () => {
  it('labels day buckets by their UTC date', () => {
    expect(formatBucket('2025-03-05T00:00:00.000Z', 'day', 'en-US', true)).toBe('Wed, Mar 5');
  });

  it('labels hour buckets with weekday and time', () => {
    expect(formatBucket('2025-03-05T14:00:00.000Z', 'hour', 'en-US', true)).toBe('Wed 02:00 PM');
  });

  it('returns unparseable input unchanged', () => {
    expect(formatBucket('soon', 'hour', 'en-US')).toBe('soon');
  });
});

describe('describeWindow', () => {
  it('names the period and its UTC days, the exclusive end excluded', () => {
    expect(
      describeWindow({ period: '7d', from: '2025-02-27T00:00:00.000Z', to: '2025-03-06T00:00:00.000Z' }, 'en-US'),
    ).toBe('Last 7 days · Feb 27 – Mar 5, 2025');
  });

  it('shows a single day once and a custom range without a name', () => {
    expect(describeWindow({ period: 'today', from: '2025-03-05T00:00:00Z', to: '2025-03-06T00:00:00Z' }, 'en-US')).toBe(
      'Today · Mar 5, 2025',
    );
    expect(describeWindow({ period: null, from: '2024-12-30T00:00:00Z', to: '2025-01-03T00:00:00Z' }, 'en-US')).toBe(
      'Dec 30, 2024 – Jan 2, 2025',
    );
  });
});

describe('countedNote', () => {
  const generated = new Date('2025-03-05T12:00:00Z');
  it('says nothing while the numbers are current', () => {
    expect(countedNote('2025-03-05T11:59:58Z', generated)).toBe('');
  });
  it('says up to when the numbers are counted when they lag', () => {
    expect(countedNote('2025-03-05T11:58:30Z', generated, 'en-GB')).toBe(` · counted up to ${new Date('2025-03-05T11:58:30Z').toLocaleTimeString('en-GB')}`);
  });
  it('warns when the API could not bring them up to date', () => {
    expect(countedNote(null, generated)).toBe(' · the newest events may not be counted yet');
  });
});

describe('pageviewsLabel', () => {
  it('says pageview for one and pageviews otherwise', () => {
    expect(pageviewsLabel(1, 'en-US')).toBe('1 pageview');
    expect(pageviewsLabel(0, 'en-US')).toBe('0 pageviews');
    expect(pageviewsLabel(2, 'en-US')).toBe('2 pageviews');
  });
});
