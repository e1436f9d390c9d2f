import { debugLog, isOptedOut, tracker } from './analytics.js';
import type { SentRequest } from './debug-log.js';
import { h } from './dom.js';
import type { Plan } from './events.js';
import { PRODUCTS } from './products.js';
import type { Route } from './router.js';

/** A box saying what the page demonstrates, with the code that does it (copied from src/). */
const demo = (title: string, text: string, code: string) =>
  h('section', { class: 'demo' }, h('h2', {}, `This page: ${title}`), h('p', {}, text), h('pre', {}, h('code', {}, code)));

const link = (path: string, text: string, attributes: Record<string, string> = {}) =>
  h('a', { href: `/examples/spa${path}`, 'data-link': true, ...attributes }, text);

let cart = 0;

function addToCartButton(product: (typeof PRODUCTS)[number]) {
  return h(
    'button',
    {
      'data-add': product.id,
      onclick: () => {
        tracker.track('add_to_cart', { product: product.id, price: product.price });
        cart++;
        document.querySelector('#cart')!.textContent = String(cart);
      },
    },
    'Add to cart',
  );
}

export function createRoutes(navigate: (path: string) => void): { routes: Route[]; notFound: Route } {
  const routes: Route[] = [
    {
      path: '/',
      render: () =>
        h(
          'div',
          {},
          h('h1', {}, 'Brew & Co.'),
          h(
            'p',
            {},
            'A single-page app: the links change the URL with history.pushState and never load a page. ',
            'It imports the tracker from npm (@liveinsight/sdk), bundled with rollup. Walk around, then open ',
            link('/debug', 'Debug'),
            ' to see every event the tracker queued and sent.',
          ),
          demo(
            'page views in a single-page app',
            'One init call for the whole app. Page views need no code: the tracker sees pushState, replaceState and popstate.',
            `import { init } from '@liveinsight/sdk';

export const tracker = init<AppEvents>({
  endpoint: ENDPOINT,
  siteId: SITE_ID,
  // This example runs on 127.0.0.1, which the tracker skips unless told otherwise; drop this on your site.
  allowLocalhost: true,
  outboundLinks: true,
  engagement: true,
  beforeSend: (event) => debugLog.note(withoutEmails(event)),
});`,
          ),
        ),
    },
    {
      path: '/products',
      render: () =>
        h(
          'div',
          {},
          h('h1', {}, 'Products'),
          h(
            'ul',
            { class: 'products' },
            ...PRODUCTS.map((product) =>
              h('li', {}, link(`/products/${product.id}`, product.name), ` €${product.price} `, addToCartButton(product)),
            ),
          ),
          h(
            'button',
            {
              class: 'secondary',
              onclick: () => {
                tracker.track('cart_cleared');
                cart = 0;
                document.querySelector('#cart')!.textContent = '0';
              },
            },
            'Empty cart',
          ),
          demo(
            'typed custom events',
            'The app declares its events once; track() then accepts only those names with exactly those props. A wrong plan name or a missing prop fails the build (see src/catalogue.type-test.ts).',
            `export type AppEvents = {
  add_to_cart: { product: string; price: number };
  cart_cleared: undefined;
  signup: { plan: Plan };
};

tracker.track('add_to_cart', { product: product.id, price: product.price });`,
          ),
        ),
    },
    {
      path: '/products/:id',
      render: ({ id }) => {
        const product = PRODUCTS.find((p) => p.id === id);
        if (!product) return h('p', {}, 'No such product. ', link('/products', 'All products'));
        return h(
          'div',
          {},
          h('h1', {}, product.name),
          h('p', {}, product.blurb),
          h('p', {}, `€${product.price} `, addToCartButton(product)),
          h('p', {}, link('/products', '← All products')),
        );
      },
    },
    {
      path: '/signup',
      render: () => {
        const form = h(
          'form',
          { id: 'signup' },
          h(
            'fieldset',
            {},
            h('legend', {}, 'Plan'),
            ...(['free', 'pro', 'team'] as const).map((plan) =>
              h('label', {}, h('input', { type: 'radio', name: 'plan', value: plan, checked: plan === 'free' }), ` ${plan} `),
            ),
          ),
          h('label', {}, 'E-mail ', h('input', { type: 'email', name: 'email', required: true, placeholder: 'you@example.com' })),
          ' ',
          h('button', { type: 'submit' }, 'Create account'),
        );
        form.addEventListener('submit', (event) => {
          event.preventDefault();
          const data = new FormData(form);
          tracker.track('signup', { plan: data.get('plan') as Plan });
          // Like many apps, the profile URL carries the address; beforeSend keeps it out of analytics.
          navigate(`/users/${String(data.get('email'))}`);
        });
        return h(
          'div',
          {},
          h('h1', {}, 'Sign up'),
          form,
          demo(
            'beforeSend keeps e-mail addresses out',
            'After signing up you land on /users/<your address>. beforeSend sees every event before it is queued and rewrites the address in its URL, so the page view says /users/[email].',
            `const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}/g;

export const redactEmails = (text: string): string => text.replace(EMAIL, '[email]');

export function withoutEmails(event: TrackerEvent): TrackerEvent {
  return { ...event, page_url: redactEmails(event.page_url), referrer: redactEmails(event.referrer) };
}`,
          ),
        );
      },
    },
    {
      path: '/users/:email',
      render: ({ email }) =>
        h(
          'div',
          {},
          h('h1', {}, 'Welcome!'),
          h('p', {}, 'Your account ', h('strong', { id: 'email' }, email ?? ''), ' is ready.'),
          h('p', {}, 'The address is in this URL, but not in analytics: ', link('/debug', 'Debug'), ' shows the page view as /users/[email].'),
        ),
    },
    {
      path: '/privacy',
      render: () => {
        const status = h('strong', { id: 'tracking-status' });
        const show = () => (status.textContent = isOptedOut() ? 'off (opted out)' : 'on');
        show();
        return h(
          'div',
          {},
          h('h1', {}, 'Privacy'),
          h('p', {}, 'No cookies, no stored IP addresses. Analytics in this browser: ', status),
          h(
            'p',
            {},
            h('button', { id: 'opt-out', onclick: () => (tracker.optOut(), show()) }, 'Opt out'),
            ' ',
            h('button', { id: 'opt-in', class: 'secondary', onclick: () => (tracker.optIn(), show()) }, 'Opt in'),
          ),
          demo(
            'opt-out and opt-in',
            'optOut() sets a flag in localStorage: from then on this browser sends nothing, on every page of the site, and events not yet sent are dropped. optIn() removes it. Browsers that send Global Privacy Control or Do Not Track are left out by default.',
            `h('button', { id: 'opt-out', onclick: () => (tracker.optOut(), show()) }, 'Opt out'),

h('button', { id: 'opt-in', class: 'secondary', onclick: () => (tracker.optIn(), show()) }, 'Opt in'),`,
          ),
        );
      },
    },
    { path: '/debug', render: renderDebug },
  ];
  const notFound: Route = {
    path: '',
    render: () => h('div', {}, h('h1', {}, 'No such page'), h('p', {}, link('/', 'Home'))),
  };
  return { routes, notFound };
}

function eventRows(events: readonly { event_type: string; page_url: string; props?: object }[]) {
  return events.map((event) =>
    h(
      'tr',
      {},
      h('td', {}, event.event_type),
      h('td', {}, new URL(event.page_url).pathname),
      h('td', {}, event.props ? JSON.stringify(event.props) : ''),
    ),
  );
}

const eventTable = (events: Parameters<typeof eventRows>[0]) =>
  h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'event'), h('th', {}, 'page'), h('th', {}, 'props'))), h('tbody', {}, ...eventRows(events)));

function requestBlock(request: SentRequest) {
  return h(
    'details',
    { class: 'request', open: true },
    h(
      'summary',
      {},
      `${new Date(request.at).toLocaleTimeString()} · ${request.transport} · ${request.events.length} event${request.events.length === 1 ? '' : 's'} · `,
      h('span', { class: 'outcome' }, request.outcome),
    ),
    eventTable(request.events),
  );
}

/** The debug view: what is waiting in the tracker's queue, and every request it made. */
function renderDebug(): Node {
  const pending = h('div', { id: 'debug-pending' });
  const sent = h('div', { id: 'debug-sent' });
  const root = h(
    'div',
    {},
    h('h1', {}, 'Debug'),
    h('p', {}, h('button', { id: 'flush', onclick: () => tracker.flush() }, 'Send now'), ' ', h('button', { class: 'secondary', onclick: () => debugLog.clear() }, 'Clear log')),
    h('h2', {}, 'Queued, not sent yet'),
    pending,
    h('h2', {}, 'Sent to the collector'),
    sent,
    demo(
      'the tracker at work',
      'The tracker batches events and sends them every 5 seconds, at 20 events, or when the page is hidden (by sendBeacon). The app sees each event in beforeSend and each request by wrapping fetch and sendBeacon (src/debug-log.ts): the SDK itself carries no debug code.',
      `beforeSend: (event) => debugLog.note(withoutEmails(event)),`,
    ),
  );
  const update = () => {
    if (!root.isConnected) return unsubscribe();
    const waiting = debugLog.pending();
    pending.replaceChildren(waiting.length ? eventTable(waiting) : h('p', { class: 'muted' }, 'Nothing waiting.'));
    const requests = debugLog.sent();
    sent.replaceChildren(...(requests.length ? requests.map(requestBlock) : [h('p', { class: 'muted' }, 'Nothing sent yet.')]));
  };
  const unsubscribe = debugLog.subscribe(update);
  // The view is built before the router attaches it; fill it once it is on the page.
  queueMicrotask(update);
  return root;
}
