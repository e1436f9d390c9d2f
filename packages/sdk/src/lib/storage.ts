export type StorageName = 'localStorage' | 'sessionStorage';

/**
 * Reads `key`, or writes `value` ('' removes the key). Storage can throw on any access,
 * even reading the `localStorage` property itself: Safari private mode, blocked
 * cookies in Chrome, sandboxed iframes. A failure reads as undefined and writes nothing.
 */
export const storage = (name: StorageName, key: string, value?: string): string | boolean | undefined => {
  try {
    // Storage's named properties: shorter than getItem / setItem / removeItem, same effect.
    const store = window[name] as unknown as Record<string, string>;
    return value == null ? store[key] : value ? (store[key] = value) : delete store[key];
  } catch {}
};

/** JSON.parse that reads corrupt or missing data as undefined (or null). */
export const parse = <T>(text: unknown): T | null | undefined => {
  try {
    return JSON.parse(text as string);
  } catch {}
};
