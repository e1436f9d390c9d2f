import { describe, expectTypeOf, it } from 'vitest';
import { init, type Tracker, type TrackerEvent } from '../src/index.js';

/**
 * Compile-time checks: `npm run typecheck` (part of `npm test`) compiles this file, and
 * an @ts-expect-error that no longer meets an error fails it. At run time the tracker is
 * never started (the calls sit in functions that are not called).
 */
type Catalogue = {
  signup: { plan: 'free' | 'pro'; seats?: number };
  logout: undefined;
  search: { query: string } | undefined;
};

describe('typed event catalogue', () => {
  it('checks names and props against the app catalogue', () => {
    const calls = (tracker: Tracker<Catalogue>) => {
      tracker.track('signup', { plan: 'pro' });
      tracker.track('signup', { plan: 'free', seats: 3 });
      tracker.track('logout');
      tracker.track('search');
      tracker.track('search', { query: 'shoes' });
      tracker('track', 'logout');

      // @ts-expect-error a plan the catalogue does not allow
      tracker.track('signup', { plan: 'gold' });
      // @ts-expect-error signup needs its props
      tracker.track('signup');
      // @ts-expect-error an event the catalogue does not declare
      tracker.track('purchase', { plan: 'pro' });
      // @ts-expect-error a prop the catalogue does not declare
      tracker.track('signup', { plan: 'pro', coupon: 'X' });
      // @ts-expect-error logout has no props
      tracker.track('logout', { reason: 'idle' });
      // @ts-expect-error not a tracker method
      tracker('send', 'x');
    };
    expectTypeOf(calls).toBeFunction();
    expectTypeOf(init<Catalogue>).returns.toEqualTypeOf<Tracker<Catalogue>>();
  });

  it('accepts props declared as interfaces', () => {
    interface CheckoutProps {
      total: number;
      currency: 'EUR' | 'USD';
    }
    const calls = (tracker: Tracker<{ checkout: CheckoutProps }>) => {
      tracker.track('checkout', { total: 12.5, currency: 'EUR' });
      // @ts-expect-error a currency the interface does not allow
      tracker.track('checkout', { total: 1, currency: 'GBP' });
    };
    expectTypeOf(calls).toBeFunction();
  });

  it('refuses a catalogue with props that are not flat', () => {
    // @ts-expect-error nested objects are not props
    const nested = () => init<{ order: { items: { sku: string }[] } }>({ endpoint: '/e', siteId: 's' });
    expectTypeOf(nested).toBeFunction();
  });

  it('takes any event name with flat props when no catalogue is declared', () => {
    const calls = (tracker: Tracker) => {
      tracker.track('anything', { a: 1, b: 'x', c: true });
      tracker.track('bare');
      // @ts-expect-error props are flat: no nested objects
      tracker.track('nested', { a: { b: 1 } });
    };
    expectTypeOf(calls).toBeFunction();
  });

  it('types the options and the beforeSend hook', () => {
    const start = () =>
      init({
        endpoint: 'https://stats.example/api/events',
        siteId: 'example.com',
        allowLocalhost: true,
        hashRouting: false,
        respectDnt: true,
        beforeSend: (event) => (event.page_url.includes('/admin') ? null : event),
      });
    expectTypeOf(start).returns.toEqualTypeOf<Tracker>();
    expectTypeOf<TrackerEvent['props']>().toEqualTypeOf<Record<string, string | number | boolean> | undefined>();
    // @ts-expect-error siteId is required
    const missing = () => init({ endpoint: '/e' });
    expectTypeOf(missing).toBeFunction();
  });
});
