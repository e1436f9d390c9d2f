import { DAY_MS, floorTo } from '../../src/lib/time.js';

/** The time units and labels the tests share: UTC, like every bucket. */
export { DAY_MS as DAY, HOUR_MS as HOUR, MINUTE_MS as MIN, dayLabel as label } from '../../src/lib/time.js';

/** Midnight UTC today. */
export const TODAY = floorTo(Date.now(), DAY_MS);
