/**
 * The query values GET /api/stats accepts, as run-time lists: the collector validates
 * against them and the dashboard builds its controls and parses its URL from them, so a
 * new period or filter dimension is added in one place. Plain data, no imports at run time.
 */
import type { FilterDimension, Interval, Period } from './api-types.js';

export const PERIODS = ['today', '24h', '7d', '30d', '12mo'] as const satisfies readonly Period[];

export const INTERVALS = ['hour', 'day'] as const satisfies readonly Interval[];

export const FILTER_DIMENSIONS = [
  'page',
  'referrer',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'country',
  'browser',
  'os',
  'device',
  'event',
] as const satisfies readonly FilterDimension[];
