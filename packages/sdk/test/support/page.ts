import { vi } from 'vitest';

/** Lets timers due now run and pending promises (msw's replies) settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
}

/** Puts the page in or out of sight and fires visibilitychange, as a tab switch does. */
export function setHidden(hidden: boolean): void {
  Object.defineProperty(document, 'hidden', { value: hidden, configurable: true });
  Object.defineProperty(document, 'visibilityState', { value: hidden ? 'hidden' : 'visible', configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
}

/** The page goes away (navigation or into the back/forward cache). */
export function pagehide(persisted = false): void {
  window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted }));
}

export function pageshow(persisted: boolean): void {
  window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted }));
}

/** Sets the page URL (any origin) without involving the tracker's history patch. */
export function setUrl(url: string): void {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(url);
}

/** Replaces a storage with one whose every access throws, as in Safari private mode. */
export function breakStorage(name: 'localStorage' | 'sessionStorage'): () => void {
  const original = Object.getOwnPropertyDescriptor(window, name);
  Object.defineProperty(window, name, {
    configurable: true,
    get() {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    },
  });
  return () => Object.defineProperty(window, name, original!);
}

export function resetPage(): void {
  localStorage.clear();
  sessionStorage.clear();
  setUrl('https://shop.example/');
  Object.defineProperty(document, 'hidden', { value: false, configurable: true });
  Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
  Object.defineProperty(document, 'referrer', { value: '', configurable: true });
  document.head.innerHTML = '';
  document.body.innerHTML = '';
}
