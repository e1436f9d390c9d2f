/**
 * The event archive's record: the one place its schema, its layout and its partitioning
 * live. Every accepted event (after validation, enrichment and the bot filter: what the
 * events stream carries) becomes one line of newline-delimited JSON under
 * `site=<site>/day=<YYYY-MM-DD>/`, the same locally (files under the data dir) and in AWS
 * (Firehose into S3). A record holds what the rollups are made of and nothing more: no
 * address, no User-Agent, no full URL or referrer, no query string but the utm values.
 *
 * Duplicates are possible (a batch delivered twice) and share `id`: readers drop them.
 */
import { clean } from '../lib/clean.js';
import { dayLabel } from '../lib/time.js';
import { pageInfo, referrerHost } from '../service/enrich.js';
import type { StreamEvent } from '../stream/record.js';
import { UNKNOWN } from '@liveinsight/contract';

export interface ArchiveRecord {
  site: string;
  /** The event id (the client's, or one given at ingest): duplicates share it. */
  id: string;
  /** The tracker's session id (`session` is a word some SQL grammars keep for themselves). */
  session_id: string;
  /** The day's visitor hash (a salted hash; the salt is deleted a day after the day). */
  visitor: string;
  /** When the event happened (skew-corrected), ms since the epoch, UTC. */
  time: number;
  /** `pageview`, `custom` or `engagement`. */
  kind: string;
  /** The event's name: `page_view` for page views, else the custom name. */
  name: string;
  path: string;
  hostname: string;
  /** The referrer's host; empty for none (direct) and for the site's own pages. */
  referrer: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  browser: string;
  os: string;
  device: string;
  country: string;
  /** Custom properties, every value as a string (the engagement values are columns below). */
  props: Record<string, string>;
  /** Engagement events only: engaged time and scroll depth, as the ext tracker measured them. */
  engaged_ms: number | null;
  scroll: number | null;
}

/**
 * The columns of a record, in order, with their Athena (Hive DDL) type: the Glue table is
 * made of exactly these (infra asserts it), and DuckDB reads the files with the same.
 */
export const ARCHIVE_COLUMNS = [
  { name: 'site', type: 'string' },
  { name: 'id', type: 'string' },
  { name: 'session_id', type: 'string' },
  { name: 'visitor', type: 'string' },
  { name: 'time', type: 'bigint' },
  { name: 'kind', type: 'string' },
  { name: 'name', type: 'string' },
  { name: 'path', type: 'string' },
  { name: 'hostname', type: 'string' },
  { name: 'referrer', type: 'string' },
  { name: 'utm_source', type: 'string' },
  { name: 'utm_medium', type: 'string' },
  { name: 'utm_campaign', type: 'string' },
  { name: 'browser', type: 'string' },
  { name: 'os', type: 'string' },
  { name: 'device', type: 'string' },
  { name: 'country', type: 'string' },
  { name: 'props', type: 'map<string,string>' },
  { name: 'engaged_ms', type: 'bigint' },
  { name: 'scroll', type: 'int' },
] as const satisfies readonly { name: keyof ArchiveRecord; type: string }[];

/**
 * Firehose's dynamic partitioning keys, a jq 1.6 expression over one record (inline
 * parsing): the site and the UTC day of the event's time. The S3 prefix puts them in
 * ARCHIVE_PREFIX's places.
 */
export const ARCHIVE_PARTITION_JQ = '{site: .site, day: (.time / 1000 | floor | strftime("%Y-%m-%d"))}';
export const ARCHIVE_PREFIX = 'events/site=!{partitionKeyFromQuery:site}/day=!{partitionKeyFromQuery:day}/';
export const ARCHIVE_ERROR_PREFIX = 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/';

/** Where a site's day lives, relative to the archive's root (the bucket's `events/`, or the local dir). */
export const partitionPath = (site: string, day: string): string => `site=${site}/day=${day}`;

const ENGAGEMENT = 'engagement';

/** The archive record of an event as the stream carries it. */
export function archiveRecord(e: StreamEvent): ArchiveRecord {
  const page = pageInfo(e.url);
  const name = clean(e.type) || UNKNOWN;
  const kind = name === 'page_view' ? 'pageview' : name === ENGAGEMENT ? 'engagement' : 'custom';
  const props: Record<string, string> = {};
  let engagedMs: number | null = null;
  let scroll: number | null = null;
  for (const [key, value] of Object.entries(e.props ?? {})) {
    const k = clean(key);
    if (!k) continue;
    if (kind === 'engagement' && k === 'engaged_ms' && typeof value === 'number') engagedMs = Math.round(value);
    else if (kind === 'engagement' && k === 'scroll' && typeof value === 'number') scroll = Math.round(value);
    else props[k] = typeof value === 'string' ? clean(value) : String(value);
  }
  return {
    site: e.site,
    id: e.id,
    session_id: e.session,
    visitor: e.vh,
    time: e.time,
    kind,
    name,
    path: page.path,
    hostname: page.host,
    referrer: referrerHost(e.ref, page.host, e.site),
    utm_source: page.utmSource,
    utm_medium: page.utmMedium,
    utm_campaign: page.utmCampaign,
    browser: e.br,
    os: e.os,
    device: e.dev,
    country: e.cc,
    props,
    engaged_ms: engagedMs,
    scroll,
  };
}

export const recordDay = (record: Pick<ArchiveRecord, 'time'>): string => dayLabel(record.time);

/**
 * The Glue table's partition keys (partition projection: the site is injected, so every
 * Athena query must name one; the day is a date range). Their names differ from the
 * record's columns, as Glue requires; the S3 layout is still `site=…/day=…`.
 */
export const ARCHIVE_PARTITION_KEYS = [
  { name: 'p_site', type: 'string' },
  { name: 'p_day', type: 'string' },
] as const;
