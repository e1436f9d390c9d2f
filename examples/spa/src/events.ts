/**
 * The app's event catalogue: every custom event it may record, with the exact shape of
 * its props (`undefined`: an event without props). `init<AppEvents>(…)` makes `track`
 * check names and props at compile time, so a typo or an unknown plan fails the build
 * instead of polluting the dashboard.
 */
export type AppEvents = {
  add_to_cart: { product: string; price: number };
  cart_cleared: undefined;
  signup: { plan: Plan };
};

export type Plan = 'free' | 'pro' | 'team';
