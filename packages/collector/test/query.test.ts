import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalArchive } from '../src/archive/local-archive.js';
import { ARCHIVE_COLUMNS, ARCHIVE_PARTITION_JQ, type ArchiveRecord } from '../src/archive/record.js';
import { startLocalStack, type LocalStack } from '../src/local/index.js';
import { duckdbEngine } from '../src/query/duckdb-engine.js';
import { parseQuery } from '../src/query/request.js';
import { runQuery } from '../src/service/query.js';
import { CHROME_UA, IPHONE_UA, newSessionId, wireEvent } from './support/api.js';
import { openApiErrors } from './support/openapi.js';

/**
 * The archive and POST /api/v2/query through the local stack: events go in over HTTP as a
 * tracker sends them, the stream's delivery loop archives them, DuckDB answers. Every
 * expected number is counted from what the test sent.
 */
const KEY = 'query-test-key';
let stack: LocalStack;

beforeAll(async () => {
  process.env.LIVEINSIGHT_API_KEY = KEY;
  stack = await startLocalStack({ port: 0 });
});
afterAll(async () => {
  delete process.env.LIVEINSIGHT_API_KEY;
  await stack?.close();
});

interface Visit {
  site: string;
  ip: string;
  ua: string;
  country: string;
  referrer: string;
  pages: string[];
  event?: { name: string; props: Record<string, string> };
}

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;

async function send(visit: Visit, at: number, retry = false): Promise<void> {
  const session = newSessionId('q');
  const events = visit.pages.map((path, i) => wireEvent({ session, id: `${session}-${i}`, at: at + i * 10_000, site: visit.site, url: `https://${visit.site}${path}`, referrer: i === 0 ? visit.referrer : '' }));
  if (visit.event) events.push(wireEvent({ session, id: `${session}-e`, at: at + visit.pages.length * 10_000, site: visit.site, type: visit.event.name, url: `https://${visit.site}${visit.pages.at(-1)}`, props: visit.event.props }));
  const post = () =>
    fetch(`${stack.url}/api/events`, {
      method: 'POST',
      headers: { 'User-Agent': visit.ua, 'X-Forwarded-For': visit.ip, 'CloudFront-Viewer-Country': visit.country },
      body: JSON.stringify({ events, sent_at: Date.now() }),
    });
  expect((await post()).status).toBe(200);
  // A client that did not get its answer sends the same events again.
  if (retry) expect((await post()).status).toBe(200);
}

async function query(body: unknown, key: string | null = KEY) {
  const response = await fetch(`${stack.url}/api/v2/query`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, any>;
  expect(openApiErrors('/api/v2/query', 'POST', response.status, json), `POST /api/v2/query ${response.status}`).toEqual([]);
  return { status: response.status, json };
}

const SITE = 'query.test';
const visits: Visit[] = [];
for (let i = 0; i < 24; i++) {
  visits.push({
    site: SITE,
    ip: `192.0.2.${i + 1}`,
    ua: i % 3 === 0 ? IPHONE_UA : CHROME_UA,
    country: ['DE', 'SE', 'US'][i % 3]!,
    referrer: ['https://www.google.com/', 'https://news.ycombinator.com/item?id=1', ''][i % 3]!,
    pages: i % 4 === 0 ? ['/'] : ['/', '/pricing', ...(i % 2 ? ['/docs'] : [])],
    ...(i % 5 === 0 ? { event: { name: 'signup', props: { plan: i % 10 === 0 ? 'pro' : 'free' } } } : {}),
  });
}
// Another site, whose events no query of query.test may see.
const OTHER_SITE: Visit = { site: 'other.test', ip: '192.0.2.200', ua: CHROME_UA, country: 'DE', referrer: '', pages: ['/', '/pricing'] };

describe('the event archive and POST /api/v2/query', () => {
  beforeAll(async () => {
    for (const [i, visit] of visits.entries()) await send(visit, today + 3_600_000 + i * 60_000, i % 6 === 0);
    await send(OTHER_SITE, today + 3_600_000);
    await stack.caughtUp();
  });

  it('archives every accepted event under site=/day=, without address or User-Agent, and jq partitions it the same', () => {
    const folder = join(stack.archiveDir, `site=${SITE}`, `day=${new Date(today).toISOString().slice(0, 10)}`);
    const lines = readdirSync(folder).flatMap((f) => readFileSync(join(folder, f), 'utf8').split('\n').filter(Boolean));
    const records = lines.map((line) => JSON.parse(line) as ArchiveRecord);
    const sent = visits.reduce((sum, v, i) => sum + (v.pages.length + (v.event ? 1 : 0)) * (i % 6 === 0 ? 2 : 1), 0);
    // Retried requests are archived twice; they share the event id.
    expect(records).toHaveLength(sent);
    expect(new Set(records.map((r) => r.id)).size).toBe(visits.reduce((sum, v) => sum + v.pages.length + (v.event ? 1 : 0), 0));
    for (const record of records) expect(Object.keys(record).sort()).toEqual(ARCHIVE_COLUMNS.map((c) => c.name).sort());
    const text = lines.join('\n');
    for (const secret of ['192.0.2.', 'Mozilla', 'item?id', 'https://']) expect(text).not.toContain(secret);
    expect(records.find((r) => r.kind === 'custom')).toMatchObject({ name: 'signup', path: expect.stringMatching(/^\//), props: { plan: expect.any(String) } });
    // Firehose's inline parsing, run by the jq Debian ships, over these very lines.
    const keys = execFileSync('jq', ['-c', ARCHIVE_PARTITION_JQ], { input: lines.slice(0, 5).join('\n') }).toString().trim().split('\n').map((l) => JSON.parse(l));
    for (const key of keys) expect(key).toEqual({ site: SITE, day: new Date(today).toISOString().slice(0, 10) });
  });

  it('answers two filters and one dimension exactly, from the archive', async () => {
    const { status, json } = await query({
      site_id: SITE,
      date_range: 'day',
      metrics: ['visitors', 'pageviews', 'visits', 'bounce_rate'],
      dimensions: ['visit:country'],
      filters: [['is', 'visit:browser', ['Chrome']], ['contains', 'event:page', ['pric']]],
      include: { total_rows: true },
    });
    expect(status).toBe(200);
    expect(json.meta.engine).toBe('archive');
    const expected = new Map<string, { visitors: number; pageviews: number }>();
    for (const v of visits.filter((v) => v.ua === CHROME_UA && v.pages.includes('/pricing'))) {
      const row = expected.get(v.country) ?? { visitors: 0, pageviews: 0 };
      row.visitors += 1;
      row.pageviews += v.pages.filter((p) => p.includes('pric')).length;
      expected.set(v.country, row);
    }
    const got = new Map(json.results.map((r: any) => [r.dimensions[0], { visitors: r.metrics[0], pageviews: r.metrics[1] }]));
    expect(got).toEqual(expected);
    for (const r of json.results) {
      expect(r.metrics[2]).toBe(r.metrics[0]); // one visit per visitor here
      expect(r.metrics[3]).toBe(0); // every matching visit saw two pages or more
    }
    expect(json.meta.total_rows).toBe(expected.size);
    expect(json.query).toMatchObject({ site_id: SITE, metrics: ['visitors', 'pageviews', 'visits', 'bounce_rate'] });
  });

  it('filters by a custom property, combines filters with or / not, and groups by a property', async () => {
    const { json } = await query({
      site_id: SITE,
      date_range: '7d',
      metrics: ['visitors', 'events'],
      dimensions: ['event:props:plan'],
      filters: [['is', 'event:name', ['signup']], ['not', ['is', 'visit:country', ['SE']]]],
    });
    const expected: Record<string, number> = {};
    for (const v of visits.filter((v) => v.event && v.country !== 'SE')) expected[v.event!.props.plan!] = (expected[v.event!.props.plan!] ?? 0) + 1;
    expect(Object.fromEntries(json.results.map((r: any) => [r.dimensions[0], r.metrics[0]]))).toEqual(expected);
    const either = await query({ site_id: SITE, date_range: 'day', metrics: ['visitors'], filters: [['or', [['is', 'visit:country', ['SE']], ['matches', 'event:page', ['^/docs$']]]]] });
    expect(either.json.results[0].metrics[0]).toBe(visits.filter((v) => v.country === 'SE' || v.pages.includes('/docs')).length);
  });

  it('gives the same numbers from the rollups and from the archive', async () => {
    const now = Date.now();
    for (const body of [
      { site_id: SITE, date_range: 'day', metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate', 'views_per_visit'] },
      { site_id: SITE, date_range: '7d', metrics: ['visitors', 'pageviews', 'visits'], dimensions: ['time:day'] },
    ]) {
      const plan = parseQuery(body, now);
      const rollups = await runQuery(plan, now, { engine: 'rollups' });
      const archive = await runQuery(plan, now, { engine: 'archive' });
      expect(rollups.meta.engine).toBe('rollups');
      expect(archive.results).toEqual(rollups.results);
    }
    const { json } = await query({ site_id: SITE, date_range: 'day', metrics: ['visitors', 'pageviews'] });
    expect(json.meta.engine).toBe('rollups');
    // Time labels name every bucket, including the empty ones, as the rows label theirs.
    const hourly = await query({ site_id: SITE, date_range: 'day', metrics: ['pageviews'], dimensions: ['time:hour'], include: { time_labels: true } });
    expect(hourly.json.meta.time_labels).toHaveLength(24);
    for (const row of hourly.json.results) expect(hourly.json.meta.time_labels).toContain(row.dimensions[0]);
    const weekly = await query({ site_id: SITE, date_range: '28d', metrics: ['pageviews'], dimensions: ['time:week'], include: { time_labels: true } });
    for (const row of weekly.json.results) expect(weekly.json.meta.time_labels).toContain(row.dimensions[0]);
    expect(json.results[0].metrics).toEqual([visits.length, visits.reduce((sum, v) => sum + v.pages.length, 0)]);
  });

  it('runs DuckDB with automatic extension downloads off: nothing reaches for the network', async () => {
    const engine = duckdbEngine(stack.archiveDir);
    const [row] = await engine.run({ sql: "SELECT current_setting('autoinstall_known_extensions') AS install, current_setting('autoload_known_extensions') AS load", params: [], dimensions: 0 });
    engine.close();
    expect(row).toEqual({ install: false, load: false });
  });

  it('never reads another site, whatever a value, a property key or a dimension name holds', async () => {
    const injected = [
      { filters: [['is', 'event:page', ["/' OR 1=1 --"]]] },
      { filters: [['contains', 'event:props:x\') OR site <> (\'', ['a']]] },
      { dimensions: ['event:props:plan"] FROM raw; --'] },
    ];
    for (const extra of injected) {
      const { status, json } = await query({ site_id: SITE, date_range: 'day', metrics: ['visitors'], ...extra });
      expect(status, JSON.stringify(json)).toBe(200);
      const total = json.results.reduce((sum: number, r: any) => sum + r.metrics[0], 0);
      expect(total, JSON.stringify(extra)).toBeLessThanOrEqual(extra.dimensions ? visits.length : 0);
    }
    expect((await query({ site_id: SITE, date_range: 'day', metrics: ['visitors'], dimensions: ['event:page; DROP TABLE x'] })).status).toBe(400);
    const other = await query({ site_id: 'other.test', date_range: 'day', metrics: ['visitors', 'pageviews'] });
    expect(other.json.results[0].metrics).toEqual([1, 2]);
  });

  it('answers bad input with a 400 naming the field, as {"error": …}', async () => {
    const base = { site_id: SITE, date_range: 'day', metrics: ['visitors'] };
    const cases: [unknown, RegExp][] = [
      [{ ...base, metrics: ['visitors', 'hits'] }, /metrics\[1\]/],
      [{ ...base, dimensions: ['visit:planet'] }, /dimensions\[0\]/],
      [{ ...base, filters: [['equals', 'event:page', ['/']]] }, /filters\[0\].*operator/],
      [{ ...base, date_range: 'last week' }, /date_range/],
      [{ ...base, date_range: ['2026-13-01', '2026-12-01'] }, /date_range/],
      [{ ...base, filters: [['matches', 'event:page', ['x'.repeat(300)]]] }, /filters\[0\]\[2\]\[0\]/],
      [{ ...base, filters: [['matches', 'event:page', ['(']]] }, /regular expression/],
      [{ ...base, dimensions: ['event:page', 'event:name', 'event:hostname', 'visit:source', 'visit:referrer', 'visit:device', 'visit:browser', 'visit:os', 'visit:country', 'visit:entry_page', 'visit:exit_page'] }, /dimensions: at most 10/],
      [{ ...base, pagination: { limit: 10_001 } }, /pagination.limit/],
      [{ date_range: 'day', metrics: ['visitors'] }, /site_id/],
      ['not json', /JSON/],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await query(body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.error, JSON.stringify(body)).toMatch(message);
    }
    const anonymous = await query(base, null);
    expect(anonymous.status).toBe(401);
    expect(typeof anonymous.json.error).toBe('string');
  });

  it('reads a closed day from a Parquet copy, and makes a new copy when a late event arrives for it', async () => {
    const site = 'closed.test';
    const day = today - 3 * DAY;
    const label = new Date(day).toISOString().slice(0, 10);
    const record = (i: number): ArchiveRecord => ({
      site, id: `c-${i}`, session_id: `s-${i % 7}`, visitor: `v-${i % 7}`, time: day + i * 1000, kind: 'pageview', name: 'page_view',
      path: `/p${i % 3}`, hostname: site, referrer: '', utm_source: '', utm_medium: '', utm_campaign: '',
      browser: 'Firefox', os: 'Linux', device: 'desktop', country: 'FR', props: {}, engaged_ms: null, scroll: null,
    });
    const writer = openLocalArchive(stack.archiveDir);
    // Written twice, as a redelivered batch would be.
    writer.append(Array.from({ length: 30 }, (_, i) => record(i)));
    writer.append(Array.from({ length: 30 }, (_, i) => record(i)));
    const ask = () => query({ site_id: site, date_range: [label, label], metrics: ['pageviews', 'visitors'], dimensions: ['event:page'], filters: [['is', 'visit:country', ['FR']]] });
    const first = await ask();
    expect(Object.fromEntries(first.json.results.map((r: any) => [r.dimensions[0], r.metrics]))).toEqual({ '/p0': [10, 7], '/p1': [10, 7], '/p2': [10, 7] });
    const cache = join(dirname(stack.archiveDir), 'archive-cache', `site=${site}`, `day=${label}`);
    const copies = readdirSync(cache);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/\.parquet$/);
    // An event a day late, for the closed day.
    writer.append([record(30)]);
    writer.close();
    const second = await ask();
    expect(second.json.results.find((r: any) => r.dimensions[0] === '/p0').metrics[0]).toBe(11);
    expect(readdirSync(cache)).toHaveLength(1);
    expect(readdirSync(cache)[0]).not.toBe(copies[0]);
  });

  it('exports the window’s events once each, as NDJSON and as CSV', async () => {
    const day = new Date(today).toISOString().slice(0, 10);
    const ndjson = await fetch(`${stack.url}/api/export?site_id=${SITE}&from=${day}&to=${day}`, { headers: { 'X-API-Key': KEY } });
    expect(ndjson.status).toBe(200);
    const rows = (await ndjson.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as ArchiveRecord);
    expect(rows).toHaveLength(visits.reduce((sum, v) => sum + v.pages.length + (v.event ? 1 : 0), 0));
    expect(rows.every((r) => r.site === SITE)).toBe(true);
    expect(rows.find((r) => r.name === 'signup')?.props.plan).toMatch(/pro|free/);
    const csv = await fetch(`${stack.url}/api/export?site_id=${SITE}&from=${day}&to=${day}&format=csv`, { headers: { 'X-API-Key': KEY } });
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe(ARCHIVE_COLUMNS.map((c) => c.name).join(','));
    expect(lines).toHaveLength(rows.length + 1);
    const bad = await fetch(`${stack.url}/api/export?site_id=${SITE}&from=${day}&to=yesterday`, { headers: { 'X-API-Key': KEY } });
    expect(bad.status).toBe(400);
  });

  it('streams an export past what a buffered answer may hold (10 MB), each event once, and survives a client that hangs up', async () => {
    const site = 'big-export.test';
    const first = today - 2 * DAY;
    const label = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const note = 'x'.repeat(300);
    const record = (i: number): ArchiveRecord => ({
      site, id: `b-${i}`, session_id: `s-${i % 500}`, visitor: `v-${i % 500}`, time: first + Math.floor(i / 2) * 1000, kind: 'pageview', name: 'page_view',
      path: `/p${i % 50}`, hostname: site, referrer: '', utm_source: '', utm_medium: '', utm_campaign: '',
      browser: 'Firefox', os: 'Linux', device: 'desktop', country: 'FR', props: { note }, engaged_ms: null, scroll: null,
    });
    const total = 30_000;
    const writer = openLocalArchive(stack.archiveDir);
    for (let i = 0; i < total; i += 5_000) writer.append(Array.from({ length: 5_000 }, (_, k) => record(i + k)));
    // A redelivered batch: archived twice, exported once.
    writer.append(Array.from({ length: 1_000 }, (_, k) => record(k)));
    writer.close();
    const url = `${stack.url}/api/export?site_id=${site}&from=${label(first)}&to=${label(today)}`;

    const response = await fetch(url, { headers: { 'X-API-Key': KEY } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const text = await response.text();
    expect(Buffer.byteLength(text)).toBeGreaterThan(10 * 1024 * 1024);
    const rows = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ArchiveRecord);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.id)).size).toBe(total);
    expect(rows.every((r) => r.site === site && r.props.note === note)).toBe(true);
    // Oldest first.
    expect(rows.every((r, i) => i === 0 || rows[i - 1]!.time <= r.time)).toBe(true);

    // A client that reads one chunk and hangs up; the next export is answered in full.
    const aborted = new AbortController();
    const partial = await fetch(url, { headers: { 'X-API-Key': KEY }, signal: aborted.signal });
    const reader = partial.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    aborted.abort();
    await reader.read().catch(() => undefined);
    const again = await fetch(`${url}&format=csv`, { headers: { 'X-API-Key': KEY } });
    expect((await again.text()).trim().split('\r\n')).toHaveLength(total + 1);
  });
});
