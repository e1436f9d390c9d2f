type Place = Pick<Location, 'origin' | 'pathname' | 'search' | 'hash'>;

/**
 * The URL a page view is filed under: query parameters other than utm_* carry ids,
 * tokens and search terms, so they are dropped; the hash is kept only for hash routing.
 */
export const cleanUrl = (place: Place, keepHash?: boolean): string =>
  place.origin +
  place.pathname +
  place.search.replace(/[?&](?!utm_)[^&]*/g, '').replace(/^&/, '?') +
  (keepHash ? place.hash : '');
