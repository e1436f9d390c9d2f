/**
 * Compile-time proof that the catalogue is enforced: `npm run typecheck` fails if any
 * line marked @ts-expect-error starts to compile. Never bundled, never run.
 */
import type { Tracker } from '@liveinsight/sdk';
import type { AppEvents } from './events.js';

export function catalogueIsEnforced(tracker: Tracker<AppEvents>): void {
  tracker.track('signup', { plan: 'pro' });
  tracker.track('add_to_cart', { product: 'kettle', price: 39 });
  tracker.track('cart_cleared');

  // @ts-expect-error: 'gold' is not a Plan
  tracker.track('signup', { plan: 'gold' });
  // @ts-expect-error: an event that is not in the catalogue
  tracker.track('sign_up', { plan: 'pro' });
  // @ts-expect-error: price must be a number
  tracker.track('add_to_cart', { product: 'kettle', price: '39' });
  // @ts-expect-error: signup needs its props
  tracker.track('signup');
}
