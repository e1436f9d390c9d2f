/**
 * Values the API writes where a dimension has no ordinary value. The collector stores and
 * answers them; the dashboard shows them and knows which ones cannot be filtered on.
 */

/** Values past a bucket's cap, and rows past the top 100. A bucket, not a value: never a filter. */
export const OTHER = '(other)';

/** A session without an external referrer (stored as the empty string). */
export const DIRECT = '(direct)';

/** A page URL, browser, OS, device or country that could not be told. */
export const UNKNOWN = '(unknown)';

/** Row values that name a bucket rather than a value, so that filtering on them means nothing. */
export const BUCKET_VALUES: readonly string[] = [OTHER];
