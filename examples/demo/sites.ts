import type { SourceKind, SourceName } from './audience.js';
import type { Random } from './random.js';

/** Custom-event props as the wire contract allows them: a flat map of scalars. */
export type Props = Record<string, string | number | boolean>;

export interface PageEvent {
  name: string;
  /** Probability that a visit of the page fires it. */
  chance: number;
  props?: (rng: Random) => Props;
}

export interface Page {
  path: string;
  /** How likely an internal navigation lands here (relative). */
  weight: number;
  /** Next-page weights that replace `weight` when leaving this page (funnels). */
  links?: Readonly<Record<string, number>>;
  events?: readonly PageEvent[];
  /** External links a visitor may leave through (the extras' `outbound` event). */
  outbound?: readonly string[];
  /** Files a visitor may download (the extras' `download` event). */
  downloads?: readonly string[];
}

export interface Site {
  id: string;
  /** Share of the daily sessions. */
  share: number;
  mobileShare: number;
  countryBias?: Readonly<Record<string, number>>;
  /** Probability that a session stops after its first page. */
  bounceRate: number;
  /** Probability of one more page after the second and later pages. */
  continueRate: number;
  /** Median seconds on a page. */
  dwellSeconds: number;
  /** Share of sessions by someone who visited before (same address and browser). */
  returningShare: number;
  /** Traffic on Saturday and Sunday relative to weekdays. */
  weekendFactor: number;
  /** One day a week brings a burst from one source (a post on the front page). */
  spike?: { factor: number; source: SourceName };
  sources: readonly (readonly [SourceName, number])[];
  /** Entry pages by kind of source; campaigns land on `landing`. */
  entries: Readonly<Record<Exclude<SourceKind, 'campaign'>, readonly (readonly [string, number])[]>>;
  landing: Readonly<Partial<Record<SourceName, string>>>;
  /** An old URL some internal link still points to: its visit is a `404` event, not a page view. */
  brokenPath: string;
  pages: readonly Page[];
}

const priceOf: Record<string, number> = {
  'espresso-blend': 14,
  'house-blend': 12,
  decaf: 13,
  'burr-grinder': 89,
};

export const SITES: readonly Site[] = [
  {
    id: 'shop.example',
    share: 0.4,
    mobileShare: 0.55,
    countryBias: { DE: 3, NL: 2, FR: 1.5, US: 0.5, IN: 0.3 },
    bounceRate: 0.42,
    continueRate: 0.62,
    dwellSeconds: 35,
    returningShare: 0.3,
    weekendFactor: 1.2,
    sources: [
      ['direct', 30],
      ['google', 30],
      ['bing', 3],
      ['ecosia', 2],
      ['facebook', 5],
      ['reddit', 3],
      ['newsletter', 8],
      ['springSale', 10],
    ],
    entries: {
      direct: [['/', 8], ['/shop', 2], ['/subscriptions', 1]],
      search: [['/', 4], ['/shop/espresso-blend', 3], ['/shop/burr-grinder', 2], ['/blog/brewing-guide', 3]],
      social: [['/blog/brewing-guide', 3], ['/shop/house-blend', 2]],
      link: [['/', 1]],
    },
    landing: { newsletter: '/subscriptions', springSale: '/shop' },
    brokenPath: '/shop/cold-brew-kit',
    pages: [
      { path: '/', weight: 6 },
      { path: '/shop', weight: 8 },
      ...Object.keys(priceOf).map((product) => ({
        path: `/shop/${product}`,
        weight: product === 'burr-grinder' ? 2 : 4,
        links: { '/cart': 4, '/shop': 3, '/': 1 },
        events: [
          {
            name: 'add_to_cart',
            chance: 0.3,
            props: (rng: Random) => ({ product, price: priceOf[product]!, quantity: rng.weighted([[1, 8], [2, 3], [3, 1]]) }),
          },
        ],
      })),
      {
        path: '/subscriptions',
        weight: 2,
        events: [{ name: 'subscribe', chance: 0.12, props: (rng) => ({ plan: rng.pick(['weekly', 'biweekly', 'monthly']) }) }],
      },
      { path: '/cart', weight: 1, links: { '/checkout': 6, '/shop': 2 }, events: [{ name: 'begin_checkout', chance: 0.5 }] },
      {
        path: '/checkout',
        weight: 0.2,
        links: { '/checkout/thank-you': 6, '/cart': 2 },
      },
      {
        path: '/checkout/thank-you',
        weight: 0.1,
        links: { '/shop': 1, '/': 1 },
        events: [
          {
            name: 'purchase',
            chance: 1,
            props: (rng) => ({ payment: rng.weighted([['card', 6], ['paypal', 3], ['klarna', 1]]), currency: 'EUR' }),
          },
        ],
      },
      { path: '/about', weight: 1 },
      {
        path: '/blog/brewing-guide',
        weight: 1,
        events: [{ name: 'newsletter_signup', chance: 0.03, props: () => ({ position: 'inline' }) }],
        downloads: ['/files/brew-ratios.pdf'],
      },
    ],
  },
  {
    id: 'blog.example',
    share: 0.35,
    mobileShare: 0.45,
    bounceRate: 0.7,
    continueRate: 0.4,
    dwellSeconds: 95,
    returningShare: 0.25,
    weekendFactor: 0.8,
    spike: { factor: 3.5, source: 'hackerNews' },
    sources: [
      ['direct', 18],
      ['google', 25],
      ['duckduckgo', 6],
      ['hackerNews', 8],
      ['reddit', 8],
      ['twitter', 8],
      ['linkedin', 3],
      ['feedly', 5],
      ['devTo', 3],
      ['newsletter', 6],
    ],
    entries: {
      direct: [['/', 5], ['/posts/why-we-dropped-cookies', 1]],
      search: [
        ['/posts/dynamodb-single-table-patterns', 5],
        ['/posts/serverless-analytics-on-a-budget', 3],
        ['/posts/rust-for-js-devs', 2],
        ['/posts/why-we-dropped-cookies', 1],
      ],
      social: [['/posts/why-we-dropped-cookies', 5], ['/posts/serverless-analytics-on-a-budget', 3]],
      link: [['/', 2], ['/posts/rust-for-js-devs', 1], ['/posts/dynamodb-single-table-patterns', 1]],
    },
    landing: { newsletter: '/posts/serverless-analytics-on-a-budget' },
    brokenPath: '/2019/05/hello-world',
    pages: [
      { path: '/', weight: 6 },
      ...[
        'serverless-analytics-on-a-budget',
        'dynamodb-single-table-patterns',
        'why-we-dropped-cookies',
        'rust-for-js-devs',
        'tracking-without-tracking',
      ].map((slug) => ({
        path: `/posts/${slug}`,
        weight: 4,
        events: [
          { name: 'newsletter_signup', chance: 0.025, props: (rng: Random) => ({ position: rng.pick(['inline', 'footer']) }) },
          { name: 'share', chance: 0.02, props: (rng: Random) => ({ network: rng.pick(['mastodon', 'bluesky', 'linkedin', 'copy-link']) }) },
        ],
        outbound: ['https://github.com/liveinsight/liveinsight', 'https://docs.aws.amazon.com/amazondynamodb/', 'https://developer.mozilla.org/'],
      })),
      { path: '/about', weight: 2, outbound: ['https://mastodon.social/@liveinsight'] },
      { path: '/tags/aws', weight: 1 },
      { path: '/newsletter', weight: 1, events: [{ name: 'newsletter_signup', chance: 0.2, props: () => ({ position: 'page' }) }] },
    ],
  },
  {
    id: 'saas.example',
    share: 0.25,
    mobileShare: 0.2,
    countryBias: { US: 1.5, GB: 1.3, IN: 1.5 },
    bounceRate: 0.48,
    continueRate: 0.6,
    dwellSeconds: 50,
    returningShare: 0.4,
    weekendFactor: 0.45,
    sources: [
      ['direct', 30],
      ['google', 25],
      ['bing', 4],
      ['github', 10],
      ['linkedin', 6],
      ['adsBrand', 8],
      ['launchWeek', 6],
      ['newsletter', 4],
    ],
    entries: {
      direct: [['/', 6], ['/docs', 3], ['/login', 3]],
      search: [['/', 3], ['/docs/getting-started', 3], ['/docs/api', 2], ['/pricing', 2]],
      social: [['/', 2], ['/blog/launch', 3]],
      link: [['/docs/self-hosting', 3], ['/', 2]],
    },
    landing: { adsBrand: '/', launchWeek: '/blog/launch', newsletter: '/changelog' },
    brokenPath: '/docs/v1/api',
    pages: [
      {
        path: '/',
        weight: 5,
        links: { '/pricing': 4, '/features': 3, '/docs': 2, '/signup': 2 },
        events: [{ name: 'cta_click', chance: 0.12, props: () => ({ location: 'hero' }) }],
      },
      { path: '/features', weight: 3, links: { '/pricing': 4, '/signup': 1, '/docs': 1 } },
      {
        path: '/pricing',
        weight: 4,
        links: { '/signup': 4, '/features': 1, '/': 1 },
        events: [{ name: 'cta_click', chance: 0.2, props: (rng) => ({ location: 'pricing', plan: rng.pick(['free', 'pro', 'team']) }) }],
      },
      { path: '/docs', weight: 4, downloads: ['/downloads/liveinsight-whitepaper.pdf'] },
      { path: '/docs/getting-started', weight: 4 },
      { path: '/docs/api', weight: 3, outbound: ['https://github.com/liveinsight/liveinsight'] },
      { path: '/docs/self-hosting', weight: 2, downloads: ['/downloads/liveinsight-cli-1.4.2.tar.gz'] },
      { path: '/changelog', weight: 1 },
      { path: '/blog/launch', weight: 1 },
      {
        path: '/signup',
        weight: 2,
        links: { '/signup/welcome': 5, '/pricing': 2 },
      },
      {
        path: '/signup/welcome',
        weight: 0.2,
        links: { '/docs/getting-started': 3 },
        events: [{ name: 'signup', chance: 1, props: (rng) => ({ plan: rng.weighted([['free', 7], ['pro', 3], ['team', 1]]) }) }],
      },
      { path: '/login', weight: 1, links: { '/docs': 1 } },
    ],
  },
];
