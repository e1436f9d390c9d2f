/**
 * The key the dashboard reads with. A read key is kept in localStorage so a link with
 * `#key=…` is needed once; a key that can change data (admin, backfill) is only ever
 * `hold`-ed, in memory, so that it is gone with the page: anything that can run script on
 * this origin later (an extension, an XSS) would otherwise find it there. Storage can
 * throw (Safari private mode, storage disabled by policy): a key then lives for the
 * page's lifetime only, which still works.
 */

export const KEY_STORAGE_NAME = 'liveinsight.key';

export interface KeyStore {
  get(): string | undefined;
  /** Uses the key and remembers it in this browser. */
  set(key: string): void;
  /** Uses the key for this page load only; a stored copy of this same key is removed. */
  hold(key: string): void;
  /** True while the key in use is held, not stored. */
  readonly held: boolean;
  clear(): void;
}

export function createKeyStore(storage: () => Storage = () => localStorage): KeyStore {
  let memory: string | undefined;
  let held = false;
  const stored = (): string | null => {
    try {
      return storage().getItem(KEY_STORAGE_NAME);
    } catch {
      return null;
    }
  };
  const remove = () => {
    try {
      storage().removeItem(KEY_STORAGE_NAME);
    } catch {
      // nothing stored
    }
  };
  return {
    get() {
      // A held key wins over a stored read key: it is the one the user just gave.
      if (held) return memory;
      return stored() ?? memory;
    },
    set(key) {
      memory = key;
      held = false;
      try {
        storage().setItem(KEY_STORAGE_NAME, key);
      } catch {
        // kept in memory only
      }
    },
    hold(key) {
      memory = key;
      held = true;
      // A read key stored earlier stays for the next visit; this key itself must not.
      if (stored() === key) remove();
    },
    get held() {
      return held;
    },
    clear() {
      memory = undefined;
      held = false;
      remove();
    },
  };
}
