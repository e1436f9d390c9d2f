import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll } from 'vitest';
import { handler as eventsHandler } from '../../src/handlers/events.js';
import { handler as realtimeHandler } from '../../src/handlers/realtime.js';
import { handler as sitesHandler } from '../../src/handlers/sites.js';
import { handler as statsHandler } from '../../src/handlers/stats.js';
import type { RealtimeData, SitesData, StatsData } from '@liveinsight/contract';
import { apiEvent, parse } from './events.js';
import { label } from './time.js';

/** A desktop Chrome, as real browsers send it. */
export const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

export interface PostOptions {
  headers?: Record<string, string>;
  userAgent?: string;
  ip?: string;
  country?: string;
  apiKey?: string;
}

/** POST /api/events through the Lambda handler, as API Gateway would call it. */
export async function postEvents(body: unknown, options: PostOptions = {}): Promise<APIGatewayProxyResult> {
  const headers: Record<string, string> = {
    'Content-Type': 'text/plain;charset=UTF-8',
    'User-Agent': options.userAgent ?? CHROME_UA,
    ...(options.ip ? { 'X-Forwarded-For': `${options.ip}, 130.176.0.1` } : {}),
    ...(options.country ? { 'CloudFront-Viewer-Country': options.country } : {}),
    ...(options.apiKey ? { 'X-API-Key': options.apiKey } : {}),
    ...options.headers,
  };
  return eventsHandler(apiEvent({ httpMethod: 'POST', path: '/api/events', headers, body }));
}

/** POST and expect 200; returns data. */
export async function ingestOk(body: unknown, options: PostOptions = {}) {
  const result = await postEvents(body, options);
  if (result.statusCode !== 200) throw new Error(`POST /api/events answered ${result.statusCode}: ${result.body}`);
  return parse(result).data as { accepted: number; duplicates: number; rejected: { index: number; reason: string }[] };
}

/** The configured read key, sent by the read helpers unless headers are given explicitly. */
const keyHeaders = (): Record<string, string> =>
  process.env.LIVEINSIGHT_API_KEY ? { 'X-API-Key': process.env.LIVEINSIGHT_API_KEY } : {};

/** Configures a read key for this test file: reads need it, and a POST carrying it is a backfill. */
export function useApiKey(key: string): void {
  beforeAll(() => {
    process.env.LIVEINSIGHT_API_KEY = key;
  });
  afterAll(() => {
    delete process.env.LIVEINSIGHT_API_KEY;
  });
}

/** POST with the configured key: a trusted backfill that keeps the events' own timestamps. */
export const backfill = (events: unknown[], options: PostOptions = {}) =>
  ingestOk({ events, sent_at: Date.now() }, { apiKey: process.env.LIVEINSIGHT_API_KEY, ...options });

const get = (handler: typeof statsHandler, path: string) => (params: Record<string, string>, headers: Record<string, string> = keyHeaders()) =>
  handler(apiEvent({ httpMethod: 'GET', path, queryStringParameters: params, headers }));

export const statsRequest = get(statsHandler, '/api/stats');
export const realtimeRequest = get(realtimeHandler, '/api/realtime');
export const sitesRequest = (headers: Record<string, string> = keyHeaders()) =>
  sitesHandler(apiEvent({ httpMethod: 'GET', path: '/api/sites', headers }));

async function data<T>(result: Promise<APIGatewayProxyResult>): Promise<T> {
  const r = await result;
  if (r.statusCode !== 200) throw new Error(`answered ${r.statusCode}: ${r.body}`);
  return parse(r).data as T;
}

export const stats = (params: Record<string, string>) => data<StatsData>(statsRequest(params));
/** The stats of the UTC day that contains `ms`. */
export const onDay = (site: string, ms: number) => stats({ site_id: site, from: label(ms), to: label(ms) });
export const realtime = (params: Record<string, string>) => data<RealtimeData>(realtimeRequest(params));
export const sites = () => data<SitesData>(sitesRequest());

let counter = 0;
/** A fresh tracker-like session id. */
export const newSessionId = (label = 's') => `${label}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 10)}`;

export interface EventInput {
  type?: string;
  session: string;
  id?: string;
  at: number;
  url?: string;
  referrer?: string;
  site?: string;
  props?: Record<string, string | number | boolean>;
}

let eventCounter = 0;
/** A wire event as the tracker sends it. */
export function wireEvent(e: EventInput) {
  return {
    event_type: e.type ?? 'page_view',
    session_id: e.session,
    event_id: e.id ?? `e-${++eventCounter}-${Math.random().toString(36).slice(2, 8)}`,
    timestamp: e.at,
    page_url: e.url ?? 'https://site.test/',
    referrer: e.referrer ?? '',
    site_id: e.site ?? 'site.test',
    ...(e.props ? { props: e.props } : {}),
  };
}
