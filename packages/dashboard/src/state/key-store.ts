/**
 * The read key, kept in localStorage so a link with `#key=…` is needed once. Storage can
 * throw (Safari private mode, storage disabled by policy): the key then lives for the
 * page's lifetime only, which still works.
 */

export const KEY_STORAGE_NAME = 'liveinsight.key';

export interface KeyStore {
  get(): string | undefined;
  set(key: string): void;
  clear(): void;
}

export function createKeyStore(storage: () => Storage = () => localStorage): KeyStore {
  let memory: string | undefined;
  return {
    get() {
      try {
        return storage().getItem(KEY_STORAGE_NAME) ?? memory;
      } catch {
        return memory;
      }
    },
    set(key) {
      memory = key;
      try {
        storage().setItem(KEY_STORAGE_NAME, key);
      } catch {
        // kept in memory only
      }
    },
    clear() {
      memory = undefined;
      try {
        storage().removeItem(KEY_STORAGE_NAME);
      } catch {
        // nothing stored
      }
    },
  };
}
