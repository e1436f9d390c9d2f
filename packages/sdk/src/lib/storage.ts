export type StorageName = 'localStorage' | 'sessionStorage';

/**
 * Reads `key` as JSON, or writes `value` as JSON (a falsy value removes the key).
 * Storage can throw on any access, even reading the `localStorage` property itself:
 * Safari private mode, blocked cookies in Chrome, sandboxed iframes. A failure, a
 * missing key and corrupt data all read as undefined; a failed write returns undefined.
 */
export const storage = (name: StorageName, key: string, value?: unknown): any => {
  try {
    // Storage's named properties: shorter than getItem / setItem / removeItem, same effect.
    const store = window[name] as unknown as Record<string, string>;
    return value
      ? (store[key] = JSON.stringify(value))
      : value == null
        ? JSON.parse(store[key]!)
        : delete store[key];
  } catch {}
};
