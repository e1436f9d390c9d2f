/**
 * A random id for sessions and events. crypto.randomUUID exists only in secure
 * contexts (not on plain-http intranet pages); the fallback has the same 128 bits.
 */
export const randomId = (): string =>
  crypto.randomUUID?.() || crypto.getRandomValues(new Uint32Array(4)).join('-');
