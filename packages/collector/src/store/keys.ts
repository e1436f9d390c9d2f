/**
 * The stats table's key layout, in one place for the writers and the readers.
 *
 *   {site}#H#{YYYY-MM-DDTHH}   hour bucket: `total` only (plus page views per minute)
 *   {site}#D#{YYYY-MM-DD}      day bucket: `total` and every dimension below
 *   {site}#V#{day}#{hash}      daily visitor marker (TTL)
 *   {site}#P#{YYYY-MM-DD}      values waiting for a slot of the day's cap: their weight (TTL)
 *   ~progress                  how far the stream consumer has counted, sort key = shard
 *   ~salt#{day}                the day's visitor-hash salt (TTL)
 *   ~dropped#{day}             events of unknown sites and foreign hosts, for the deployment (sort key `total`)
 *
 * Sort keys are `{family}#{component}#…`; components escape `%` and `#` so that any
 * page path or property value splits back exactly.
 */
import { OTHER } from '@liveinsight/contract';
import { fnv1a } from '../lib/hash.js';
import { dayLabel, hourLabel } from '../lib/time.js';
import { HOT_KEY_SHARDS } from './tables.js';

export const FAMILY = {
  total: 'total',
  /** pv, vi (sessions that viewed it), en/ve (entries, entering visitors), co (views followed by another), bo. */
  page: 'page',
  /** referrer host, utm_source, utm_medium, utm_campaign of the session: one item per combination. */
  source: 'source',
  /** browser, os, device of the session: one item per combination. */
  tech: 'tech',
  country: 'country',
  event: 'event',
  /** event name, property key, property value. */
  prop: 'prop',
  /** distinct values admitted per family and bucket (the cap). */
  cap: 'cap',
} as const;

/** On a rollup item admitted after its value had been counted in `(other)`: when (ms). */
export const LATE_ATTRIBUTE = 'la';

export type Family = (typeof FAMILY)[keyof typeof FAMILY];

/** Distinct values kept per family and day bucket (service/admission.ts says which get them). */
export type Caps = Readonly<Partial<Record<Family, number>>>;

/** The caps the consumer applies unless it is given others (aggregate's options). */
export const DEFAULT_CAPS: Caps = {
  page: 1000,
  source: 500,
  tech: 300,
  country: 300,
  event: 200,
  prop: 1000,
};


/** Counter attribute names: short, because an item's size is what a write costs. */
export const METRIC = {
  pageviews: 'pv',
  visitors: 'vi',
  sessions: 'se',
  bounces: 'bo',
  durationMs: 'du',
  events: 'ev',
  entries: 'en',
  entryVisitors: 've',
  continues: 'co',
} as const;

export const hourPk = (site: string, ms: number): string => `${site}#H#${hourLabel(ms)}`;
export const dayPk = (site: string, ms: number): string => `${site}#D#${dayLabel(ms)}`;
export const dayPkOfLabel = (site: string, day: string): string => `${site}#D#${day}`;
export const visitorPk = (site: string, day: string, hash: string): string => `${site}#V#${day}#${hash}`;
export const saltPk = (day: string): string => `~salt#${day}`;
/** Where the day bucket `dayPk`'s values that wait for a slot keep their weight. */
export const pendingPk = (dayPk: string): string => dayPk.replace('#D#', '#P#');
export const droppedPk = (day: string): string => `~dropped#${day}`;
/** What every partition key of a site's items starts with. */
export const sitePkPrefix = (site: string): string => `${site}#`;

export const isDayPk = (pk: string): boolean => pk.includes('#D#');

/** A bucket key split into its site and the rest (`H#…` or `D#…`). */
export function splitBucketPk(pk: string): { site: string; bucket: string } {
  const at = Math.max(pk.lastIndexOf('#H#'), pk.lastIndexOf('#D#'));
  if (at < 0) throw new Error(`not a bucket key: ${pk}`);
  return { site: pk.slice(0, at), bucket: pk.slice(at + 1) };
}
export const PROGRESS_PK = '~progress';

const escapePart = (part: string): string => part.replace(/%/g, '%25').replace(/#/g, '%23');
const unescapePart = (part: string): string => part.replace(/%23/g, '#').replace(/%25/g, '%');

export function sortKey(family: Family, ...parts: string[]): string {
  return parts.length ? `${family}#${parts.map(escapePart).join('#')}` : family;
}

export function parseSortKey(sk: string): { family: string; parts: string[] } {
  const [family = '', ...parts] = sk.split('#');
  // `total~3` is shard 3 of `total`.
  return { family: family.replace(/~\d+$/, ''), parts: parts.map(unescapePart) };
}

/** The `total` sort key a session's increments go to (sharded when HOT_KEY_SHARDS > 1). */
export function totalKey(sessionId: string, shards = HOT_KEY_SHARDS): string {
  return shards > 1 ? `total~${fnv1a(sessionId) % shards}` : FAMILY.total;
}

/** Every `total` key a reader must sum. */
export function totalKeys(shards = HOT_KEY_SHARDS): string[] {
  return shards > 1 ? Array.from({ length: shards }, (_, i) => `total~${i}`) : [FAMILY.total];
}

/** The parts of the item an over-cap value is folded into: those that are not the value itself stay. */
export function otherParts(family: Family, parts: readonly string[]): string[] {
  if (family === FAMILY.prop) return [parts[0] ?? '', parts[1] ?? '', OTHER];
  return parts.map(() => OTHER);
}

export const otherKey = (family: Family, parts: readonly string[]): string => sortKey(family, ...otherParts(family, parts));

/** DynamoDB refuses a sort key longer than this many UTF-8 bytes. */
export const MAX_SORT_KEY_BYTES = 1024;

export const fitsSortKey = (sk: string): boolean => Buffer.byteLength(sk, 'utf8') <= MAX_SORT_KEY_BYTES;
